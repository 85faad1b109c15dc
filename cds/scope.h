#pragma once
// Who is graded: only patients with a recorded immune effector cell therapy.
// A septic patient without one must never receive CRS advice.

#include <optional>
#include <string>

#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

struct Therapy {
  fhir::Concept product = fhir::Concept::unknown;
  fhir::Instant day0 = 0;  // the first infusion; split doses count from the first
  std::string resource;    // "Procedure/x" or "MedicationAdministration/y"
};

struct Scope {
  std::optional<Therapy> therapy;  // empty: not graded
  std::string reason;              // why in or out of scope, for the output
  std::vector<std::string> warnings;
};

// The therapy must have started at or before `at`; an infusion charted with
// only a date is placed at the earliest instant it could mean.
Scope find_scope(const fhir::PatientRecord& record, fhir::Instant at, const GradingConfig& config);

}  // namespace icans
