#include "cds/cli/load_inputs.h"

#include "fhir/terminology.h"

namespace icans::cli {

std::string load_inputs(const std::vector<std::string>& files, const std::string& site_map_file,
                        fhir::IntakeResult& result) {
  fhir::Terminology terminology;
  if (!site_map_file.empty()) {
    if (auto error = terminology.load_site_map_file(site_map_file); !error.empty()) return error;
  }
  fhir::Intake intake(terminology);
  for (const auto& file : files) {
    if (auto error = intake.add_file(file); !error.empty()) return error;
  }
  result = intake.finish();
  return {};
}

}  // namespace icans::cli
