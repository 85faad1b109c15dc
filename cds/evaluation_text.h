#pragma once
// The readable form of evaluations for a clinician: one line per evaluation,
// and under it why each grade is what it is.

#include <ostream>
#include <vector>

#include "cds/evaluation.h"
#include "fhir/warning.h"

namespace icans {

void write_text_header(std::ostream& out, const Evaluation& first,
                       const std::vector<fhir::Warning>& data_warnings);
void write_text_row(std::ostream& out, const Evaluation& evaluation);

}  // namespace icans
