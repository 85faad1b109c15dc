// Prefetch key checking (present / null / absent / OperationOutcome / paged)
// and the FHIR server fallback under a deadline.
#include <catch2/catch.hpp>

#include <string>

#include "cds/hooks/prefetch.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

const std::vector<ServiceDefinition>& services() {
  static const auto defined =
      service_definitions(GradingConfig{}, *default_protocol().protocol, PrefetchSizes{});
  return defined;
}

const ServiceDefinition& patient_view() { return services().front(); }

const PrefetchTemplate& key(const std::string& name) {
  for (const auto& entry : patient_view().prefetch) {
    if (entry.key == name) return entry;
  }
  throw std::logic_error("no key " + name);
}

PrefetchValueCheck check(const std::string& key_name, const std::string& json, std::string& error,
                         const std::string& patient = "p1") {
  rapidjson::Document value;
  fhir::parse_json(json, value);
  PrefetchValueCheck result;
  error = check_prefetch_value(key(key_name), &value, patient, result);
  return result;
}

std::string observation(const std::string& id, const std::string& time) {
  return R"({"resource":{"resourceType":"Observation","id":")" + id +
         R"(","status":"final","subject":{"reference":"Patient/axicel-icans3"},"code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"effectiveDateTime":")" +
         time + R"(","valueQuantity":{"value":37.1,"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}}})";
}

const char* kNextLink = R"("link":[{"relation":"self","url":"https://ehr.example.org/fhir/Observation?page=1"},{"relation":"next","url":"https://ehr.example.org/fhir/Observation?page=2"}])";

// Parses a request and gathers its data the way the router does.
struct Gather {
  rapidjson::Document document;
  HookRequest request;
  GatheredData data;
  Gather(const RequestBuilder& builder, FakeFhirServer& fhir, fhir::Instant at = kAxicelNow,
         std::chrono::milliseconds deadline = std::chrono::milliseconds(2000)) {
    const auto error = parse_hook_request(builder.body(), builder.hook, document, request);
    if (!error.empty()) throw std::runtime_error(error);
    FetchPolicy policy;
    policy.search = fhir.function();
    policy.deadline = std::chrono::steady_clock::now() + deadline;
    policy.max_pages = 7;
    data = gather_data(patient_view(), request, at, policy, fhir::Terminology(), GradingConfig{});
  }
};

RequestBuilder axicel_request() {
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  return builder;
}

bool contains(const std::vector<std::string>& texts, const std::string& part) {
  for (const auto& text : texts) {
    if (text.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("prefetch values are classified as the specification defines them", "[service][prefetch]") {
  std::string error;
  PrefetchValueCheck absent;
  CHECK(check_prefetch_value(key("observations"), nullptr, "p1", absent).empty());
  CHECK(absent.status == PrefetchStatus::absent);

  CHECK(check("observations", "null", error).status == PrefetchStatus::no_data);
  CHECK(error.empty());
  CHECK(check("observations", R"({"resourceType":"OperationOutcome","issue":[]})", error).status ==
        PrefetchStatus::failed);

  const auto complete = check("observations",
                              R"({"resourceType":"Bundle","type":"searchset","entry":[)" +
                                  observation("o1", "2026-03-07T10:00:00Z") + "," +
                                  observation("o2", "2026-03-06T10:00:00-05:00") + "]}",
                              error);
  CHECK(error.empty());
  CHECK(complete.status == PrefetchStatus::complete);
  CHECK(complete.entries == 2);
  CHECK(complete.oldest == instant("2026-03-06T15:00:00Z"));

  CHECK(check("observations", R"({"resourceType":"Bundle","type":"searchset","entry":[]})", error).status ==
        PrefetchStatus::complete);
  CHECK(check("observations", std::string(R"({"resourceType":"Bundle","type":"searchset",)") + kNextLink +
                                  R"(,"entry":[)" + observation("o1", "2026-03-07T10:00:00Z") + "]}",
              error)
            .status == PrefetchStatus::partial);
  CHECK(check("observations",
              R"({"resourceType":"Bundle","type":"searchset","total":50,"entry":[)" +
                  observation("o1", "2026-03-07T10:00:00Z") + "]}",
              error)
            .status == PrefetchStatus::partial);
  CHECK(check("patient", R"({"resourceType":"Patient","id":"p1"})", error).status ==
        PrefetchStatus::complete);
}

TEST_CASE("a prefetch holding exactly _count entries may have been cut off", "[service][prefetch]") {
  PrefetchSizes sizes;
  sizes.diagnostic_reports = 2;
  const auto defined = service_definitions(GradingConfig{}, *default_protocol().protocol, sizes);
  const PrefetchTemplate* reports = nullptr;
  for (const auto& entry : defined.front().prefetch) {
    if (entry.key == "diagnosticReports") reports = &entry;
  }
  REQUIRE(reports);
  const auto report = [](const std::string& id) {
    return R"({"resource":{"resourceType":"DiagnosticReport","id":")" + id +
           R"(","status":"final","subject":{"reference":"Patient/p1"},"code":{"text":"MRI"},"effectiveDateTime":"2026-03-07T10:00:00Z"}})";
  };
  rapidjson::Document two;
  fhir::parse_json(R"({"resourceType":"Bundle","entry":[)" + report("a") + "," + report("b") + "]}", two);
  PrefetchValueCheck result;
  REQUIRE(check_prefetch_value(*reports, &two, "p1", result).empty());
  CHECK(result.status == PrefetchStatus::partial);
  rapidjson::Document one;
  fhir::parse_json(R"({"resourceType":"Bundle","entry":[)" + report("a") + "]}", one);
  REQUIRE(check_prefetch_value(*reports, &one, "p1", result).empty());
  CHECK(result.status == PrefetchStatus::complete);
}

TEST_CASE("malformed prefetch values are refused naming the key", "[service][prefetch]") {
  std::string error;
  check("observations", R"("Observation?patient=p1")", error);
  CHECK(error == "prefetch.observations: must be a FHIR resource, a Bundle or null, not string");
  check("observations", R"([1])", error);
  CHECK(error == "prefetch.observations: must be a FHIR resource, a Bundle or null, not array");
  check("observations", R"({"id":"x"})", error);
  CHECK(error == "prefetch.observations: has no resourceType; not a FHIR resource");
  check("observations", R"({"resourceType":"Observation","id":"o1"})", error);
  CHECK(error == "prefetch.observations: a search result must be a Bundle, not a Observation");
  check("observations", R"({"resourceType":"Bundle","entry":{}})", error);
  CHECK(error == "prefetch.observations.entry: must be an array, not object");
  check("patient", R"({"resourceType":"Observation","id":"p1"})", error);
  CHECK(error == "prefetch.patient: must be a Patient, not a Observation");
  check("patient", R"({"resourceType":"Patient","id":"someone-else"})", error);
  CHECK(error == "prefetch.patient: Patient.id is not context.patientId 'p1'");
}

TEST_CASE("a complete prefetch needs no FHIR server at all", "[service][prefetch]") {
  FakeFhirServer fhir;
  Gather gathered(axicel_request(), fhir);
  CHECK(gathered.data.error.empty());
  CHECK(gathered.data.missing_required.empty());
  CHECK(gathered.data.missing_data.empty());
  CHECK(fhir.recorded().empty());
  CHECK(gathered.data.inputs.size() == 7);
}

TEST_CASE("an absent key is fetched from fhirServer with the bearer token", "[service][prefetch]") {
  FakeFhirServer fhir;
  const ExampleChart chart("axicel-icans-grade3.json");
  fhir.pages["Observation"] = {chart.search_bundle("Observation")};
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.fhir_server = "https://ehr.example.org/fhir";
  builder.token = "SECRET-TOKEN-123";
  Gather gathered(builder, fhir);
  CHECK(gathered.data.missing_required.empty());
  CHECK(gathered.data.missing_data.empty());
  const auto calls = fhir.recorded();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].base_url == "https://ehr.example.org/fhir");
  CHECK(calls[0].query == "Observation?patient=axicel-icans3&_sort=-date&_count=1000");
  CHECK(calls[0].token == "SECRET-TOKEN-123");
  REQUIRE(gathered.data.fetches.size() == 1);
  CHECK(gathered.data.fetches[0].result == "ok");
  // In template order: the fetched page takes the place of the missing key.
  REQUIRE(gathered.data.inputs.size() == 7);
  CHECK(gathered.data.inputs[1].name == "fhirServer observations page 1");
}

TEST_CASE("an absent required key without fhirServer is a precondition failure",
          "[service][prefetch]") {
  FakeFhirServer fhir;
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("administrations");
  builder.prefetch.erase("diagnosticReports");
  Gather gathered(builder, fhir);
  REQUIRE(gathered.data.missing_required.size() == 1);
  CHECK(gathered.data.missing_required[0].find("medication administrations") != std::string::npos);
  CHECK(gathered.data.missing_required[0].find("prefetch key 'administrations' absent") != std::string::npos);
  CHECK(gathered.data.missing_required[0].find("no fhirServer in the request") != std::string::npos);
  // Optional data missing is only said on the cards.
  REQUIRE(gathered.data.missing_data.size() == 1);
  CHECK(gathered.data.missing_data[0].starts_with("diagnostic reports"));
}

TEST_CASE("an OperationOutcome is treated as missing and fetched", "[service][prefetch]") {
  FakeFhirServer fhir;
  RequestBuilder builder = axicel_request();
  builder.prefetch["procedures"] = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"timeout"}]})";
  builder.fhir_server = "https://ehr.example.org/fhir";
  Gather gathered(builder, fhir);
  const auto calls = fhir.recorded();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].query == "Procedure?patient=axicel-icans3");
  CHECK(calls[0].token.empty());  // fhirServer without fhirAuthorization: no Authorization header
}

TEST_CASE("null is the EHR saying there is no data: trusted, never fetched", "[service][prefetch]") {
  RequestBuilder builder = axicel_request();
  builder.prefetch["diagnosticReports"] = "null";
  builder.prefetch["observations"] = "null";
  for (const std::string server : {"", "https://ehr.example.org/fhir"}) {
    INFO("fhirServer '" << server << "'");
    builder.fhir_server = server;
    builder.token = server.empty() ? "" : "t";
    FakeFhirServer fhir;
    Gather gathered(builder, fhir);
    CHECK(fhir.recorded().empty());
    CHECK(gathered.data.fetches.empty());
    CHECK(gathered.data.missing_required.empty());
    CHECK(gathered.data.missing_data.empty());
  }
  // The same keys left out are fetched: absence, not null, asks the service to.
  builder.prefetch.erase("diagnosticReports");
  builder.prefetch.erase("observations");
  FakeFhirServer fhir;
  Gather gathered(builder, fhir);
  CHECK(fhir.recorded().size() == 2);
}

TEST_CASE("a paged prefetch that stops short of the window is completed with a date filter",
          "[service][prefetch]") {
  FakeFhirServer fhir;
  RequestBuilder builder = axicel_request();
  builder.prefetch["observations"] = std::string(R"({"resourceType":"Bundle","type":"searchset",)") +
                                     kNextLink + R"(,"entry":[)" +
                                     observation("recent", "2026-03-07T16:00:00Z") + "]}";
  builder.fhir_server = "https://ehr.example.org/fhir";
  builder.token = "t";
  Gather gathered(builder, fhir);
  const auto calls = fhir.recorded();
  REQUIRE(calls.size() == 1);
  // 72 h (the imaging window) before 2026-03-07T17:05:00Z.
  CHECK(calls[0].query ==
        "Observation?patient=axicel-icans3&_sort=-date&_count=1000&date=ge2026-03-04T17:05:00Z");
  CHECK(gathered.data.missing_data.empty());
}

TEST_CASE("a paged prefetch that already reaches back past the window is not re-fetched",
          "[service][prefetch]") {
  FakeFhirServer fhir;
  RequestBuilder builder = axicel_request();
  builder.prefetch["observations"] = std::string(R"({"resourceType":"Bundle","type":"searchset",)") +
                                     kNextLink + R"(,"entry":[)" +
                                     observation("recent", "2026-03-07T16:00:00Z") + "," +
                                     observation("old", "2026-03-04T12:00:00Z") + "]}";
  builder.fhir_server = "https://ehr.example.org/fhir";
  Gather gathered(builder, fhir);
  CHECK(fhir.recorded().empty());
  CHECK(gathered.data.missing_data.empty());
}

TEST_CASE("a paged prefetch without a server to complete it is said on the cards",
          "[service][prefetch]") {
  FakeFhirServer fhir;
  RequestBuilder builder = axicel_request();
  builder.prefetch["observations"] = std::string(R"({"resourceType":"Bundle","type":"searchset",)") +
                                     kNextLink + R"(,"entry":[)" +
                                     observation("recent", "2026-03-07T16:00:00Z") + "]}";
  Gather gathered(builder, fhir);
  CHECK(gathered.data.missing_required.empty());
  REQUIRE(gathered.data.missing_data.size() == 1);
  CHECK(gathered.data.missing_data[0].find("only partly obtained") != std::string::npos);
  CHECK(gathered.data.missing_data[0].find("the last 72 h") != std::string::npos);
}

TEST_CASE("administrations are completed back to the infusion (day 0)", "[service][prefetch]") {
  FakeFhirServer fhir;
  RequestBuilder builder = axicel_request();
  builder.prefetch["administrations"] =
      std::string(R"({"resourceType":"Bundle","type":"searchset",)") + kNextLink + R"(,"entry":[]})";
  builder.fhir_server = "https://ehr.example.org/fhir";
  Gather gathered(builder, fhir);
  const auto calls = fhir.recorded();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].query.starts_with("MedicationAdministration?patient=axicel-icans3&_sort=-effective-time&_count=500&effective-time=ge"));
  // Day 0 of the example is the Procedure's performed time (examples/README.md).
  const std::string day0 = calls[0].query.substr(calls[0].query.find("effective-time=ge") + 17);
  CHECK(fhir::parse_instant(day0).range->earliest < kAxicelNow - 4 * fhir::kMillisPerDay);
}

TEST_CASE("a failing FHIR server leaves required data missing with its reason, never a hang",
          "[service][prefetch]") {
  FakeFhirServer fhir;
  fhir.error = "connection refused";
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.prefetch.erase("patient");
  builder.fhir_server = "http://127.0.0.1:9";
  builder.token = "SECRET-TOKEN-123";
  Gather gathered(builder, fhir, kAxicelNow, std::chrono::milliseconds(1500));
  REQUIRE(gathered.data.missing_required.size() == 1);
  CHECK(contains(gathered.data.missing_required, "fetching it from the FHIR server failed: connection refused"));
  CHECK(contains(gathered.data.missing_data, "the Patient resource"));
  for (const auto& call : fhir.recorded()) {
    CHECK(call.deadline <= std::chrono::milliseconds(1500));
    CHECK(call.deadline > std::chrono::milliseconds(0));
  }
  // The patient read falls back to a search, which answers with a Bundle.
  bool patient_search = false;
  for (const auto& call : fhir.recorded()) patient_search |= call.query == "Patient?_id=axicel-icans3";
  CHECK(patient_search);
}

TEST_CASE("a fetched page that is not a Bundle counts as a failed fetch", "[service][prefetch]") {
  FakeFhirServer fhir;
  fhir.pages["Observation"] = {R"({"resourceType":"OperationOutcome","issue":[]})"};
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.fhir_server = "https://ehr.example.org/fhir";
  Gather gathered(builder, fhir);
  REQUIRE(gathered.data.missing_required.size() == 1);
  CHECK(gathered.data.missing_required[0].find("OperationOutcome") != std::string::npos);
  CHECK(gathered.data.fetches.at(0).result == "error");
}

TEST_CASE("the router answers 412 with the reasons and never echoes the token", "[service][prefetch]") {
  Harness harness;
  harness.fhir.error = "timeout after 2000 ms";
  RequestBuilder builder = axicel_request();
  builder.prefetch.clear();
  builder.fhir_server = "https://ehr.example.org/fhir";
  builder.token = "SECRET-TOKEN-123";
  const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  CHECK(response.status == 412);
  const auto body = parse(response.body);
  REQUIRE(body.IsObject());
  CHECK(body["missing"].Size() == 3);  // observations, administrations, procedures
  CHECK(response.body.find("SECRET-TOKEN-123") == std::string::npos);
  CHECK(harness.all_log().find("SECRET-TOKEN-123") == std::string::npos);
  CHECK(harness.all_log().find("\"status\":412") != std::string::npos);
  CHECK(harness.service->metrics().render().find("icans_fhir_fetches_total{result=\"timeout\"} 7") !=
        std::string::npos);
}

TEST_CASE("a fhirServer outside the allowed list is never contacted", "[service][prefetch]") {
  ServiceConfig config;
  config.fhir_server_allow = {"https://ehr.example.org/fhir"};
  Harness harness(config);
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.fhir_server = "https://ehr.example.org.attacker.net/fhir";
  builder.token = "SECRET-TOKEN-123";
  const HttpResponse response = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  CHECK(response.status == 412);
  CHECK(harness.fhir.recorded().empty());
  CHECK(response.body.find("not among the FHIR servers") != std::string::npos);

  ServiceConfig https_only;
  https_only.fhir_server_https_only = true;
  Harness strict(https_only);
  builder.fhir_server = "http://ehr.example.org/fhir";
  CHECK(strict.handle(post("/cds-services/icans-patient-view", builder.body())).status == 412);
  CHECK(strict.fhir.recorded().empty());
}
