// SQLite through its C API. One connection, guarded by one mutex: SQLite
// serialises writers to a database anyway, the service writes a handful of
// rows per request, and a single connection keeps every transaction's
// statements on one handle with no pool to reason about. Several Store
// objects (or processes) on one file also work: WAL lets readers run beside
// the writer, BEGIN IMMEDIATE takes the write lock before the first insert
// (no deadlock upgrading a read lock), and busy_timeout makes a second writer
// wait instead of failing.
//
// `path` goes to sqlite3_open_v2 with SQLITE_OPEN_URI, so "file:...?mode=ro"
// opens a database read-only (the tests use that to make writes fail for
// real even when running as root).

#include "cds/hooks/store.h"

#include <sqlite3.h>

#include <mutex>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fhir/json.h"

namespace icans {
namespace {

constexpr int kSchemaVersion = 1;
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
  shadow           INTEGER NOT NULL CHECK (shadow IN (0, 1))
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
  SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
)sql";

constexpr const char* kAuditColumns =
    "card_uuid, service_id, hook_instance, issued_at, patient_id, icans_grade, crs_grade, kind, "
    "rule_ids, protocol_version, engine_version, inputs_sha256, card_json, shadow";

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

}  // namespace

struct Store::Impl {
  sqlite3* db = nullptr;
  std::mutex mutex;
  Statement begin, commit, rollback;
  Statement insert_audit, insert_feedback, select_audit, select_feedback;

  ~Impl() {
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

  template <class Record, class Insert>
  std::string write_all(const char* operation, const std::vector<Record>& records, Insert insert) {
    if (records.empty()) return {};
    std::lock_guard<std::mutex> lock(mutex);
    const std::string prefix = std::string(operation) + ": ";
    if (auto failed = run(begin, "begin transaction"); !failed.empty()) return abandon(prefix + failed);
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (auto failed = insert(records[i]); !failed.empty()) {
        return abandon(prefix + "row " + std::to_string(i + 1) + " of " + std::to_string(records.size()) +
                       ": " + failed);
      }
    }
    if (auto failed = run(commit, "commit"); !failed.empty()) return abandon(prefix + failed);
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

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& path, std::string& error) {
  error.clear();
  auto impl = std::make_unique<Impl>();
  const std::string where = "database " + path;
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

  auto read_version = [&](int& version) {
    Statement select;
    if (!select.prepare(db, "SELECT version FROM schema_version").empty()) return false;
    version = sqlite3_step(select.get()) == SQLITE_ROW ? sqlite3_column_int(select.get(), 0) : 0;
    return true;
  };
  int version = 0;
  if (!read_version(version) || version == 0) {
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
    if (!read_version(version)) {
      error = sql_error(db, "cannot read the schema version of " + where);
      return nullptr;
    }
  }
  if (version != kSchemaVersion) {
    error = where + " has schema version " + std::to_string(version) + "; this program knows version " +
            std::to_string(kSchemaVersion);
    return nullptr;
  }

  const std::string audit_columns = kAuditColumns;
  const std::string feedback_columns = kFeedbackColumns;
  const std::pair<Statement*, std::string> statements[] = {
      {&impl->begin, "BEGIN IMMEDIATE"},
      {&impl->commit, "COMMIT"},
      {&impl->rollback, "ROLLBACK"},
      {&impl->insert_audit, "INSERT INTO card_audit (" + audit_columns +
                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"},
      {&impl->insert_feedback, "INSERT INTO feedback (" + feedback_columns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&impl->select_audit, "SELECT " + audit_columns + " FROM card_audit WHERE card_uuid = ?1"},
      {&impl->select_feedback, "SELECT " + feedback_columns + " FROM feedback WHERE card_uuid = ?1 ORDER BY id"},
  };
  for (const auto& [statement, sql] : statements) {
    if (auto failed = statement->prepare(db, sql); !failed.empty()) {
      error = "cannot open " + where + ": " + failed;
      return nullptr;
    }
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

std::string Store::record_cards(const std::vector<AuditRecord>& records) {
  return impl_->write_all("record_cards", records,
                          [this](const AuditRecord& record) { return impl_->insert_card(record); });
}

std::string Store::record_feedback(const std::vector<FeedbackRecord>& feedback) {
  return impl_->write_all("record_feedback", feedback,
                          [this](const FeedbackRecord& record) { return impl_->insert_one_feedback(record); });
}

std::vector<AuditRecord> Store::audit_for_card(const std::string& card_uuid, std::string& error) {
  error.clear();
  std::vector<AuditRecord> found;
  std::lock_guard<std::mutex> lock(impl_->mutex);
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
  std::lock_guard<std::mutex> lock(impl_->mutex);
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
