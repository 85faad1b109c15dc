#pragma once
// What has been given so far: steroids, tocilizumab, levetiracetam,
// vasopressors and sedatives, as the cards need it.

#include "cds/evaluation.h"
#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

Treatment summarize_treatment(const fhir::PatientRecord& record, fhir::Instant at,
                              fhir::Instant infusion, const GradingConfig& config);

// Dexamethasone-equivalent mg of a corticosteroid dose (dexamethasone 0.75 mg
// = methylprednisolone 4 mg = prednisone 5 mg = hydrocortisone 20 mg).
double dexamethasone_equivalent_mg(fhir::Concept steroid, double mg);

}  // namespace icans
