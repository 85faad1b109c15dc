// Medications named only by reference are fetched from the request's
// fhirServer (cds/hooks/medication_references.h): which ids, with what
// query, under which budgets, and what the cards say when they cannot be had.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cds/hooks/medication_references.h"
#include "fhir/intake.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

constexpr const char* kServer = "https://ehr.example.org/fhir";
constexpr const char* kEndpoint = "/cds-services/icans-patient-view";
// The edema example's final charted time (examples/README.md: day 8 12:00).
const fhir::Instant kEdemaNow = instant("2026-02-10T12:00:00Z");

// Owns parsed JSON values and lists them as inputs.
struct Inputs {
  std::vector<std::unique_ptr<rapidjson::Document>> documents;
  std::vector<JsonInput> list;
  Inputs& add(const std::string& json) {
    documents.push_back(std::make_unique<rapidjson::Document>());
    REQUIRE(fhir::parse_json(json, *documents.back()).empty());
    list.push_back({"input " + std::to_string(list.size() + 1), documents.back().get()});
    return *this;
  }
};

std::string administration(const std::string& id, const std::string& medication) {
  return R"({"resourceType":"MedicationAdministration","id":")" + id +
         R"(","status":"completed","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-01T08:00:00Z",)" +
         medication + "}";
}

std::string reference(const std::string& target) {
  return R"("medicationReference":{"reference":")" + target + R"("})";
}

std::string bundle(const std::vector<std::string>& resources) {
  std::string text = R"({"resourceType":"Bundle","type":"searchset","entry":[)";
  for (std::size_t i = 0; i < resources.size(); ++i) text += (i ? "," : "") + ("{\"resource\":" + resources[i] + "}");
  return text + "]}";
}

std::string medication(const std::string& id, const std::string& rxnorm = "3264") {
  return R"({"resourceType":"Medication","id":")" + id +
         R"(","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":")" + rxnorm +
         R"("}]}})";
}

const ExampleChart& edema() {
  static const ExampleChart chart("edema-grade4-methylpred.json");
  return chart;
}

// The edema example as an EHR fills the discovery templates: its
// administrations refer to Medication/ed-med-dexamethasone and
// Medication/ed-med-methylprednisolone, which no template asks for.
RequestBuilder edema_request() {
  RequestBuilder builder;
  builder.patient_id = edema().patient_id;
  builder.prefetch = edema().full_prefetch();
  return builder;
}

const std::vector<std::string> kEdemaIds = {"ed-med-dexamethasone", "ed-med-methylprednisolone"};

struct Gathered {
  rapidjson::Document document;
  HookRequest request;
  GatheredData data;
  FetchPolicy policy;
  Gathered(const RequestBuilder& builder, FhirSearchFunction search,
           std::chrono::milliseconds deadline = std::chrono::milliseconds(2000)) {
    const auto error = parse_hook_request(builder.body(), builder.hook, document, request);
    if (!error.empty()) throw std::runtime_error(error);
    policy.search = std::move(search);
    policy.deadline = std::chrono::steady_clock::now() + deadline;
    policy.max_pages = 7;
    static const auto services = service_definitions(GradingConfig{}, *default_protocol().protocol, PrefetchSizes{});
    data = gather_data(services.front(), request, kEdemaNow, policy, fhir::Terminology(), GradingConfig{});
    REQUIRE(data.error.empty());
    REQUIRE(data.missing_required.empty());
  }
};

fhir::PatientRecord chart_of(const GatheredData& data, const std::string& patient) {
  const fhir::Terminology terminology;
  fhir::Intake intake(terminology);
  for (const auto& input : data.inputs) REQUIRE(intake.add_json_value(*input.value, input.name).empty());
  auto result = intake.finish();
  return result.patients.at(patient);
}

std::size_t administrations_of(const fhir::PatientRecord& record, fhir::Concept drug) {
  std::size_t count = 0;
  for (const auto& a : record.administrations) count += a.drug == drug ? 1 : 0;
  return count;
}

std::string string_member_of(const rapidjson::Value& object, const char* name) {
  const auto found = object.FindMember(name);
  return found != object.MemberEnd() && found->value.IsString() ? found->value.GetString() : "";
}

bool mentions(const std::vector<std::string>& texts, const std::string& part) {
  for (const auto& text : texts) {
    if (text.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

// ---- which ids --------------------------------------------------------------------

TEST_CASE("only relative Medication references no input satisfies are to be fetched", "[medication-references]") {
  Inputs inputs;
  inputs.add(bundle({
      administration("a1", reference("Medication/dex")),
      administration("a2", reference("Medication/dex")),  // once, not twice
      administration("a3", reference("Medication/held")),
      administration("a4", reference("#contained")),
      administration("a5", reference("urn:uuid:8d4c1b2e-7a0f-4a53-9a8e-3f3b2c1d0e9f")),
      administration("a6", reference("Observation/not-a-drug")),
      administration("a7", R"("medicationCodeableConcept":{"text":"dexamethasone"})"),
      medication("held"),
  }));
  inputs.add(bundle({R"({"resourceType":"MedicationRequest","id":"r1","status":"active","intent":"order",
      "subject":{"reference":"Patient/p1"},)" + reference("Medication/by-order") + "}"}));
  const auto unresolved = unresolved_medication_references(inputs.list, kServer);
  CHECK(unresolved.ids == std::vector<std::string>{"by-order", "dex"});
  CHECK(unresolved.left_out == 0);
}

TEST_CASE("a Medication in any input satisfies a reference from another input", "[medication-references]") {
  Inputs inputs;
  inputs.add(bundle({administration("a1", reference("Medication/dex"))}));
  CHECK(unresolved_medication_references(inputs.list, kServer).ids == std::vector<std::string>{"dex"});
  inputs.add(medication("dex"));  // a bare resource, like a read
  CHECK(unresolved_medication_references(inputs.list, kServer).ids.empty());
}

TEST_CASE("absolute references are fetched only on the request's own fhirServer", "[medication-references]") {
  Inputs inputs;
  inputs.add(bundle({
      administration("a1", reference("https://ehr.example.org/fhir/Medication/ours")),
      administration("a2", reference("https://other.example.org/fhir/Medication/theirs")),
      administration("a3", reference("https://ehr.example.org/fhir-evil/Medication/evil")),
      administration("a4", reference("https://ehr.example.org/fhir/Medication/versioned/_history/3")),
      // Scheme and host without case, as intake reads it (fhir/server_reference.h).
      administration("a5", reference("HTTPS://EHR.Example.org/fhir/Medication/upper")),
      administration("a6", reference("https://ehr.example.org/FHIR/Medication/path-case")),
  }));
  CHECK(unresolved_medication_references(inputs.list, kServer).ids ==
        std::vector<std::string>{"ours", "upper", "versioned"});
  CHECK(unresolved_medication_references(inputs.list, "https://ehr.example.org/fhir/").ids ==
        std::vector<std::string>{"ours", "upper", "versioned"});
  // Without a server, an absolute reference names nothing the service may ask for.
  CHECK(unresolved_medication_references(inputs.list, "").ids.empty());
}

TEST_CASE("a reference whose id could bend the query is never fetched", "[medication-references]") {
  Inputs inputs;
  inputs.add(bundle({
      administration("a1", reference("Medication/x&_include=*")),
      administration("a2", reference("Medication/x,y")),
      administration("a3", reference("Medication/x#frag")),
      administration("a4", reference("Medication/x%2Fy")),
      administration("a5", reference("Medication/" + std::string(65, 'a'))),
      administration("a6", reference("Medication/")),
      administration("a7", reference("Medication/x/extra")),
      administration("a8", reference("Medication/x/_history/")),
      administration("a9", reference("Medication/ok-1.2")),
  }));
  CHECK(unresolved_medication_references(inputs.list, kServer).ids == std::vector<std::string>{"ok-1.2"});
}

TEST_CASE("malformed inputs are skipped, never a crash", "[medication-references]") {
  Inputs inputs;
  inputs.add(R"({"resourceType":"Bundle","entry":{"resource":{}}})");
  inputs.add(R"({"resourceType":"Bundle","entry":[1,{"resource":"x"},{"resource":{"resourceType":7}}]})");
  inputs.add(bundle({administration("a1", R"("medicationReference":"Medication/dex")"),
                     administration("a2", R"("medicationReference":{"reference":42})")}));
  inputs.add("null");
  inputs.add("[]");
  CHECK(unresolved_medication_references(inputs.list, kServer).ids.empty());
}

TEST_CASE("ids beyond the cap are counted, not fetched", "[medication-references]") {
  Inputs inputs;
  inputs.add(bundle({administration("a1", reference("Medication/c")), administration("a2", reference("Medication/a")),
                     administration("a3", reference("Medication/b"))}));
  const auto unresolved = unresolved_medication_references(inputs.list, kServer, 2);
  CHECK(unresolved.ids == std::vector<std::string>{"a", "b"});
  CHECK(unresolved.left_out == 1);
  STATIC_REQUIRE(kMaxMedicationReferenceIds == 50);
}

TEST_CASE("draft orders' references are fetched unless the drafts or the chart hold the Medication",
          "[medication-references]") {
  Inputs chart;
  chart.add(bundle({administration("a1", reference("Medication/only-in-drafts")), medication("in-chart")}));
  rapidjson::Document drafts;
  const auto order = [](const std::string& id, const std::string& target) {
    return R"({"resourceType":"MedicationRequest","id":")" + id +
           R"(","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},)" + reference(target) + "}";
  };
  REQUIRE(fhir::parse_json(bundle({order("d1", "Medication/in-chart"), order("d2", "Medication/nowhere"),
                                   order("d3", "Medication/only-in-drafts"), order("d4", "Medication/nowhere"),
                                   medication("only-in-drafts")}),
                           drafts)
              .empty());
  // The chart's administration cannot use the drafts' Medication: the
  // drafts are read apart from the chart.
  CHECK(unresolved_medication_references(chart.list, kServer, kMaxMedicationReferenceIds, &drafts).ids ==
        std::vector<std::string>{"nowhere", "only-in-drafts"});
  CHECK(unresolved_medication_references(chart.list, kServer).ids == std::vector<std::string>{"only-in-drafts"});
  // One draft as a bare resource, as context.draftOrders may not be a Bundle.
  rapidjson::Document single;
  REQUIRE(fhir::parse_json(order("d5", "https://ehr.example.org/fhir/Medication/absolute"), single).empty());
  CHECK(unresolved_medication_references({}, kServer, kMaxMedicationReferenceIds, &single).ids ==
        std::vector<std::string>{"absolute"});
  // The cap counts the chart's and the drafts' ids together.
  const auto capped = unresolved_medication_references(chart.list, kServer, 1, &drafts);
  CHECK(capped.ids == std::vector<std::string>{"nowhere"});
  CHECK(capped.left_out == 1);
}

TEST_CASE("the chart's Medications a draft refers to are handed to the drafts' reading, named by entry",
          "[medication-references]") {
  Inputs chart;
  chart.add(bundle({administration("a1", reference("Medication/unrelated")), medication("unrelated"),
                    medication("toci", "612865")}));
  chart.add(medication("steroid"));
  chart.add(bundle({medication("elsewhere")}));
  rapidjson::Document drafts;
  REQUIRE(fhir::parse_json(
              bundle({R"({"resourceType":"MedicationRequest","id":"d1","status":"draft","intent":"order",)"
                      R"("subject":{"reference":"Patient/p1"},)" + reference("Medication/toci") + "}",
                      R"({"resourceType":"MedicationRequest","id":"d2","status":"draft","intent":"order",)"
                      R"("subject":{"reference":"Patient/p1"},)" + reference(std::string(kServer) + "/Medication/steroid") + "}",
                      R"({"resourceType":"MedicationRequest","id":"d3","status":"draft","intent":"order",)"
                      R"("subject":{"reference":"Patient/p1"},)" + reference("https://other.example.org/Medication/elsewhere") + "}"}),
              drafts)
              .empty());
  const auto medications = medications_for_drafts(chart.list, drafts, kServer);
  REQUIRE(medications.size() == 2);
  CHECK(medications[0].name == "input 1 entry 3");
  CHECK(string_member_of(*medications[0].value, "id") == "toci");
  CHECK(medications[1].name == "input 2");
  CHECK(string_member_of(*medications[1].value, "id") == "steroid");
  // Another server's Medication is not this one, whatever its id.
  CHECK(medications_for_drafts(chart.list, drafts, "").size() == 1);
}

TEST_CASE("the ids go out as one _id search", "[medication-references]") {
  CHECK(medication_search_query({"a", "b-2", "c.3"}) == "Medication?_id=a,b-2,c.3&_count=3");
}

// ---- the fetch --------------------------------------------------------------------

TEST_CASE("unresolved Medications are fetched in one search with the token and resolve the drug",
          "[medication-references]") {
  FakeFhirServer fhir;
  fhir.pages["Medication"] = {edema().search_bundle("Medication")};
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  builder.token = "SECRET-TOKEN-123";
  Gathered gathered(builder, fhir.function());
  const std::size_t before = gathered.data.inputs.size();
  CHECK(chart_of(gathered.data, "axicel-edema").administrations.size() > 0);
  CHECK(administrations_of(chart_of(gathered.data, "axicel-edema"), fhir::Concept::dexamethasone) == 0);

  fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
  const auto calls = fhir.recorded();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].base_url == kServer);
  CHECK(calls[0].query == "Medication?_id=ed-med-dexamethasone,ed-med-methylprednisolone&_count=2");
  CHECK(calls[0].token == "SECRET-TOKEN-123");
  CHECK(calls[0].deadline > std::chrono::milliseconds(0));
  CHECK(calls[0].deadline <= std::chrono::milliseconds(2000));
  REQUIRE(gathered.data.inputs.size() == before + 1);
  CHECK(gathered.data.inputs.back().name == "fhirServer medicationReferences page 1");
  REQUIRE(gathered.data.fetches.size() == 1);
  CHECK(gathered.data.fetches[0].key == "medicationReferences");
  CHECK(gathered.data.fetches[0].result == "ok");
  CHECK(gathered.data.fetches[0].pages == 1);
  CHECK(gathered.data.missing_data.empty());
  const auto record = chart_of(gathered.data, "axicel-edema");
  CHECK(administrations_of(record, fhir::Concept::dexamethasone) == 4);
  CHECK(administrations_of(record, fhir::Concept::methylprednisolone) == 3);
  for (const auto& warning : record.warnings) CHECK(warning.field != "medicationReference.reference");
}

TEST_CASE("no fhirServer, a refused one or nothing unresolved: no fetch, nothing said", "[medication-references]") {
  FakeFhirServer fhir;
  {
    Gathered gathered(edema_request(), fhir.function());
    const std::size_t inputs = gathered.data.inputs.size();
    fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
    CHECK(gathered.data.inputs.size() == inputs);
    CHECK(gathered.data.fetches.empty());
    CHECK(gathered.data.missing_data.empty());
  }
  {
    RequestBuilder builder = edema_request();
    builder.fhir_server = kServer;
    Gathered gathered(builder, fhir.function());
    gathered.policy.server_refused = "fhirServer is not among the FHIR servers allowed for this client";
    fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
    CHECK(gathered.data.fetches.empty());
    CHECK(gathered.data.missing_data.empty());
  }
  {
    RequestBuilder builder;
    const ExampleChart axicel("axicel-icans-grade3.json");  // coded drugs only
    builder.patient_id = axicel.patient_id;
    builder.prefetch = axicel.full_prefetch();
    builder.fhir_server = kServer;
    Gathered gathered(builder, fhir.function());
    fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
    CHECK(gathered.data.fetches.empty());
  }
  CHECK(fhir.recorded().empty());
}

TEST_CASE("a failed fetch guesses nothing: the drug stays unknown and the cards say why", "[medication-references]") {
  FakeFhirServer fhir;
  fhir.error = "page 1: connection refused";
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  Gathered gathered(builder, fhir.function());
  const std::size_t inputs = gathered.data.inputs.size();
  fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
  CHECK(gathered.data.inputs.size() == inputs);
  REQUIRE(gathered.data.fetches.size() == 1);
  CHECK(gathered.data.fetches[0].result == "error");
  CHECK(gathered.data.fetches[0].error == "page 1: connection refused");
  REQUIRE(gathered.data.missing_data.size() == 1);
  CHECK(gathered.data.missing_data[0] ==
        "Medication/ed-med-dexamethasone, Medication/ed-med-methylprednisolone: referred to by medication "
        "administrations or orders, not obtained (fetching them from the FHIR server failed: page 1: "
        "connection refused); the drug of the administrations and orders referring to them is unknown");
  const auto record = chart_of(gathered.data, "axicel-edema");
  CHECK(administrations_of(record, fhir::Concept::dexamethasone) == 0);
  CHECK(administrations_of(record, fhir::Concept::methylprednisolone) == 0);

  fhir.error = "timeout after 2000 ms (page 1)";
  Gathered timed_out(builder, fhir.function());
  fetch_referenced_medications(timed_out.request, timed_out.policy, timed_out.data);
  CHECK(timed_out.data.fetches.at(0).result == "timeout");
}

TEST_CASE("an id the server does not have is said, the others are used", "[medication-references]") {
  FakeFhirServer fhir;
  fhir.pages["Medication"] = {bundle({medication("ed-med-dexamethasone")})};
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  Gathered gathered(builder, fhir.function());
  fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
  CHECK(gathered.data.fetches.at(0).result == "ok");
  REQUIRE(gathered.data.missing_data.size() == 1);
  CHECK(gathered.data.missing_data[0] ==
        "Medication/ed-med-methylprednisolone: referred to by medication administrations or orders, not "
        "found on the FHIR server; the drug of the administrations and orders referring to them is unknown");
  const auto record = chart_of(gathered.data, "axicel-edema");
  CHECK(administrations_of(record, fhir::Concept::dexamethasone) == 4);
  CHECK(administrations_of(record, fhir::Concept::methylprednisolone) == 0);
}

TEST_CASE("an answer holding anything but Medications is not read into the chart", "[medication-references]") {
  FakeFhirServer fhir;
  fhir.pages["Medication"] = {bundle({medication("ed-med-dexamethasone"),
                                      administration("injected", R"("medicationCodeableConcept":{"text":"x"})")})};
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  Gathered gathered(builder, fhir.function());
  const std::size_t inputs = gathered.data.inputs.size();
  fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
  CHECK(gathered.data.inputs.size() == inputs);
  CHECK(gathered.data.fetches.at(0).result == "error");
  CHECK(gathered.data.fetches.at(0).error == "page 1 holds a resource that is not a Medication (MedicationAdministration)");
  CHECK(mentions(gathered.data.missing_data, "not obtained"));

  fhir.pages["Medication"] = {"{not json"};
  Gathered garbled(builder, fhir.function());
  fetch_referenced_medications(garbled.request, garbled.policy, garbled.data);
  CHECK(garbled.data.fetches.at(0).error.starts_with("page 1 is not valid JSON"));
}

TEST_CASE("the fetch keeps to the request's deadline and what is left of its budgets", "[medication-references]") {
  FakeFhirServer fhir;
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  {
    Gathered late(builder, fhir.function(), std::chrono::milliseconds(-1));
    fetch_referenced_medications(late.request, late.policy, late.data);
    CHECK(fhir.recorded().empty());
    REQUIRE(late.data.fetches.size() == 1);
    CHECK(late.data.fetches[0].result == "timeout");
    CHECK(mentions(late.data.missing_data, "deadline had passed"));
  }
  FhirClientLimits seen;
  std::size_t calls = 0;
  const FhirSearchFunction spy = [&](const std::string&, const std::string&, const std::string&,
                                     const FhirClientLimits& limits) {
    seen = limits;
    ++calls;
    FhirSearchResult result;
    result.complete = true;
    result.pages.push_back(edema().search_bundle("Medication"));
    return result;
  };
  Gathered gathered(builder, spy, std::chrono::milliseconds(1500));
  gathered.policy.max_bytes = 1000000;
  gathered.policy.max_resources = 50000;
  gathered.data.fetched_bytes = 400000;  // as if the prefetch fetches had kept this much
  gathered.data.fetched_resources = 49999;
  fetch_referenced_medications(gathered.request, gathered.policy, gathered.data);
  REQUIRE(calls == 1);
  CHECK(seen.max_bytes == 600000);
  CHECK(seen.max_resources == 1);
  CHECK(seen.max_pages == 7);
  CHECK(seen.deadline <= std::chrono::milliseconds(1500));
  CHECK(gathered.data.fetched_bytes == 400000 + edema().search_bundle("Medication").size());
  CHECK(gathered.data.fetched_resources == 49999 + 2);

  Gathered roomy(builder, spy);
  fetch_referenced_medications(roomy.request, roomy.policy, roomy.data);
  CHECK(seen.max_resources == 2 + 5);  // one per id, and room for an OperationOutcome

  Gathered spent(builder, spy);
  spent.data.fetched_bytes = spent.policy.max_bytes;
  fetch_referenced_medications(spent.request, spent.policy, spent.data);
  CHECK(calls == 2);  // not called again
  CHECK(spent.data.fetches.at(0).result == "error");
  CHECK(mentions(spent.data.missing_data, "fetch budget"));
}

TEST_CASE("ids over the cap are named on the cards as not fetched", "[medication-references]") {
  FakeFhirServer fhir;
  fhir.pages["Medication"] = {edema().search_bundle("Medication")};
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  Gathered gathered(builder, fhir.function());
  fetch_referenced_medications(gathered.request, gathered.policy, gathered.data, 1);
  REQUIRE(fhir.recorded().size() == 1);
  CHECK(fhir.recorded()[0].query == "Medication?_id=ed-med-dexamethasone&_count=1");
  REQUIRE(gathered.data.missing_data.size() == 1);
  CHECK(gathered.data.missing_data[0] ==
        "1 more Medications referred to by medication administrations or orders were not fetched (at most 1 "
        "per request); the drug of the administrations and orders referring to them is unknown");
}

// ---- through the service ------------------------------------------------------------

TEST_CASE("the service counts a steroid whose Medication only the FHIR server holds", "[medication-references]") {
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  builder.token = "SECRET-TOKEN-123";

  Harness fetched({}, kEdemaNow);
  fetched.fhir.pages["Medication"] = {edema().search_bundle("Medication")};
  const HttpResponse counted = fetched.handle(post(kEndpoint, builder.body()));
  REQUIRE(counted.status == 200);
  CHECK(counted.body.find("No corticosteroid charted as given") == std::string::npos);
  CHECK(counted.body.find("MedicationAdministration/ed-mar-methylprednisolone-d8") != std::string::npos);
  // The three methylprednisolone doses given: no fourth is proposed.
  CHECK(counted.body.find("course complete") != std::string::npos);
  CHECK(counted.body.find("matches no Medication") == std::string::npos);
  CHECK(fetched.all_log().find("\"fhir_fetches\":1") != std::string::npos);
  CHECK(fetched.all_log().find("SECRET-TOKEN-123") == std::string::npos);
  CHECK(fetched.service->metrics().render().find("icans_fhir_fetches_total{result=\"ok\"} 1") != std::string::npos);

  Harness down({}, kEdemaNow);
  down.fhir.error = "page 1: connection refused";
  const HttpResponse unknown = down.handle(post(kEndpoint, builder.body()));
  REQUIRE(unknown.status == 200);
  CHECK(unknown.body.find("No corticosteroid charted as given") != std::string::npos);
  CHECK(unknown.body.find("course complete") == std::string::npos);
  CHECK(unknown.body.find("'Medication/ed-med-dexamethasone' matches no Medication in the inputs; drug unknown") !=
        std::string::npos);
  CHECK(unknown.body.find("fetching them from the FHIR server failed: page 1: connection refused") !=
        std::string::npos);
  CHECK(unknown.body.find("SECRET-TOKEN-123") == std::string::npos);
}

TEST_CASE("the audited inputs fingerprint covers the fetched Medications", "[medication-references]") {
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  const auto fingerprint = [&](const std::string& page) {
    Harness harness({}, kEdemaNow);
    harness.fhir.pages["Medication"] = {page};
    const HttpResponse response = harness.handle(post(kEndpoint, builder.body()));
    REQUIRE(response.status == 200);
    const auto uuids = card_uuids(response);
    REQUIRE_FALSE(uuids.empty());
    std::string error;
    const auto audit = harness.store->find_card(uuids.front(), error);
    REQUIRE(audit);
    return audit->inputs_sha256;
  };
  const std::string as_charted = fingerprint(edema().search_bundle("Medication"));
  CHECK(as_charted == fingerprint(edema().search_bundle("Medication")));
  CHECK(as_charted != fingerprint(bundle({medication("ed-med-dexamethasone"),
                                          medication("ed-med-methylprednisolone", "3264")})));
}

// The lisocel example as order-select, its draft tocilizumab order giving the
// drug as a reference to a Medication only the FHIR server holds.
RequestBuilder lisocel_draft_by_reference() {
  static const ExampleChart lisocel("icans-without-crs-tocilizumab-draft.json");
  rapidjson::Document drafts;
  REQUIRE(fhir::parse_json(lisocel.search_bundle("MedicationRequest", "draft"), drafts).empty());
  REQUIRE(drafts["entry"].Size() == 1);
  auto& order = drafts["entry"][0]["resource"];
  REQUIRE(order.RemoveMember("medicationCodeableConcept"));
  rapidjson::Value target(rapidjson::kObjectType);
  target.AddMember("reference", "Medication/lc-med-tocilizumab", drafts.GetAllocator());
  order.AddMember("medicationReference", target, drafts.GetAllocator());
  RequestBuilder builder;
  builder.hook = "order-select";
  builder.patient_id = lisocel.patient_id;
  builder.prefetch = lisocel.full_prefetch();
  builder.draft_orders = write(drafts);
  builder.selections = {"MedicationRequest/lc-rx-tocilizumab-draft"};
  builder.fhir_server = kServer;
  builder.token = "SECRET-TOKEN-123";
  return builder;
}

TEST_CASE("a draft order naming its drug by reference is recognised once its Medication is fetched",
          "[medication-references]") {
  const RequestBuilder builder = lisocel_draft_by_reference();
  constexpr const char* kSelect = "/cds-services/icans-order-select";
  constexpr const char* kDraftWarning = "Draft tocilizumab: not for ICANS without CRS";

  Harness fetched({}, kLisocelNow);
  fetched.fhir.pages["Medication"] = {bundle({medication("lc-med-tocilizumab", "612865")})};
  const HttpResponse recognised = fetched.handle(post(kSelect, builder.body()));
  REQUIRE(recognised.status == 200);
  CHECK(recognised.body.find(kDraftWarning) != std::string::npos);
  CHECK(recognised.body.find("draft order not fully read") == std::string::npos);
  std::vector<std::string> medication_queries;
  for (const auto& call : fetched.fhir.recorded()) {
    if (call.query.starts_with("Medication?")) medication_queries.push_back(call.query);
  }
  CHECK(medication_queries == std::vector<std::string>{"Medication?_id=lc-med-tocilizumab&_count=1"});

  // Sent in the prefetch instead (as an _include of the orders would):
  // read from there, nothing fetched.
  RequestBuilder prefetched = builder;
  rapidjson::Document orders;
  REQUIRE(fhir::parse_json(prefetched.prefetch.at("medicationRequests"), orders).empty());
  rapidjson::Document included;
  REQUIRE(fhir::parse_json(R"({"resource":)" + medication("lc-med-tocilizumab", "612865") + "}", included).empty());
  orders["entry"].PushBack(rapidjson::Value(included, orders.GetAllocator()), orders.GetAllocator());
  prefetched.prefetch["medicationRequests"] = write(orders);
  Harness held({}, kLisocelNow);
  const HttpResponse from_prefetch = held.handle(post(kSelect, prefetched.body()));
  REQUIRE(from_prefetch.status == 200);
  CHECK(from_prefetch.body.find(kDraftWarning) != std::string::npos);
  for (const auto& call : held.fhir.recorded()) CHECK_FALSE(call.query.starts_with("Medication?"));

  // Not to be had: the draft's drug is unknown, and the cards say so rather
  // than staying silent about the order.
  Harness down({}, kLisocelNow);
  down.fhir.error = "page 1: connection refused";
  const HttpResponse unknown = down.handle(post(kSelect, builder.body()));
  REQUIRE(unknown.status == 200);
  CHECK(unknown.body.find(kDraftWarning) == std::string::npos);
  CHECK(unknown.body.find("draft order not fully read: context.draftOrders entry 1 "
                          "(MedicationRequest/lc-rx-tocilizumab-draft) medicationReference.reference: "
                          "'Medication/lc-med-tocilizumab' matches no Medication in the inputs; drug unknown") !=
        std::string::npos);
  CHECK(unknown.body.find("Medication/lc-med-tocilizumab: referred to by medication administrations or orders, "
                          "not obtained (fetching them from the FHIR server failed: page 1: connection refused)") !=
        std::string::npos);
  CHECK(unknown.body.find("SECRET-TOKEN-123") == std::string::npos);
}

TEST_CASE("the medication id cap is the service's configuration", "[medication-references]") {
  RequestBuilder builder = edema_request();
  builder.fhir_server = kServer;
  ServiceConfig config;
  config.fetch_max_medication_ids = 1;
  Harness harness(config, kEdemaNow);
  harness.fhir.pages["Medication"] = {edema().search_bundle("Medication")};
  const HttpResponse response = harness.handle(post(kEndpoint, builder.body()));
  REQUIRE(response.status == 200);
  CHECK(response.body.find("1 more Medications referred to by medication administrations or orders were not "
                           "fetched (at most 1 per request)") != std::string::npos);
  std::vector<std::string> medication_queries;
  for (const auto& call : harness.fhir.recorded()) {
    if (call.query.starts_with("Medication?")) medication_queries.push_back(call.query);
  }
  CHECK(medication_queries == std::vector<std::string>{"Medication?_id=ed-med-dexamethasone&_count=1"});
}

TEST_CASE("a request refused for missing required data makes no Medication fetch", "[medication-references]") {
  Harness harness({}, kEdemaNow);
  harness.fhir.error = "timeout after 2000 ms";
  RequestBuilder builder = edema_request();
  builder.prefetch.erase("observations");
  builder.fhir_server = kServer;
  CHECK(harness.handle(post(kEndpoint, builder.body())).status == 412);
  for (const auto& call : harness.fhir.recorded()) CHECK_FALSE(call.query.starts_with("Medication?"));
}
