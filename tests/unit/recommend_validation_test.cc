// Every resource the cards of a few rich courses carry, checked by the two
// FHIR R4 validators of tests/fhir-validation (FHIR.js and Medplum): what an
// EHR would store when the clinician accepts a suggestion.
#include <catch2/catch.hpp>

#include <set>

#include "fhir_validator.h"
#include "recommend_helpers.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

// CRS 2 -> 4 with tocilizumab, dexamethasone and two vasopressors; ICANS
// rising to 4 with a seizure, then improving on high-dose methylprednisolone.
fhir::PatientRecord stormy_course() {
  fhir::PatientRecord record = chart(Concept::axicabtagene_ciloleucel);
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 104.5));
  record.observations.push_back(ice("ice0", "2026-03-01T12:00:00Z", 10));
  record.observations.push_back(temperature("t0", "2026-03-01T12:00:00Z", 36.8));
  record.observations.push_back(temperature("t1", "2026-03-02T08:00:00Z", 39.2));
  record.observations.push_back(systolic("bp1", "2026-03-02T08:00:00Z", 84));
  record.observations.push_back(ice("ice1", "2026-03-02T08:00:00Z", 8));
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-02T10:00:00Z"));
  record.administrations.push_back(dose_mg("toci1", Concept::tocilizumab, "2026-03-02T11:00:00Z", 800));
  record.administrations.push_back(running_infusion("epi", Concept::epinephrine, "2026-03-02T14:00:00Z"));
  record.observations.push_back(ice("ice2", "2026-03-02T20:00:00Z", 4));
  record.observations.push_back(temperature("t2", "2026-03-02T20:00:00Z", 38.9));
  record.observations.push_back(coded("sz", Concept::seizure, "2026-03-03T02:00:00Z", Concept::seizure_prolonged_or_repetitive));
  record.administrations.push_back(dose_mg("mp1", Concept::methylprednisolone, "2026-03-03T03:00:00Z", 1000));
  record.administrations.push_back(dose_mg("mp2", Concept::methylprednisolone, "2026-03-04T03:00:00Z", 1000));
  record.administrations.push_back(dose_mg("mp3", Concept::methylprednisolone, "2026-03-05T03:00:00Z", 1000));
  record.observations.push_back(ice("ice3", "2026-03-05T12:00:00Z", 9));
  record.observations.push_back(temperature("t3", "2026-03-05T12:00:00Z", 37.0));
  return record;
}

// A child of 25 kg: pediatric tocilizumab, CAPD, no pediatric corticosteroid.
fhir::PatientRecord child_course() {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel, "2017-06-21");
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 25));
  record.observations.push_back(score("capd0", Concept::capd_total, "2026-03-01T12:00:00Z", 0));
  record.observations.push_back(temperature("t1", "2026-03-03T08:00:00Z", 38.6));
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-03T08:00:00Z", 12));
  return record;
}

std::set<std::string> resources_of(const fhir::PatientRecord& record, const RecommendContext& context) {
  std::set<std::string> resources;
  for (const auto& evaluation : evaluate_timeline(record, {})) {
    const auto cards = recommend(record, evaluation, shipped_protocol(), {}, context);
    require_sendable(cards, shipped_protocol());
    for (const auto& resource : all_resources(cards)) resources.insert(resource);
  }
  return resources;
}

std::string json_array(const std::set<std::string>& resources) {
  std::string text = "[";
  for (const auto& resource : resources) text += (text.size() > 1 ? ",\n" : "\n") + resource;
  return text + "\n]";
}

}  // namespace

TEST_CASE("every resource the cards of rich courses suggest is valid FHIR R4 for both validators",
          "[recommend][fhir-validation]") {
  std::set<std::string> resources = resources_of(stormy_course(), {});
  for (const auto& resource : resources_of(child_course(), {})) resources.insert(resource);
  RecommendContext order_sign;
  order_sign.hook = "order-sign";
  fhir::MedicationRequest draft = medication_request("draft-dex", Concept::dexamethasone, fhir::RequestStatus::draft);
  draft.dose = fhir::Dose{4, "mg"};
  order_sign.draft_medication_requests.push_back(draft);
  for (const auto& resource : resources_of(stormy_course(), order_sign)) resources.insert(resource);

  // The scenarios must reach every kind of resource, or this test proves little.
  std::set<std::string> types;
  for (const auto& resource : resources) {
    rapidjson::Document document;
    REQUIRE(fhir::parse_json(resource, document).empty());
    types.insert(document["resourceType"].GetString());
  }
  CHECK(types == std::set<std::string>{"Condition", "MedicationRequest", "ServiceRequest"});
  CHECK(resources.size() >= 20);

  const Run run = validate(json_array(resources));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  REQUIRE(contains(run.output, std::to_string(resources.size()) + " of " + std::to_string(resources.size()) +
                                   " resources valid"));
}
