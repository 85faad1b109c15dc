// Who is graded: only patients with a recorded immune effector cell therapy.
#include <catch2/catch.hpp>

#include "cds/scope.h"
#include "record_builder.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

TEST_CASE("A patient without immune effector cell therapy is not graded", "[scope]") {
  fhir::PatientRecord record;
  record.observations.push_back(temperature("t", "2026-03-02T08:00:00Z", 39.5));
  record.administrations.push_back(running_infusion("ne", Concept::norepinephrine, "2026-03-02T08:00:00Z"));
  const Scope scope = find_scope(record, instant("2026-03-02T12:00:00Z"), {});
  CHECK_FALSE(scope.therapy);
  CHECK(scope.reason == "no immune effector cell therapy recorded");
}

TEST_CASE("A CAR-T infusion procedure puts the patient in scope from day 0", "[scope]") {
  fhir::PatientRecord record;
  record.procedures.push_back(cell_therapy("p", Concept::tisagenlecleucel, "2026-03-01T10:00:00Z"));
  const Scope scope = find_scope(record, instant("2026-03-02T12:00:00Z"), {});
  REQUIRE(scope.therapy);
  CHECK(scope.therapy->product == Concept::tisagenlecleucel);
  CHECK(scope.therapy->day0 == instant("2026-03-01T10:00:00Z"));
  CHECK(scope.therapy->resource == "Procedure/p");
}

TEST_CASE("A cell therapy given as a MedicationAdministration counts", "[scope]") {
  fhir::PatientRecord record;
  record.administrations.push_back(
      dose_mg("cilta", Concept::ciltacabtagene_autoleucel, "2026-03-01T10:00:00+01:00", 0));
  const Scope scope = find_scope(record, instant("2026-03-02T12:00:00Z"), {});
  REQUIRE(scope.therapy);
  CHECK(scope.therapy->day0 == instant("2026-03-01T09:00:00Z"));
}

TEST_CASE("Day 0 is the first of split doses", "[scope]") {
  fhir::PatientRecord record;
  record.administrations.push_back(dose_mg("d2", Concept::obecabtagene_autoleucel, "2026-03-10T10:00:00Z", 0));
  record.administrations.push_back(dose_mg("d1", Concept::obecabtagene_autoleucel, "2026-03-01T10:00:00Z", 0));
  const Scope scope = find_scope(record, instant("2026-03-12T12:00:00Z"), {});
  REQUIRE(scope.therapy);
  CHECK(scope.therapy->resource == "MedicationAdministration/d1");
}

TEST_CASE("A therapy charted after T does not put the patient in scope at T", "[scope]") {
  fhir::PatientRecord record;
  record.procedures.push_back(cell_therapy("p", Concept::tisagenlecleucel, "2026-03-05T10:00:00Z"));
  const Scope scope = find_scope(record, instant("2026-03-02T12:00:00Z"), {});
  CHECK_FALSE(scope.therapy);
  CHECK(scope.reason.find("after the evaluation time") != std::string::npos);
}

TEST_CASE("T-cell engagers are graded only when enabled", "[scope]") {
  fhir::PatientRecord record;
  record.administrations.push_back(dose_mg("tec", Concept::teclistamab, "2026-03-01T10:00:00Z", 4));
  GradingConfig config;
  Scope scope = find_scope(record, instant("2026-03-02T12:00:00Z"), config);
  CHECK_FALSE(scope.therapy);
  CHECK(scope.reason.find("not enabled") != std::string::npos);
  config.include_t_cell_engagers = true;
  scope = find_scope(record, instant("2026-03-02T12:00:00Z"), config);
  REQUIRE(scope.therapy);
  CHECK(scope.therapy->product == Concept::teclistamab);
}

TEST_CASE("A not-done infusion does not put the patient in scope", "[scope]") {
  fhir::PatientRecord record;
  auto procedure = cell_therapy("p", Concept::axicabtagene_ciloleucel, "2026-03-01T10:00:00Z");
  procedure.status = fhir::ProcedureStatus::not_done;
  record.procedures.push_back(procedure);
  record.administrations.push_back(administration("a", Concept::axicabtagene_ciloleucel, "2026-03-01T10:00:00Z",
                                                  std::nullopt, fhir::AdministrationStatus::not_done));
  const Scope scope = find_scope(record, instant("2026-03-02T12:00:00Z"), {});
  CHECK_FALSE(scope.therapy);
  CHECK(scope.warnings.size() == 2);
}

TEST_CASE("A date-only infusion starts day 0 at its earliest instant, with a warning", "[scope]") {
  fhir::PatientRecord record;
  record.procedures.push_back(cell_therapy("p", Concept::axicabtagene_ciloleucel, "2026-03-01"));
  const Scope scope = find_scope(record, instant("2026-03-03T12:00:00Z"), {});
  REQUIRE(scope.therapy);
  CHECK(scope.therapy->day0 == instant("2026-02-28T10:00:00Z"));  // 2026-03-01T00:00+14:00
  CHECK(scope.warnings.size() == 1);
}

TEST_CASE("Patients are graded only within the configured horizon after the infusion", "[scope]") {
  fhir::PatientRecord record;
  record.procedures.push_back(cell_therapy("p", Concept::axicabtagene_ciloleucel, "2026-03-01T10:00:00Z"));
  GradingConfig config;
  CHECK(find_scope(record, instant("2026-03-31T10:00:00Z"), config).therapy);  // day 30
  const Scope late = find_scope(record, instant("2026-03-31T10:00:01Z"), config);
  CHECK_FALSE(late.therapy);
  CHECK(late.reason.find("beyond the configured grading horizon") != std::string::npos);
  config.scope_days_after_infusion = 120;
  CHECK(find_scope(record, instant("2026-06-01T10:00:00Z"), config).therapy);
}
