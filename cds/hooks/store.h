#pragma once
// The service's durable memory (SQLite): every card issued (the audit trail)
// and the feedback EHRs send about them, so an accepted or overridden card can
// be traced back to the evidence it showed.
//
// Safe for concurrent use by the server's threads. Every write either commits
// or returns an error: nothing is silently lost. Writes that arrive while
// another is being committed share the next transaction and its fsync
// (group commit); each caller still returns only once its own rows are
// durable, with its own result.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace icans {

struct AuditRecord {
  std::string card_uuid;
  std::string service_id;     // e.g. "icans-patient-view"
  std::string hook_instance;
  std::string issued_at;      // FHIR instant (UTC)
  std::string patient_id;
  std::optional<int> icans_grade;
  std::optional<int> crs_grade;
  std::string kind;           // card family
  std::vector<std::string> rule_ids;
  std::string protocol_version;
  std::string engine_version;
  std::string inputs_sha256;  // hash of the request's clinical inputs, hex
  std::string card_json;      // the card as sent
  bool shadow = false;        // computed but not sent (shadow mode)
  // Who asked, when authentication is on (schema v2); empty when it is off,
  // and in rows written before v2.
  std::string issuer;  // the calling EHR's verified token `iss`
  std::string tenant;  // that token's `tenant` claim, empty when it has none
};

struct FeedbackRecord {
  std::string card_uuid;
  std::string service_id;
  std::string outcome;  // "accepted" or "overridden"
  std::vector<std::string> accepted_suggestions;  // suggestion uuids
  std::string override_reason_system;
  std::string override_reason_code;
  std::string override_reason_display;
  std::string user_comment;
  std::string outcome_timestamp;  // as sent (FHIR instant)
  std::string received_at;        // FHIR instant (UTC)
};

class Store {
 public:
  // Opens (creating if needed) the database at `path` and its schema,
  // migrating an older schema in one transaction; a newer one is refused.
  // Returns nullptr with `error` set when it cannot. `path` may be a SQLite
  // URI ("file:/var/lib/icans/audit.db?mode=ro" opens read-only).
  // A database file written to is checkpointed off the request path once
  // its write-ahead log passes `checkpoint_pages` (wal_checkpointer.h).
  static constexpr int kCheckpointPages = 1000;  // SQLite's own default
  static std::unique_ptr<Store> open(const std::string& path, std::string& error,
                                     int checkpoint_pages = kCheckpointPages);
  // Opens an existing database to read it and nothing else, for tools that
  // inspect the evidence (icans-cds audit): SQLite's read-only mode, no
  // pragma, no schema created or migrated, the file's bytes unchanged. Each
  // schema version this program knows is read as it is: fields an older
  // version did not have read empty (issuer and tenant before v2). A missing
  // file, one without our schema, and a newer or unknown version are refused
  // with `error` set. Writes return an error.
  // A database in WAL mode is read through the -wal and -shm files beside
  // it; SQLite creates them when they are missing, so a database in a
  // directory this user may not write needs them present (or a
  // "file:...?immutable=1" URI, when nothing can be writing to it), and
  // `error` says so.
  static std::unique_ptr<Store> open_read_only(const std::string& path, std::string& error);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // All records of one call commit together or not at all, possibly in one
  // transaction with other callers' records. Empty string once they are
  // durable (synchronous=FULL); otherwise this call's own error: another
  // caller's bad rows never fail it.
  std::string record_cards(const std::vector<AuditRecord>& records);
  std::string record_feedback(const std::vector<FeedbackRecord>& feedback);

  // How group commit is doing, for metrics and tests.
  struct WriteStats {
    std::uint64_t transactions = 0;  // write transactions committed
    std::uint64_t batches = 0;       // callers' batches they carried
    std::size_t queued = 0;          // now: batches waiting for a leader
    std::size_t committing = 0;      // now: batches the current leader is writing
    // Write-ahead log checkpoints, and the frames they copied into the
    // database: off the request path, and by commits when the log outgrew
    // the thread (wal_checkpointer.h).
    std::uint64_t checkpoints = 0;
    std::uint64_t checkpointed_frames = 0;
    std::uint64_t commit_checkpoints = 0;
    std::uint64_t checkpoint_failures = 0;
  };
  WriteStats write_stats() const;

  // The database's schema version: the current one once open() returns, the
  // file's own after open_read_only().
  int schema_version() const;

  std::vector<AuditRecord> audit_for_card(const std::string& card_uuid, std::string& error);
  std::vector<FeedbackRecord> feedback_for_card(const std::string& card_uuid, std::string& error);
  std::optional<AuditRecord> find_card(const std::string& card_uuid, std::string& error);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace icans
