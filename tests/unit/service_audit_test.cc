// Who asked for a card: the audit trail keeps the calling EHR's verified
// issuer and tenant (schema v2), and `icans-cds audit` prints them.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cds/cli/commands.h"
#include "jwt_tokens.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

constexpr const char* kBase = "https://cds.example.org";
constexpr const char* kEndpoint = "/cds-services/icans-patient-view";

// Tokens for the patient-view endpoint, issued at the time the Harness
// grades the axicel example.
const icans::test::JwtFixtures& fixtures() {
  static const auto made = icans::test::make_jwt_fixtures("https://jwks.invalid", std::string(kBase) + kEndpoint,
                                                          kAxicelNow / fhir::kMillisPerSecond);
  return *made;
}

ServiceConfig trusting_config() {
  const auto& f = fixtures();
  ServiceConfig config;
  config.auth.enabled = true;
  config.auth.issuers = {{f.issuer, f.path("issuer.jwks.json"), {}, f.tenant}};
  config.public_base_url = kBase;
  return config;
}

std::string axicel_body() {
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  return builder.body();
}

// Runs `icans-cds audit` in this process; its stdout is returned.
std::string run_audit_command(const std::string& database, const std::string& card, int& status) {
  std::vector<std::string> args{"audit", "--db", database, "--card", card};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  std::ostringstream captured;
  std::streambuf* const original = std::cout.rdbuf(captured.rdbuf());
  status = icans::cli::run_audit(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(original);
  return captured.str();
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("an authenticated call's cards are audited with the token's issuer and tenant", "[service][audit]") {
  Harness harness(trusting_config(), kAxicelNow);
  HttpRequest request = post(kEndpoint, axicel_body());
  request.headers.emplace("authorization", "Bearer " + fixtures().token("valid_es384"));
  const HttpResponse response = harness.handle(request);
  REQUIRE(response.status == 200);
  const auto uuids = card_uuids(response);
  REQUIRE_FALSE(uuids.empty());
  for (const auto& uuid : uuids) {
    INFO(uuid);
    std::string error;
    const auto audit = harness.store->find_card(uuid, error);
    REQUIRE(error.empty());
    REQUIRE(audit);
    CHECK(audit->issuer == fixtures().issuer);
    CHECK(audit->tenant == fixtures().tenant);
  }

  int status = -1;
  const std::string printed = run_audit_command(harness.database.path.string(), uuids.front(), status);
  CHECK(status == 0);
  const auto document = parse(printed);
  REQUIRE(document.IsObject());
  REQUIRE(document["audit"].Size() == 1);
  CHECK(document["audit"][0]["issuer"].GetString() == fixtures().issuer);
  CHECK(document["audit"][0]["tenant"].GetString() == fixtures().tenant);
}

TEST_CASE("with authentication off the audit records no issuer or tenant, and the CLI prints null",
          "[service][audit]") {
  Harness harness;  // the default configuration: authentication off
  const HttpResponse response = harness.handle(post(kEndpoint, axicel_body()));
  REQUIRE(response.status == 200);
  const auto uuids = card_uuids(response);
  REQUIRE_FALSE(uuids.empty());
  std::string error;
  const auto audit = harness.store->find_card(uuids.front(), error);
  REQUIRE(audit);
  CHECK(audit->issuer.empty());
  CHECK(audit->tenant.empty());

  int status = -1;
  const auto document = parse(run_audit_command(harness.database.path.string(), uuids.front(), status));
  CHECK(status == 0);
  REQUIRE(document.IsObject());
  REQUIRE(document["audit"].Size() == 1);
  CHECK(document["audit"][0]["issuer"].IsNull());
  CHECK(document["audit"][0]["tenant"].IsNull());
}

TEST_CASE("each card sent is, byte for byte, the card the audit trail keeps", "[service][audit]") {
  Harness harness;
  const HttpResponse response = harness.handle(post(kEndpoint, axicel_body()));
  REQUIRE(response.status == 200);
  const auto uuids = card_uuids(response);
  REQUIRE(uuids.size() >= 2);
  std::string expected = "{\"cards\":[";
  for (std::size_t i = 0; i < uuids.size(); ++i) {
    std::string error;
    const auto audit = harness.store->find_card(uuids[i], error);
    REQUIRE(audit);
    expected += (i > 0 ? "," : "") + audit->card_json;
  }
  expected += "]}";
  CHECK(response.body == expected);
}

TEST_CASE("icans-cds audit reads a schema v1 database without changing a byte of it", "[service][audit]") {
  Harness harness;
  const HttpResponse response = harness.handle(post(kEndpoint, axicel_body()));
  REQUIRE(response.status == 200);
  const auto uuids = card_uuids(response);
  REQUIRE_FALSE(uuids.empty());
  const std::string feedback = R"({"feedback":[{"card":")" + uuids.front() +
                               R"(","outcome":"overridden","overrideReason":{"userComment":"Seen by neurology."},)"
                               R"("outcomeTimestamp":"2026-03-07T17:06:00Z"}]})";
  REQUIRE(harness.handle(post(std::string(kEndpoint) + "/feedback", feedback)).status == 200);
  harness.service.reset();
  harness.store.reset();

  // The service's own rows in a database of schema version 1: card_audit
  // without the columns v2 added, and the version saying so.
  const std::string path = harness.database.path.string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const int downgraded = sqlite3_exec(db,
                                      "ALTER TABLE card_audit DROP COLUMN issuer;"
                                      "ALTER TABLE card_audit DROP COLUMN tenant;"
                                      "UPDATE schema_version SET version = 1;",
                                      nullptr, nullptr, nullptr);
  INFO(sqlite3_errmsg(db));
  sqlite3_close(db);
  REQUIRE(downgraded == SQLITE_OK);
  REQUIRE_FALSE(std::filesystem::exists(path + "-wal"));  // all of it in the file compared below
  const std::string before = file_bytes(path);

  const auto sent = parse(response.body);
  for (const std::string& database : {path, "file:" + path + "?mode=ro"}) {
    INFO(database);
    int status = -1;
    const auto document = parse(run_audit_command(database, uuids.front(), status));
    CHECK(status == 0);
    REQUIRE(document.IsObject());
    CHECK(document["schema_version"].GetInt() == 1);
    REQUIRE(document["audit"].Size() == 1);
    const auto& audit = document["audit"][0];
    CHECK(audit["card"].GetString() == uuids.front());
    CHECK(audit["patient"].GetString() == std::string("axicel-icans3"));
    CHECK(audit["issuer"].IsNull());  // version 1 did not record who called
    CHECK(audit["tenant"].IsNull());
    CHECK(audit["card_json"] == sent["cards"][0]);
    REQUIRE(document["feedback"].Size() == 1);
    CHECK(document["feedback"][0]["outcome"].GetString() == std::string("overridden"));
    CHECK(document["feedback"][0]["overrideReason"]["userComment"].GetString() ==
          std::string("Seen by neurology."));
  }
  CHECK(file_bytes(path) == before);  // still version 1, not migrated
}

TEST_CASE("icans-cds audit refuses a missing database and does not create it", "[service][audit]") {
  const TempDatabase database;  // a path, no file
  int status = -1;
  CHECK(run_audit_command(database.path.string(), "any-card", status).empty());
  CHECK(status == 2);
  CHECK(run_audit_command("file:" + database.path.string() + "?mode=ro", "any-card", status).empty());
  CHECK(status == 2);
  CHECK_FALSE(std::filesystem::exists(database.path));
}
