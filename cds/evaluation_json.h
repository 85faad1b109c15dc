#pragma once
// The JSON form of an Evaluation: what `replay --format json` prints and what
// cards and the audit trail quote. A score or grade that cannot be determined
// is null, never 0.

#include <vector>

#include <rapidjson/document.h>

#include "cds/evaluation.h"
#include "fhir/warning.h"

namespace icans {

rapidjson::Value to_json(const Evaluation& evaluation, const std::vector<fhir::Warning>& data_warnings,
                         rapidjson::Document::AllocatorType& allocator);

}  // namespace icans
