#pragma once
// The grading engine's entry points: one patient's record, evaluated at one
// instant or at every instant something relevant was charted.

#include <vector>

#include "cds/evaluation.h"
#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

// Everything known at `at`: scope, ICE/CAPD, current and worst ICANS and CRS
// grades with their domains and evidence, treatment so far, warnings.
Evaluation evaluate(const fhir::PatientRecord& record, fhir::Instant at,
                    const GradingConfig& config);

// The instants at which a relevant finding, administration or infusion was
// charted, ascending and unique.
std::vector<fhir::Instant> relevant_times(const fhir::PatientRecord& record);

// One evaluation per relevant time from day 0 on; a patient never in scope
// gets a single evaluation at the last relevant time saying so.
std::vector<Evaluation> evaluate_timeline(const fhir::PatientRecord& record,
                                          const GradingConfig& config);

}  // namespace icans
