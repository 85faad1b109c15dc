#pragma once
// The FHIR inputs of a subcommand, read one way for all of them: the site
// terminology map first (local codes must be known before a resource is
// read), then every file through fhir::Intake.

#include <string>
#include <vector>

#include "fhir/intake.h"

namespace icans::cli {

// Empty string on success, otherwise why the inputs cannot be used, naming the
// file; `result` is then unspecified. `site_map_file` may be empty (no map).
std::string load_inputs(const std::vector<std::string>& files, const std::string& site_map_file,
                        fhir::IntakeResult& result);

}  // namespace icans::cli
