#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
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

}  // namespace

TEST_CASE("Store round-trips audit records, NULL grades and all") {
  TempDir dir;
  auto store = open_store(dir.file("audit.db"));

  AuditRecord graded = card("card-1");
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

  auto listed = store->audit_for_card(shadow.card_uuid, error);
  REQUIRE(error.empty());
  REQUIRE(listed.size() == 1);
  CHECK_FALSE(listed[0].icans_grade.has_value());
  CHECK(listed[0].crs_grade == 0);
  CHECK(listed[0].rule_ids.empty());
  CHECK(listed[0].shadow);

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

TEST_CASE("Store::open refuses a database of another schema version") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  open_store(path);  // creates version 1
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE schema_version SET version = 2", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  std::string error;
  CHECK_FALSE(Store::open(path, error));
  CHECK(error == "database " + path + " has schema version 2; this program knows version 1");
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
