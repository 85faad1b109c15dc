#pragma once
// ICE and CAPD assessments as charted: a total, items (as components of one
// Observation or as separate Observations at the same time), or a charted
// "not assessable". Items out of range make the assessment unusable; missing
// items make it incomplete; a total that disagrees with complete items loses.

#include <string>
#include <vector>

#include "cds/evaluation.h"
#include "fhir/record.h"

namespace icans {

// Every assessment charted at or before `at`, oldest first. Problems with an
// assessment charted at or after `warn_from` (out-of-range items, disagreeing
// totals, incomplete items) are appended to `warnings` naming the resources;
// older ones are history and stay quiet.
std::vector<Assessment> collect_assessments(const fhir::PatientRecord& record, fhir::Instant at,
                                            fhir::Instant warn_from,
                                            std::vector<std::string>& warnings);

// CAPD totals: items 1-4 (eye contact, purposeful actions, awareness,
// communicating needs) are scored in reverse, 4 - the observed frequency.
int capd_item_score(int item_number, int observed_frequency);

}  // namespace icans
