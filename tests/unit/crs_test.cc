// ASTCT 2019 CRS grading (Lee et al., BBMT 2019;25:625-638), one case per rule.
//
// Every chart is relative to a CAR-T infusion on 2024-03-01T10:00Z, graded at
// T = 2024-03-03T12:00Z (so the 24 h windows start 2024-03-02T12:00Z).

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/crs.h"
#include "record_builder.h"

namespace {

using namespace icans;
using namespace icans::test;
using fhir::AdministrationStatus;

constexpr std::string_view kInfusion = "2024-03-01T10:00:00Z";
constexpr std::string_view kT = "2024-03-03T12:00:00Z";

struct Graded {
  GradeResult result;
  std::vector<std::string> warnings;
};

Graded grade(const fhir::PatientRecord& record, std::optional<int> age = 40,
             const GradingConfig& config = {}, std::string_view at = kT) {
  Graded graded;
  graded.result = grade_crs(record, instant(at), instant(kInfusion), age, config, graded.warnings);
  return graded;
}

const DomainResult& domain(const GradeResult& result, std::string_view name) {
  for (const auto& d : result.domains) {
    if (d.domain == name) return d;
  }
  FAIL("no domain " << name);
  throw;  // unreachable: FAIL throws
}

bool has_warning(const std::vector<std::string>& warnings, std::string_view fragment) {
  return std::any_of(warnings.begin(), warnings.end(), [&](const std::string& warning) {
    return warning.find(fragment) != std::string::npos;
  });
}

fhir::PatientRecord febrile() {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t1", "2024-03-03T08:00:00Z", 38.6));
  return record;
}

fhir::PatientRecord afebrile() {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t1", "2024-03-03T08:00:00Z", 37.2));
  return record;
}

}  // namespace

TEST_CASE("CRS domains are fever, hypotension, hypoxia in that order") {
  const auto graded = grade(febrile());
  REQUIRE(graded.result.domains.size() == 3);
  CHECK(graded.result.domains[0].domain == "fever");
  CHECK(graded.result.domains[1].domain == "hypotension");
  CHECK(graded.result.domains[2].domain == "hypoxia");
}

TEST_CASE("CRS fever alone is grade 1") {
  auto record = febrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 118));
  record.observations.push_back(oxygen("o1", "2024-03-03T08:00:00Z", Concept::o2_room_air));
  const auto graded = grade(record);
  REQUIRE(graded.result.grade == 1);
  const auto& fever = domain(graded.result, "fever");
  CHECK(fever.grade == 1);
  CHECK(fever.rule == "crs.fever");
  REQUIRE(fever.evidence.size() == 1);
  CHECK(fever.evidence[0].resource == "Observation/t1");
  CHECK(fever.evidence[0].time == instant("2024-03-03T08:00:00Z"));
  CHECK(fever.evidence[0].finding == "temperature 38.6 Cel");
  CHECK(domain(graded.result, "hypotension").grade == 0);
  CHECK(domain(graded.result, "hypoxia").grade == 0);
  const auto drivers = graded.result.drivers();
  REQUIRE(drivers.size() == 1);
  CHECK(drivers[0]->domain == "fever");
}

TEST_CASE("CRS 100.4 degF counts as fever") {
  fhir::PatientRecord record;
  // 100.4 [degF] is 38.0 Cel after intake's conversion and rounding.
  record.observations.push_back(temperature("t1", "2024-03-03T08:00:00Z", 38.0));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 1);
  CHECK(domain(graded.result, "fever").evidence.at(0).finding == "temperature 38.0 Cel");
}

TEST_CASE("CRS 37.9 is not fever") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t1", "2024-03-03T08:00:00Z", 37.9));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  const auto& fever = domain(graded.result, "fever");
  CHECK(fever.grade == 0);
  CHECK(fever.evidence.at(0).finding == "temperature 37.9 Cel");
}

TEST_CASE("CRS highest temperature in the window is the fever evidence") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t1", "2024-03-02T20:00:00Z", 39.1));
  record.observations.push_back(temperature("t2", "2024-03-03T08:00:00Z", 37.0));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 1);
  CHECK(domain(graded.result, "fever").evidence.at(0).resource == "Observation/t1");
}

TEST_CASE("CRS hypotension without vasopressor is grade 2") {
  auto record = febrile();
  SECTION("systolic below 90") {
    record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 85));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 2);
    const auto& hypotension = domain(graded.result, "hypotension");
    CHECK(hypotension.rule == "crs.hypotension");
    CHECK(hypotension.grade == 2);
    REQUIRE(hypotension.evidence.size() == 1);
    CHECK(hypotension.evidence[0].resource == "Observation/bp1");
    CHECK(hypotension.evidence[0].finding == "systolic BP 85 mm[Hg]");
  }
  SECTION("MAP below 65 with a normal systolic") {
    record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 95));
    record.observations.push_back(mean_pressure("map1", "2024-03-03T09:00:00Z", 60));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 2);
    CHECK(domain(graded.result, "hypotension").evidence.at(0).finding == "MAP 60 mm[Hg]");
  }
  SECTION("systolic component of a blood pressure panel") {
    record.observations.push_back(blood_pressure("panel1", "2024-03-03T09:00:00Z", 84, 50));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 2);
    CHECK(domain(graded.result, "hypotension").evidence.at(0).resource == "Observation/panel1");
  }
  SECTION("systolic exactly 90 is not hypotension") {
    record.observations.push_back(blood_pressure("panel1", "2024-03-03T09:00:00Z", 90, 60, 65));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 1);
    CHECK(domain(graded.result, "hypotension").grade == 0);
  }
}

TEST_CASE("CRS one vasopressor is grade 3") {
  auto record = febrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 82));
  record.administrations.push_back(
      running_infusion("ne1", Concept::norepinephrine, "2024-03-03T09:30:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  const auto& hypotension = domain(graded.result, "hypotension");
  CHECK(hypotension.rule == "crs.vasopressors");
  CHECK(hypotension.evidence.at(0).resource == "MedicationAdministration/ne1");
  CHECK(hypotension.evidence.at(1).resource == "Observation/bp1");
}

TEST_CASE("CRS vasopressin with one vasopressor is still grade 3") {
  auto record = febrile();
  record.administrations.push_back(
      running_infusion("ne1", Concept::norepinephrine, "2024-03-03T09:30:00Z"));
  record.administrations.push_back(
      running_infusion("vp1", Concept::vasopressin, "2024-03-03T10:00:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  CHECK(domain(graded.result, "hypotension").evidence.size() == 2);
}

TEST_CASE("CRS two vasopressors is grade 4") {
  auto record = febrile();
  record.administrations.push_back(
      running_infusion("ne1", Concept::norepinephrine, "2024-03-03T09:30:00Z"));
  record.administrations.push_back(
      running_infusion("epi1", Concept::epinephrine, "2024-03-03T10:00:00Z"));
  CHECK(grade(record).result.grade == 4);
}

TEST_CASE("CRS two infusions of the same vasopressor are one vasopressor") {
  auto record = febrile();
  record.administrations.push_back(administration("ne1", Concept::norepinephrine,
                                                  "2024-03-03T06:00:00Z", "2024-03-03T09:00:00Z"));
  record.administrations.push_back(
      running_infusion("ne2", Concept::norepinephrine, "2024-03-03T09:00:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  const auto& hypotension = domain(graded.result, "hypotension");
  REQUIRE(hypotension.evidence.size() == 1);
  CHECK(hypotension.evidence[0].resource == "MedicationAdministration/ne2");
}

TEST_CASE("CRS vasopressin alone is grade 3") {
  auto record = febrile();
  record.administrations.push_back(
      running_infusion("vp1", Concept::vasopressin, "2024-03-03T10:00:00Z"));
  CHECK(grade(record).result.grade == 3);
}

TEST_CASE("CRS running vasopressor counts with normal pressures") {
  auto record = febrile();
  SECTION("normal systolic charted") {
    record.observations.push_back(systolic("bp1", "2024-03-03T11:00:00Z", 112));
  }
  SECTION("no pressure charted at all") {}
  record.administrations.push_back(
      running_infusion("ne1", Concept::norepinephrine, "2024-03-03T09:30:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  CHECK(domain(graded.result, "hypotension").rule == "crs.vasopressors");
}

TEST_CASE("CRS vasopressor stopped 7 h ago no longer counts") {
  auto record = febrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T04:00:00Z", 84));
  record.administrations.push_back(administration("ne1", Concept::norepinephrine,
                                                  "2024-03-03T01:00:00Z", "2024-03-03T05:00:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 2);
  CHECK(domain(graded.result, "hypotension").rule == "crs.hypotension");
}

TEST_CASE("CRS vasopressor stopped 5 h ago still counts") {
  auto record = febrile();
  record.administrations.push_back(administration("ne1", Concept::norepinephrine,
                                                  "2024-03-03T01:00:00Z", "2024-03-03T07:00:00Z",
                                                  AdministrationStatus::stopped));
  CHECK(grade(record).result.grade == 3);
}

TEST_CASE("CRS on-hold vasopressor is reported, not counted as given") {
  auto record = febrile();
  record.administrations.push_back(administration("ne1", Concept::norepinephrine,
                                                  "2024-03-03T09:00:00Z", std::nullopt,
                                                  AdministrationStatus::on_hold));
  record.administrations.push_back(administration("toc1", Concept::tocilizumab,
                                                  "2024-03-03T09:00:00Z", std::nullopt,
                                                  AdministrationStatus::unknown, 560));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 1);
  CHECK(has_warning(graded.warnings,
                    "MedicationAdministration/ne1 (" +
                        std::string(fhir::concept_info(Concept::norepinephrine).display) +
                        ") is on hold: reported, not counted as given"));
  CHECK(has_warning(graded.warnings, "MedicationAdministration/toc1"));
}

TEST_CASE("CRS low-flow cannula 6 L/min is grade 2") {
  auto record = febrile();
  record.observations.push_back(
      oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_low_flow_nasal_cannula, 6));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 2);
  const auto& hypoxia = domain(graded.result, "hypoxia");
  CHECK(hypoxia.rule == "crs.hypoxia");
  CHECK(hypoxia.evidence.at(0).resource == "Observation/o1");
}

TEST_CASE("CRS blow-by oxygen is grade 2") {
  auto record = febrile();
  record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_blow_by));
  CHECK(grade(record).result.grade == 2);
}

TEST_CASE("CRS nasal cannula at 7 L/min is high-flow grade 3") {
  auto record = febrile();
  SECTION("flow as a component") {
    record.observations.push_back(
        oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_low_flow_nasal_cannula, 7));
  }
  SECTION("flow as a separate observation at the same time") {
    record.observations.push_back(
        oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_low_flow_nasal_cannula));
    record.observations.push_back(oxygen_flow("f1", "2024-03-03T10:00:00Z", 7));
  }
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  CHECK(domain(graded.result, "hypoxia").grade == 3);
}

TEST_CASE("CRS low-flow cannula without a flow is grade 2 with a warning") {
  auto record = febrile();
  record.observations.push_back(
      oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_low_flow_nasal_cannula));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 2);
  CHECK(has_warning(graded.warnings, "Observation/o1: nasal cannula without a charted flow"));
}

TEST_CASE("CRS oxygen flow without a device is graded by flow with a warning") {
  auto record = febrile();
  SECTION("8 L/min counts as high-flow") {
    record.observations.push_back(oxygen_flow("f1", "2024-03-03T10:00:00Z", 8));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 3);
    CHECK(has_warning(graded.warnings, "Observation/f1: oxygen 8 L/min charted without a device"));
  }
  SECTION("6 L/min is low-flow") {
    record.observations.push_back(oxygen_flow("f1", "2024-03-03T10:00:00Z", 6));
    CHECK(grade(record).result.grade == 2);
  }
  SECTION("3 L/min is low-flow") {
    record.observations.push_back(oxygen_flow("f1", "2024-03-03T10:00:00Z", 3));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 2);
    CHECK(has_warning(graded.warnings, "charted without a device"));
  }
}

TEST_CASE("CRS facemask/non-rebreather/Venturi/HFNC grade 3") {
  for (Concept device : {Concept::o2_facemask, Concept::o2_non_rebreather, Concept::o2_venturi,
                         Concept::o2_high_flow_nasal_cannula}) {
    auto record = febrile();
    record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", device));
    INFO(fhir::concept_code(device));
    CHECK(grade(record).result.grade == 3);
  }
}

TEST_CASE("CRS CPAP/BiPAP/ventilation grade 4") {
  for (Concept device :
       {Concept::o2_cpap, Concept::o2_bipap, Concept::o2_mechanical_ventilation}) {
    auto record = febrile();
    record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", device));
    INFO(fhir::concept_code(device));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 4);
    const auto drivers = graded.result.drivers();
    REQUIRE(drivers.size() == 1);
    CHECK(drivers[0]->domain == "hypoxia");
  }
}

TEST_CASE("CRS room air is no hypoxia") {
  auto record = febrile();
  record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_room_air));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 1);
  CHECK(domain(graded.result, "hypoxia").grade == 0);
}

TEST_CASE("CRS comfort oxygen does not count") {
  auto record = febrile();
  SECTION("purpose component") {
    record.observations.push_back(
        comfort_only(oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_facemask)));
  }
  SECTION("value comfort only") {
    record.observations.push_back(
        coded("o1", Concept::oxygen_delivery, "2024-03-03T10:00:00Z", Concept::comfort_only));
  }
  const auto graded = grade(record);
  CHECK(graded.result.grade == 1);
  const auto& hypoxia = domain(graded.result, "hypoxia");
  CHECK(hypoxia.grade == 0);
  CHECK(hypoxia.reason.find("comfort only") != std::string::npos);
  CHECK(has_warning(graded.warnings, "Observation/o1: oxygen charted as comfort only"));
}

TEST_CASE("CRS latest oxygen device wins") {
  auto record = febrile();
  // Charted out of order on purpose: the time decides, not the position.
  record.observations.push_back(
      oxygen("o2", "2024-03-03T10:00:00Z", Concept::o2_low_flow_nasal_cannula, 2));
  record.observations.push_back(
      oxygen("o1", "2024-03-03T02:00:00Z", Concept::o2_high_flow_nasal_cannula, 40));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 2);
  CHECK(domain(graded.result, "hypoxia").evidence.at(0).resource == "Observation/o2");
}

TEST_CASE("CRS fever with hypotension and hypoxia takes the more severe") {
  auto record = febrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 85));
  record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_facemask));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  const auto drivers = graded.result.drivers();
  REQUIRE(drivers.size() == 1);
  CHECK(drivers[0]->domain == "hypoxia");
}

TEST_CASE("CRS hypotension without fever is grade 0 with a warning") {
  auto record = afebrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 85));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(graded.result.missing.empty());
  CHECK(has_warning(graded.warnings,
                    "Observation/bp1: systolic BP 85 mm[Hg] at 2024-03-03T08:00:00Z without "
                    "fever: not graded as CRS"));
  const auto& fever = domain(graded.result, "fever");
  CHECK(fever.rule == "crs.no-fever-not-crs");
  CHECK(fever.grade == 0);
  const auto drivers = graded.result.drivers();
  REQUIRE(drivers.size() == 1);
  CHECK(drivers[0]->domain == "fever");
}

TEST_CASE("CRS hypoxia or vasopressor without fever is grade 0 with a warning") {
  auto record = afebrile();
  record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_facemask));
  record.administrations.push_back(
      running_infusion("ne1", Concept::norepinephrine, "2024-03-03T09:30:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(has_warning(graded.warnings, "Observation/o1"));
  CHECK(has_warning(graded.warnings, "MedicationAdministration/ne1"));
}

TEST_CASE("CRS fever masked by tocilizumab after a fever") {
  auto record = afebrile();
  // The fever is outside today's window; tocilizumab after it hides fever since.
  record.observations.push_back(temperature("t0", "2024-03-02T06:00:00Z", 39.2));
  record.administrations.push_back(
      dose_mg("toc1", Concept::tocilizumab, "2024-03-02T07:00:00Z", 560));
  SECTION("hypotension is graded as CRS") {
    record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 84));
    const auto graded = grade(record);
    CHECK(graded.result.grade == 2);
    const auto& fever = domain(graded.result, "fever");
    CHECK(fever.rule == "crs.fever-masked");
    REQUIRE(fever.evidence.size() >= 2);
    CHECK(fever.evidence[0].resource == "Observation/t0");
    CHECK(fever.evidence[1].resource == "MedicationAdministration/toc1");
    CHECK_FALSE(has_warning(graded.warnings, "without fever"));
  }
  SECTION("no hypotension or hypoxia is grade 0") {
    CHECK(grade(record).result.grade == 0);
  }
}

TEST_CASE("CRS fever masked by an antipyretic needs no temperature today") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t0", "2024-03-02T06:00:00Z", 38.5));
  record.administrations.push_back(
      dose_mg("apap1", Concept::acetaminophen, "2024-03-02T06:30:00Z", 1000));
  record.observations.push_back(oxygen("o1", "2024-03-03T10:00:00Z", Concept::o2_facemask));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 3);
  CHECK(domain(graded.result, "fever").rule == "crs.fever-masked");
}

TEST_CASE("CRS fever masked but nothing charted in the window cannot grade") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t0", "2024-03-01T16:00:00Z", 38.5));
  record.administrations.push_back(
      dose_mg("apap1", Concept::acetaminophen, "2024-03-01T16:30:00Z", 1000));
  const auto graded = grade(record);
  CHECK_FALSE(graded.result.grade);
  REQUIRE(graded.result.missing.size() == 1);
  CHECK(graded.result.missing[0].find("no blood pressure or oxygen") != std::string::npos);
}

TEST_CASE("CRS premedication before infusion does not mask fever") {
  auto record = afebrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 84));
  SECTION("premedication at infusion after a fever before infusion") {
    record.observations.push_back(temperature("t0", "2024-03-01T08:00:00Z", 38.4));
    record.administrations.push_back(
        dose_mg("apap1", Concept::acetaminophen, "2024-03-01T09:30:00Z", 650));
    record.administrations.push_back(
        dose_mg("apap2", Concept::acetaminophen, "2024-03-01T10:00:00Z", 650));
  }
  SECTION("antipyretic before the fever") {
    record.administrations.push_back(
        dose_mg("apap1", Concept::acetaminophen, "2024-03-02T05:00:00Z", 650));
    record.observations.push_back(temperature("t0", "2024-03-02T06:00:00Z", 38.4));
  }
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(domain(graded.result, "fever").rule == "crs.no-fever-not-crs");
  CHECK(has_warning(graded.warnings, "without fever: not graded as CRS"));
}

TEST_CASE("CRS a fever before the infusion does not let a later antipyretic mask") {
  auto record = afebrile();
  record.observations.push_back(temperature("t0", "2024-03-01T08:00:00Z", 38.8));
  record.administrations.push_back(
      dose_mg("apap1", Concept::acetaminophen, "2024-03-02T08:00:00Z", 650));
  record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 84));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(domain(graded.result, "fever").rule == "crs.no-fever-not-crs");
}

TEST_CASE("CRS on-hold tocilizumab does not mask fever") {
  auto record = afebrile();
  record.observations.push_back(temperature("t0", "2024-03-02T06:00:00Z", 39.2));
  record.administrations.push_back(administration("toc1", Concept::tocilizumab,
                                                  "2024-03-02T07:00:00Z", std::nullopt,
                                                  AdministrationStatus::on_hold, 560));
  record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 84));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(has_warning(graded.warnings, "not counted as given"));
}

TEST_CASE("CRS findings after T are invisible") {
  auto record = afebrile();
  record.observations.push_back(temperature("t9", "2024-03-03T12:00:01Z", 39.5));
  record.observations.push_back(systolic("bp9", "2024-03-03T13:00:00Z", 70));
  record.observations.push_back(oxygen("o9", "2024-03-03T13:00:00Z", Concept::o2_cpap));
  record.administrations.push_back(
      running_infusion("ne9", Concept::norepinephrine, "2024-03-03T12:30:00Z"));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(domain(graded.result, "fever").evidence.at(0).resource == "Observation/t1");
  CHECK_FALSE(domain(graded.result, "hypotension").grade.has_value());
  CHECK_FALSE(domain(graded.result, "hypoxia").grade.has_value());
  CHECK(graded.warnings.empty());
}

TEST_CASE("CRS findings exactly at T count") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t1", std::string(kT), 38.1));
  CHECK(grade(record).result.grade == 1);
}

TEST_CASE("CRS no temperature in window cannot grade") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t0", "2024-03-02T11:59:59Z", 38.9));
  SECTION("nothing else charted") {
    const auto graded = grade(record);
    CHECK_FALSE(graded.result.grade.has_value());
    REQUIRE(graded.result.missing == std::vector<std::string>{"no temperature charted in the last 24 h"});
    CHECK_FALSE(domain(graded.result, "fever").grade.has_value());
  }
  SECTION("hypotension without a temperature is not guessed afebrile") {
    record.observations.push_back(systolic("bp1", "2024-03-03T08:00:00Z", 84));
    const auto graded = grade(record);
    CHECK_FALSE(graded.result.grade.has_value());
    CHECK(graded.result.missing == std::vector<std::string>{"no temperature charted in the last 24 h"});
    CHECK(has_warning(graded.warnings, "Observation/bp1: systolic BP 84 mm[Hg]"));
    CHECK(has_warning(graded.warnings, "CRS cannot be graded"));
  }
}

TEST_CASE("CRS fever window follows the configuration") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t0", "2024-03-02T06:00:00Z", 38.9));
  GradingConfig config;
  config.fever_window_hours = 48;
  CHECK(grade(record, 40, config).result.grade == 1);
}

TEST_CASE("CRS pediatric systolic threshold by age") {
  auto record = febrile();
  SECTION("age 5: systolic < 70 + 2 x 5 = 80") {
    record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 79));
    CHECK(grade(record, 5).result.grade == 2);
    record.observations.back() = systolic("bp1", "2024-03-03T09:00:00Z", 80);
    CHECK(grade(record, 5).result.grade == 1);
  }
  SECTION("infant: systolic < 70") {
    record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 72));
    CHECK(grade(record, 0).result.grade == 1);
    record.observations.back() = systolic("bp1", "2024-03-03T09:00:00Z", 69);
    CHECK(grade(record, 0).result.grade == 2);
  }
  SECTION("age 12: systolic < 90, no MAP threshold") {
    record.observations.push_back(blood_pressure("panel1", "2024-03-03T09:00:00Z", 92, 40, 55));
    CHECK(grade(record, 12).result.grade == 1);
    CHECK(grade(record, 40).result.grade == 2);  // an adult MAP of 55 is hypotension
  }
  SECTION("adult threshold for a child of 5 would be wrong") {
    record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 85));
    CHECK(grade(record, 5).result.grade == 1);
    CHECK(grade(record, 40).result.grade == 2);
  }
}

TEST_CASE("CRS unknown age uses adult thresholds with a warning") {
  auto record = febrile();
  record.observations.push_back(systolic("bp1", "2024-03-03T09:00:00Z", 85));
  const auto graded = grade(record, std::nullopt);
  CHECK(graded.result.grade == 2);
  CHECK(has_warning(graded.warnings, "age unknown"));
}

TEST_CASE("CRS date-only temperature is not placed in the window") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t1", "2024-03-03", 39.0));
  const auto graded = grade(record);
  CHECK_FALSE(graded.result.grade.has_value());
  CHECK(has_warning(graded.warnings,
                    "Observation/t1: time too imprecise to place in the 24 h window; not graded"));
}

TEST_CASE("CRS preliminary temperature used with warning") {
  fhir::PatientRecord record;
  record.observations.push_back(with_status(temperature("t1", "2024-03-03T08:00:00Z", 38.5),
                                            fhir::ObservationStatus::preliminary));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 1);
  CHECK(has_warning(graded.warnings, "Observation/t1 is preliminary"));
}

TEST_CASE("CRS registered temperature without a result is not used") {
  fhir::PatientRecord record;
  record.observations.push_back(with_status(temperature("t1", "2024-03-03T08:00:00Z", 38.5),
                                            fhir::ObservationStatus::registered));
  CHECK_FALSE(grade(record).result.grade.has_value());
}

TEST_CASE("CRS attributable to other cause not counted") {
  auto record = afebrile();
  record.observations.push_back(
      attributed_to_other_cause(temperature("t2", "2024-03-03T10:00:00Z", 39.4)));
  record.observations.push_back(
      attributed_to_other_cause(systolic("bp1", "2024-03-03T10:00:00Z", 80)));
  const auto graded = grade(record);
  CHECK(graded.result.grade == 0);
  CHECK(domain(graded.result, "hypotension").grade == std::nullopt);
  CHECK(has_warning(graded.warnings, "Observation/t2 is charted as attributable to another cause"));
  CHECK(has_warning(graded.warnings, "Observation/bp1 is charted as attributable to another cause"));
}

TEST_CASE("CRS temperature in a wrong unit is not guessed") {
  fhir::PatientRecord record;
  record.observations.push_back(
      quantity("t1", Concept::body_temperature, "2024-03-03T08:00:00Z", 101.2, "[degF]"));
  const auto graded = grade(record);
  CHECK_FALSE(graded.result.grade.has_value());
  CHECK(has_warning(graded.warnings, "Observation/t1: temperature without a value in Cel"));
}
