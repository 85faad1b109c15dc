// SQLite through its C API. One connection, guarded by one mutex: SQLite
// serialises writers to a database anyway, the service writes a handful of
// rows per request, and a single connection keeps every transaction's
// statements on one handle with no pool to reason about. Several Store
// objects (or processes) on one file also work: WAL lets readers run beside
// the writer, BEGIN IMMEDIATE takes the write lock before the first insert
// (no deadlock upgrading a read lock), and busy_timeout makes a second writer
// wait instead of failing.
//
// Group commit: with synchronous=FULL every commit is an fsync, which costs
// far more than the inserts. Callers queue their batch; the first to find no
// commit under way becomes the leader and writes every queued batch in one
// transaction, while the batches that arrive meanwhile queue for the next
// leader. Nobody waits for company: a lone caller commits at once. If the
// shared transaction fails, each batch is retried in a transaction of its
// own, so a bad batch fails only its own caller and every caller learns its
// own true result. A caller returns after the COMMIT that carried its rows.
//
// `path` goes to sqlite3_open_v2 with SQLITE_OPEN_URI, so "file:...?mode=ro"
// opens a database read-only (the tests use that to make writes fail for
// real even when running as root).

#include "cds/hooks/store.h"

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <iterator>
#include <mutex>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cds/hooks/wal_checkpointer.h"
#include "fhir/json.h"

namespace icans {
namespace {

constexpr int kSchemaVersion = 2;
constexpr int kBusyTimeoutMs = 5000;

// Executed as whole constants: nothing in the schema depends on input.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS card_audit (
  card_uuid        TEXT PRIMARY KEY NOT NULL CHECK (card_uuid <> ''),
  service_id       TEXT NOT NULL,
  hook_instance    TEXT NOT NULL,
  issued_at        TEXT NOT NULL,
  patient_id       TEXT NOT NULL,
  icans_grade      INTEGER NULL,
  crs_grade        INTEGER NULL,
  kind             TEXT NOT NULL,
  rule_ids         TEXT NOT NULL,  -- JSON array of strings
  protocol_version TEXT NOT NULL,
  engine_version   TEXT NOT NULL,
  inputs_sha256    TEXT NOT NULL,
  card_json        TEXT NOT NULL,
  shadow           INTEGER NOT NULL CHECK (shadow IN (0, 1)),
  issuer           TEXT NULL,  -- NULL: authentication off, or written before v2
  tenant           TEXT NULL
);
-- No foreign key to card_audit: feedback about a card this database never
-- recorded (issued by another instance, or before auditing began) is still
-- the clinician's word and is kept.
CREATE TABLE IF NOT EXISTS feedback (
  id                      INTEGER PRIMARY KEY,
  card_uuid               TEXT NOT NULL,
  service_id              TEXT NOT NULL,
  outcome                 TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  accepted_suggestions    TEXT NOT NULL,  -- JSON array of strings
  override_reason_system  TEXT NULL,
  override_reason_code    TEXT NULL,
  override_reason_display TEXT NULL,
  user_comment            TEXT NULL,
  outcome_timestamp       TEXT NOT NULL,
  received_at             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_by_card ON feedback (card_uuid);
INSERT INTO schema_version (version)
  SELECT 2 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
)sql";
static_assert(kSchemaVersion == 2, "kCreateSchema writes the current version: update both");

// Step i takes a database of version i + 1 to version i + 2. Steps run in
// one transaction with the version update: a failed step leaves the database
// as it was. A new version adds a step and changes kCreateSchema to match.
constexpr const char* kMigrations[] = {
    // v2: who asked for the card.
    "ALTER TABLE card_audit ADD COLUMN issuer TEXT NULL;"
    "ALTER TABLE card_audit ADD COLUMN tenant TEXT NULL;",
};
static_assert(std::size(kMigrations) == std::size_t{kSchemaVersion - 1}, "one migration step per version after 1");

constexpr const char* kAuditColumnsV1 =
    "card_uuid, service_id, hook_instance, issued_at, patient_id, icans_grade, crs_grade, kind, "
    "rule_ids, protocol_version, engine_version, inputs_sha256, card_json, shadow";

// card_audit's columns as schema `version` has them, in the order the
// statements bind and read them. A read-only store cannot migrate, so it
// reads an older version as it is: NULL stands for a column it did not have
// yet, which reads as an empty field, the value the header gives such rows.
std::string audit_columns(int version) {
  static_assert(kSchemaVersion == 2, "a new version may add columns here");
  return std::string(kAuditColumnsV1) + (version >= 2 ? ", issuer, tenant" : ", NULL, NULL");
}

constexpr const char* kFeedbackColumns =
    "card_uuid, service_id, outcome, accepted_suggestions, override_reason_system, "
    "override_reason_code, override_reason_display, user_comment, outcome_timestamp, received_at";

std::string sql_error(sqlite3* db, const std::string& step) { return step + ": " + sqlite3_errmsg(db); }

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  std::string prepare(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
      return sql_error(db, "prepare '" + sql.substr(0, 40) + "...'");
    return {};
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Leaves a statement ready for its next use and releases its locks, whatever
// happens between bind and step.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetOnExit() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

void bind_text(sqlite3_stmt* stmt, int index, const std::string& value) {
  sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

void bind_optional_text(sqlite3_stmt* stmt, int index, const std::string& value) {
  if (value.empty()) {
    sqlite3_bind_null(stmt, index);
  } else {
    bind_text(stmt, index, value);
  }
}

void bind_optional_int(sqlite3_stmt* stmt, int index, const std::optional<int>& value) {
  if (value) {
    sqlite3_bind_int(stmt, index, *value);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}

std::string column_text(sqlite3_stmt* stmt, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
  if (!text) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)));
}

std::optional<int> column_optional_int(sqlite3_stmt* stmt, int index) {
  if (sqlite3_column_type(stmt, index) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int(stmt, index);
}

std::string json_string_array(const std::vector<std::string>& values) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  for (const auto& value : values) writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  writer.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Empty string on success.
std::string parse_string_array(const std::string& text, std::vector<std::string>& out) {
  rapidjson::Document doc;
  if (auto problem = fhir::parse_json(text, doc); !problem.empty()) return problem;
  if (!doc.IsArray()) return "not a JSON array";
  out.clear();
  for (const auto& value : doc.GetArray()) {
    if (!value.IsString()) return "an element is not a string";
    out.emplace_back(value.GetString(), value.GetStringLength());
  }
  return {};
}

// One caller's rows, queued until a leader commits them. Lives on the
// caller's stack: the caller does not return before `done`.
struct Batch {
  explicit Batch(const char* operation) : operation(operation) {}
  const char* operation;  // "record_cards" or "record_feedback": its errors start with it
  const std::vector<AuditRecord>* cards = nullptr;
  const std::vector<FeedbackRecord>* feedback = nullptr;
  // Written by the leader, read by the caller once `done`.
  bool committed = false;
  std::string error;
  bool done = false;  // guarded by Impl::queue_mutex
};

}  // namespace

struct Store::Impl {
  sqlite3* db = nullptr;
  // The connection and its statements: one user at a time.
  std::mutex connection_mutex;
  Statement begin, commit, rollback;
  Statement insert_audit, insert_feedback, select_audit, select_feedback;

  // Group commit. A follower waits on `released` until a leader has written
  // its batch, or until no leader is left and it may lead.
  std::mutex queue_mutex;
  std::condition_variable released;
  std::vector<Batch*> queued;
  bool leading = false;
  std::size_t committing = 0;
  std::atomic<std::uint64_t> transactions{0};
  std::atomic<std::uint64_t> batches{0};

  std::unique_ptr<WalCheckpointer> checkpointer;  // file databases opened for writing

  int schema_version = 0;
  bool read_only = false;  // open_read_only: no write statement exists to run
  std::string where;       // "database PATH", for errors

  ~Impl() {
    checkpointer.reset();  // it hooks `db`: gone before `db` is
    // The statements are finalized by member destructors, after this body;
    // sqlite3_close_v2 defers the close until they are.
    sqlite3_close_v2(db);
  }

  // Runs one of the parameterless statements (BEGIN, COMMIT, ROLLBACK).
  std::string run(Statement& statement, const std::string& step) {
    ResetOnExit reset(statement.get());
    if (sqlite3_step(statement.get()) != SQLITE_DONE) return sql_error(db, step);
    return {};
  }

  // After a failed step inside a transaction: undo everything of this call.
  std::string abandon(std::string error) {
    if (!sqlite3_get_autocommit(db)) {
      if (auto failed = run(rollback, "rollback"); !failed.empty()) error += "; " + failed;
    }
    return error;
  }

  // For a transaction left open by an exception; allocates nothing.
  void rollback_if_open() noexcept {
    if (sqlite3_get_autocommit(db)) return;
    sqlite3_step(rollback.get());
    sqlite3_reset(rollback.get());
  }

  // The caller's side of group commit. Returns once the batch is committed
  // or has failed, with its own result.
  std::string write(Batch& batch) {
    std::unique_lock<std::mutex> lock(queue_mutex);
    queued.push_back(&batch);
    released.wait(lock, [&] { return batch.done || !leading; });
    if (!batch.done) lead(lock);
    if (batch.committed) return {};
    if (!batch.error.empty()) return batch.error;
    return std::string(batch.operation) + ": not committed: the thread committing it failed";
  }

  // Takes every queued batch (this caller's among them) and commits them.
  // Whatever happens, the batches are released and the next leader may go:
  // no follower waits for a leader that is gone.
  void lead(std::unique_lock<std::mutex>& lock) {
    leading = true;
    std::vector<Batch*> group;
    group.swap(queued);
    committing = group.size();
    lock.unlock();
    struct Release {
      Impl& impl;
      std::unique_lock<std::mutex>& lock;
      const std::vector<Batch*>& group;
      ~Release() {
        lock.lock();
        for (Batch* batch : group) batch->done = true;
        impl.leading = false;
        impl.committing = 0;
        impl.released.notify_all();
      }
    } release{*this, lock, group};
    commit_group(group);
  }

  void commit_group(const std::vector<Batch*>& group) {
    std::lock_guard<std::mutex> lock(connection_mutex);
    try {
      if (group.size() > 1 && write_together(group)) {
        for (Batch* batch : group) batch->committed = true;
        transactions += 1;
        batches += group.size();
        return;
      }
      for (Batch* batch : group) {
        batch->error = write_alone(*batch);
        if (batch->error.empty()) {
          batch->committed = true;
          transactions += 1;
          batches += 1;
        }
      }
    } catch (...) {
      // The connection must be usable by the next leader.
      rollback_if_open();
      throw;
    }
  }

  // Every batch of the group in one transaction. False, with nothing
  // written, when any row or the commit fails: the reason is found again,
  // batch by batch, by write_alone.
  bool write_together(const std::vector<Batch*>& group) {
    if (!run(begin, "begin transaction").empty()) {
      rollback_if_open();
      return false;
    }
    for (const Batch* batch : group) {
      if (!insert_rows(*batch).empty()) {
        rollback_if_open();
        return false;
      }
    }
    if (!run(commit, "commit").empty()) {
      rollback_if_open();
      return false;
    }
    return true;
  }

  std::string write_alone(const Batch& batch) {
    const std::string prefix = std::string(batch.operation) + ": ";
    if (auto failed = run(begin, "begin transaction"); !failed.empty()) return abandon(prefix + failed);
    if (auto failed = insert_rows(batch); !failed.empty()) return abandon(prefix + failed);
    if (auto failed = run(commit, "commit"); !failed.empty()) return abandon(prefix + failed);
    return {};
  }

  // Inside an open transaction. The error names the row within its batch.
  std::string insert_rows(const Batch& batch) {
    if (batch.cards) return insert_each(*batch.cards, [this](const AuditRecord& r) { return insert_card(r); });
    return insert_each(*batch.feedback, [this](const FeedbackRecord& r) { return insert_one_feedback(r); });
  }

  template <class Record, class Insert>
  static std::string insert_each(const std::vector<Record>& records, Insert insert) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (auto failed = insert(records[i]); !failed.empty()) {
        return "row " + std::to_string(i + 1) + " of " + std::to_string(records.size()) + ": " + failed;
      }
    }
    return {};
  }

  std::string insert_card(const AuditRecord& record) {
    sqlite3_stmt* stmt = insert_audit.get();
    ResetOnExit reset(stmt);
    bind_text(stmt, 1, record.card_uuid);
    bind_text(stmt, 2, record.service_id);
    bind_text(stmt, 3, record.hook_instance);
    bind_text(stmt, 4, record.issued_at);
    bind_text(stmt, 5, record.patient_id);
    bind_optional_int(stmt, 6, record.icans_grade);
    bind_optional_int(stmt, 7, record.crs_grade);
    bind_text(stmt, 8, record.kind);
    bind_text(stmt, 9, json_string_array(record.rule_ids));
    bind_text(stmt, 10, record.protocol_version);
    bind_text(stmt, 11, record.engine_version);
    bind_text(stmt, 12, record.inputs_sha256);
    bind_text(stmt, 13, record.card_json);
    sqlite3_bind_int(stmt, 14, record.shadow ? 1 : 0);
    bind_optional_text(stmt, 15, record.issuer);
    bind_optional_text(stmt, 16, record.tenant);
    if (sqlite3_step(stmt) != SQLITE_DONE)
      return sql_error(db, "insert card_audit (card " + record.card_uuid + ")");
    return {};
  }

  std::string insert_one_feedback(const FeedbackRecord& record) {
    sqlite3_stmt* stmt = insert_feedback.get();
    ResetOnExit reset(stmt);
    bind_text(stmt, 1, record.card_uuid);
    bind_text(stmt, 2, record.service_id);
    bind_text(stmt, 3, record.outcome);
    bind_text(stmt, 4, json_string_array(record.accepted_suggestions));
    bind_optional_text(stmt, 5, record.override_reason_system);
    bind_optional_text(stmt, 6, record.override_reason_code);
    bind_optional_text(stmt, 7, record.override_reason_display);
    bind_optional_text(stmt, 8, record.user_comment);
    bind_text(stmt, 9, record.outcome_timestamp);
    bind_text(stmt, 10, record.received_at);
    if (sqlite3_step(stmt) != SQLITE_DONE)
      return sql_error(db, "insert feedback (card " + record.card_uuid + ")");
    return {};
  }
};

namespace {

// False when the version cannot be read (no schema yet, or not ours).
bool read_schema_version(sqlite3* db, int& version) {
  Statement select;
  if (!select.prepare(db, "SELECT version FROM schema_version").empty()) return false;
  version = sqlite3_step(select.get()) == SQLITE_ROW ? sqlite3_column_int(select.get(), 0) : 0;
  return true;
}

// Brings a database of an older schema version to kSchemaVersion. The
// version is read again under the write lock: another process may have
// migrated it since. Empty string on success.
std::string migrate(sqlite3* db, int& version, const std::string& where) {
  const std::string failure = "cannot migrate " + where + " from schema version " + std::to_string(version) +
                              " to " + std::to_string(kSchemaVersion) + ": ";
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sql_error(db, failure + "begin");
  }
  auto give_up = [&](const std::string& step) {
    std::string error = sql_error(db, failure + step);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  };
  int current = 0;
  if (!read_schema_version(db, current)) return give_up("read version");
  if (current < 1 || current >= kSchemaVersion) {
    // Migrated meanwhile, or not a version to migrate from: open() judges it.
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    version = current;
    return {};
  }
  for (int from = current; from < kSchemaVersion; ++from) {
    if (sqlite3_exec(db, kMigrations[from - 1], nullptr, nullptr, nullptr) != SQLITE_OK) {
      return give_up("step to version " + std::to_string(from + 1));
    }
  }
  const std::string update = "UPDATE schema_version SET version = " + std::to_string(kSchemaVersion);
  if (sqlite3_exec(db, update.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return give_up("set version");
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return give_up("commit");
  version = kSchemaVersion;
  return {};
}

// Empty when this program knows schema `version`.
std::string unknown_version(const std::string& where, int version) {
  // A newer program may have added columns or meanings this one would
  // silently leave empty or misread: refuse rather than write or show half a row.
  if (version > kSchemaVersion) {
    return where + " has schema version " + std::to_string(version) + ", newer than version " +
           std::to_string(kSchemaVersion) + " this program knows: use the icans-cds that wrote it, or a newer one";
  }
  if (version < 1) return where + " has schema version " + std::to_string(version) + ", which no icans-cds writes";
  return {};
}

// Why the first read of a database opened read-only failed.
std::string cannot_read(sqlite3* db, const std::string& where) {
  // SQLite's own words would be "attempt to write a readonly database",
  // which misleads someone who asked only to read.
  if (sqlite3_extended_errcode(db) == SQLITE_READONLY_DIRECTORY) {
    return "cannot open " + where +
           " read-only: it is in WAL mode, and SQLite reads such a database through its -wal and -shm files, "
           "which are missing and cannot be created in a directory this user may not write: read a copy in a "
           "writable directory, or, when nothing can be writing to it, open it as a \"file:...?immutable=1\" URI";
  }
  return sql_error(db, "cannot open " + where);
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& path, std::string& error, int checkpoint_pages) {
  error.clear();
  auto impl = std::make_unique<Impl>();
  impl->where = "database " + path;
  const std::string& where = impl->where;
  // sqlite3_open_v2 hands out a handle even when it fails; Impl closes it.
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                      nullptr) != SQLITE_OK) {
    error = impl->db ? sql_error(impl->db, "cannot open " + where) : "cannot open " + where + ": out of memory";
    return nullptr;
  }
  sqlite3* db = impl->db;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // The first statement reads the file: a file that is not a database fails here.
  bool wal = false;
  {
    Statement journal;
    if (!journal.prepare(db, "PRAGMA journal_mode=WAL").empty()) {
      error = sql_error(db, "cannot open " + where);
      return nullptr;
    }
    if (sqlite3_step(journal.get()) != SQLITE_ROW) {
      error = sql_error(db, "cannot set WAL journal mode on " + where);
      return nullptr;
    }
    std::string mode = column_text(journal.get(), 0);
    wal = mode == "wal";
    if (mode != "wal" && path != ":memory:") {
      error = "cannot set WAL journal mode on " + where + " (still '" + mode + "')";
      return nullptr;
    }
  }
  // FULL: a committed audit row survives a power cut, not only a crash.
  for (const char* pragma : {"PRAGMA foreign_keys=ON", "PRAGMA synchronous=FULL"}) {
    if (sqlite3_exec(db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
      error = sql_error(db, std::string("cannot apply ") + pragma + " on " + where);
      return nullptr;
    }
  }

  int version = 0;
  if (!read_schema_version(db, version) || version == 0) {
    // IF NOT EXISTS and the guarded INSERT make a race with another process
    // creating the same schema harmless.
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      error = sql_error(db, "cannot create the schema in " + where + ": begin");
      return nullptr;
    }
    if (sqlite3_exec(db, kCreateSchema, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      error = sql_error(db, "cannot create the schema in " + where);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return nullptr;
    }
    if (!read_schema_version(db, version)) {
      error = sql_error(db, "cannot read the schema version of " + where);
      return nullptr;
    }
  }
  if (version >= 1 && version < kSchemaVersion) {
    if (auto failed = migrate(db, version, where); !failed.empty()) {
      error = failed;
      return nullptr;
    }
  }
  if (auto unknown = unknown_version(where, version); !unknown.empty()) {
    error = unknown;
    return nullptr;
  }
  impl->schema_version = version;

  const std::string columns = audit_columns(kSchemaVersion);
  const std::string feedback_columns = kFeedbackColumns;
  const std::pair<Statement*, std::string> statements[] = {
      {&impl->begin, "BEGIN IMMEDIATE"},
      {&impl->commit, "COMMIT"},
      {&impl->rollback, "ROLLBACK"},
      {&impl->insert_audit,
       "INSERT INTO card_audit (" + columns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"},
      {&impl->insert_feedback, "INSERT INTO feedback (" + feedback_columns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&impl->select_audit, "SELECT " + columns + " FROM card_audit WHERE card_uuid = ?1"},
      {&impl->select_feedback, "SELECT " + feedback_columns + " FROM feedback WHERE card_uuid = ?1 ORDER BY id"},
  };
  for (const auto& [statement, sql] : statements) {
    if (auto failed = statement->prepare(db, sql); !failed.empty()) {
      error = "cannot open " + where + ": " + failed;
      return nullptr;
    }
  }
  if (wal && sqlite3_db_readonly(db, "main") == 0) {
    std::string failed;
    impl->checkpointer = WalCheckpointer::start(db, path, checkpoint_pages, failed);
    if (!impl->checkpointer) {
      error = "cannot open " + where + " for checkpoints: " + failed;
      return nullptr;
    }
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

std::unique_ptr<Store> Store::open_read_only(const std::string& path, std::string& error) {
  error.clear();
  auto impl = std::make_unique<Impl>();
  impl->read_only = true;
  impl->where = "database " + path;
  const std::string& where = impl->where;
  // No SQLITE_OPEN_CREATE: a mistyped path is an error, not a new database.
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
    error = impl->db ? sql_error(impl->db, "cannot open " + where) : "cannot open " + where + ": out of memory";
    return nullptr;
  }
  sqlite3* db = impl->db;
  sqlite3_extended_result_codes(db, 1);
  // A reader may have to wait while another connection rebuilds the WAL index.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // The first statement reads the file (and, in WAL mode, its -wal and -shm):
  // a file that is not a database, or cannot be read, fails here.
  bool has_version_table = false;
  {
    Statement probe;
    if (!probe.prepare(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
             .empty() ||
        sqlite3_step(probe.get()) != SQLITE_ROW) {
      error = cannot_read(db, where);
      return nullptr;
    }
    has_version_table = sqlite3_column_int(probe.get(), 0) == 1;
  }
  int version = 0;
  bool has_version = false;
  if (has_version_table) {
    Statement select;
    if (auto failed = select.prepare(db, "SELECT version FROM schema_version"); !failed.empty()) {
      error = "cannot open " + where + ": " + failed;
      return nullptr;
    }
    const int step = sqlite3_step(select.get());
    if (step == SQLITE_ROW) {
      version = sqlite3_column_int(select.get(), 0);
      has_version = true;
    } else if (step != SQLITE_DONE) {
      error = sql_error(db, "cannot read the schema version of " + where);
      return nullptr;
    }
  }
  if (!has_version) {
    error = where + " holds no icans-cds schema";
    return nullptr;
  }
  if (auto unknown = unknown_version(where, version); !unknown.empty()) {
    error = unknown;
    return nullptr;
  }
  impl->schema_version = version;

  const std::pair<Statement*, std::string> statements[] = {
      {&impl->select_audit, "SELECT " + audit_columns(version) + " FROM card_audit WHERE card_uuid = ?1"},
      {&impl->select_feedback,
       std::string("SELECT ") + kFeedbackColumns + " FROM feedback WHERE card_uuid = ?1 ORDER BY id"},
  };
  for (const auto& [statement, sql] : statements) {
    if (auto failed = statement->prepare(db, sql); !failed.empty()) {
      error = "cannot open " + where + ": " + failed;
      return nullptr;
    }
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

int Store::schema_version() const { return impl_->schema_version; }

std::string Store::record_cards(const std::vector<AuditRecord>& records) {
  if (records.empty()) return {};
  if (impl_->read_only) return "record_cards: " + impl_->where + " is open read-only";
  Batch batch("record_cards");
  batch.cards = &records;
  return impl_->write(batch);
}

std::string Store::record_feedback(const std::vector<FeedbackRecord>& feedback) {
  if (feedback.empty()) return {};
  if (impl_->read_only) return "record_feedback: " + impl_->where + " is open read-only";
  Batch batch("record_feedback");
  batch.feedback = &feedback;
  return impl_->write(batch);
}

Store::WriteStats Store::write_stats() const {
  WriteStats stats;
  stats.transactions = impl_->transactions.load();
  stats.batches = impl_->batches.load();
  std::lock_guard<std::mutex> lock(impl_->queue_mutex);
  stats.queued = impl_->queued.size();
  stats.committing = impl_->committing;
  if (impl_->checkpointer) {
    stats.checkpoints = impl_->checkpointer->by_thread().checkpoints.load();
    stats.checkpointed_frames = impl_->checkpointer->by_thread().frames.load();
    stats.commit_checkpoints = impl_->checkpointer->by_commit().checkpoints.load();
    stats.checkpoint_failures = impl_->checkpointer->failures();
  }
  return stats;
}

std::vector<AuditRecord> Store::audit_for_card(const std::string& card_uuid, std::string& error) {
  error.clear();
  std::vector<AuditRecord> found;
  std::lock_guard<std::mutex> lock(impl_->connection_mutex);
  sqlite3_stmt* stmt = impl_->select_audit.get();
  ResetOnExit reset(stmt);
  bind_text(stmt, 1, card_uuid);
  int step;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    AuditRecord record;
    record.card_uuid = column_text(stmt, 0);
    record.service_id = column_text(stmt, 1);
    record.hook_instance = column_text(stmt, 2);
    record.issued_at = column_text(stmt, 3);
    record.patient_id = column_text(stmt, 4);
    record.icans_grade = column_optional_int(stmt, 5);
    record.crs_grade = column_optional_int(stmt, 6);
    record.kind = column_text(stmt, 7);
    if (auto problem = parse_string_array(column_text(stmt, 8), record.rule_ids); !problem.empty()) {
      error = "card_audit row of card " + card_uuid + ": rule_ids: " + problem;
      return {};
    }
    record.protocol_version = column_text(stmt, 9);
    record.engine_version = column_text(stmt, 10);
    record.inputs_sha256 = column_text(stmt, 11);
    record.card_json = column_text(stmt, 12);
    record.shadow = sqlite3_column_int(stmt, 13) != 0;
    record.issuer = column_text(stmt, 14);
    record.tenant = column_text(stmt, 15);
    found.push_back(std::move(record));
  }
  if (step != SQLITE_DONE) {
    error = sql_error(impl_->db, "audit_for_card: select card_audit");
    return {};
  }
  return found;
}

std::vector<FeedbackRecord> Store::feedback_for_card(const std::string& card_uuid, std::string& error) {
  error.clear();
  std::vector<FeedbackRecord> found;
  std::lock_guard<std::mutex> lock(impl_->connection_mutex);
  sqlite3_stmt* stmt = impl_->select_feedback.get();
  ResetOnExit reset(stmt);
  bind_text(stmt, 1, card_uuid);
  int step;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    FeedbackRecord record;
    record.card_uuid = column_text(stmt, 0);
    record.service_id = column_text(stmt, 1);
    record.outcome = column_text(stmt, 2);
    if (auto problem = parse_string_array(column_text(stmt, 3), record.accepted_suggestions);
        !problem.empty()) {
      error = "feedback row of card " + card_uuid + ": accepted_suggestions: " + problem;
      return {};
    }
    record.override_reason_system = column_text(stmt, 4);
    record.override_reason_code = column_text(stmt, 5);
    record.override_reason_display = column_text(stmt, 6);
    record.user_comment = column_text(stmt, 7);
    record.outcome_timestamp = column_text(stmt, 8);
    record.received_at = column_text(stmt, 9);
    found.push_back(std::move(record));
  }
  if (step != SQLITE_DONE) {
    error = sql_error(impl_->db, "feedback_for_card: select feedback");
    return {};
  }
  return found;
}

std::optional<AuditRecord> Store::find_card(const std::string& card_uuid, std::string& error) {
  auto found = audit_for_card(card_uuid, error);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

}  // namespace icans
