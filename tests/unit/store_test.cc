#include <grp.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/hooks/store.h"

using icans::AuditRecord;
using icans::FeedbackRecord;
using icans::Store;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("icans-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::unique_ptr<Store> open_store(const std::string& path) {
  std::string error;
  auto store = Store::open(path, error);
  INFO(error);
  REQUIRE(store);
  CHECK(error.empty());
  return store;
}

AuditRecord card(const std::string& uuid) {
  AuditRecord record;
  record.card_uuid = uuid;
  record.service_id = "icans-patient-view";
  record.hook_instance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";
  record.issued_at = "2026-03-07T17:30:00Z";
  record.patient_id = "axicel-icans3";
  record.icans_grade = 3;
  record.crs_grade = std::nullopt;
  record.kind = "icans-grade";
  record.rule_ids = {"icans.ice.grade3", "note \"quoted\" \u00e9"};
  record.protocol_version = "astct-2019/1";
  record.engine_version = "0.1.0";
  record.inputs_sha256 = std::string(64, 'a');
  record.card_json = R"({"uuid": ")" + uuid + R"(", "summary": "ICANS grade 3"})";
  record.shadow = false;
  return record;
}

FeedbackRecord feedback(const std::string& uuid, const std::string& outcome) {
  FeedbackRecord record;
  record.card_uuid = uuid;
  record.service_id = "icans-patient-view";
  record.outcome = outcome;
  record.outcome_timestamp = "2026-03-07T17:35:00Z";
  record.received_at = "2026-03-07T17:35:01Z";
  return record;
}

bool has_card(Store& store, const std::string& uuid) {
  std::string error;
  auto found = store.find_card(uuid, error);
  INFO(error);
  REQUIRE(error.empty());
  return found.has_value();
}

// Threads joined within a bound: a store that hangs its callers aborts the
// run with a message instead of hanging it. Worker bodies must not use
// Catch assertions (not thread-safe): they record, the test thread checks.
class BoundedThreads {
 public:
  BoundedThreads() = default;
  BoundedThreads(const BoundedThreads&) = delete;
  BoundedThreads& operator=(const BoundedThreads&) = delete;
  ~BoundedThreads() { join_all(); }

  void start(std::function<void()> work) {
    threads_.emplace_back([this, work = std::move(work)] {
      work();
      std::lock_guard<std::mutex> lock(mutex_);
      ++finished_;
      all_finished_.notify_all();
    });
  }

  void join_all(std::chrono::seconds limit = std::chrono::seconds(120)) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!all_finished_.wait_for(lock, limit, [&] { return finished_ == threads_.size(); })) {
      std::fprintf(stderr, "store_test: %zu of %zu writers still blocked after %llds: the store hangs its callers\n",
                   threads_.size() - finished_, threads_.size(), static_cast<long long>(limit.count()));
      std::abort();
    }
    lock.unlock();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    finished_ = 0;
  }

 private:
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable all_finished_;
  std::size_t finished_ = 0;
};

// Polls `condition` for up to `limit`; the store gives no event to wait on.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A second connection holding the write lock: the store's next BEGIN
// IMMEDIATE waits for it (within the store's 5 s busy timeout), which holds
// a leader mid-commit so that other callers queue behind it.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;
  ~WriteLockHolder() { release(); }
  void release() {
    if (!db_) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

// One query's single integer, through a connection of its own.
long long query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  long long value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  INFO((message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// Schema version 1 as the first release created it, kept verbatim: the
// migration must take databases written by that code.
constexpr const char* kSchemaV1 = R"sql(
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

// A version-1 database holding one card (as v1 wrote it) and its feedback.
void create_v1_database(const std::string& path, const std::string& extra_sql = "") {
  exec_sql(path, std::string("PRAGMA journal_mode=WAL;") + kSchemaV1 +
                     R"sql(
INSERT INTO card_audit VALUES ('v1-card', 'icans-patient-view', 'hook-1', '2026-03-01T10:00:00Z',
  'axicel-icans3', 2, NULL, 'icans-grade', '["icans.ice.grade2"]', 'astct-2019/1', '0.1.0',
  'aaaa', '{"uuid":"v1-card"}', 0);
INSERT INTO feedback (card_uuid, service_id, outcome, accepted_suggestions, outcome_timestamp, received_at)
  VALUES ('v1-card', 'icans-patient-view', 'accepted', '[]', '2026-03-01T10:05:00Z', '2026-03-01T10:05:01Z');
)sql" + extra_sql);
}

bool has_column(const std::string& path, const std::string& table, const std::string& column) {
  return query_int(path, "SELECT count(*) FROM pragma_table_info('" + table + "') WHERE name = '" + column + "'") ==
         1;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::unique_ptr<Store> open_read_only_store(const std::string& path) {
  std::string error;
  auto store = Store::open_read_only(path, error);
  INFO(error);
  REQUIRE(store);
  CHECK(error.empty());
  return store;
}

void check_same_card(const AuditRecord& found, const AuditRecord& expected) {
  INFO("card " << expected.card_uuid);
  CHECK(found.card_uuid == expected.card_uuid);
  CHECK(found.service_id == expected.service_id);
  CHECK(found.hook_instance == expected.hook_instance);
  CHECK(found.issued_at == expected.issued_at);
  CHECK(found.patient_id == expected.patient_id);
  CHECK(found.icans_grade == expected.icans_grade);
  CHECK(found.crs_grade == expected.crs_grade);
  CHECK(found.kind == expected.kind);
  CHECK(found.rule_ids == expected.rule_ids);
  CHECK(found.protocol_version == expected.protocol_version);
  CHECK(found.engine_version == expected.engine_version);
  CHECK(found.inputs_sha256 == expected.inputs_sha256);
  CHECK(found.card_json == expected.card_json);
  CHECK(found.shadow == expected.shadow);
  CHECK(found.issuer == expected.issuer);
  CHECK(found.tenant == expected.tenant);
}

void check_same_feedback(const FeedbackRecord& found, const FeedbackRecord& expected) {
  INFO("feedback on " << expected.card_uuid << ", " << expected.outcome);
  CHECK(found.card_uuid == expected.card_uuid);
  CHECK(found.service_id == expected.service_id);
  CHECK(found.outcome == expected.outcome);
  CHECK(found.accepted_suggestions == expected.accepted_suggestions);
  CHECK(found.override_reason_system == expected.override_reason_system);
  CHECK(found.override_reason_code == expected.override_reason_code);
  CHECK(found.override_reason_display == expected.override_reason_display);
  CHECK(found.user_comment == expected.user_comment);
  CHECK(found.outcome_timestamp == expected.outcome_timestamp);
  CHECK(found.received_at == expected.received_at);
}

// What a read-only store at `path` says about the v1 database's card, as
// one line: the child process below can only hand back text.
std::string read_v1_card(const std::string& path) {
  std::string error;
  auto store = Store::open_read_only(path, error);
  if (!store) return "error: " + error;
  std::string line = "schema " + std::to_string(store->schema_version());
  for (const char* uuid : {"v1-card", "wal-card"}) {
    auto found = store->find_card(uuid, error);
    if (!error.empty()) return line + ", error: " + error;
    if (found) line += std::string(", ") + uuid;
  }
  return line;
}

// Runs `read` as a user that file permissions bind, and returns its answer.
// Root is not bound by them (CI runs the tests as root), so then `read` runs
// in a child process that has become the user nobody; nullopt when root
// cannot change user here.
std::optional<std::string> read_unprivileged(const std::function<std::string()>& read) {
  if (::geteuid() != 0) return read();
  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_ends[0]);
    std::string answer = "\x01";
    constexpr uid_t kNobody = 65534;
    if (::setgroups(0, nullptr) == 0 && ::setgid(kNobody) == 0 && ::setuid(kNobody) == 0) {
      try {
        answer = read();
      } catch (const std::exception& e) {
        answer = std::string("exception: ") + e.what();
      }
    }
    for (std::size_t written = 0; written < answer.size();) {
      const ssize_t n = ::write(pipe_ends[1], answer.data() + written, answer.size() - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(pipe_ends[1]);
  std::string answer;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0) answer.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_ends[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (answer == "\x01") return std::nullopt;
  return answer;
}

}  // namespace

TEST_CASE("Store round-trips audit records, NULL grades and all") {
  TempDir dir;
  auto store = open_store(dir.file("audit.db"));

  AuditRecord graded = card("card-1");
  graded.issuer = "https://ehr.example.org/issuer";
  graded.tenant = "hospital-42";
  AuditRecord shadow = card("x'); DROP TABLE card_audit; --");  // bound, never spliced into SQL
  shadow.icans_grade = std::nullopt;
  shadow.crs_grade = 0;
  shadow.rule_ids = {};
  shadow.shadow = true;
  REQUIRE(store->record_cards({graded, shadow}) == "");

  std::string error;
  auto found = store->find_card("card-1", error);
  REQUIRE(error.empty());
  REQUIRE(found);
  CHECK(found->card_uuid == graded.card_uuid);
  CHECK(found->service_id == graded.service_id);
  CHECK(found->hook_instance == graded.hook_instance);
  CHECK(found->issued_at == graded.issued_at);
  CHECK(found->patient_id == graded.patient_id);
  CHECK(found->icans_grade == 3);
  CHECK_FALSE(found->crs_grade.has_value());
  CHECK(found->kind == graded.kind);
  CHECK(found->rule_ids == graded.rule_ids);
  CHECK(found->protocol_version == graded.protocol_version);
  CHECK(found->engine_version == graded.engine_version);
  CHECK(found->inputs_sha256 == graded.inputs_sha256);
  CHECK(found->card_json == graded.card_json);
  CHECK_FALSE(found->shadow);
  CHECK(found->issuer == "https://ehr.example.org/issuer");
  CHECK(found->tenant == "hospital-42");

  auto listed = store->audit_for_card(shadow.card_uuid, error);
  REQUIRE(error.empty());
  REQUIRE(listed.size() == 1);
  CHECK_FALSE(listed[0].icans_grade.has_value());
  CHECK(listed[0].crs_grade == 0);
  CHECK(listed[0].rule_ids.empty());
  CHECK(listed[0].shadow);
  CHECK(listed[0].issuer.empty());
  CHECK(listed[0].tenant.empty());

  // No authenticated caller is NULL in the table, not an empty string.
  CHECK(query_int(dir.file("audit.db"),
                  "SELECT count(*) FROM card_audit WHERE issuer IS NULL AND tenant IS NULL") == 1);

  CHECK_FALSE(store->find_card("no-such-card", error));
  CHECK(error.empty());
  CHECK(store->audit_for_card("no-such-card", error).empty());
  CHECK(error.empty());
}

TEST_CASE("Store round-trips feedback in the order received") {
  TempDir dir;
  auto store = open_store(dir.file("feedback.db"));

  FeedbackRecord accepted = feedback("card-1", "accepted");
  accepted.accepted_suggestions = {"sugg-dexamethasone", "sugg-neuro-consult"};
  FeedbackRecord overridden = feedback("card-1", "overridden");
  overridden.override_reason_system = "https://example.org/override-reasons";
  overridden.override_reason_code = "already-treated";
  overridden.override_reason_display = "Already treated";
  overridden.user_comment = "Dexamethasone given at 16:50";
  FeedbackRecord other_card = feedback("card-2", "accepted");
  REQUIRE(store->record_feedback({accepted, overridden, other_card}) == "");

  std::string error;
  auto found = store->feedback_for_card("card-1", error);
  REQUIRE(error.empty());
  REQUIRE(found.size() == 2);
  CHECK(found[0].outcome == "accepted");
  CHECK(found[0].accepted_suggestions == accepted.accepted_suggestions);
  CHECK(found[0].override_reason_code.empty());
  CHECK(found[0].user_comment.empty());
  CHECK(found[0].outcome_timestamp == accepted.outcome_timestamp);
  CHECK(found[0].received_at == accepted.received_at);
  CHECK(found[1].outcome == "overridden");
  CHECK(found[1].accepted_suggestions.empty());
  CHECK(found[1].override_reason_system == overridden.override_reason_system);
  CHECK(found[1].override_reason_code == overridden.override_reason_code);
  CHECK(found[1].override_reason_display == overridden.override_reason_display);
  CHECK(found[1].user_comment == overridden.user_comment);
  CHECK(found[1].service_id == "icans-patient-view");

  CHECK(store->feedback_for_card("card-3", error).empty());
  CHECK(error.empty());
}

TEST_CASE("Store keeps its rows across close and reopen, and a second Store sees them") {
  TempDir dir;
  const std::string path = dir.file("durable.db");
  {
    auto store = open_store(path);
    REQUIRE(store->record_cards({card("card-1")}) == "");
    REQUIRE(store->record_feedback({feedback("card-1", "accepted")}) == "");
    auto second = open_store(path);
    CHECK(has_card(*second, "card-1"));
  }
  auto reopened = open_store(path);
  CHECK(has_card(*reopened, "card-1"));
  std::string error;
  CHECK(reopened->feedback_for_card("card-1", error).size() == 1);
  CHECK(error.empty());
}

TEST_CASE("Store takes concurrent writes from 8 threads without losing one") {
  TempDir dir;
  auto store = open_store(dir.file("concurrent.db"));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string uuid = "card-" + std::to_string(t) + "-" + std::to_string(i);
        if (!store->record_cards({card(uuid)}).empty()) ++failures;
        if (!store->record_feedback({feedback(uuid, "accepted")}).empty()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);

  std::string error;
  int cards = 0;
  int feedbacks = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string uuid = "card-" + std::to_string(t) + "-" + std::to_string(i);
      cards += has_card(*store, uuid) ? 1 : 0;
      feedbacks += static_cast<int>(store->feedback_for_card(uuid, error).size());
    }
  }
  CHECK(cards == kThreads * kPerThread);
  CHECK(feedbacks == kThreads * kPerThread);
}

TEST_CASE("Two Store objects on one file write concurrently; the busy timeout makes them wait, not fail") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  auto first = open_store(path);
  auto second = open_store(path);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 ? *first : *second;
      for (int i = 0; i < 50; ++i) {
        if (!store.record_cards({card("shared-" + std::to_string(t) + "-" + std::to_string(i))}).empty())
          ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  int found = 0;
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 50; ++i) found += has_card(*first, "shared-" + std::to_string(t) + "-" + std::to_string(i));
  CHECK(found == 200);
}

TEST_CASE("A duplicate card uuid fails record_cards and rolls back its whole batch") {
  TempDir dir;
  auto store = open_store(dir.file("duplicate.db"));
  REQUIRE(store->record_cards({card("card-1")}) == "");

  std::string error = store->record_cards({card("fresh-1"), card("card-1"), card("fresh-2")});
  CHECK(error ==
        "record_cards: row 2 of 3: insert card_audit (card card-1): UNIQUE constraint failed: card_audit.card_uuid");
  CHECK_FALSE(has_card(*store, "fresh-1"));
  CHECK_FALSE(has_card(*store, "fresh-2"));
  CHECK(has_card(*store, "card-1"));

  // Nothing of the failed transaction lingers: the next batch commits.
  CHECK(store->record_cards({card("fresh-1")}) == "");
  CHECK(has_card(*store, "fresh-1"));
}

TEST_CASE("Invalid rows are refused by the schema and roll back their batch") {
  TempDir dir;
  auto store = open_store(dir.file("invalid.db"));

  std::string error = store->record_feedback({feedback("card-1", "accepted"), feedback("card-1", "ignored")});
  CHECK(error.rfind("record_feedback: row 2 of 2: insert feedback (card card-1): CHECK constraint failed", 0) == 0);
  std::string read_error;
  CHECK(store->feedback_for_card("card-1", read_error).empty());
  CHECK(read_error.empty());

  error = store->record_cards({card("")});
  CHECK(error.rfind("record_cards: row 1 of 1: insert card_audit (card ): CHECK constraint failed", 0) == 0);
}

TEST_CASE("Store::open fails with an error for a missing directory or a file that is not a database") {
  TempDir dir;
  std::string error;
  std::string missing = dir.file("no-such-dir/audit.db");
  CHECK_FALSE(Store::open(missing, error));
  CHECK(error == "cannot open database " + missing + ": unable to open database file");

  std::string text_file = dir.file("notes.txt");
  {
    std::ofstream out(text_file);
    for (int i = 0; i < 200; ++i) out << "This is not a SQLite database, line " << i << "\n";
  }
  CHECK_FALSE(Store::open(text_file, error));
  CHECK(error == "cannot open database " + text_file + ": file is not a database");

  CHECK_FALSE(Store::open(dir.path.string(), error));  // a directory
  CHECK(error.rfind("cannot open database " + dir.path.string() + ":", 0) == 0);
}

TEST_CASE("Store::open refuses a database of a newer schema version, or of one never written") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  open_store(path);  // creates the current version
  CHECK(query_int(path, "SELECT version FROM schema_version") == 2);
  exec_sql(path, "UPDATE schema_version SET version = 3");

  std::string error;
  CHECK_FALSE(Store::open(path, error));
  CHECK(error == "database " + path +
                     " has schema version 3, newer than version 2 this program knows: use the icans-cds that "
                     "wrote it, or a newer one");
  CHECK(query_int(path, "SELECT version FROM schema_version") == 3);  // untouched

  exec_sql(path, "UPDATE schema_version SET version = -1");
  CHECK_FALSE(Store::open(path, error));
  CHECK(error == "database " + path + " has schema version -1, which no icans-cds writes");
}

TEST_CASE("A schema v1 database is migrated on open: its rows kept, issuer and tenant added") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  create_v1_database(path);
  REQUIRE_FALSE(has_column(path, "card_audit", "issuer"));

  {
    auto store = open_store(path);
    CHECK(query_int(path, "SELECT version FROM schema_version") == 2);
    CHECK(query_int(path, "SELECT count(*) FROM schema_version") == 1);
    CHECK(has_column(path, "card_audit", "issuer"));
    CHECK(has_column(path, "card_audit", "tenant"));

    std::string error;
    auto old_card = store->find_card("v1-card", error);
    REQUIRE(error.empty());
    REQUIRE(old_card);
    CHECK(old_card->icans_grade == 2);
    CHECK(old_card->rule_ids == std::vector<std::string>{"icans.ice.grade2"});
    CHECK(old_card->issuer.empty());  // nobody recorded who asked
    CHECK(old_card->tenant.empty());
    CHECK(store->feedback_for_card("v1-card", error).size() == 1);

    AuditRecord fresh = card("v2-card");
    fresh.issuer = "https://ehr.example.org/issuer";
    fresh.tenant = "hospital-42";
    REQUIRE(store->record_cards({fresh}) == "");
  }
  // Reopening a migrated database migrates nothing again.
  auto reopened = open_store(path);
  std::string error;
  auto fresh = reopened->find_card("v2-card", error);
  REQUIRE(fresh);
  CHECK(fresh->issuer == "https://ehr.example.org/issuer");
  CHECK(fresh->tenant == "hospital-42");
  CHECK(reopened->find_card("v1-card", error));
  CHECK(query_int(path, "SELECT version FROM schema_version") == 2);
}

TEST_CASE("A migration that fails halfway leaves the v1 database exactly as it was") {
  TempDir dir;
  const std::string path = dir.file("half.db");
  // A hand-made column `tenant` makes the second ALTER of the migration fail
  // after the first (issuer) succeeded.
  create_v1_database(path, "ALTER TABLE card_audit ADD COLUMN tenant TEXT NULL;");

  std::string error;
  CHECK_FALSE(Store::open(path, error));
  CHECK(error == "cannot migrate database " + path +
                     " from schema version 1 to 2: step to version 2: duplicate column name: tenant");
  CHECK_FALSE(has_column(path, "card_audit", "issuer"));  // rolled back with the failed step
  CHECK(query_int(path, "SELECT version FROM schema_version") == 1);
  CHECK(query_int(path, "SELECT count(*) FROM card_audit") == 1);
}

TEST_CASE("A v1 database opened read-only is refused: it cannot be migrated") {
  TempDir dir;
  const std::string path = dir.file("v1-readonly.db");
  create_v1_database(path);
  std::string error;
  CHECK_FALSE(Store::open("file:" + path + "?mode=ro", error));
  CHECK(error.rfind("cannot migrate database file:" + path + "?mode=ro from schema version 1 to 2: ", 0) == 0);
  CHECK(error.find("readonly") != std::string::npos);
  CHECK(query_int(path, "SELECT version FROM schema_version") == 1);
}

TEST_CASE("On a read-only database, writes return an error and reads still work") {
  // chmod 0444 does not stop root, who runs these tests in CI; a read-only
  // SQLite connection (URI mode=ro) makes the write fail in SQLite itself.
  TempDir dir;
  const std::string path = dir.file("readonly.db");
  REQUIRE(open_store(path)->record_cards({card("card-1")}) == "");

  auto store = open_store("file:" + path + "?mode=ro");
  CHECK(has_card(*store, "card-1"));
  std::string error = store->record_feedback({feedback("card-1", "accepted")});
  CHECK(error ==
        "record_feedback: row 1 of 1: insert feedback (card card-1): attempt to write a readonly database");
  error = store->record_cards({card("card-2")});
  CHECK(error ==
        "record_cards: row 1 of 1: insert card_audit (card card-2): attempt to write a readonly database");
  CHECK_FALSE(has_card(*store, "card-2"));

  if (::geteuid() != 0) {
    // Where permissions bind, a write-protected file fails the same way,
    // at open or at the first write.
    REQUIRE(::chmod(path.c_str(), 0444) == 0);
    std::string open_error;
    auto protected_store = Store::open(path, open_error);
    if (protected_store) {
      CHECK_FALSE(protected_store->record_feedback({feedback("card-1", "accepted")}).empty());
    } else {
      CHECK_FALSE(open_error.empty());
    }
  }
}

TEST_CASE("Callers arriving during a commit share the next transaction, and none returns before its commit") {
  TempDir dir;
  const std::string path = dir.file("group.db");
  auto store = open_store(path);

  constexpr int kFollowers = 7;
  std::vector<std::string> results(kFollowers + 1, "not returned");
  std::atomic<int> returned{0};
  BoundedThreads threads;
  WriteLockHolder lock(path);

  // The first caller leads, and waits for the write lock inside its commit.
  threads.start([&] {
    results[0] = store->record_cards({card("leader")});
    ++returned;
  });
  REQUIRE(eventually([&] { return store->write_stats().committing == 1; }));
  // The others queue behind it, cards and feedback alike.
  for (int i = 1; i <= kFollowers; ++i) {
    threads.start([&, i] {
      const std::string uuid = "follower-" + std::to_string(i);
      results[i] = i % 3 == 0 ? store->record_feedback({feedback(uuid, "accepted"), feedback(uuid, "overridden")})
                              : store->record_cards({card(uuid), card(uuid + "-b")});
      ++returned;
    });
  }
  REQUIRE(eventually([&] { return store->write_stats().queued == std::size_t{kFollowers}; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(returned == 0);  // nothing is durable yet, so nobody has been told so
  CHECK(store->write_stats().transactions == 0);

  lock.release();
  threads.join_all();
  CHECK(returned == kFollowers + 1);
  for (const auto& result : results) CHECK(result == "");
  const auto stats = store->write_stats();
  CHECK(stats.transactions == 2);  // the leader's own, then one for all seven
  CHECK(stats.batches == kFollowers + 1);
  CHECK(stats.queued == 0);
  CHECK(stats.committing == 0);

  store.reset();  // close: every row must be on disk, not in this process
  CHECK(query_int(path, "SELECT count(*) FROM card_audit") == 1 + 2 * 5);  // followers 1,2,4,5,7: two cards each
  CHECK(query_int(path, "SELECT count(*) FROM feedback") == 2 * 2);        // followers 3 and 6
}

TEST_CASE("In a shared transaction a bad batch fails only its own caller, each caller gets its own result") {
  TempDir dir;
  const std::string path = dir.file("isolation.db");
  auto store = open_store(path);
  REQUIRE(store->record_cards({card("existing")}) == "");

  // In queue order. `twin` comes twice: the first caller to queue it wins,
  // as if the callers had written one after the other.
  const std::vector<std::vector<std::string>> card_batches = {
      {"good-1a", "good-1b"}, {"fresh-with-bad", "existing"}, {}, {"twin"}, {"twin"}, {"good-3"}};
  std::vector<std::string> results(card_batches.size(), "not returned");
  std::string leader_result = "not returned";
  BoundedThreads threads;
  WriteLockHolder lock(path);
  threads.start([&] { leader_result = store->record_cards({card("leader")}); });
  REQUIRE(eventually([&] { return store->write_stats().committing == 1; }));
  for (std::size_t i = 0; i < card_batches.size(); ++i) {
    threads.start([&, i] {
      if (card_batches[i].empty()) {
        results[i] = store->record_feedback({feedback("good-1a", "accepted")});
        return;
      }
      std::vector<AuditRecord> records;
      for (const auto& uuid : card_batches[i]) records.push_back(card(uuid));
      results[i] = store->record_cards(records);
    });
    // One at a time, so the queue order is the order above.
    REQUIRE(eventually([&] { return store->write_stats().queued == i + 1; }));
  }
  const auto before = store->write_stats();
  lock.release();
  threads.join_all();

  CHECK(leader_result == "");
  CHECK(results[0] == "");
  CHECK(results[1] ==
        "record_cards: row 2 of 2: insert card_audit (card existing): UNIQUE constraint failed: card_audit.card_uuid");
  CHECK(results[2] == "");
  CHECK(results[3] == "");
  CHECK(results[4] ==
        "record_cards: row 1 of 1: insert card_audit (card twin): UNIQUE constraint failed: card_audit.card_uuid");
  CHECK(results[5] == "");

  CHECK(has_card(*store, "good-1a"));
  CHECK(has_card(*store, "good-1b"));
  CHECK_FALSE(has_card(*store, "fresh-with-bad"));  // its batch rolled back whole
  CHECK(has_card(*store, "twin"));
  CHECK(has_card(*store, "good-3"));
  CHECK(has_card(*store, "leader"));
  std::string error;
  CHECK(store->feedback_for_card("good-1a", error).size() == 1);
  // The shared transaction failed; each batch then had a transaction of its
  // own: the leader's and four good ones committed.
  const auto after = store->write_stats();
  CHECK(before.transactions == 1);  // the seed
  CHECK(after.transactions == 1 + 1 + 4);
  CHECK(after.batches == 1 + 1 + 4);
}

TEST_CASE("Many threads recording at once: every good row is kept across reopen, every bad batch told so") {
  TempDir dir;
  const std::string path = dir.file("many.db");
  auto store = open_store(path);
  REQUIRE(store->record_cards({card("seeded")}) == "");

  constexpr int kThreads = 12;
  constexpr int kRounds = 30;
  constexpr int kBadEvery = 7;  // this round of a thread repeats the seeded uuid
  std::vector<std::vector<std::string>> card_results(kThreads, std::vector<std::string>(kRounds));
  std::vector<std::vector<std::string>> feedback_results(kThreads, std::vector<std::string>(kRounds));
  {
    BoundedThreads threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.start([&, t] {
        for (int round = 0; round < kRounds; ++round) {
          const std::string uuid = "card-" + std::to_string(t) + "-" + std::to_string(round);
          const bool bad = (t + round) % kBadEvery == 0;
          card_results[t][round] = store->record_cards({card(uuid), card(bad ? "seeded" : uuid + "-b")});
          feedback_results[t][round] = store->record_feedback({feedback(uuid, "accepted")});
        }
      });
    }
    threads.join_all();
  }

  int bad_batches = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int round = 0; round < kRounds; ++round) {
      const std::string uuid = "card-" + std::to_string(t) + "-" + std::to_string(round);
      INFO(uuid);
      CHECK(feedback_results[t][round] == "");
      if ((t + round) % kBadEvery == 0) {
        ++bad_batches;
        CHECK(card_results[t][round] ==
              "record_cards: row 2 of 2: insert card_audit (card seeded): UNIQUE constraint failed: "
              "card_audit.card_uuid");
      } else {
        CHECK(card_results[t][round] == "");
      }
    }
  }
  REQUIRE(bad_batches > 0);
  const auto stats = store->write_stats();
  const int good_batches = kThreads * kRounds * 2 - bad_batches;
  CHECK(stats.batches == static_cast<std::uint64_t>(1 + good_batches));
  CHECK(stats.transactions <= stats.batches);

  store.reset();
  auto reopened = open_store(path);
  int cards = 0;
  int feedbacks = 0;
  int rolled_back_present = 0;
  std::string error;
  for (int t = 0; t < kThreads; ++t) {
    for (int round = 0; round < kRounds; ++round) {
      const std::string uuid = "card-" + std::to_string(t) + "-" + std::to_string(round);
      const bool bad = (t + round) % kBadEvery == 0;
      if (bad) {
        rolled_back_present += has_card(*reopened, uuid) ? 1 : 0;
      } else {
        cards += (has_card(*reopened, uuid) ? 1 : 0) + (has_card(*reopened, uuid + "-b") ? 1 : 0);
      }
      feedbacks += static_cast<int>(reopened->feedback_for_card(uuid, error).size());
    }
  }
  CHECK(cards == 2 * (kThreads * kRounds - bad_batches));
  CHECK(rolled_back_present == 0);
  CHECK(feedbacks == kThreads * kRounds);
  CHECK(query_int(path, "SELECT count(*) FROM card_audit") == 1 + 2 * (kThreads * kRounds - bad_batches));
}

TEST_CASE("The write-ahead log is copied into the database by the store's own thread, not by a commit") {
  TempDir dir;
  const std::string path = dir.file("checkpointed.db");
  std::string error;
  auto store = Store::open(path, error, 4);  // a tiny threshold: two commits pass it
  INFO(error);
  REQUIRE(store);
  const auto database_bytes_before = fs::file_size(path);
  // Commits with pauses, as requests come: after each, the thread is given
  // the time to catch up (its count unchanged for 50 ms, 5 s at most).
  for (int i = 0; i < 12; ++i) {
    REQUIRE(store->record_cards({card("card-" + std::to_string(i))}) == "");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto seen = store->write_stats().checkpoints;
    auto quiet_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline &&
           std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (const auto now = store->write_stats().checkpoints; now != seen) {
        seen = now;
        quiet_since = std::chrono::steady_clock::now();
      }
    }
  }
  const Store::WriteStats stats = store->write_stats();
  CHECK(stats.checkpoints > 0);
  CHECK(stats.checkpointed_frames > 0);  // frames really copied, not a checkpoint that did nothing
  CHECK(stats.commit_checkpoints == 0);  // no request paid for one
  CHECK(stats.checkpoint_failures == 0);
  // The rows are in the database file itself, not only in the log.
  CHECK(fs::file_size(path) > database_bytes_before);
  store.reset();
  auto reopened = open_store(path);
  for (int i = 0; i < 12; ++i) REQUIRE(has_card(*reopened, "card-" + std::to_string(i)));
}

TEST_CASE("Commits without a pause keep the write-ahead log bounded") {
  TempDir dir;
  const std::string path = dir.file("busy.db");
  std::string error;
  auto store = Store::open(path, error, 4);
  INFO(error);
  REQUIRE(store);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(store->record_cards({card("card-" + std::to_string(i))}) == "");
  }
  const Store::WriteStats stats = store->write_stats();
  CHECK(stats.checkpoints + stats.commit_checkpoints > 0);
  CHECK(stats.checkpoint_failures == 0);
  // 200 commits of several pages each would be a log of over 400 pages;
  // past four times the threshold a commit checkpoints and the log restarts.
  CHECK(fs::file_size(path + "-wal") < 64u * 4096u);
  store.reset();
  auto reopened = open_store(path);
  for (int i = 0; i < 200; ++i) REQUIRE(has_card(*reopened, "card-" + std::to_string(i)));
}

TEST_CASE("A database in memory has no write-ahead log and no checkpoint thread") {
  auto store = open_store(":memory:");
  REQUIRE(store->record_cards({card("card-1")}) == "");
  CHECK(store->write_stats().checkpoints == 0);
  CHECK(has_card(*store, "card-1"));
}

TEST_CASE("open_read_only reads a v1 database as it is: its card and feedback, the file unchanged byte for byte") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  create_v1_database(path);
  const std::string before = file_bytes(path);
  REQUIRE(query_int(path, "SELECT version FROM schema_version") == 1);

  for (const std::string& name : {path, "file:" + path + "?mode=ro"}) {
    INFO(name);
    auto store = open_read_only_store(name);
    CHECK(store->schema_version() == 1);

    AuditRecord expected;  // as create_v1_database wrote it
    expected.card_uuid = "v1-card";
    expected.service_id = "icans-patient-view";
    expected.hook_instance = "hook-1";
    expected.issued_at = "2026-03-01T10:00:00Z";
    expected.patient_id = "axicel-icans3";
    expected.icans_grade = 2;
    expected.kind = "icans-grade";
    expected.rule_ids = {"icans.ice.grade2"};
    expected.protocol_version = "astct-2019/1";
    expected.engine_version = "0.1.0";
    expected.inputs_sha256 = "aaaa";
    expected.card_json = R"({"uuid":"v1-card"})";
    std::string error;
    auto found = store->audit_for_card("v1-card", error);
    INFO(error);
    REQUIRE(error.empty());
    REQUIRE(found.size() == 1);
    check_same_card(found[0], expected);  // issuer and tenant empty: v1 had no such columns

    FeedbackRecord expected_feedback = feedback("v1-card", "accepted");
    expected_feedback.outcome_timestamp = "2026-03-01T10:05:00Z";
    expected_feedback.received_at = "2026-03-01T10:05:01Z";
    auto feedback_found = store->feedback_for_card("v1-card", error);
    REQUIRE(error.empty());
    REQUIRE(feedback_found.size() == 1);
    check_same_feedback(feedback_found[0], expected_feedback);

    CHECK(store->record_cards({card("new-card")}) == "record_cards: database " + name + " is open read-only");
    CHECK(store->record_feedback({feedback("v1-card", "overridden")}) ==
          "record_feedback: database " + name + " is open read-only");
    CHECK_FALSE(has_card(*store, "new-card"));
    CHECK(store->feedback_for_card("v1-card", error).size() == 1);
  }

  CHECK(file_bytes(path) == before);
  CHECK(query_int(path, "SELECT version FROM schema_version") == 1);
  CHECK_FALSE(has_column(path, "card_audit", "issuer"));
}

TEST_CASE("A card and feedback the service's store writes are read back read-only with every field equal") {
  TempDir dir;
  const std::string path = dir.file("current.db");
  auto writer = open_store(path);

  AuditRecord full = card("card-full");
  full.crs_grade = 1;
  full.issuer = "https://ehr.example.org/issuer";
  full.tenant = "hospital-42";
  AuditRecord shadow = card("card-shadow");
  shadow.icans_grade = std::nullopt;
  shadow.rule_ids = {};
  shadow.shadow = true;
  FeedbackRecord accepted = feedback("card-full", "accepted");
  accepted.accepted_suggestions = {"sugg-dexamethasone", "sugg-neuro-consult"};
  FeedbackRecord overridden = feedback("card-full", "overridden");
  overridden.override_reason_system = "https://example.org/override-reasons";
  overridden.override_reason_code = "already-treated";
  overridden.override_reason_display = "Already treated";
  overridden.user_comment = "Dexamethasone given at 16:50";
  REQUIRE(writer->record_cards({full, shadow}) == "");
  REQUIRE(writer->record_feedback({accepted, overridden}) == "");

  auto check_all = [&](Store& reader) {
    CHECK(reader.schema_version() == 2);
    std::string error;
    for (const AuditRecord* expected : {&full, &shadow}) {
      auto found = reader.find_card(expected->card_uuid, error);
      INFO(error);
      REQUIRE(found);
      check_same_card(*found, *expected);
    }
    auto found = reader.feedback_for_card("card-full", error);
    REQUIRE(error.empty());
    REQUIRE(found.size() == 2);
    check_same_feedback(found[0], accepted);
    check_same_feedback(found[1], overridden);
  };

  // Beside the running writer: what it commits later is seen too.
  auto reader = open_read_only_store(path);
  check_all(*reader);
  REQUIRE(writer->record_cards({card("card-later")}) == "");
  CHECK(has_card(*reader, "card-later"));

  writer.reset();
  reader.reset();
  auto after_close = open_read_only_store(path);
  check_all(*after_close);
}

TEST_CASE("open_read_only refuses a newer or unknown schema, or a file that is not ours, and changes none") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  open_store(path);
  exec_sql(path, "UPDATE schema_version SET version = 3");
  std::string before = file_bytes(path);
  std::string error;
  CHECK_FALSE(Store::open_read_only(path, error));
  CHECK(error == "database " + path +
                     " has schema version 3, newer than version 2 this program knows: use the icans-cds that "
                     "wrote it, or a newer one");
  CHECK(file_bytes(path) == before);

  exec_sql(path, "UPDATE schema_version SET version = -1");
  before = file_bytes(path);
  CHECK_FALSE(Store::open_read_only(path, error));
  CHECK(error == "database " + path + " has schema version -1, which no icans-cds writes");
  CHECK(file_bytes(path) == before);

  // A SQLite database of something else, an empty version table, an empty
  // file: not given our schema, as Store::open would.
  const std::string other = dir.file("other.db");
  exec_sql(other, "CREATE TABLE notes (text TEXT)");
  before = file_bytes(other);
  CHECK_FALSE(Store::open_read_only(other, error));
  CHECK(error == "database " + other + " holds no icans-cds schema");
  CHECK(file_bytes(other) == before);
  CHECK(query_int(other, "SELECT count(*) FROM sqlite_master WHERE name = 'card_audit'") == 0);

  exec_sql(other, "CREATE TABLE schema_version (version INTEGER NOT NULL)");
  CHECK_FALSE(Store::open_read_only(other, error));
  CHECK(error == "database " + other + " holds no icans-cds schema");

  const std::string empty = dir.file("empty.db");
  std::ofstream{empty};
  CHECK_FALSE(Store::open_read_only(empty, error));
  CHECK(error == "database " + empty + " holds no icans-cds schema");
  CHECK(fs::file_size(empty) == 0);

  const std::string text_file = dir.file("notes.txt");
  {
    std::ofstream out(text_file);
    for (int i = 0; i < 200; ++i) out << "This is not a SQLite database, line " << i << "\n";
  }
  CHECK_FALSE(Store::open_read_only(text_file, error));
  CHECK(error == "cannot open database " + text_file + ": file is not a database");
}

TEST_CASE("open_read_only refuses a missing file and creates nothing, whatever mode a URI asks for") {
  TempDir dir;
  const std::string missing = dir.file("missing.db");
  std::string error;
  CHECK_FALSE(Store::open_read_only(missing, error));
  CHECK(error == "cannot open database " + missing + ": unable to open database file");

  const std::string ro_uri = "file:" + missing + "?mode=ro";
  CHECK_FALSE(Store::open_read_only(ro_uri, error));
  CHECK(error == "cannot open database " + ro_uri + ": unable to open database file");

  // A URI cannot widen the read-only open into one that creates.
  const std::string rwc_uri = "file:" + missing + "?mode=rwc";
  CHECK_FALSE(Store::open_read_only(rwc_uri, error));
  CHECK(error.rfind("cannot open database " + rwc_uri + ": ", 0) == 0);

  CHECK(fs::is_empty(dir.path));  // no database, no -wal, no -shm
}

TEST_CASE("A WAL database in a directory its reader may not write: a clear error, or read through its files") {
  TempDir dir;
  fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  const fs::path locked = dir.path / "locked";
  fs::create_directory(locked);
  const std::string path = (locked / "v1.db").string();
  create_v1_database(path);  // in WAL mode, its -wal and -shm gone with its last connection
  REQUIRE_FALSE(fs::exists(path + "-wal"));
  REQUIRE_FALSE(fs::exists(path + "-shm"));
  const std::string before = file_bytes(path);
  auto lock_down = [&] {
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  };
  lock_down();

  const auto refused = read_unprivileged([&] { return read_v1_card(path); });
  if (!refused) {
    WARN("running as root and cannot become the user nobody: the permission checks of this test are skipped");
    return;
  }
  CHECK(*refused == "error: cannot open database " + path +
                        " read-only: it is in WAL mode, and SQLite reads such a database through its -wal and -shm "
                        "files, which are missing and cannot be created in a directory this user may not write: "
                        "read a copy in a writable directory, or, when nothing can be writing to it, open it as a "
                        "\"file:...?immutable=1\" URI");
  CHECK(read_unprivileged([&] { return read_v1_card("file:" + path + "?immutable=1"); }) == "schema 1, v1-card");
  CHECK(file_bytes(path) == before);

  // With a writer's -wal and -shm beside it (the writer still open), the
  // reader reads through them, the rows only the log holds included.
  fs::permissions(locked, fs::perms::owner_all, fs::perm_options::add);
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer,
                       "INSERT INTO card_audit SELECT 'wal-card', service_id, hook_instance, issued_at, patient_id, "
                       "icans_grade, crs_grade, kind, rule_ids, protocol_version, engine_version, inputs_sha256, "
                       "card_json, shadow FROM card_audit WHERE card_uuid = 'v1-card'",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(fs::file_size(path + "-wal") > 0);
  lock_down();
  CHECK(read_unprivileged([&] { return read_v1_card(path); }) == "schema 1, v1-card, wal-card");
  CHECK(file_bytes(path) == before);  // the new row is in the log only
  sqlite3_close(writer);
}
