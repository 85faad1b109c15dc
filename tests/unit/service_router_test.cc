// The service router end to end, without sockets: routes and methods, cards
// from the shipped examples, the audit trail, shadow mode, health, and what
// happens when the database fails.
#include <algorithm>

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <string>

#include "cds/hooks/canonical_json.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

RequestBuilder axicel_request() {
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  return builder;
}

// The lisocel example as order-select: its draft tocilizumab order in
// context.draftOrders, the charted data in prefetch.
RequestBuilder lisocel_order_select() {
  static const ExampleChart chart("icans-without-crs-tocilizumab-draft.json");
  RequestBuilder builder;
  builder.hook = "order-select";
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  builder.draft_orders = chart.search_bundle("MedicationRequest", "draft");
  builder.selections = {"MedicationRequest/lc-rx-tocilizumab-draft"};
  return builder;
}

void drop_tables(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, "DROP TABLE card_audit; DROP TABLE feedback;", nullptr, nullptr, &message);
  INFO((message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("unknown paths and services are 404, wrong methods 405 with Allow", "[service][router]") {
  Harness harness;
  CHECK(harness.handle(get("/")).status == 404);
  CHECK(harness.handle(post("/cds-services/no-such-service", "{}")).status == 404);
  const auto not_found = parse(harness.handle(post("/cds-services/no-such-service", "{}")).body);
  CHECK(std::string(not_found["error"].GetString()).find("no-such-service") != std::string::npos);
  const HttpResponse get_service = harness.handle(get("/cds-services/icans-patient-view"));
  CHECK(get_service.status == 405);
  CHECK(header(get_service, "Allow") == "POST, OPTIONS");
  HttpRequest put = post("/cds-services/icans-patient-view/feedback", "{}");
  put.method = "PUT";
  CHECK(harness.handle(put).status == 405);
  CHECK(harness.handle(post("/healthz", "{}")).status == 405);
}

TEST_CASE("a service call must be JSON", "[service][router]") {
  Harness harness;
  const std::string body = axicel_request().body();
  CHECK(harness.handle(post("/cds-services/icans-patient-view", body, "text/plain")).status == 415);
  CHECK(harness.handle(post("/cds-services/icans-patient-view", body, "")).status == 415);
  CHECK(harness.handle(post("/cds-services/icans-patient-view", body, "application/json; charset=utf-8"))
            .status == 200);
  CHECK(harness.handle(post("/cds-services/icans-patient-view/feedback", "{}", "application/xml")).status ==
        415);
}

TEST_CASE("patient-view with a full prefetch answers cards with the ICANS grade", "[service][router]") {
  Harness harness;
  const HttpResponse response =
      harness.handle(post("/cds-services/icans-patient-view", axicel_request().body()));
  REQUIRE(response.status == 200);
  CHECK(header(response, "Content-Type") == "application/json");
  const auto body = parse(response.body);
  REQUIRE(body.IsObject());
  REQUIRE(body["cards"].IsArray());
  REQUIRE(body["cards"].Size() > 0);
  CHECK_FALSE(body.HasMember("systemActions"));
  bool grade_shown = false;
  for (const auto& card : body["cards"].GetArray()) {
    const std::string summary = card["summary"].GetString();
    grade_shown |= summary.find("ICANS grade 3") != std::string::npos;
    // The audit-only fields never reach the EHR.
    CHECK_FALSE(card.HasMember("kind"));
    CHECK_FALSE(card.HasMember("rule_ids"));
  }
  CHECK(grade_shown);
  const std::string log = harness.all_log();
  CHECK(log.find("\"hookInstance\":\"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea\"") != std::string::npos);
  CHECK(log.find("\"cards\":" + std::to_string(body["cards"].Size())) != std::string::npos);
}

TEST_CASE("every card sent is in the audit trail with grades, rules and the inputs hash",
          "[service][router]") {
  Harness harness;
  RequestBuilder builder = axicel_request();
  const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(response.status == 200);
  const auto body = parse(response.body);
  std::string hash;
  for (const auto& card : body["cards"].GetArray()) {
    const std::string uuid = card["uuid"].GetString();
    std::string error;
    const auto audit = harness.store->find_card(uuid, error);
    REQUIRE(error.empty());
    REQUIRE(audit);
    CHECK(audit->service_id == "icans-patient-view");
    CHECK(audit->hook_instance == builder.hook_instance);
    CHECK(audit->patient_id == "axicel-icans3");
    CHECK(audit->issued_at == "2026-03-07T17:05:00Z");
    CHECK(audit->icans_grade == 3);
    CHECK(audit->crs_grade == 0);
    CHECK_FALSE(audit->kind.empty());
    CHECK_FALSE(audit->rule_ids.empty());
    CHECK(audit->protocol_version == default_protocol().protocol->version);
    CHECK(audit->engine_version == kEngineVersion);
    CHECK(audit->inputs_sha256.size() == 64);
    CHECK_FALSE(audit->shadow);
    CHECK(parse(audit->card_json)["uuid"].GetString() == uuid);
    if (hash.empty()) hash = audit->inputs_sha256;
    CHECK(audit->inputs_sha256 == hash);  // one request, one set of inputs
  }
  // The same clinical inputs with another hookInstance and a token give the
  // same fingerprint: neither is clinical input.
  Harness again;
  builder.hook_instance = "0b7f2a8e-7c3e-4f5e-9b1a-2f6d8c9e0a11";
  builder.fhir_server = "https://ehr.example.org/fhir";
  builder.token = "SECRET-TOKEN-123";
  const auto second = parse(again.handle(post("/cds-services/icans-patient-view", builder.body())).body);
  std::string error;
  const auto audit = again.store->find_card(second["cards"][0]["uuid"].GetString(), error);
  REQUIRE(audit);
  CHECK(audit->inputs_sha256 == hash);
  CHECK(audit->card_json.find("SECRET-TOKEN-123") == std::string::npos);
}

TEST_CASE("card uuids differ between hook instances", "[service][router]") {
  Harness harness;
  RequestBuilder builder = axicel_request();
  const auto first = parse(harness.handle(post("/cds-services/icans-patient-view", builder.body())).body);
  builder.hook_instance = "0b7f2a8e-7c3e-4f5e-9b1a-2f6d8c9e0a11";
  const auto second = parse(harness.handle(post("/cds-services/icans-patient-view", builder.body())).body);
  CHECK(std::string(first["cards"][0]["uuid"].GetString()) != second["cards"][0]["uuid"].GetString());
}

TEST_CASE("order-select with a tocilizumab draft for ICANS without CRS warns", "[service][router]") {
  Harness harness(ServiceConfig{}, kLisocelNow);
  const HttpResponse response =
      harness.handle(post("/cds-services/icans-order-select", lisocel_order_select().body()));
  REQUIRE(response.status == 200);
  const auto body = parse(response.body);
  bool warned = false;
  for (const auto& card : body["cards"].GetArray()) {
    const std::string summary = card["summary"].GetString();
    if (summary.find("ocilizumab") != std::string::npos &&
        std::string(card["indicator"].GetString()) == "warning") {
      warned = true;
    }
  }
  CHECK(warned);
}

TEST_CASE("order-select checks the selected drafts; the others are context", "[service][router]") {
  Harness harness(ServiceConfig{}, kLisocelNow);
  RequestBuilder builder = lisocel_order_select();
  const std::string entries = "\"entry\":[";
  const std::size_t at = builder.draft_orders.find(entries);
  REQUIRE(at != std::string::npos);
  builder.draft_orders.insert(at + entries.size(),
                              R"({"resource":{"resourceType":"NutritionOrder","id":"diet1","status":"draft",)"
                              R"("intent":"order","patient":{"reference":"Patient/lisocel-icans-no-crs"},)"
                              R"("dateTime":"2026-03-04T08:00:00Z"}},)");
  const auto summaries = [&](std::vector<std::string> selections) {
    RequestBuilder call = builder;
    call.selections = std::move(selections);
    call.hook_instance = "7d2f5e3a-0c65-4e4b-9f90-4b8c3d5e6f7" + std::to_string(call.selections.size());
    const HttpResponse response = harness.handle(post("/cds-services/icans-order-select", call.body()));
    REQUIRE(response.status == 200);
    std::vector<std::string> out;
    for (const auto& card : parse(response.body)["cards"].GetArray()) out.emplace_back(card["summary"].GetString());
    return out;
  };
  const auto starting = [](const std::vector<std::string>& texts, std::string_view prefix) {
    return std::count_if(texts.begin(), texts.end(), [&](const std::string& t) { return t.rfind(prefix, 0) == 0; });
  };
  const auto about_tocilizumab_draft = summaries({"MedicationRequest/lc-rx-tocilizumab-draft", "NutritionOrder/diet1"});
  CHECK(starting(about_tocilizumab_draft, "Draft tocilizumab: not for ICANS without CRS") == 1);
  const auto general_warning = [](const std::string& t) { return t.find("without CRS: no tocilizumab") != std::string::npos; };
  CHECK(std::none_of(about_tocilizumab_draft.begin(), about_tocilizumab_draft.end(), general_warning));
  // The diet selected: the tocilizumab draft is not what is being looked at,
  // and the patient-level warning says what the draft card would have.
  const auto about_diet = summaries({"NutritionOrder/diet1"});
  CHECK(starting(about_diet, "Draft tocilizumab") == 0);
  CHECK(std::any_of(about_diet.begin(), about_diet.end(), general_warning));
}

TEST_CASE("draft orders for another patient are refused", "[service][router]") {
  Harness harness(ServiceConfig{}, kLisocelNow);
  RequestBuilder builder = lisocel_order_select();
  builder.hook = "order-sign";
  builder.selections.clear();
  std::string drafts = builder.draft_orders;
  const std::string from = "Patient/lisocel-icans-no-crs";
  drafts.replace(drafts.find(from), from.size(), "Patient/someone-else");
  builder.draft_orders = drafts;
  const HttpResponse response = harness.handle(post("/cds-services/icans-order-sign", builder.body()));
  CHECK(response.status == 400);
  CHECK(std::string(parse(response.body)["error"].GetString()) ==
        "context.draftOrders: holds orders for Patient/someone-else, not for context.patientId");
}

TEST_CASE("a prefetched resource of the same patient id on another server is left out, and said",
          "[service][router]") {
  RequestBuilder builder = axicel_request();
  builder.fhir_server = "https://ehr.example.org/fhir";
  std::string& observations = builder.prefetch.at("observations");
  const std::string subject = R"("subject":{"reference":"Patient/axicel-icans3"})";
  const std::size_t first = observations.find(subject);
  REQUIRE(first != std::string::npos);
  const auto answer = [&](const std::string& reference) {
    RequestBuilder changed = builder;
    changed.prefetch.at("observations").replace(first, subject.size(),
                                                R"("subject":{"reference":")" + reference + R"("})");
    Harness harness;
    const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", changed.body()));
    REQUIRE(response.status == 200);
    return response.body;
  };
  const std::string elsewhere = answer("https://other.example.org/fhir/Patient/axicel-icans3");
  CHECK(elsewhere.find("charted data not fully read: prefetch.observations entry 1 ") != std::string::npos);
  CHECK(elsewhere.find("subject: 'https://other.example.org/fhir/Patient/axicel-icans3' is not on the FHIR server "
                       "the data came from (https://ehr.example.org/fhir); resource not kept") != std::string::npos);
  const std::string here = answer("https://ehr.example.org/fhir/Patient/axicel-icans3");
  CHECK(here.find("is not on the FHIR server") == std::string::npos);
  CHECK(here.find("charted data not fully read") == std::string::npos);
}

TEST_CASE("prefetched resources of another patient are left out of the grades, and said", "[service][router]") {
  Harness harness;
  const RequestBuilder builder = axicel_request();
  const HttpResponse as_charted = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(as_charted.status == 200);
  CHECK(as_charted.body.find("ICANS grade 3") != std::string::npos);
  // Every observation filed under someone else: nothing left to grade ICANS
  // from for this patient, and the cards say what was left out.
  RequestBuilder mixed = builder;
  mixed.hook_instance = "5b0f3c1e-8a43-4c29-9d7e-2f6a1b3c4d5e";  // another call, with its own card uuids
  std::string& observations = mixed.prefetch.at("observations");
  const std::string from = "Patient/axicel-icans3";
  std::size_t replaced = 0;
  for (std::size_t at = observations.find(from); at != std::string::npos; at = observations.find(from, at)) {
    observations.replace(at, from.size(), "Patient/someone-else");
    ++replaced;
  }
  REQUIRE(replaced > 10);
  const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", mixed.body()));
  REQUIRE(response.status == 200);
  CHECK(response.body.find("ICANS grade 3") == std::string::npos);
  CHECK(response.body.find("resources of 1 other patient(s) were left out") != std::string::npos);
}

TEST_CASE("missing optional data is named on the cards", "[service][router]") {
  Harness harness;
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("diagnosticReports");
  const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(response.status == 200);
  CHECK(response.body.find("diagnostic reports") != std::string::npos);
}

TEST_CASE("shadow mode audits the cards but sends none", "[service][router]") {
  ServiceConfig config;
  config.shadow = true;
  Harness harness(config);
  const HttpResponse response =
      harness.handle(post("/cds-services/icans-patient-view", axicel_request().body()));
  REQUIRE(response.status == 200);
  CHECK(response.body == R"({"cards":[]})");
  const std::string log = harness.all_log();
  CHECK(log.find("\"shadow\":true") != std::string::npos);
  // The audit holds them, marked as shadow.
  Harness normal;
  const auto sent = parse(normal.handle(post("/cds-services/icans-patient-view", axicel_request().body())).body);
  std::string error;
  const auto audit = harness.store->find_card(sent["cards"][0]["uuid"].GetString(), error);
  REQUIRE(audit);
  CHECK(audit->shadow);
}

TEST_CASE("an out-of-scope patient gets an empty card list", "[service][router]") {
  Harness harness(ServiceConfig{}, instant("2026-01-10T14:00:00Z"));
  const ExampleChart chart("sepsis-no-cell-therapy.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(response.status == 200);
  CHECK(response.body == R"({"cards":[]})");
}

TEST_CASE("healthz is ok while the database answers, 503 when it does not", "[service][router]") {
  Harness harness;
  const HttpResponse ok = harness.handle(get("/healthz"));
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"status":"ok"})");
  drop_tables(harness.database.path.string());
  CHECK(harness.handle(get("/healthz")).status == 503);
}

TEST_CASE("when the audit cannot be written no card is sent", "[service][router]") {
  Harness harness;
  drop_tables(harness.database.path.string());
  const HttpResponse response =
      harness.handle(post("/cds-services/icans-patient-view", axicel_request().body()));
  CHECK(response.status == 500);
  CHECK(response.body.find("\"cards\"") == std::string::npos);
  CHECK(response.body.find("audit trail could not be written") != std::string::npos);
  CHECK(harness.all_log().find("audit write failed") != std::string::npos);
  const HttpResponse feedback = harness.handle(post(
      "/cds-services/icans-patient-view/feedback",
      R"({"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-03-07T17:06:00Z"}]})"));
  CHECK(feedback.status == 500);
}

TEST_CASE("a hookInstance answered before at the same instant gets 409, and the first cards stay",
          "[service][router]") {
  Harness harness;  // a fixed clock: the second call has the same card uuids
  const RequestBuilder builder = axicel_request();
  const HttpResponse first = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(first.status == 200);
  const auto sent = parse(first.body);
  REQUIRE(sent["cards"].Size() > 0);

  // Different data under the same hookInstance: not an outage, the client's error.
  RequestBuilder reused = builder;
  reused.prefetch.at("administrations") = R"({"resourceType":"Bundle","type":"searchset","entry":[]})";
  const HttpResponse second = harness.handle(post("/cds-services/icans-patient-view", reused.body()));
  CHECK(second.status == 409);
  CHECK(second.body.find("\"cards\"") == std::string::npos);
  CHECK(second.body.find("hookInstance " + builder.hook_instance + " was already answered") != std::string::npos);
  CHECK(harness.all_log().find("internal error") == std::string::npos);

  for (const auto& card : sent["cards"].GetArray()) {
    std::string error;
    const auto audit = harness.store->find_card(card["uuid"].GetString(), error);
    REQUIRE(audit);
    CHECK(audit->card_json == write(card));
  }

  RequestBuilder fresh = reused;
  fresh.hook_instance = "6c1e4d2f-9b54-4d3a-8e8f-3a7b2c4d5e6f";
  CHECK(harness.handle(post("/cds-services/icans-patient-view", fresh.body())).status == 200);
}

TEST_CASE("canonical JSON ignores member order and whitespace", "[service][router]") {
  const auto a = parse(R"({"b": [1, {"y": 2, "x": 1}], "a": "s"})");
  const auto b = parse(R"({"a":"s","b":[1,{"x":1,"y":2}]})");
  CHECK(canonical_json(a) == R"({"a":"s","b":[1,{"x":1,"y":2}]})");
  CHECK(canonical_json(a) == canonical_json(b));
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
