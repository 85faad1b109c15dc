// Rules cards.seizure-prophylaxis and cards.seizure-management.
#include <catch2/catch.hpp>

#include "recommend_helpers.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

constexpr std::string_view kAt = "2026-03-04T09:00:00Z";

fhir::PatientRecord icans_chart(int ice_score, Concept product = Concept::tisagenlecleucel,
                                std::string_view birth_date = "1968-02-10") {
  fhir::PatientRecord record = chart(product, birth_date);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", ice_score));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  return record;
}

fhir::PatientRecord with_seizure(fhir::PatientRecord record, Concept kind = Concept::seizure_rapidly_resolving) {
  record.observations.push_back(coded("sz1", Concept::seizure, "2026-03-04T08:20:00Z", kind));
  return record;
}

const Card& card_of(const std::vector<Card>& cards, std::string_view kind) {
  const Card* card = find_kind(cards, kind);
  INFO("looking for " << kind << " among " << Catch::StringMaker<std::vector<std::string>>::convert(kinds(cards)));
  REQUIRE(card != nullptr);
  return *card;
}

}  // namespace

TEST_CASE("levetiracetam prophylaxis from ICANS grade 2 by default", "[recommend][seizure]") {
  auto record = icans_chart(5);
  record.observations.push_back(quantity("cr1", Concept::creatinine, "2026-03-04T05:00:00Z", 1.4, "mg/dL"));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "seizure-prophylaxis");
  CHECK(card.indicator == Indicator::warning);
  CHECK(card.summary == "ICANS grade 2 (ICE 5): start levetiracetam 750 mg PO q12h (seizure prophylaxis)");
  CHECK(contains(card.detail, "Creatinine 1.4 mg/dL at 2026-03-04T05:00:00Z"));
  CHECK(contains(card.detail, "adjust the dose to creatinine clearance"));
  REQUIRE(card.suggestions.size() == 1);
  const auto order = resource_of(card.suggestions[0]);
  CHECK(dose_of(order) == 750);
  CHECK(order["dosageInstruction"][0]["timing"]["repeat"]["period"].GetInt() == 12);
  CHECK(std::string(order["dosageInstruction"][0]["route"]["coding"][0]["code"].GetString()) == "26643006");

  CHECK(find_kind(cards_at(icans_chart(8), kAt), "seizure-prophylaxis") == nullptr);  // grade 1: not yet
}

TEST_CASE("levetiracetam card says when no creatinine is charted", "[recommend][seizure]") {
  const auto cards = cards_at(icans_chart(5), kAt);
  CHECK(contains(card_of(cards, "seizure-prophylaxis").detail, "Creatinine: not charted"));
}

TEST_CASE("axi-cel prophylaxis from grade 1", "[recommend][seizure]") {
  const auto cards = cards_at(icans_chart(8, Concept::axicabtagene_ciloleucel), kAt);
  const Card& card = card_of(cards, "seizure-prophylaxis");
  CHECK(contains(card.summary, "ICANS grade 1 (ICE 8): start levetiracetam 750 mg PO q12h"));
  CHECK(contains(card.detail, "Axicabtagene ciloleucel: levetiracetam prophylaxis from ICANS grade 1"));
}

TEST_CASE("brexu-cel prophylaxis from grade 2", "[recommend][seizure]") {
  CHECK(find_kind(cards_at(icans_chart(8, Concept::brexucabtagene_autoleucel), kAt), "seizure-prophylaxis") == nullptr);
  CHECK(find_kind(cards_at(icans_chart(5, Concept::brexucabtagene_autoleucel), kAt), "seizure-prophylaxis") != nullptr);
}

TEST_CASE("routine prophylaxis from day 0 when the protocol says so", "[recommend][seizure]") {
  Protocol protocol = shipped_protocol();
  protocol.seizure_prophylaxis.all_products.routine_from_day0 = true;
  protocol.seizure_prophylaxis.all_products.from_icans_grade.reset();
  const auto cards = cards_at(icans_chart(10), kAt, {}, protocol);
  const Card& card = card_of(cards, "seizure-prophylaxis");
  CHECK(contains(card.summary, "Day 2 after Tisagenlecleucel: start levetiracetam"));
  CHECK(contains(card.detail, "routine prophylaxis from day 0"));
}

TEST_CASE("levetiracetam not proposed when already active", "[recommend][seizure]") {
  auto ordered = icans_chart(5);
  ordered.medication_requests.push_back(
      medication_request("lev-rx", Concept::levetiracetam, fhir::RequestStatus::active, "2026-03-01T08:00:00Z"));
  CHECK(find_kind(cards_at(ordered, kAt), "seizure-prophylaxis") == nullptr);

  auto given = icans_chart(5);
  given.administrations.push_back(dose_mg("lev1", Concept::levetiracetam, "2026-03-03T21:00:00Z", 750));
  CHECK(find_kind(cards_at(given, kAt), "seizure-prophylaxis") == nullptr);

  auto stopped_long_ago = icans_chart(5);
  stopped_long_ago.administrations.push_back(dose_mg("lev0", Concept::levetiracetam, "2026-03-02T21:00:00Z", 750));
  CHECK(find_kind(cards_at(stopped_long_ago, kAt), "seizure-prophylaxis") != nullptr);
}

TEST_CASE("no pediatric levetiracetam dose: the card says so and proposes none", "[recommend][seizure][pediatric]") {
  auto record = chart(Concept::tisagenlecleucel, "2018-01-15");
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-04T08:00:00Z", 12));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "seizure-prophylaxis");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "no dose proposed"));
  CHECK(contains(card.detail, "defines no pediatric dose of levetiracetam"));
}

TEST_CASE("seizure gives critical management card instead of prophylaxis", "[recommend][seizure]") {
  const auto cards = cards_at(with_seizure(icans_chart(5)), kAt);
  CHECK(find_kind(cards, "seizure-prophylaxis") == nullptr);
  const Card& card = card_of(cards, "seizure-management");
  CHECK(card.indicator == Indicator::critical);
  CHECK(cards.front().indicator == Indicator::critical);
  CHECK(contains(card.summary, "Seizure in the last 24 h (ICANS grade 3): levetiracetam 500 mg IV once"));
  CHECK(contains(card.detail, "Seizure charted at 2026-03-04T08:20:00Z"));
  CHECK(contains(card.detail, "Observation/sz1"));
  CHECK(contains(card.detail, "Non-convulsive status epilepticus on EEG"));
  CHECK(contains(card.detail, "Convulsive status epilepticus: follow the institution's status epilepticus protocol"));
  REQUIRE(card.suggestions.size() == 2);
  CHECK(card.suggestions[0].is_recommended);
  CHECK(dose_of(resource_of(card.suggestions[0])) == 500);
  CHECK_FALSE(card.suggestions[1].is_recommended);  // lorazepam only for non-convulsive status
  CHECK(dose_of(resource_of(card.suggestions[1])) == 0.5);
}

TEST_CASE("a levetiracetam bolus and 2 mg of lorazepam given after the seizure are not proposed again",
          "[recommend][seizure]") {
  auto record = with_seizure(icans_chart(5), Concept::seizure_prolonged_or_repetitive);
  record.administrations.push_back(dose_mg("lzp", Concept::lorazepam, "2026-03-04T08:25:00Z", 2));
  record.administrations.push_back(dose_mg("lev", Concept::levetiracetam, "2026-03-04T08:35:00Z", 500));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "seizure-management");
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "levetiracetam 500 mg IV once given 2026-03-04T08:35:00Z"));
  CHECK(contains(card.detail, "4 of at most 4 doses"));  // 2 mg = four 0.5 mg doses
}

TEST_CASE("a levetiracetam dose before the seizure does not count as the seizure bolus", "[recommend][seizure]") {
  auto record = with_seizure(icans_chart(5));
  record.administrations.push_back(dose_mg("lev-proph", Concept::levetiracetam, "2026-03-04T07:00:00Z", 750));
  const auto cards = cards_at(record, kAt);
  const Card& card = card_of(cards, "seizure-management");
  REQUIRE_FALSE(card.suggestions.empty());
  CHECK(contains(card.suggestions[0].label, "levetiracetam 500 mg IV"));
}
