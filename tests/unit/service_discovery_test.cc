// Discovery (CDS Hooks 2.0): three services, unique ids, spec hooks, and
// prefetch templates that use only allowed tokens and query forms.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "cds/hooks/discovery.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

std::vector<ServiceDefinition> defaults() {
  return service_definitions(GradingConfig{}, *default_protocol().protocol, PrefetchSizes{});
}

}  // namespace

TEST_CASE("discovery lists one service per hook with unique ids", "[service][discovery]") {
  Harness harness;
  const HttpResponse response = harness.handle(get("/cds-services"));
  REQUIRE(response.status == 200);
  CHECK(header(response, "Content-Type") == "application/json");
  const auto body = parse(response.body);
  REQUIRE(body.IsObject());
  REQUIRE(body["services"].IsArray());
  std::set<std::string> ids;
  std::map<std::string, std::string> hooks;
  for (const auto& service : body["services"].GetArray()) {
    // Required by the specification: hook, description, id; title recommended.
    REQUIRE(service["hook"].IsString());
    REQUIRE(service["description"].IsString());
    REQUIRE(service["id"].IsString());
    REQUIRE(service["title"].IsString());
    CHECK(service["description"].GetStringLength() > 0);
    CHECK(ids.insert(service["id"].GetString()).second);
    hooks[service["id"].GetString()] = service["hook"].GetString();
    // Only spec members: no nulls, no empty strings.
    for (const auto& member : service.GetObject()) {
      const std::string name = member.name.GetString();
      CHECK((name == "hook" || name == "title" || name == "description" || name == "id" ||
             name == "prefetch" || name == "usageRequirements"));
      CHECK_FALSE(member.value.IsNull());
    }
  }
  CHECK(hooks == std::map<std::string, std::string>{{"icans-patient-view", "patient-view"},
                                                    {"icans-order-select", "order-select"},
                                                    {"icans-order-sign", "order-sign"}});
}

TEST_CASE("every published prefetch template uses only allowed tokens and query forms",
          "[service][discovery]") {
  for (const auto& service : defaults()) {
    REQUIRE_FALSE(service.prefetch.empty());
    std::set<std::string> keys;
    for (const auto& entry : service.prefetch) {
      INFO(service.id << " " << entry.key << ": " << entry.query);
      CHECK(check_prefetch_template(entry.query, service.hook).empty());
      CHECK(keys.insert(entry.key).second);
      // {{context.patientId}} is the only token the grading needs.
      CHECK(entry.query.find("{{context.patientId}}") != std::string::npos);
    }
  }
}

TEST_CASE("templates are sized and windowed for grading", "[service][discovery]") {
  GradingConfig grading;
  grading.imaging_window_hours = 96;
  PrefetchSizes sizes;
  sizes.observations = 1500;
  const auto services = service_definitions(grading, *default_protocol().protocol, sizes);
  const auto& prefetch = services.front().prefetch;
  auto find = [&](const std::string& key) -> const PrefetchTemplate& {
    for (const auto& entry : prefetch) {
      if (entry.key == key) return entry;
    }
    FAIL("no key " << key);
    return prefetch.front();
  };
  const auto& observations = find("observations");
  CHECK(observations.query == "Observation?patient={{context.patientId}}&_sort=-date&_count=1500");
  CHECK(observations.required);
  CHECK(observations.lookback == Lookback::hours_before_t);
  CHECK(observations.lookback_hours == 96);  // the longest observation window
  const auto& administrations = find("administrations");
  CHECK(administrations.required);
  CHECK(administrations.lookback == Lookback::since_infusion);
  CHECK(administrations.date_parameter == "effective-time");
  CHECK(find("procedures").required);
  CHECK(find("procedures").lookback == Lookback::everything);
  CHECK(find("patient").read);
  CHECK_FALSE(find("patient").required);
  CHECK_FALSE(find("diagnosticReports").required);
  CHECK(find("diagnosticReports").lookback_hours >= 96);
}

TEST_CASE("the template checker refuses tokens and forms outside CDS Hooks 2.0",
          "[service][discovery]") {
  CHECK(check_prefetch_template("Patient/{{context.patientId}}", "patient-view").empty());
  CHECK(check_prefetch_template("Practitioner/{{userPractitionerId}}", "patient-view").empty());
  CHECK(check_prefetch_template("PractitionerRole?_id={{userPractitionerRoleId}}", "order-sign").empty());
  CHECK(check_prefetch_template("Encounter/{{context.encounterId}}", "order-select").empty());
  CHECK(check_prefetch_template("Observation?patient={{context.patientId}}&code:in=http://x/vs",
                                "patient-view")
            .empty());
  CHECK(check_prefetch_template("Observation?patient={{context.patientId}}&date=ge2024-01-01&_sort=-date,code&_count=5",
                                "patient-view")
            .empty());

  CHECK(check_prefetch_template("Patient/{{patient.id}}", "patient-view") ==
        "prefetch token {{patient.id}} is neither a context field nor one of the user tokens");
  CHECK(check_prefetch_template("MedicationRequest?_id={{context.selections}}", "order-select") ==
        "prefetch token {{context.selections}} is not a prefetch token of hook 'order-select'");
  CHECK(check_prefetch_template("Bundle/{{context.draftOrders}}", "order-sign") ==
        "prefetch token {{context.draftOrders}} is not a prefetch token of hook 'order-sign'");
  CHECK(check_prefetch_template("Patient/{{context.patientId", "patient-view") ==
        "unterminated prefetch token (no '}}')");
  CHECK(check_prefetch_template("https://ehr/Patient/{{context.patientId}}", "patient-view")
            .starts_with("a prefetch template is a relative FHIR URL"));
  CHECK(check_prefetch_template("Observation?patient={{context.patientId}}&code:text=x", "patient-view") ==
        "modifier ':text' is outside the recommended prefetch subset");
  CHECK(check_prefetch_template("Observation?patient={{context.patientId}}&_include=Observation:subject",
                                "patient-view") ==
        "'_include' is outside the recommended prefetch subset");
  CHECK(check_prefetch_template("Observation?subject.name=x", "patient-view") ==
        "parameter 'subject.name' is chained or not a search parameter name");
  CHECK(check_prefetch_template("Observation?patient={{context.patientId}}&_count=many", "patient-view") ==
        "_count must be a number");
  CHECK(check_prefetch_template("observation?patient=1", "patient-view") ==
        "'observation' is not a FHIR resource type");
}

TEST_CASE("templates expand with percent-encoded context values", "[service][discovery]") {
  std::string expanded;
  std::string error;
  REQUIRE(expand_prefetch_template("Observation?patient={{context.patientId}}&_count=5",
                                   {{"context.patientId", "p-1.2"}}, expanded, error));
  CHECK(expanded == "Observation?patient=p-1.2&_count=5");
  REQUIRE(expand_prefetch_template("Practitioner/{{context.userId}}",
                                   {{"context.userId", "a b&c"}}, expanded, error));
  CHECK(expanded == "Practitioner/a%20b%26c");
  CHECK_FALSE(expand_prefetch_template("Encounter/{{context.encounterId}}",
                                       {{"context.patientId", "p"}}, expanded, error));
  CHECK(error == "no value for prefetch token {{context.encounterId}}");
}

TEST_CASE("discovery answers only GET and OPTIONS", "[service][discovery]") {
  Harness harness;
  const HttpResponse response = harness.handle(post("/cds-services", "{}"));
  CHECK(response.status == 405);
  CHECK(header(response, "Allow") == "GET, OPTIONS");
  CHECK(harness.handle(get("/cds-services/")).status == 200);  // trailing slash tolerated
  HttpRequest head = get("/cds-services");
  head.method = "HEAD";
  CHECK(harness.handle(head).status == 200);  // the HTTP layer drops the body
  head.path = "/cds-services/icans-patient-view";
  const HttpResponse refused = harness.handle(head);
  CHECK(refused.status == 405);
  CHECK(std::string(parse(refused.body)["error"].GetString()).starts_with("method HEAD is not allowed"));
}
