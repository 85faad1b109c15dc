// gather_data dates the entries of a prefetch bundle (the oldest instant it
// reaches back to) only when the bundle is partial, the one case where that
// date decides anything. This test pins that the shortcut changes no
// decision: on many generated observation bundles, whether gather_data goes
// to the FHIR server, and what it then says on the cards, is what the fully
// dated check_prefetch_value implies.
#include <catch2/catch.hpp>

#include <iterator>
#include <random>
#include <string>

#include "cds/hooks/prefetch.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

constexpr int kBundles = 400;

const ServiceDefinition& patient_view() {
  static const auto defined =
      service_definitions(GradingConfig{}, *default_protocol().protocol, PrefetchSizes{});
  return defined.front();
}

const PrefetchTemplate& observations_key() {
  for (const auto& entry : patient_view().prefetch) {
    if (entry.key == "observations") return entry;
  }
  throw std::logic_error("no observations key");
}

// Times around the edge of the observations look-back, in every form the
// dating reads: instants, dates, months, periods, an issued time, none,
// and one that does not parse.
std::string time_member(std::mt19937& random) {
  static const char* kTimes[] = {
      "2026-03-07T16:00:00Z", "2026-03-04T17:05:00Z", "2026-03-04T17:04:59Z", "2026-03-04T12:00:00Z",
      "2026-03-04",           "2026-03-05",           "2026-03",              "2026-02-20T08:00:00+01:00",
      "not a time",           "2026-03-04T19:05:00+02:00"};
  const std::string time = kTimes[random() % std::size(kTimes)];
  switch (random() % 6) {
    case 0: return R"("effectiveDateTime":")" + time + "\"";
    case 1: return R"("effectiveInstant":")" + time + "\"";
    case 2: return R"("effectivePeriod":{"start":")" + time + "\"}";
    case 3: return R"("issued":")" + time + "\"";
    case 4: return R"("effectiveDateTime":12)";
    default: return R"("status":"final")";
  }
}

std::string entry(std::mt19937& random, int index) {
  const char* type = random() % 8 == 0 ? "MedicationAdministration" : "Observation";
  return R"({"resource":{"resourceType":")" + std::string(type) + R"(","id":"o)" + std::to_string(index) +
         R"(","subject":{"reference":"Patient/axicel-icans3"},)" + time_member(random) + "}}";
}

std::string bundle(std::mt19937& random) {
  std::string text = R"({"resourceType":"Bundle","type":"searchset")";
  if (random() % 2 == 0) {
    text += R"(,"link":[{"relation":"next","url":"https://ehr.example.org/fhir/Observation?page=2"}])";
  }
  const int entries = static_cast<int>(random() % 6);
  if (random() % 4 == 0) text += R"(,"total":)" + std::to_string(entries + random() % 2);
  text += R"(,"entry":[)";
  for (int i = 0; i < entries; ++i) text += (i ? "," : "") + entry(random, i);
  return text + "]}";
}

}  // namespace

TEST_CASE("gather_data fetches a prefetch bundle exactly when its fully dated check says so",
          "[service][prefetch]") {
  static const ExampleChart chart("axicel-icans-grade3.json");
  const PrefetchTemplate& key = observations_key();
  REQUIRE(key.lookback == Lookback::hours_before_t);
  const fhir::Instant window_start =
      kAxicelNow - static_cast<fhir::Instant>(key.lookback_hours * fhir::kMillisPerHour);
  std::mt19937 random(20261121);
  int fetched = 0;
  int partial_not_fetched = 0;
  for (int i = 0; i < kBundles; ++i) {
    const std::string value = bundle(random);
    INFO(value);
    rapidjson::Document parsed;
    REQUIRE(fhir::parse_json(value, parsed).empty());
    PrefetchValueCheck dated;
    REQUIRE(check_prefetch_value(key, &parsed, chart.patient_id, dated).empty());
    const bool expect_fetch = dated.status == PrefetchStatus::partial &&
                              !(dated.oldest && *dated.oldest <= window_start);

    RequestBuilder builder;
    builder.patient_id = chart.patient_id;
    builder.prefetch = chart.full_prefetch();
    builder.prefetch["observations"] = value;
    builder.fhir_server = "https://ehr.example.org/fhir";
    builder.token = "t";
    rapidjson::Document document;
    HookRequest request;
    REQUIRE(parse_hook_request(builder.body(), builder.hook, document, request).empty());
    FakeFhirServer fhir;
    FetchPolicy policy;
    policy.search = fhir.function();
    policy.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    const GatheredData data =
        gather_data(patient_view(), request, kAxicelNow, policy, fhir::Terminology(), GradingConfig{});
    CHECK(data.error.empty());
    CHECK(fhir.recorded().size() == (expect_fetch ? 1u : 0u));
    CHECK(data.missing_data.empty());
    fetched += expect_fetch ? 1 : 0;
    partial_not_fetched += dated.status == PrefetchStatus::partial && !expect_fetch ? 1 : 0;
  }
  // Both sides of the date decision were exercised.
  CHECK(fetched > kBundles / 10);
  CHECK(partial_not_fetched > kBundles / 20);
}
