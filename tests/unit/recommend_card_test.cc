// What every card shares (scope, cannot-grade, order, ids, protocol version,
// missing data) and the rules cards.ice-monitoring, cards.other-causes and
// cards.documentation.
#include <catch2/catch.hpp>

#include <set>

#include "recommend_helpers.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

constexpr std::string_view kAt = "2026-03-04T09:00:00Z";

// A rich course: CRS 2 on day 1 treated with tocilizumab, ICANS rising to 3
// with a seizure on day 3, dexamethasone, an MRI order, labs.
fhir::PatientRecord rich_course() {
  fhir::PatientRecord record = chart(Concept::axicabtagene_ciloleucel);
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 76));
  record.observations.push_back(ice("ice0", "2026-03-01T12:00:00Z", 10));
  record.observations.push_back(temperature("t0", "2026-03-01T12:00:00Z", 36.8));
  record.observations.push_back(temperature("t1", "2026-03-02T08:00:00Z", 39.2));
  record.observations.push_back(systolic("bp1", "2026-03-02T08:00:00Z", 84));
  record.observations.push_back(ice("ice1", "2026-03-02T08:00:00Z", 10));
  record.administrations.push_back(dose_mg("toci1", Concept::tocilizumab, "2026-03-02T09:00:00Z", 608));
  record.observations.push_back(ice("ice2", "2026-03-03T08:00:00Z", 8));
  record.observations.push_back(temperature("t2", "2026-03-03T08:00:00Z", 37.4));
  record.observations.push_back(ice("ice3", "2026-03-04T02:00:00Z", 5));
  record.observations.push_back(temperature("t3", "2026-03-04T02:00:00Z", 37.1));
  record.administrations.push_back(dose_mg("dex1", Concept::dexamethasone, "2026-03-04T03:00:00Z", 10));
  record.observations.push_back(coded("sz", Concept::seizure, "2026-03-04T07:00:00Z", Concept::seizure_rapidly_resolving));
  record.observations.push_back(ice("ice4", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(quantity("na", Concept::sodium, "2026-03-04T05:00:00Z", 131, "mmol/L"));
  record.observations.push_back(quantity("glu", Concept::glucose, "2026-03-04T05:00:00Z", 118, "mg/dL"));
  record.observations.push_back(quantity("plt", Concept::platelets, "2026-03-04T05:00:00Z", 96, "10*3/uL"));
  record.observations.push_back(quantity("cr", Concept::creatinine, "2026-03-04T05:00:00Z", 1.0, "mg/dL"));
  fhir::ServiceRequest mri;
  mri.id = "mri1";
  mri.status = fhir::RequestStatus::active;
  mri.service = Concept::mri_brain;
  mri.authored_on = when("2026-03-04T03:00:00Z");
  record.service_requests.push_back(mri);
  return record;
}

}  // namespace

TEST_CASE("septic patient out of scope gets no cards", "[recommend][scope]") {
  fhir::PatientRecord record;
  record.patient_id = "sepsis";
  record.patient = patient("sepsis", "1961-05-02");
  record.observations.push_back(weight("w", "2026-03-04T00:00:00Z", 70));
  record.observations.push_back(temperature("t", "2026-03-04T08:00:00Z", 39.3));
  record.observations.push_back(systolic("bp", "2026-03-04T08:00:00Z", 78));
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-04T08:10:00Z"));
  const Evaluation evaluation = evaluate(record, instant(kAt), {});
  REQUIRE_FALSE(evaluation.in_scope);
  RecommendContext order_hook;
  order_hook.hook = "order-sign";
  fhir::MedicationRequest tocilizumab = medication_request("d", Concept::tocilizumab, fhir::RequestStatus::draft);
  order_hook.draft_medication_requests.push_back(tocilizumab);
  CHECK(recommend(record, evaluation, shipped_protocol(), {}, {}).empty());
  CHECK(recommend(record, evaluation, shipped_protocol(), {}, order_hook).empty());
}

TEST_CASE("cannot-grade card lists what is missing", "[recommend][cannot-grade]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(weight("w", "2026-03-01T08:00:00Z", 70));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "cannot-grade");
  REQUIRE(card != nullptr);
  CHECK(card->indicator == Indicator::info);
  CHECK(card->rule_ids == std::vector<std::string>{"cards.cannot-grade"});
  CHECK(contains(card->summary, "ICANS and CRS cannot be graded: "));
  const Evaluation evaluation = evaluate(record, instant(kAt), {});
  REQUIRE_FALSE(evaluation.icans.missing.empty());
  REQUIRE_FALSE(evaluation.crs.missing.empty());
  for (const auto& missing : evaluation.icans.missing) CHECK(contains(card->detail, missing));
  for (const auto& missing : evaluation.crs.missing) CHECK(contains(card->detail, missing));
  // No treatment card rests on a grade that is not known.
  for (const auto& kind : {"icans-steroids", "crs-tocilizumab", "crs-supportive", "icans-workup", "documentation"}) {
    CHECK(find_kind(cards, kind) == nullptr);
  }
  CHECK(std::count_if(cards.begin(), cards.end(), [](const Card& c) { return c.kind == "cannot-grade"; }) == 1);
}

TEST_CASE("ICE assessment overdue beyond 12 h is an info card", "[recommend][monitoring]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-03T18:00:00Z", 10));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "ice-monitoring");
  REQUIRE(card != nullptr);
  CHECK(card->indicator == Indicator::info);
  CHECK(card->summary == "ICE assessment overdue: last 15 h ago; assess every 12 h, through day 10 after the infusion");
  CHECK(contains(card->detail, "Observation/ice1"));

  // 10 h ago is within 12 h: nothing to say.
  CHECK(find_kind(cards_at(record, "2026-03-04T04:00:00Z"), "ice-monitoring") == nullptr);
}

TEST_CASE("ICE is due every 4 h when declining or while CRS is present", "[recommend][monitoring]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice0", "2026-03-03T20:00:00Z", 9));
  record.observations.push_back(ice("ice1", "2026-03-04T03:00:00Z", 8));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "ice-monitoring");
  REQUIRE(card != nullptr);
  CHECK(contains(card->summary, "ICE assessment overdue: last 6 h ago; assess every 4 h while ICE declining (9 -> 8)"));

  fhir::PatientRecord crs = chart(Concept::tisagenlecleucel);
  crs.observations.push_back(ice("ice1", "2026-03-04T07:00:00Z", 10));
  crs.observations.push_back(temperature("t1", "2026-03-04T07:00:00Z", 38.7));
  const auto crs_cards = cards_at(crs, kAt);
  const Card* reminder = find_kind(crs_cards, "ice-monitoring");
  REQUIRE(reminder != nullptr);
  CHECK(reminder->summary == "ICE every 4 h while CRS grade 1 (fever): next by 2026-03-04T11:00:00Z");
}

TEST_CASE("no ICE reminder after day 10", "[recommend][monitoring]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-12T18:00:00Z", 10));
  record.observations.push_back(temperature("t1", "2026-03-13T08:00:00Z", 37.0));
  CHECK(find_kind(cards_at(record, "2026-03-13T09:00:00Z"), "ice-monitoring") == nullptr);  // day 12
}

TEST_CASE("a child is reminded of CAPD, not ICE", "[recommend][monitoring][pediatric]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel, "2018-01-15");
  record.observations.push_back(score("capd", Concept::capd_total, "2026-03-03T18:00:00Z", 0));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "ice-monitoring");
  REQUIRE(card != nullptr);
  CHECK(contains(card->summary, "CAPD assessment overdue"));
}

TEST_CASE("other causes list what to rule out with the latest charted values", "[recommend][other-causes]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 5));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  record.observations.push_back(quantity("na", Concept::sodium, "2026-03-04T05:00:00Z", 128, "mmol/L"));
  record.administrations.push_back(running_infusion("prop", Concept::propofol, "2026-03-04T07:30:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "other-causes");
  REQUIRE(card != nullptr);
  CHECK(card->summary ==
        "ICANS grade 2 (ICE 5): rule out other causes (glucose, sodium, infection, sedating drugs); sedatives "
        "acting: Propofol");
  CHECK(contains(card->detail, "Sodium 128 mmol/L at 2026-03-04T05:00:00Z (4 h ago) (Observation/na)"));
  CHECK(contains(card->detail, "Glucose: not charted"));
  CHECK(contains(card->detail, "Body temperature 37 Cel"));
  CHECK(contains(card->detail, "Propofol, 2026-03-04T07:30:00Z"));
  CHECK(contains(card->detail, "still acting at T"));
  CHECK(find_kind(cards_at(rich_course(), "2026-03-01T13:00:00Z"), "other-causes") == nullptr);  // grade 0
}

TEST_CASE("documentation proposes provisional ICD-10-CM Conditions with T80.82XA coded first",
          "[recommend][documentation]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 38.5));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "documentation");
  REQUIRE(card != nullptr);
  CHECK(card->summary == "Document ICANS grade 3 (G92.03) and CRS grade 1 (D89.831), T80.82XA coded first");
  REQUIRE(card->suggestions.size() == 3);
  std::vector<std::string> codes;
  for (const auto& suggestion : card->suggestions) {
    const auto condition = resource_of(suggestion);
    CHECK(std::string(condition["resourceType"].GetString()) == "Condition");
    CHECK(std::string(condition["verificationStatus"]["coding"][0]["code"].GetString()) == "provisional");
    CHECK(std::string(condition["code"]["coding"][0]["system"].GetString()) == "http://hl7.org/fhir/sid/icd-10-cm");
    codes.push_back(condition["code"]["coding"][0]["code"].GetString());
  }
  CHECK(codes == std::vector<std::string>{"T80.82XA", "G92.03", "D89.831"});
  CHECK(std::string(resource_of(card->suggestions[1])["onsetDateTime"].GetString()) == "2026-03-04T08:00:00Z");
}

TEST_CASE("every card passes check_card and names the protocol version", "[recommend][card]") {
  const auto record = rich_course();
  std::set<std::string> seen;
  for (const auto& evaluation : evaluate_timeline(record, {})) {
    for (const std::string hook : {"patient-view", "order-sign"}) {
      RecommendContext context;
      context.hook = hook;
      context.uuid_seed = "hook-instance-1";
      context.draft_medication_requests.push_back(
          medication_request("d-toci", Concept::tocilizumab, fhir::RequestStatus::draft));
      const auto cards = recommend(record, evaluation, shipped_protocol(), {}, context);
      require_sendable(cards, shipped_protocol());
      Response response;
      response.cards = cards;
      INFO(fhir::format_instant(evaluation.at));
      CHECK(check_response(response).empty());  // card uuids unique too
      for (const auto& card : cards) {
        seen.insert(card.kind);
        CHECK(contains(card.source.label, "v" + shipped_protocol().version));
        CHECK(card.source.url == rule_url(shipped_protocol(), card.rule_ids.front()));
        CHECK(card.override_reasons.size() == shipped_protocol().override_reasons.size());
        rapidjson::Document document;
        CHECK(to_json(card, document.GetAllocator()).IsObject());
      }
    }
  }
  // The course reaches every family but the taper and the draft checks' steroid.
  for (const char* kind : {"icans-steroids", "seizure-management", "icans-workup", "crs-tocilizumab",
                           "ice-monitoring", "other-causes", "documentation", "seizure-prophylaxis"}) {
    INFO(kind);
    CHECK(seen.count(kind) == 1);
  }
}

TEST_CASE("cards are ordered critical, then warning, then info", "[recommend][card]") {
  const auto cards = cards_at(rich_course(), kAt);
  REQUIRE(cards.size() > 3);
  for (std::size_t i = 1; i < cards.size(); ++i) {
    CHECK(static_cast<int>(cards[i - 1].indicator) >= static_cast<int>(cards[i].indicator));
  }
  CHECK(cards.front().kind == "seizure-management");
}

TEST_CASE("card and suggestion uuids are deterministic and follow the hook instance", "[recommend][card]") {
  const auto first = cards_at(rich_course(), kAt);
  const auto again = cards_at(rich_course(), kAt);
  RecommendContext other;
  other.uuid_seed = "another-hook-instance";
  const auto seeded = cards_at(rich_course(), kAt, other);
  REQUIRE(first.size() == again.size());
  REQUIRE(first.size() == seeded.size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].uuid == again[i].uuid);
    CHECK(first[i].uuid != seeded[i].uuid);
    ids.insert(first[i].uuid);
    for (const auto& suggestion : first[i].suggestions) ids.insert(suggestion.uuid);
  }
  std::size_t expected = first.size();
  for (const auto& card : first) expected += card.suggestions.size();
  CHECK(ids.size() == expected);
}

TEST_CASE("data the service could not obtain is stated on every card", "[recommend][card]") {
  RecommendContext context;
  context.missing_data = {"MedicationAdministration (prefetch 'medications' missing, FHIR server unreachable)"};
  const auto cards = cards_at(rich_course(), kAt, context);
  REQUIRE_FALSE(cards.empty());
  for (const auto& card : cards) CHECK(contains(card.detail, "prefetch 'medications' missing"));
}

TEST_CASE("a preliminary ICE is named on the ICANS cards", "[recommend][card]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(with_status(ice("ice-p", "2026-03-04T08:00:00Z", 2), fhir::ObservationStatus::preliminary));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  const auto cards = cards_at(record, kAt);
  const Card* card = find_kind(cards, "icans-steroids");
  REQUIRE(card != nullptr);
  CHECK(contains(card->detail, "Grading warnings"));
  CHECK(contains(card->detail, "Observation/ice-p is preliminary"));
}

TEST_CASE("an order that cannot be built is left off and the card says why", "[recommend][card]") {
  // A patient id that is not a FHIR id makes every draft resource unbuildable;
  // the cards say so instead of carrying a broken order.
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.patient_id = "p 1";
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  const Evaluation evaluation = evaluate(record, instant(kAt), {});
  const auto cards = recommend(record, evaluation, shipped_protocol(), {}, {});
  REQUIRE_FALSE(cards.empty());
  for (const auto& card : cards) {
    CHECK(check_card(card).empty());
    CHECK(card.suggestions.empty());
  }
  const Card* steroid = find_kind(cards, "icans-steroids");
  REQUIRE(steroid != nullptr);
  CHECK(contains(steroid->detail, "No order attached"));
}
