// Rules cards.crs-tocilizumab and cards.crs-steroids, and the order-hook
// checks of drafted tocilizumab and corticosteroid orders.
#include <catch2/catch.hpp>

#include "recommend_helpers.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

constexpr std::string_view kAt = "2026-03-04T09:00:00Z";

// CRS grade 2 at 2026-03-04T08:00Z (fever 39.1, SBP 85), ICE 10: no ICANS.
fhir::PatientRecord crs_chart(std::optional<double> kg = 80, int ice_score = 10) {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  if (kg) record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", *kg));
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", ice_score));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 39.1));
  record.observations.push_back(systolic("bp1", "2026-03-04T08:00:00Z", 85));
  return record;
}

const Card& card_of(const std::vector<Card>& cards, std::string_view kind) {
  const Card* card = find_kind(cards, kind);
  INFO("looking for " << kind << " among " << Catch::StringMaker<std::vector<std::string>>::convert(kinds(cards)));
  REQUIRE(card != nullptr);
  return *card;
}

fhir::MedicationRequest draft(std::string id, Concept drug, double mg, double every_hours = 0) {
  fhir::MedicationRequest request = medication_request(std::move(id), drug, fhir::RequestStatus::draft);
  request.dose = fhir::Dose{mg, "mg"};
  if (every_hours > 0) {
    request.timing.frequency = 1;
    request.timing.period_hours = every_hours;
  }
  return request;
}

// ICANS grade 2 (ICE 5), afebrile: no CRS.
fhir::PatientRecord icans_without_crs() {
  fhir::PatientRecord record = chart(Concept::lisocabtagene_maraleucel);
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 62));
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 5));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  return record;
}

}  // namespace

TEST_CASE("CRS grade 2 recommends tocilizumab 8 mg/kg IV", "[recommend][crs]") {
  const auto cards = cards_at(crs_chart(80), kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  CHECK(card.indicator == Indicator::warning);
  CHECK(card.summary == "CRS grade 2 (hypotension): tocilizumab 640 mg IV (8 mg/kg x 80 kg = 640 mg)");
  CHECK(contains(card.detail, "empiric broad-spectrum antimicrobials"));
  CHECK(contains(card.detail, "80 kg at 2026-03-01T08:00:00Z"));
  REQUIRE(card.suggestions.size() == 1);
  const auto order = resource_of(card.suggestions[0]);
  CHECK(dose_of(order) == 640);
  // Repeated only if there is no improvement: one dose per order.
  CHECK(order["dosageInstruction"][0]["timing"]["repeat"]["count"].GetInt() == 1);
  CHECK(contains(order["medicationCodeableConcept"]["coding"][0]["code"].GetString(), "612865"));
  CHECK(std::string(order["reasonCode"][0]["coding"][0]["code"].GetString()) == "D89.832");
}

TEST_CASE("tocilizumab capped at 800 mg", "[recommend][crs]") {
  const auto cards = cards_at(crs_chart(105), kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  REQUIRE(card.suggestions.size() == 1);
  CHECK(dose_of(resource_of(card.suggestions[0])) == 800);
  CHECK(contains(card.detail, "8 mg/kg x 105 kg = 840 mg, capped at 800 mg"));
}

TEST_CASE("tocilizumab 12 mg/kg under 30 kg", "[recommend][crs]") {
  const auto cards = cards_at(crs_chart(25), kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  REQUIRE(card.suggestions.size() == 1);
  CHECK(dose_of(resource_of(card.suggestions[0])) == 300);
  CHECK(contains(card.summary, "12 mg/kg x 25 kg = 300 mg"));
}

TEST_CASE("tocilizumab with no weight charted proposes no dose", "[recommend][crs]") {
  const auto cards = cards_at(crs_chart(std::nullopt), kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "no weight charted"));
  CHECK(contains(card.detail, "Chart a body weight in kg"));
}

TEST_CASE("tocilizumab not proposed after 3 doses in 24 h", "[recommend][crs]") {
  auto record = crs_chart(80);
  for (const char* time : {"2026-03-03T10:00:00Z", "2026-03-03T18:00:00Z", "2026-03-04T00:00:00Z"}) {
    record.administrations.push_back(dose_mg(std::string("toci-") + time, Concept::tocilizumab, time, 640));
  }
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "next dose from 2026-03-04T10:00:00Z"));
  CHECK(contains(card.detail, "3 doses in the last 24 h, at most 3"));
}

TEST_CASE("tocilizumab not proposed after 4 doses in total", "[recommend][crs]") {
  auto record = crs_chart(80);
  for (const char* time : {"2026-03-02T08:00:00Z", "2026-03-02T16:00:00Z", "2026-03-03T00:00:00Z",
                           "2026-03-03T16:00:00Z"}) {
    record.administrations.push_back(dose_mg(std::string("toci-") + time, Concept::tocilizumab, time, 640));
  }
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "maximum doses given"));
  CHECK(contains(card.detail, "4 of at most 4 doses"));
}

TEST_CASE("tocilizumab a dose 3 h ago is not proposed before 8 h", "[recommend][crs]") {
  auto record = crs_chart(80);
  record.administrations.push_back(dose_mg("toci1", Concept::tocilizumab, "2026-03-04T06:00:00Z", 640));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "next dose from 2026-03-04T14:00:00Z"));
}

TEST_CASE("tocilizumab at CRS grade 1 when ICANS coexists, with corticosteroids", "[recommend][crs]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 80));
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 5));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 38.6));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "crs-tocilizumab");
  CHECK(contains(card.summary, "CRS grade 1 (fever): tocilizumab 640 mg IV"));
  CHECK(contains(card.summary, "with corticosteroids"));
  CHECK(contains(card.detail, "never alone"));
  REQUIRE(card.suggestions.size() == 1);
  REQUIRE(find_kind(cards, "icans-steroids") != nullptr);
  CHECK(contains(find_kind(cards, "icans-steroids")->detail, "CRS grade 1 (fever) coexists"));
}

TEST_CASE("CRS grade 1 without ICANS gets supportive care and the antimicrobials reminder", "[recommend][crs]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 10));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 38.6));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "crs-supportive");
  CHECK(card.indicator == Indicator::info);
  CHECK(card.summary == "CRS grade 1 (fever): supportive care; rule out infection");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.detail, "empiric broad-spectrum antimicrobials"));
  CHECK(contains(card.detail, "Tocilizumab from CRS grade 2 (grade 1 when ICANS coexists)"));
}

TEST_CASE("CRS grade 3 adds dexamethasone 10 mg IV q6h", "[recommend][crs]") {
  auto record = crs_chart(80);
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-04T08:15:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card& tocilizumab = card_of(cards, "crs-tocilizumab");
  CHECK(tocilizumab.indicator == Indicator::critical);
  const Card& steroid = card_of(cards, "crs-steroids");
  CHECK(steroid.indicator == Indicator::critical);
  CHECK(steroid.summary == "CRS grade 3 (hypotension): dexamethasone 10 mg IV q6h");
  CHECK(steroid.rule_ids == std::vector<std::string>{"cards.crs-steroids"});
  CHECK(contains(steroid.detail, "add dexamethasone 10 mg IV every 6 hours to tocilizumab"));
  REQUIRE(steroid.suggestions.size() == 1);
  CHECK(dose_of(resource_of(steroid.suggestions[0])) == 10);
}

TEST_CASE("CRS grade 4 gives high-dose methylprednisolone", "[recommend][crs]") {
  auto record = crs_chart(80);
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-04T08:15:00Z"));
  record.administrations.push_back(running_infusion("epi", Concept::epinephrine, "2026-03-04T08:30:00Z"));
  record.administrations.push_back(dose_mg("dex", Concept::dexamethasone, "2026-03-04T08:40:00Z", 10));
  const auto cards = cards_at(record, kAt);
  const Card& steroid = card_of(cards, "crs-steroids");
  CHECK(steroid.summary == "CRS grade 4 (hypotension): methylprednisolone 1000 mg IV daily x3");
  REQUIRE(steroid.suggestions.size() == 1);  // not held back by the dexamethasone 20 min ago
  CHECK(dose_of(resource_of(steroid.suggestions[0])) == 1000);
}

TEST_CASE("tocilizumab warning for ICANS without CRS", "[recommend][crs]") {
  const auto cards = cards_at(icans_without_crs(), kAt);
  const Card& card = card_of(cards, "tocilizumab-icans-without-crs");
  CHECK(card.indicator == Indicator::warning);
  CHECK(card.summary == "ICANS grade 2 without CRS: no tocilizumab, it does not treat ICANS and may worsen it");
  CHECK(contains(card.detail, "Tocilizumab is not recommended for ICANS without CRS"));
  CHECK(find_kind(cards, "crs-tocilizumab") == nullptr);
}

TEST_CASE("no tocilizumab warning when CRS cannot be graded", "[recommend][crs]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 5));  // no temperature: CRS unknown
  const auto cards = cards_at(record, kAt);
  CHECK(find_kind(cards, "tocilizumab-icans-without-crs") == nullptr);
  CHECK(find_kind(cards, "cannot-grade") != nullptr);
}

TEST_CASE("order-select tocilizumab draft gets the warning", "[recommend][crs][order]") {
  RecommendContext context;
  context.hook = "order-select";
  context.draft_medication_requests.push_back(draft("draft-toci", Concept::tocilizumab, 500));
  const auto cards = cards_at(icans_without_crs(), kAt, context);
  const Card& card = card_of(cards, "tocilizumab-draft-icans-without-crs");
  CHECK(card.indicator == Indicator::warning);
  CHECK(contains(card.summary, "Draft tocilizumab: not for ICANS without CRS"));
  CHECK(contains(card.detail, "MedicationRequest/draft-toci"));
  REQUIRE(card.suggestions.size() == 1);
  REQUIRE(card.suggestions[0].actions.size() == 1);
  CHECK(card.suggestions[0].actions[0].type == ActionType::delete_);
  CHECK(card.suggestions[0].actions[0].resource_id == "MedicationRequest/draft-toci");
  // Said once, against the draft: not again as the general warning.
  CHECK(find_kind(cards, "tocilizumab-icans-without-crs") == nullptr);
}

TEST_CASE("order-sign steroid draft with a different dose is warned with both doses", "[recommend][steroids][order]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  RecommendContext context;
  context.hook = "order-sign";
  context.draft_medication_requests.push_back(draft("draft-dex", Concept::dexamethasone, 4, 12));
  const auto cards = cards_at(record, kAt, context);
  const Card& card = card_of(cards, "steroid-draft-check");
  CHECK(card.indicator == Indicator::warning);
  CHECK(card.summary == "Draft dexamethasone 4 mg every 12 h differs from protocol: dexamethasone 10 mg IV q6h "
                        "(ICANS grade 3)");
  CHECK(contains(card.detail, "dose: 4 mg instead of 10 mg"));
  CHECK(contains(card.detail, "interval: every 12 h instead of every 6 h"));
  REQUIRE(card.suggestions.size() == 1);
  REQUIRE(card.suggestions[0].actions.size() == 2);
  CHECK(card.suggestions[0].actions[0].resource_id == "MedicationRequest/draft-dex");
  CHECK(dose_of(resource_of(card.suggestions[0], 1)) == 10);
}

TEST_CASE("order-select steroid draft matching the protocol gets no warning", "[recommend][steroids][order]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  RecommendContext context;
  context.hook = "order-select";
  context.draft_medication_requests.push_back(draft("draft-dex", Concept::dexamethasone, 10, 6));
  const auto cards = cards_at(record, kAt, context);
  CHECK(find_kind(cards, "steroid-draft-check") == nullptr);
}

TEST_CASE("a drafted corticosteroid at ICANS grade 1 is warned: the protocol gives none", "[recommend][steroids][order]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 8));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  RecommendContext context;
  context.hook = "order-select";
  context.draft_medication_requests.push_back(draft("draft-dex", Concept::dexamethasone, 10));
  const auto cards = cards_at(record, kAt, context);
  const Card& card = card_of(cards, "steroid-draft-check");
  CHECK(contains(card.detail, "the protocol gives no corticosteroid at ICANS grade 1"));
  CHECK(card.suggestions.empty());
}

TEST_CASE("drafts are not checked on patient-view", "[recommend][order]") {
  RecommendContext context;
  context.draft_medication_requests.push_back(draft("draft-toci", Concept::tocilizumab, 500));
  const auto cards = cards_at(icans_without_crs(), kAt, context);
  CHECK(find_kind(cards, "tocilizumab-draft-icans-without-crs") == nullptr);
  CHECK(find_kind(cards, "tocilizumab-icans-without-crs") != nullptr);
}

namespace {

// Whether any card suggests creating an order of `drug` (its RxNorm
// ingredient display in the MedicationRequest).
bool suggests_ordering(const std::vector<Card>& cards, std::string_view drug) {
  for (const auto& resource : all_resources(cards)) {
    if (contains(resource, "\"MedicationRequest\"") && contains(resource, drug)) return true;
  }
  return false;
}

const Suggestion* first_suggestion(const Card& card) {
  return card.suggestions.empty() ? nullptr : &card.suggestions.front();
}

// ICANS grade 3 (ICE 2), afebrile: dexamethasone 10 mg IV q6h and
// levetiracetam prophylaxis are due.
fhir::PatientRecord icans_grade_3() {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 80));
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  return record;
}

}  // namespace

TEST_CASE("order-sign: what is being signed is not suggested a second time", "[recommend][steroids][order]") {
  RecommendContext nothing_drafted;
  nothing_drafted.hook = "order-sign";
  const auto without = cards_at(icans_grade_3(), kAt, nothing_drafted);
  REQUIRE(first_suggestion(card_of(without, "icans-steroids")) != nullptr);
  REQUIRE(find_kind(without, "seizure-prophylaxis") != nullptr);
  REQUIRE(suggests_ordering(without, "dexamethasone"));
  REQUIRE(suggests_ordering(without, "levetiracetam"));

  RecommendContext signing = nothing_drafted;
  signing.draft_medication_requests.push_back(draft("draft-dex", Concept::dexamethasone, 10, 6));
  signing.draft_medication_requests.push_back(draft("draft-lev", Concept::levetiracetam, 750, 12));
  const auto cards = cards_at(icans_grade_3(), kAt, signing);
  CHECK_FALSE(suggests_ordering(cards, "dexamethasone"));
  CHECK_FALSE(suggests_ordering(cards, "levetiracetam"));
  // The grade's card still stands, and says why it orders nothing.
  const Card& steroids = card_of(cards, "icans-steroids");
  CHECK(steroids.suggestions.empty());
  CHECK(contains(steroids.detail, "**No order attached:** a corticosteroid is being ordered now (draft "
                                  "MedicationRequest/draft-dex: dexamethasone 10 mg every 6 h); a second order is "
                                  "not proposed."));
  // The draft matches the protocol: no check card; levetiracetam is on its way.
  CHECK(find_kind(cards, "steroid-draft-check") == nullptr);
  CHECK(find_kind(cards, "seizure-prophylaxis") == nullptr);
}

TEST_CASE("order-sign: a drafted corticosteroid of the wrong drug is replaced, never doubled",
          "[recommend][steroids][order]") {
  RecommendContext signing;
  signing.hook = "order-sign";
  signing.draft_medication_requests.push_back(draft("draft-mp", Concept::methylprednisolone, 1000, 24));
  const auto cards = cards_at(icans_grade_3(), kAt, signing);
  // The check card's suggestion removes the draft and orders the protocol's
  // drug in its place; the grade's card adds no course of its own beside it.
  const Card& check = card_of(cards, "steroid-draft-check");
  REQUIRE(check.suggestions.size() == 1);
  REQUIRE(check.suggestions[0].actions.size() == 2);
  CHECK(check.suggestions[0].actions[0].type == ActionType::delete_);
  CHECK(check.suggestions[0].actions[0].resource_id == "MedicationRequest/draft-mp");
  CHECK(dose_of(resource_of(check.suggestions[0], 1)) == 10);
  const Card& steroids = card_of(cards, "icans-steroids");
  CHECK(steroids.suggestions.empty());
  CHECK(contains(steroids.detail, "draft MedicationRequest/draft-mp: methylprednisolone 1000 mg every 24 h"));
}

TEST_CASE("order-sign: drafted tocilizumab for CRS is not suggested again", "[recommend][crs][order]") {
  RecommendContext nothing_drafted;
  nothing_drafted.hook = "order-sign";
  REQUIRE(suggests_ordering(cards_at(crs_chart(), kAt, nothing_drafted), "tocilizumab"));

  RecommendContext signing = nothing_drafted;
  signing.draft_medication_requests.push_back(draft("draft-toci", Concept::tocilizumab, 640));
  const auto cards = cards_at(crs_chart(), kAt, signing);
  CHECK_FALSE(suggests_ordering(cards, "tocilizumab"));
  const Card* crs = nullptr;
  for (const auto& card : cards) {
    if (contains(card.detail, "draft MedicationRequest/draft-toci")) crs = &card;
  }
  REQUIRE(crs != nullptr);
  CHECK(contains(crs->detail, "tocilizumab is being ordered now"));
}

TEST_CASE("order-select: a draft not selected is not checked, yet counts as being ordered",
          "[recommend][steroids][order]") {
  RecommendContext selecting;
  selecting.hook = "order-select";
  selecting.draft_medication_requests.push_back(draft("draft-dex", Concept::dexamethasone, 4, 12));
  selecting.draft_medication_requests.push_back(draft("draft-lev", Concept::levetiracetam, 750, 12));
  selecting.selections = {"MedicationRequest/draft-lev"};
  const auto cards = cards_at(icans_grade_3(), kAt, selecting);
  CHECK(find_kind(cards, "steroid-draft-check") == nullptr);
  CHECK_FALSE(suggests_ordering(cards, "dexamethasone"));

  selecting.selections = {"MedicationRequest/draft-dex"};
  const auto checked = cards_at(icans_grade_3(), kAt, selecting);
  CHECK(contains(card_of(checked, "steroid-draft-check").detail, "dose: 4 mg instead of 10 mg"));
}
