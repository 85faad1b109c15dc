#pragma once
// ASTCT 2019 ICANS grade at T: the most severe domain not attributable to
// another cause (ICE or CAPD, consciousness, seizure, motor, raised ICP).

#include <optional>
#include <string>
#include <vector>

#include "cds/evaluation.h"
#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

struct IcansResult {
  GradeResult grade;
  Assessment assessment;            // the ICE/CAPD assessment used, if any
  std::optional<int> previous_score;  // the same tool's assessment before it
};

// `infusion` is day 0: findings before it are baseline, not ICANS.
// `age_years` empty: age unknown, ICE or CAPD used as charted, with a warning.
IcansResult grade_icans(const fhir::PatientRecord& record, fhir::Instant at,
                        fhir::Instant infusion, std::optional<int> age_years, const GradingConfig& config,
                        std::vector<std::string>& warnings);

// A scan over many instants of one record (the worst-grade scan,
// cds/evaluate.cc) collects its ICE/CAPD assessments once (collect_assessments,
// cds/ice.h, at `at` or later; those charted after `at` are left out, and the
// warnings of collecting them are the caller's) and sorts its observations
// by domain once.
struct DomainObservations;
IcansResult grade_icans(const fhir::PatientRecord& record, const DomainObservations& observations,
                        const std::vector<Assessment>& collected, fhir::Instant at,
                        fhir::Instant infusion, std::optional<int> age_years,
                        const GradingConfig& config, std::vector<std::string>& warnings);
// The same grade alone, with no reason, evidence or warning built: all the
// scan keeps of each earlier instant.
std::optional<int> icans_grade_only(const fhir::PatientRecord& record,
                                    const DomainObservations& observations,
                                    const std::vector<Assessment>& collected, fhir::Instant at,
                                    fhir::Instant infusion, std::optional<int> age_years,
                                    const GradingConfig& config);

// ICE 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3.
int grade_from_ice(int ice);
// CAPD 0 -> 0, 1-8 -> 1, >= 9 -> 3 (grade 2 needs depressed consciousness).
int grade_from_capd(int capd);

}  // namespace icans
