// The engine's entry points: current and worst grades, the timeline, the
// context the cards need (day post infusion, ICE trend, treatment).
#include <catch2/catch.hpp>

#include "cds/evaluate.h"
#include "record_builder.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

fhir::PatientRecord course() {
  fhir::PatientRecord record;
  record.patient_id = "p1";
  record.patient = patient("p1", "1968-02-10");
  record.procedures.push_back(cell_therapy("cart", Concept::axicabtagene_ciloleucel, "2026-03-01T10:00:00Z"));
  record.observations.push_back(temperature("t1", "2026-03-01T12:00:00Z", 36.8));
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-01T12:00:00Z", 10));
  record.observations.push_back(temperature("t2", "2026-03-02T12:00:00Z", 39.0));
  record.observations.push_back(systolic("bp2", "2026-03-02T12:00:00Z", 84));
  record.observations.push_back(score("ice2", Concept::ice_total, "2026-03-03T08:00:00Z", 8));
  record.observations.push_back(score("ice3", Concept::ice_total, "2026-03-04T08:00:00Z", 4));
  record.observations.push_back(temperature("t3", "2026-03-04T08:00:00Z", 37.0));
  record.observations.push_back(score("ice4", Concept::ice_total, "2026-03-05T16:00:00Z", 10));
  record.observations.push_back(temperature("t4", "2026-03-05T16:00:00Z", 36.9));
  return record;
}

}  // namespace

TEST_CASE("Current and worst grades are both reported", "[evaluate]") {
  const Evaluation evaluation = evaluate(course(), instant("2026-03-05T18:00:00Z"), {});
  REQUIRE(evaluation.in_scope);
  CHECK(evaluation.icans.grade == 0);
  CHECK(evaluation.icans_worst == 2);
  CHECK(evaluation.crs.grade == 0);
  CHECK(evaluation.crs_worst == 2);
}

TEST_CASE("Day post infusion counts whole days since the first infusion", "[evaluate]") {
  CHECK(evaluate(course(), instant("2026-03-01T10:00:00Z"), {}).day_post_infusion == 0);
  CHECK(evaluate(course(), instant("2026-03-02T09:59:59Z"), {}).day_post_infusion == 0);
  CHECK(evaluate(course(), instant("2026-03-02T10:00:00Z"), {}).day_post_infusion == 1);
  CHECK(evaluate(course(), instant("2026-03-05T18:00:00Z"), {}).day_post_infusion == 4);
}

TEST_CASE("ICE trend compares the latest assessment with the one before it", "[evaluate]") {
  const Evaluation evaluation = evaluate(course(), instant("2026-03-04T09:00:00Z"), {});
  CHECK(evaluation.assessment.score == 4);
  CHECK(evaluation.previous_ice == 8);
  CHECK(evaluation.ice_declining);
  const Evaluation later = evaluate(course(), instant("2026-03-05T17:00:00Z"), {});
  CHECK(later.previous_ice == 4);
  CHECK_FALSE(later.ice_declining);
}

TEST_CASE("The timeline evaluates at every relevant charted time from day 0", "[evaluate]") {
  const auto timeline = evaluate_timeline(course(), {});
  REQUIRE(timeline.size() == 6);  // infusion, then five distinct charted times
  CHECK(timeline.front().at == instant("2026-03-01T10:00:00Z"));
  CHECK(timeline.back().at == instant("2026-03-05T16:00:00Z"));
  CHECK(timeline[2].crs.grade == 2);       // fever and SBP 84 on day 1
  CHECK(timeline[4].icans.grade == 2);     // ICE 4
  CHECK(timeline.back().icans_worst == 2); // worst is kept after recovery
  CHECK(timeline.back().crs_worst == 2);
}

TEST_CASE("Evaluate at T agrees with the timeline at the same instant", "[evaluate]") {
  const auto record = course();
  for (const auto& row : evaluate_timeline(record, {})) {
    const Evaluation single = evaluate(record, row.at, {});
    INFO(fhir::format_instant(row.at));
    CHECK(single.icans.grade == row.icans.grade);
    CHECK(single.crs.grade == row.crs.grade);
    CHECK(single.icans_worst == row.icans_worst);
    CHECK(single.crs_worst == row.crs_worst);
  }
}

TEST_CASE("A patient never in scope gets one evaluation saying so, and no grades", "[evaluate][scope]") {
  fhir::PatientRecord record;
  record.patient_id = "sepsis";
  record.observations.push_back(temperature("t", "2026-03-02T08:00:00Z", 39.5));
  record.observations.push_back(systolic("bp", "2026-03-02T08:00:00Z", 80));
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-02T08:30:00Z"));
  const auto timeline = evaluate_timeline(record, {});
  REQUIRE(timeline.size() == 1);
  CHECK_FALSE(timeline[0].in_scope);
  CHECK_FALSE(timeline[0].icans.grade);
  CHECK_FALSE(timeline[0].crs.grade);
  CHECK(timeline[0].crs.domains.empty());
}

TEST_CASE("Times before the infusion are not graded", "[evaluate][scope]") {
  auto record = course();
  record.observations.push_back(temperature("pre", "2026-02-28T08:00:00Z", 38.9));
  const auto timeline = evaluate_timeline(record, {});
  CHECK(timeline.front().at == instant("2026-03-01T10:00:00Z"));
}

TEST_CASE("Findings charted before the infusion are baseline, not CRS or ICANS", "[evaluate][window]") {
  auto record = course();
  record.observations.push_back(temperature("pre", "2026-03-01T08:00:00Z", 38.9));
  record.observations.push_back(score("ice0", Concept::ice_total, "2026-03-01T08:00:00Z", 6));
  const Evaluation evaluation = evaluate(record, instant("2026-03-01T12:30:00Z"), {});
  CHECK(evaluation.crs.grade == 0);    // only t1 (36.8) counts
  CHECK(evaluation.icans.grade == 0);  // only ice1 (10) counts
  CHECK(evaluation.previous_ice == 6); // the baseline still shows in the trend
}
