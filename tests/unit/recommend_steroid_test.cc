// Rules cards.icans-steroids, cards.icans-steroid-taper and the shared
// corticosteroid plan: doses by ICANS grade from the protocol, product
// exceptions at grade 1, doses already given, escalation, taper, children.
#include <catch2/catch.hpp>

#include "recommend_helpers.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

// In scope since 2026-03-01T10:00Z, normal ICE on day 1, afebrile, 80 kg;
// the ICE of `score` at 2026-03-06T08:00Z sets the ICANS grade graded at 09:00.
fhir::PatientRecord icans_chart(int score, Concept product = Concept::tisagenlecleucel) {
  fhir::PatientRecord record = chart(product);
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 80));
  record.observations.push_back(ice("ice0", "2026-03-02T08:00:00Z", 10));
  record.observations.push_back(temperature("t0", "2026-03-02T08:00:00Z", 36.8));
  record.observations.push_back(ice("ice1", "2026-03-06T08:00:00Z", score));
  record.observations.push_back(temperature("t1", "2026-03-06T08:00:00Z", 36.9));
  return record;
}

constexpr std::string_view kAt = "2026-03-06T09:00:00Z";

const Card& steroid_card(const std::vector<Card>& cards) {
  const Card* card = find_kind(cards, "icans-steroids");
  INFO("cards: " << Catch::StringMaker<std::vector<std::string>>::convert(kinds(cards)));
  REQUIRE(card != nullptr);
  return *card;
}

bool has_coding(const rapidjson::Value& concept_json, std::string_view system, std::string_view code) {
  for (const auto& coding : concept_json["coding"].GetArray()) {
    if (coding["system"].GetString() == system && coding["code"].GetString() == code) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("ICANS grade 3 recommends dexamethasone 10 mg IV q6h", "[recommend][steroids]") {
  const auto cards = cards_at(icans_chart(2), kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.indicator == Indicator::critical);
  CHECK(card.summary == "ICANS grade 3 (ICE 2): dexamethasone 10 mg IV q6h");
  CHECK(card.source.url == rule_url(shipped_protocol(), rule::kIcansSteroids));
  REQUIRE(card.source.topic);
  CHECK(card.source.topic->code == "cards.icans-steroids");
  CHECK(card.rule_ids == std::vector<std::string>{"cards.icans-steroids"});
  CHECK(contains(card.detail, "ICE 2"));
  CHECK(contains(card.detail, "Observation/ice1"));
  REQUIRE(card.suggestions.size() == 1);
  CHECK(card.suggestions[0].is_recommended);
  const auto order = resource_of(card.suggestions[0]);
  CHECK(std::string(order["resourceType"].GetString()) == "MedicationRequest");
  CHECK(std::string(order["status"].GetString()) == "draft");
  CHECK(std::string(order["intent"].GetString()) == "proposal");
  CHECK(dose_of(order) == 10);
  const auto& dosage = order["dosageInstruction"][0];
  CHECK(dosage["timing"]["repeat"]["period"].GetInt() == 6);
  CHECK(std::string(dosage["timing"]["repeat"]["periodUnit"].GetString()) == "h");
  CHECK(has_coding(dosage["route"], fhir::kSnomed, "47625008"));
  CHECK(has_coding(order["medicationCodeableConcept"], fhir::kRxNorm, "3264"));
  CHECK(has_coding(order["reasonCode"][0], kIcd10Cm, "G92.03"));
}

TEST_CASE("ICANS grade 2 recommends dexamethasone 10 mg IV once, then reassess", "[recommend][steroids]") {
  const auto cards = cards_at(icans_chart(5), kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.indicator == Indicator::warning);
  CHECK(card.summary == "ICANS grade 2 (ICE 5): dexamethasone 10 mg IV q6-12h");
  REQUIRE(card.suggestions.size() == 1);
  const auto order = resource_of(card.suggestions[0]);
  CHECK(dose_of(order) == 10);
  // A 6-12 h range repeated only without improvement is ordered one dose at a time.
  CHECK(order["dosageInstruction"][0]["timing"]["repeat"]["count"].GetInt() == 1);
  CHECK(contains(order["dosageInstruction"][0]["text"].GetString(), "repeat every 6-12 hours"));
}

TEST_CASE("the grade 2 switch off gives no ICANS grade 2 corticosteroid card", "[recommend][steroids]") {
  Protocol protocol = shipped_protocol();
  protocol.icans_steroids.by_grade[1].enabled = false;
  const auto cards = cards_at(icans_chart(5), kAt, {}, protocol);
  CHECK(find_kind(cards, "icans-steroids") == nullptr);
}

TEST_CASE("a dexamethasone dose 2 h ago is not recommended again; next due at the lower bound",
          "[recommend][steroids]") {
  auto record = icans_chart(5);
  record.administrations.push_back(dose_mg("dex1", Concept::dexamethasone, "2026-03-06T07:00:00Z", 10));
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.suggestions.empty());
  // every 6-12 h: the earliest next dose is 6 h after 07:00.
  CHECK(contains(card.summary, "next dose from 2026-03-06T13:00:00Z"));
  CHECK(contains(card.detail, "not before the lower bound, 6 h after the last dexamethasone dose"));
  CHECK(contains(card.detail, "MedicationAdministration/dex1"));
}

TEST_CASE("a dexamethasone dose 7 h ago at grade 3 is due again", "[recommend][steroids]") {
  auto record = icans_chart(2);
  record.administrations.push_back(dose_mg("dex1", Concept::dexamethasone, "2026-03-06T02:00:00Z", 10));
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  REQUIRE(card.suggestions.size() == 1);
  CHECK(contains(card.detail, "The next dose is due now"));
}

TEST_CASE("four dexamethasone doses in 24 h hold the next until the first leaves the day",
          "[recommend][steroids]") {
  auto record = icans_chart(2);
  record.observations.push_back(ice("ice-early", "2026-03-05T08:00:00Z", 2));  // the episode began here
  for (const char* time : {"2026-03-05T10:00:00Z", "2026-03-05T12:00:00Z", "2026-03-05T14:00:00Z",
                           "2026-03-05T20:00:00Z"}) {
    record.administrations.push_back(dose_mg(std::string("dex-") + time, Concept::dexamethasone, time, 10));
  }
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "next dose from 2026-03-06T10:00:00Z"));
  CHECK(contains(card.detail, "4 doses in the last 24 h, at most 4"));
}

TEST_CASE("grade 4 escalation is not delayed by recent dexamethasone", "[recommend][steroids]") {
  auto record = icans_chart(2);
  record.observations.push_back(
      coded("motor1", Concept::motor_finding, "2026-03-06T08:30:00Z", Concept::motor_deep_focal_weakness));
  record.administrations.push_back(dose_mg("dex1", Concept::dexamethasone, "2026-03-06T08:00:00Z", 10));
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.indicator == Indicator::critical);
  CHECK(contains(card.summary, "ICANS grade 4"));
  CHECK(contains(card.summary, "methylprednisolone 1000 mg IV daily x3"));
  CHECK(contains(card.detail, "Escalation is not delayed by the dexamethasone dose"));
  REQUIRE(card.suggestions.size() == 1);
  const auto order = resource_of(card.suggestions[0]);
  CHECK(dose_of(order) == 1000);
  CHECK(order["dosageInstruction"][0]["timing"]["repeat"]["count"].GetInt() == 3);
  CHECK(order["dosageInstruction"][0]["timing"]["repeat"]["period"].GetInt() == 24);
}

TEST_CASE("with the escalation switch off, a recent dexamethasone holds back methylprednisolone",
          "[recommend][steroids]") {
  Protocol protocol = shipped_protocol();
  protocol.icans_steroids.escalation_not_delayed_by_recent_dexamethasone = false;
  auto record = icans_chart(2);
  record.observations.push_back(
      coded("motor1", Concept::motor_finding, "2026-03-06T08:30:00Z", Concept::motor_deep_focal_weakness));
  record.administrations.push_back(dose_mg("dex1", Concept::dexamethasone, "2026-03-06T08:00:00Z", 10));
  const auto cards = cards_at(record, kAt, {}, protocol);
  const Card& card = steroid_card(cards);
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "next dose from 2026-03-07T08:00:00Z"));
}

TEST_CASE("grade 4 methylprednisolone course complete after 3 doses, then the taper is named",
          "[recommend][steroids]") {
  auto record = icans_chart(2);
  record.observations.push_back(
      coded("motor1", Concept::motor_finding, "2026-03-06T08:30:00Z", Concept::motor_deep_focal_weakness));
  record.observations.push_back(
      coded("motor0", Concept::motor_finding, "2026-03-04T08:00:00Z", Concept::motor_deep_focal_weakness));
  record.observations.push_back(ice("ice-d3", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(ice("ice-d4", "2026-03-05T08:00:00Z", 2));
  record.observations.push_back(
      coded("motor-d4", Concept::motor_finding, "2026-03-05T08:00:00Z", Concept::motor_deep_focal_weakness));
  for (const char* time : {"2026-03-04T09:00:00Z", "2026-03-05T09:00:00Z", "2026-03-06T08:45:00Z"}) {
    record.administrations.push_back(dose_mg(std::string("mp-") + time, Concept::methylprednisolone, time, 1000));
  }
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.suggestions.empty());
  CHECK(contains(card.summary, "course complete"));
  CHECK(contains(card.detail, "Then taper (protocol)"));
  CHECK(contains(card.detail, "Methylprednisolone 250 mg IV every 12 hours"));
}

TEST_CASE("ICANS grade 1 gets supportive care and no corticosteroid", "[recommend][steroids]") {
  const auto cards = cards_at(icans_chart(8), kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.indicator == Indicator::info);
  CHECK(card.summary == "ICANS grade 1 (ICE 8): supportive care, no corticosteroid per protocol");
  CHECK(card.suggestions.empty());
}

TEST_CASE("axi-cel may start dexamethasone at ICANS grade 1", "[recommend][steroids]") {
  const auto cards = cards_at(icans_chart(8, Concept::axicabtagene_ciloleucel), kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.summary == "ICANS grade 1 (ICE 8): consider dexamethasone 10 mg IV once");
  REQUIRE(card.suggestions.size() == 1);
  CHECK_FALSE(card.suggestions[0].is_recommended);  // "consider": the clinician decides
  CHECK(contains(card.detail, "axicabtagene"));
  CHECK(dose_of(resource_of(card.suggestions[0])) == 10);
}

TEST_CASE("liso-cel ICANS grade 1 beginning within 72 h of infusion: consider dexamethasone x2",
          "[recommend][steroids]") {
  auto record = chart(Concept::lisocabtagene_maraleucel);
  record.observations.push_back(ice("ice0", "2026-03-01T20:00:00Z", 10));
  record.observations.push_back(ice("ice1", "2026-03-03T08:00:00Z", 8));  // 46 h after the infusion
  record.observations.push_back(temperature("t1", "2026-03-03T08:00:00Z", 36.9));
  const auto cards = cards_at(record, "2026-03-03T09:00:00Z");
  const Card& card = steroid_card(cards);
  CHECK(card.summary == "ICANS grade 1 (ICE 8): consider dexamethasone 10 mg IV q12-24h x2");
  CHECK(contains(card.detail, "within 72 h"));
  REQUIRE(card.suggestions.size() == 1);
}

TEST_CASE("liso-cel ICANS grade 1 beginning after 72 h: no corticosteroid", "[recommend][steroids]") {
  auto record = chart(Concept::lisocabtagene_maraleucel);
  record.observations.push_back(ice("ice0", "2026-03-01T20:00:00Z", 10));
  record.observations.push_back(ice("ice1", "2026-03-05T08:00:00Z", 8));  // 94 h after
  record.observations.push_back(temperature("t1", "2026-03-05T08:00:00Z", 36.9));
  const auto cards = cards_at(record, "2026-03-05T09:00:00Z");
  const Card& card = steroid_card(cards);
  CHECK(contains(card.summary, "supportive care"));
  CHECK(contains(card.detail, "exception does not apply"));
  CHECK(card.suggestions.empty());
}

TEST_CASE("ICANS onset is the first time of the current episode", "[recommend][steroids][evaluate]") {
  auto record = chart(Concept::lisocabtagene_maraleucel);
  record.observations.push_back(ice("ice0", "2026-03-01T20:00:00Z", 10));
  record.observations.push_back(ice("ice1", "2026-03-03T08:00:00Z", 8));
  record.observations.push_back(ice("ice2", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(ice("ice3", "2026-03-05T08:00:00Z", 8));
  record.observations.push_back(temperature("t1", "2026-03-05T08:00:00Z", 36.9));
  const Evaluation evaluation = evaluate(record, instant("2026-03-05T09:00:00Z"), {});
  CHECK(evaluation.icans_at_least_since[0] == instant("2026-03-03T08:00:00Z"));
  CHECK_FALSE(evaluation.icans_at_least_since[1]);  // grade 1 now: no open run at >= 2
  // Still the same episode: the exception counts from its onset, 46 h after infusion.
  const auto cards = cards_at(record, "2026-03-05T09:00:00Z");
  const Card& card = steroid_card(cards);
  CHECK(contains(card.summary, "consider dexamethasone"));

  // A normal ICE ends the episode; the next one begins later.
  record.observations.push_back(ice("ice-normal", "2026-03-04T20:00:00Z", 10));
  const Evaluation later = evaluate(record, instant("2026-03-05T09:00:00Z"), {});
  CHECK(later.icans_at_least_since[0] == instant("2026-03-05T08:00:00Z"));
  // The timeline agrees with evaluation at one instant.
  for (const auto& row : evaluate_timeline(record, {})) {
    INFO(fhir::format_instant(row.at));
    CHECK(row.icans_at_least_since == evaluate(record, row.at, {}).icans_at_least_since);
  }
}

TEST_CASE("ICANS improving to grade 1 on corticosteroids gets the taper card", "[recommend][steroids][taper]") {
  auto record = icans_chart(2);
  record.administrations.push_back(dose_mg("dex1", Concept::dexamethasone, "2026-03-06T09:00:00Z", 10));
  record.administrations.push_back(dose_mg("dex2", Concept::dexamethasone, "2026-03-06T15:00:00Z", 10));
  record.observations.push_back(ice("ice2", "2026-03-06T20:00:00Z", 8));
  const auto cards = cards_at(record, "2026-03-06T21:00:00Z");
  CHECK(find_kind(cards, "icans-steroids") == nullptr);
  const Card* taper = find_kind(cards, "icans-steroid-taper");
  REQUIRE(taper != nullptr);
  CHECK(taper->summary == "ICANS improved to grade 1 on corticosteroids: taper as clinically appropriate");
  CHECK(taper->rule_ids == std::vector<std::string>{"cards.icans-steroid-taper"});
  CHECK(contains(taper->detail, "taper corticosteroids rapidly"));
  CHECK(taper->suggestions.empty());
}

TEST_CASE("after high-dose methylprednisolone the taper proposes the first step", "[recommend][steroids][taper]") {
  auto record = icans_chart(2);
  record.observations.push_back(
      coded("motor1", Concept::motor_finding, "2026-03-06T08:30:00Z", Concept::motor_deep_focal_weakness));
  for (const char* time : {"2026-03-06T09:00:00Z", "2026-03-07T09:00:00Z", "2026-03-08T09:00:00Z"}) {
    record.administrations.push_back(dose_mg(std::string("mp-") + time, Concept::methylprednisolone, time, 1000));
  }
  record.observations.push_back(
      coded("motor2", Concept::motor_finding, "2026-03-08T20:00:00Z", Concept::motor_none));
  record.observations.push_back(ice("ice2", "2026-03-08T20:00:00Z", 9));
  record.observations.push_back(temperature("t2", "2026-03-08T20:00:00Z", 36.7));
  const auto cards = cards_at(record, "2026-03-08T21:00:00Z");
  const Card* taper = find_kind(cards, "icans-steroid-taper");
  REQUIRE(taper != nullptr);
  CHECK(contains(taper->summary, "methylprednisolone 250 mg IV q12h x4"));
  REQUIRE(taper->suggestions.size() == 1);
  const auto order = resource_of(taper->suggestions[0]);
  CHECK(dose_of(order) == 250);
  CHECK(order["dosageInstruction"][0]["timing"]["repeat"]["count"].GetInt() == 4);

  // Once the first step is under way the card shows progress and orders nothing new.
  record.administrations.push_back(dose_mg("mp250-1", Concept::methylprednisolone, "2026-03-09T09:00:00Z", 250));
  const auto later = cards_at(record, "2026-03-09T10:00:00Z");
  const Card* in_progress = find_kind(later, "icans-steroid-taper");
  REQUIRE(in_progress != nullptr);
  CHECK(contains(in_progress->detail, "in progress (1 of 4 doses)"));
  CHECK(in_progress->suggestions.empty());
}

TEST_CASE("a child under the cut-off gets no corticosteroid dose the protocol does not define",
          "[recommend][steroids][pediatric]") {
  auto record = chart(Concept::tisagenlecleucel, "2018-01-15");  // 8 years old
  record.observations.push_back(score("capd0", Concept::capd_total, "2026-03-02T08:00:00Z", 0));
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 12));
  record.observations.push_back(temperature("t1", "2026-03-06T08:00:00Z", 36.9));
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  CHECK(contains(card.summary, "ICANS grade 3 (CAPD 12)"));
  CHECK(contains(card.summary, "no pediatric dose in protocol"));
  CHECK_FALSE(contains(card.summary, "10 mg"));  // the adult dose never reads as the child's
  CHECK(contains(card.detail, "defines no pediatric dose of dexamethasone"));
  CHECK(card.suggestions.empty());
}

TEST_CASE("a pediatric dose defined in the protocol is used below the cut-off", "[recommend][steroids][pediatric]") {
  Protocol protocol = shipped_protocol();
  Dosing pediatric = protocol.regimens.at("dexamethasone-10mg-iv-q6h").adult;
  pediatric.dose_mg.reset();
  pediatric.dose_mg_per_kg = 0.15;
  pediatric.max_dose_mg = 10;
  pediatric.instruction = "Dexamethasone 0.15 mg/kg IV every 6 hours, at most 10 mg per dose.";
  protocol.regimens.at("dexamethasone-10mg-iv-q6h").pediatric = pediatric;
  auto record = chart(Concept::tisagenlecleucel, "2018-01-15");
  record.observations.push_back(weight("w1", "2026-03-01T08:00:00Z", 25));
  record.observations.push_back(score("capd0", Concept::capd_total, "2026-03-02T08:00:00Z", 0));
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 12));
  record.observations.push_back(temperature("t1", "2026-03-06T08:00:00Z", 36.9));
  const auto cards = cards_at(record, kAt, {}, protocol);
  const Card& card = steroid_card(cards);
  REQUIRE(card.suggestions.size() == 1);
  CHECK(dose_of(resource_of(card.suggestions[0])) == Approx(3.75));
  CHECK(contains(card.detail, "0.15 mg/kg x 25 kg = 3.75 mg"));
}

TEST_CASE("with no birth date no corticosteroid dose is proposed", "[recommend][steroids]") {
  auto record = icans_chart(2);
  record.patient->birth_date.reset();
  const auto cards = cards_at(record, kAt);
  const Card& card = steroid_card(cards);
  CHECK(card.suggestions.empty());
  CHECK(contains(card.detail, "Age not charted"));
  CHECK(card.summary == "ICANS grade 3 (ICE 2): corticosteroid indicated; age not charted, no dose proposed");
}

TEST_CASE("ICANS and CRS never get two corticosteroid orders", "[recommend][steroids][crs]") {
  auto record = icans_chart(2);
  record.observations.push_back(temperature("fever", "2026-03-06T08:30:00Z", 39.2));
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-06T08:30:00Z"));
  const auto cards = cards_at(record, kAt);
  int corticosteroid_orders = 0;
  for (const auto& card : cards) {
    for (const auto& suggestion : card.suggestions) {
      for (const auto& action : suggestion.actions) {
        if (contains(action.resource, "\"3264\"") || contains(action.resource, "\"6902\"")) ++corticosteroid_orders;
      }
    }
  }
  CHECK(corticosteroid_orders == 1);
  // ICANS 3 and CRS 3 both call for dexamethasone 10 mg q6h: the ICANS card orders it.
  CHECK(find_kind(cards, "crs-steroids") == nullptr);
  const Card* crs = find_kind(cards, "crs-tocilizumab");
  REQUIRE(crs != nullptr);
  CHECK(contains(crs->detail, "covered by the ICANS corticosteroid card"));
}

TEST_CASE("CRS grade 4 methylprednisolone covers the ICANS grade 2 dexamethasone", "[recommend][steroids][crs]") {
  auto record = icans_chart(5);
  record.observations.push_back(temperature("fever", "2026-03-06T08:30:00Z", 39.2));
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-06T08:00:00Z"));
  record.administrations.push_back(running_infusion("epi", Concept::epinephrine, "2026-03-06T08:30:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card* crs = find_kind(cards, "crs-steroids");
  REQUIRE(crs != nullptr);
  CHECK(contains(crs->summary, "CRS grade 4"));
  CHECK(contains(crs->summary, "methylprednisolone 1000 mg IV daily x3"));
  REQUIRE(crs->suggestions.size() == 1);
  const Card& icans = steroid_card(cards);
  CHECK(icans.suggestions.empty());
  CHECK(contains(icans.summary, "covered by the CRS corticosteroid card"));
}
