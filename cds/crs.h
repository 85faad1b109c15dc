#pragma once
// ASTCT 2019 CRS grade at T: fever, then the worse of hypotension and hypoxia.

#include <optional>
#include <string>
#include <vector>

#include "cds/evaluation.h"
#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

// `infusion` is day 0 of the immune effector cell therapy; `age_years` selects
// pediatric blood pressure thresholds (empty: adult thresholds, with a warning).
GradeResult grade_crs(const fhir::PatientRecord& record, fhir::Instant at,
                      fhir::Instant infusion, std::optional<int> age_years,
                      const GradingConfig& config, std::vector<std::string>& warnings);

// A scan over many instants of one record (the worst-grade scan,
// cds/evaluate.cc) sorts its observations by domain once.
struct DomainObservations;
GradeResult grade_crs(const fhir::PatientRecord& record, const DomainObservations& observations,
                      fhir::Instant at, fhir::Instant infusion, std::optional<int> age_years,
                      const GradingConfig& config, std::vector<std::string>& warnings);
// The same grade alone, with no reason, evidence or warning built: all the
// scan keeps of each earlier instant.
std::optional<int> crs_grade_only(const fhir::PatientRecord& record,
                                  const DomainObservations& observations, fhir::Instant at,
                                  fhir::Instant infusion, std::optional<int> age_years,
                                  const GradingConfig& config);

}  // namespace icans
