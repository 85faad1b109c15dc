// ASTCT 2019 ICANS grading: one test per rule row and edge case
// (docs/clinical-rules.md names each test).
#include <catch2/catch.hpp>

#include "cds/icans.h"
#include "cds/ice.h"
#include "record_builder.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

const char* kT = "2026-03-06T12:00:00Z";
const char* kInfusion = "2026-03-01T10:00:00Z";

fhir::PatientRecord adult() {
  fhir::PatientRecord record;
  record.patient_id = "p1";
  record.patient = patient("p1", "1970-05-01");
  record.procedures.push_back(cell_therapy("cart", Concept::axicabtagene_ciloleucel, kInfusion));
  return record;
}

fhir::PatientRecord child(std::string_view birth_date) {
  fhir::PatientRecord record = adult();
  record.patient = patient("p1", birth_date);
  return record;
}

IcansResult grade(const fhir::PatientRecord& record, std::vector<std::string>& warnings,
                  std::optional<int> age = 55, const GradingConfig& config = {}) {
  return grade_icans(record, instant(kT), instant(kInfusion), age, config, warnings);
}

std::optional<int> grade_of(const fhir::PatientRecord& record, std::optional<int> age = 55) {
  std::vector<std::string> warnings;
  return grade(record, warnings, age).grade.grade;
}

bool any_contains(const std::vector<std::string>& items, const std::string& needle) {
  for (const auto& item : items) {
    if (item.find(needle) != std::string::npos) return true;
  }
  return false;
}

fhir::Observation ice_panel(std::string id, std::string_view time, std::vector<std::pair<Concept, int>> items,
                            std::optional<int> total = std::nullopt) {
  fhir::Observation result = observation(std::move(id), Concept::ice_total, time);
  if (total) result.value = coded_value(Concept::unknown), result.value = integer_value(*total);
  for (auto [item, value] : items) result.components.push_back(component(item, integer_value(value)));
  return result;
}

std::vector<std::pair<Concept, int>> full_ice(int year, int month, int city, int hospital, int naming,
                                              int commands, int writing, int attention) {
  return {{Concept::ice_orientation_year, year},   {Concept::ice_orientation_month, month},
          {Concept::ice_orientation_city, city},   {Concept::ice_orientation_hospital, hospital},
          {Concept::ice_naming, naming},           {Concept::ice_commands, commands},
          {Concept::ice_writing, writing},         {Concept::ice_attention, attention}};
}

}  // namespace

TEST_CASE("ICE score bands map to ASTCT grades (10->0, 7-9->1, 3-6->2, 0-2->3)", "[icans][ice]") {
  CHECK(grade_from_ice(10) == 0);
  CHECK(grade_from_ice(9) == 1);
  CHECK(grade_from_ice(7) == 1);
  CHECK(grade_from_ice(6) == 2);
  CHECK(grade_from_ice(3) == 2);
  CHECK(grade_from_ice(2) == 3);
  CHECK(grade_from_ice(0) == 3);
}

TEST_CASE("CAPD bands map to ASTCT grades (0->0, 1-8->1, >=9->3)", "[icans][capd]") {
  CHECK(grade_from_capd(0) == 0);
  CHECK(grade_from_capd(1) == 1);
  CHECK(grade_from_capd(8) == 1);
  CHECK(grade_from_capd(9) == 3);
  CHECK(grade_from_capd(32) == 3);
}

TEST_CASE("ICANS grade from a charted ICE total", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 5));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  REQUIRE(result.grade.grade == 2);
  REQUIRE(result.assessment.score == 5);
  REQUIRE(result.grade.drivers().size() == 1);
  CHECK(result.grade.drivers()[0]->rule == "icans.ice");
  CHECK(result.grade.drivers()[0]->evidence[0].resource == "Observation/ice1");
}

TEST_CASE("ICE summed from items charted as components of one observation", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(ice_panel("ice1", "2026-03-06T08:00:00Z", full_ice(1, 1, 1, 0, 2, 1, 0, 1)));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.assessment.score == 7);
  CHECK(result.grade.grade == 1);
}

TEST_CASE("ICE summed from items charted as separate observations at the same time", "[icans][ice]") {
  auto record = adult();
  int n = 0;
  for (auto [item, value] : full_ice(1, 1, 1, 1, 3, 1, 1, 0)) {
    record.observations.push_back(score("item" + std::to_string(n++), item, "2026-03-06T08:00:00Z", value));
  }
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.assessment.score == 9);
  CHECK(result.assessment.resources.size() == 8);
  CHECK(result.grade.grade == 1);
}

TEST_CASE("ICE with items missing is incomplete, names the items, and is not totalled", "[icans][ice]") {
  auto record = adult();
  auto items = full_ice(1, 1, 1, 1, 3, 1, 1, 1);
  items.erase(items.begin() + 6);  // writing
  record.observations.push_back(ice_panel("ice1", "2026-03-06T08:00:00Z", items));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.assessment.score);
  REQUIRE(result.assessment.missing_items == std::vector<std::string>{"ice-writing"});
  CHECK(any_contains(warnings, "incomplete, missing ice-writing"));
  CHECK_FALSE(result.grade.grade);
}

TEST_CASE("ICE item out of range is an error and the assessment is not used", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(ice_panel("ice1", "2026-03-06T08:00:00Z", full_ice(1, 1, 1, 1, 4, 1, 1, 1)));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.assessment.score);
  CHECK(any_contains(warnings, "ice-naming = 4 is out of range 0-3"));
  CHECK_FALSE(result.grade.grade);
}

TEST_CASE("ICE total out of range is an error", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 11));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.assessment.score);
  CHECK(any_contains(warnings, "out of range 0-10"));
}

TEST_CASE("ICE charted total disagreeing with its items is a warning and the items win", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(
      ice_panel("ice1", "2026-03-06T08:00:00Z", full_ice(1, 1, 0, 0, 1, 1, 0, 0), 9));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.assessment.score == 4);
  CHECK(result.grade.grade == 2);
  CHECK(any_contains(warnings, "charted total 9 disagrees with the sum of its items 4"));
}

TEST_CASE("CAPD items 1-4 are reverse scored when totalled", "[icans][capd]") {
  CHECK(capd_item_score(1, 0) == 4);
  CHECK(capd_item_score(4, 4) == 0);
  CHECK(capd_item_score(5, 3) == 3);
  auto record = child("2018-01-01");
  auto capd = observation("capd1", Concept::capd_total, "2026-03-06T08:00:00Z");
  const Concept items[] = {Concept::capd_item_1, Concept::capd_item_2, Concept::capd_item_3, Concept::capd_item_4,
                           Concept::capd_item_5, Concept::capd_item_6, Concept::capd_item_7, Concept::capd_item_8};
  // Eye contact "always" etc. (4 -> 0 each), items 5-8 "rarely" (1 each): total 4.
  for (int i = 0; i < 8; ++i) capd.components.push_back(component(items[i], integer_value(i < 4 ? 4 : 1)));
  record.observations.push_back(capd);
  std::vector<std::string> warnings;
  auto result = grade(record, warnings, 8);
  CHECK(result.assessment.tool == Tool::capd);
  CHECK(result.assessment.score == 4);
  CHECK(result.grade.grade == 1);
}

TEST_CASE("CAPD 1-8 with spontaneous waking is grade 1, waking to voice grade 2", "[icans][capd]") {
  auto record = child("2018-01-01");
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 6));
  record.observations.push_back(coded("loc1", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                      Concept::loc_awakens_spontaneously));
  CHECK(grade_of(record, 8) == 1);
  record.observations.back() = coded("loc1", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                     Concept::loc_awakens_to_voice);
  CHECK(grade_of(record, 8) == 2);
}

TEST_CASE("CAPD of 9 or more is grade 3", "[icans][capd]") {
  auto record = child("2018-01-01");
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 12));
  CHECK(grade_of(record, 8) == 3);
}

TEST_CASE("CAPD of 0 is normal: grade 0", "[icans][capd]") {
  auto record = child("2018-01-01");
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 0));
  CHECK(grade_of(record, 8) == 0);
}

TEST_CASE("Children under the cut-off are graded by CAPD; an ICE charted for them is not used", "[icans][capd]") {
  auto record = child("2018-01-01");
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 2));
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T07:00:00Z", 0));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings, 11);
  CHECK(result.assessment.tool == Tool::capd);
  CHECK(result.grade.grade == 0);
  CHECK(any_contains(warnings, "CAPD is the tool for children"));
}

TEST_CASE("Pediatric cut-off boundary: at exactly 12 years ICE is used (configurable)", "[icans][capd]") {
  auto record = child("2014-03-06");  // 12th birthday on the day of T
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 5));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings, 12).assessment.tool == Tool::ice);
  CHECK(grade(record, warnings, 11).assessment.tool == Tool::none);
  GradingConfig thirteen;
  thirteen.pediatric_cutoff_years = 13;
  CHECK(grade(record, warnings, 12, thirteen).assessment.tool == Tool::none);
}

TEST_CASE("CAPD charted for an older patient (developmental delay) is used", "[icans][capd]") {
  auto record = adult();
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 10));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings, 30);
  CHECK(result.assessment.tool == Tool::capd);
  CHECK(result.grade.grade == 3);
}

TEST_CASE("Depressed consciousness: to voice 2, tactile 3, unarousable 4", "[icans][consciousness]") {
  const std::pair<Concept, int> rows[] = {{Concept::loc_awakens_spontaneously, 0},
                                          {Concept::loc_awakens_to_voice, 2},
                                          {Concept::loc_awakens_to_tactile, 3},
                                          {Concept::loc_unarousable, 4}};
  for (auto [answer, expected] : rows) {
    auto record = adult();
    record.observations.push_back(coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z", answer));
    INFO(fhir::concept_code(answer));
    CHECK(grade_of(record) == expected);
  }
}

TEST_CASE("ICE 0 in an awake patient is grade 3", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 0));
  record.observations.push_back(coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                      Concept::loc_awakens_spontaneously));
  CHECK(grade_of(record) == 3);
}

TEST_CASE("An unarousable patient is grade 4 whatever the ICE", "[icans][consciousness]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 8));
  record.observations.push_back(coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                      Concept::loc_unarousable));
  CHECK(grade_of(record) == 4);
}

TEST_CASE("Unarousable and unable to perform ICE is grade 4", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(coded("na", Concept::ice_not_assessable, "2026-03-06T08:00:00Z",
                                      Concept::ice_na_unarousable));
  CHECK(grade_of(record) == 4);
}

TEST_CASE("ICE not assessable while intubated and sedated is unknown, not 4", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(coded("na", Concept::ice_not_assessable, "2026-03-06T08:00:00Z",
                                      Concept::ice_na_intubated_sedated));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.grade.grade);
  REQUIRE(result.grade.domains.size() == 1);
  CHECK_FALSE(result.grade.domains[0].grade);
  CHECK(result.grade.domains[0].rule == "icans.not-assessable");
  CHECK_FALSE(result.grade.missing.empty());
}

TEST_CASE("Depressed consciousness while a sedative runs is possibly sedation and does not set the grade",
          "[icans][consciousness][sedation]") {
  auto record = adult();
  record.administrations.push_back(running_infusion("prop", Concept::propofol, "2026-03-06T02:00:00Z"));
  record.observations.push_back(coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                      Concept::loc_unarousable));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.grade.grade);
  CHECK(any_contains(warnings, "possibly due to sedation by Propofol"));
}

TEST_CASE("Depressed consciousness charted as not attributable to sedation sets the grade",
          "[icans][consciousness][sedation]") {
  auto record = adult();
  record.administrations.push_back(running_infusion("prop", Concept::propofol, "2026-03-06T02:00:00Z"));
  auto loc = coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z", Concept::loc_awakens_to_tactile);
  loc.attribution = Concept::not_attributable_other_cause;
  record.observations.push_back(loc);
  CHECK(grade_of(record) == 3);
}

TEST_CASE("A sedative bolus outside its effect window does not explain depressed consciousness",
          "[icans][consciousness][sedation]") {
  auto record = adult();
  record.administrations.push_back(dose_mg("midaz", Concept::midazolam, "2026-03-05T20:00:00Z", 2));
  record.observations.push_back(coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                      Concept::loc_awakens_to_voice));
  CHECK(grade_of(record) == 2);  // 12 h after a bolus with a 6 h window
}

TEST_CASE("Seizure: rapidly resolving is grade 3, prolonged or repetitive grade 4", "[icans][seizure]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 10));
  record.observations.push_back(coded("sz1", Concept::seizure, "2026-03-06T07:00:00Z",
                                      Concept::seizure_rapidly_resolving));
  CHECK(grade_of(record) == 3);
  record.observations.push_back(coded("sz2", Concept::seizure, "2026-03-06T09:00:00Z",
                                      Concept::seizure_prolonged_or_repetitive));
  CHECK(grade_of(record) == 4);
}

TEST_CASE("Seizure is an event domain: a later 'no seizure' does not clear it within the window",
          "[icans][seizure]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T10:00:00Z", 10));
  record.observations.push_back(coded("sz1", Concept::seizure, "2026-03-06T01:00:00Z",
                                      Concept::seizure_rapidly_resolving));
  record.observations.push_back(coded("sz2", Concept::seizure, "2026-03-06T10:00:00Z", Concept::seizure_none));
  CHECK(grade_of(record) == 3);
}

TEST_CASE("A seizure charted without its duration is graded 3 with a warning", "[icans][seizure]") {
  auto record = adult();
  record.observations.push_back(observation("sz", Concept::seizure, "2026-03-06T07:00:00Z"));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings).grade.grade == 3);
  CHECK(any_contains(warnings, "seizure without duration"));
}

TEST_CASE("A seizure outside the window does not count", "[icans][seizure]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T10:00:00Z", 10));
  record.observations.push_back(coded("sz1", Concept::seizure, "2026-03-05T10:00:00Z",
                                      Concept::seizure_prolonged_or_repetitive));
  CHECK(grade_of(record) == 0);
}

TEST_CASE("Deep focal motor weakness is grade 4", "[icans][motor]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 9));
  record.observations.push_back(coded("m", Concept::motor_finding, "2026-03-06T07:00:00Z",
                                      Concept::motor_deep_focal_weakness));
  CHECK(grade_of(record) == 4);
}

TEST_CASE("A SNOMED-coded finding observation counts as present (hemiparesis)", "[icans][motor]") {
  auto record = adult();
  record.observations.push_back(observation("hemi", Concept::motor_deep_focal_weakness, "2026-03-06T07:00:00Z"));
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 9));
  CHECK(grade_of(record) == 4);
  record.observations[0].value.kind = fhir::Value::Kind::boolean;
  record.observations[0].value.boolean = false;
  CHECK(grade_of(record) == 1);
}

TEST_CASE("Focal oedema is grade 3; diffuse oedema, posturing, CN VI palsy, papilloedema, Cushing's triad grade 4",
          "[icans][icp]") {
  const std::pair<Concept, int> rows[] = {
      {Concept::icp_focal_edema, 3},          {Concept::icp_diffuse_edema, 4},
      {Concept::icp_posturing, 4},            {Concept::icp_cranial_nerve_vi_palsy, 4},
      {Concept::icp_papilledema, 4},          {Concept::icp_cushings_triad, 4},
      {Concept::icp_edema_unspecified, 3}};
  for (auto [answer, expected] : rows) {
    auto record = adult();
    record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 10));
    record.observations.push_back(coded("icp", Concept::icp_finding, "2026-03-05T07:00:00Z", answer));
    INFO(fhir::concept_code(answer));
    CHECK(grade_of(record) == expected);
  }
}

TEST_CASE("Imaging findings stand for 72 h until a later examination says otherwise", "[icans][icp]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 10));
  record.observations.push_back(coded("icp", Concept::icp_finding, "2026-03-04T07:00:00Z",
                                      Concept::icp_diffuse_edema));  // 53 h before T
  CHECK(grade_of(record) == 4);
  record.observations.push_back(coded("icp2", Concept::icp_finding, "2026-03-05T07:00:00Z", Concept::icp_none));
  CHECK(grade_of(record) == 0);
}

TEST_CASE("Imaging findings older than the imaging window do not count", "[icans][icp]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 10));
  record.observations.push_back(coded("icp", Concept::icp_finding, "2026-03-03T06:00:00Z",
                                      Concept::icp_diffuse_edema));  // 78 h
  CHECK(grade_of(record) == 0);
}

TEST_CASE("A diagnostic report's coded conclusion counts as an imaging finding", "[icans][icp]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T06:00:00Z", 10));
  fhir::DiagnosticReport report;
  report.id = "mri";
  report.status = fhir::ReportStatus::final_;
  report.service = Concept::mri_brain;
  report.effective = when("2026-03-06T03:00:00Z");
  report.findings = {Concept::icp_diffuse_edema};
  record.reports.push_back(report);
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.grade.grade == 4);
  CHECK(result.grade.drivers()[0]->evidence.back().resource == "DiagnosticReport/mri");
}

TEST_CASE("The grade is the most severe domain", "[icans]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 8));
  record.observations.push_back(coded("loc", Concept::level_of_consciousness, "2026-03-06T08:00:00Z",
                                      Concept::loc_awakens_to_voice));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.grade.grade == 2);
  REQUIRE(result.grade.drivers().size() == 1);
  CHECK(result.grade.drivers()[0]->domain == "consciousness");
}

TEST_CASE("Findings attributable to another cause do not count", "[icans][attribution]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 10));
  record.observations.push_back(attributed_to_other_cause(
      coded("sz", Concept::seizure, "2026-03-06T07:00:00Z", Concept::seizure_rapidly_resolving)));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings).grade.grade == 0);
  CHECK(any_contains(warnings, "attributable to another cause"));
}

TEST_CASE("Tremor and myoclonus do not change the grade", "[icans]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 10));
  record.observations.push_back(observation("tremor", Concept::tremor, "2026-03-06T08:00:00Z"));
  record.observations.push_back(observation("myo", Concept::myoclonus, "2026-03-06T08:00:00Z"));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings).grade.grade == 0);
  CHECK(any_contains(warnings, "does not change the ICANS grade"));
}

TEST_CASE("Intracranial haemorrhage is not graded as ICANS", "[icans]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 10));
  record.observations.push_back(observation("ich", Concept::intracranial_hemorrhage, "2026-03-06T08:00:00Z"));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings).grade.grade == 0);
  CHECK(any_contains(warnings, "not graded as ICANS"));
}

TEST_CASE("A later normal finding supersedes an earlier abnormal one", "[icans][window]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T00:00:00Z", 4));
  record.observations.push_back(score("ice2", Concept::ice_total, "2026-03-06T08:00:00Z", 10));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.grade.grade == 0);
  CHECK(result.previous_score == 4);
}

TEST_CASE("Findings after T are invisible at T", "[icans][window]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 10));
  record.observations.push_back(score("ice2", Concept::ice_total, "2026-03-06T12:00:01Z", 2));
  CHECK(grade_of(record) == 0);
}

TEST_CASE("State findings older than the 24 h window do not count (configurable)", "[icans][window]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-05T11:00:00Z", 2));
  std::vector<std::string> warnings;
  CHECK_FALSE(grade(record, warnings).grade.grade);
  GradingConfig wide;
  wide.ice_window_hours = 36;
  CHECK(grade(record, warnings, 55, wide).grade.grade == 3);
}

TEST_CASE("Grade 0 needs a normal assessment; with none in the window the grade is unknown", "[icans]") {
  auto record = adult();
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.grade.grade);
  REQUIRE(result.grade.missing.size() == 1);
  CHECK(result.grade.missing[0].find("no ICE/CAPD or level of consciousness") != std::string::npos);
  record.observations.push_back(coded("m", Concept::motor_finding, "2026-03-06T07:00:00Z", Concept::motor_none));
  CHECK_FALSE(grade(record, warnings).grade.grade);  // motor alone is no neurological assessment
}

TEST_CASE("A date-only assessment is not placed in the window, and says so", "[icans][window]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06", 2));
  std::vector<std::string> warnings;
  CHECK_FALSE(grade(record, warnings).grade.grade);
  CHECK(any_contains(warnings, "too imprecise"));
}

TEST_CASE("A preliminary assessment is used with a warning", "[icans]") {
  auto record = adult();
  record.observations.push_back(with_status(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 6),
                                            fhir::ObservationStatus::preliminary));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings).grade.grade == 2);
  CHECK(any_contains(warnings, "preliminary"));
}

TEST_CASE("ICE item charted twice with different values at one time is not used", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(ice_panel("ice1", "2026-03-06T08:00:00Z", full_ice(1, 1, 1, 1, 3, 1, 1, 1)));
  record.observations.push_back(score("dup", Concept::ice_writing, "2026-03-06T08:00:00Z", 0));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK_FALSE(result.assessment.score);
  CHECK(any_contains(warnings, "ice-writing charted twice with different values"));
}

TEST_CASE("ICE and CAPD charted at the same time are contradictory and not used", "[icans][ice]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 9));
  record.observations.push_back(score("capd1", Concept::capd_total, "2026-03-06T08:00:00Z", 12));
  std::vector<std::string> warnings;
  CHECK_FALSE(grade(record, warnings).grade.grade);
  CHECK(any_contains(warnings, "mixes ICE and CAPD"));
}

TEST_CASE("Incomplete items beside a charted total: the total is used and said to be unchecked", "[icans][ice]") {
  auto record = adult();
  auto items = full_ice(1, 1, 1, 1, 3, 1, 1, 1);
  items.pop_back();  // attention missing
  record.observations.push_back(ice_panel("ice1", "2026-03-06T08:00:00Z", items, 6));
  std::vector<std::string> warnings;
  auto result = grade(record, warnings);
  CHECK(result.assessment.score == 6);
  CHECK(result.assessment.missing_items == std::vector<std::string>{"ice-attention"});
  CHECK(any_contains(warnings, "the charted total 6 is used but cannot be checked"));
}

TEST_CASE("Age unknown: ICE or CAPD used as charted, with a warning", "[icans][capd]") {
  auto record = adult();
  record.observations.push_back(score("ice1", Concept::ice_total, "2026-03-06T08:00:00Z", 5));
  std::vector<std::string> warnings;
  CHECK(grade(record, warnings, std::nullopt).grade.grade == 2);
  CHECK(any_contains(warnings, "age unknown"));
}
