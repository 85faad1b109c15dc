// libFuzzer target: any bytes as a FHIR JSON document and as NDJSON, read by
// fhir::Intake the way `replay` reads files, then graded and turned into
// cards. Sanitizers catch memory and undefined-behaviour errors; the one
// extra oracle is that cards built from any chart pass their own checks (a
// card that fails them is a 500 in the service).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/evaluate.h"
#include "cds/grading_config.h"
#include "fhir/intake.h"
#include "fhir/terminology.h"

namespace {

const icans::Protocol& protocol() {
  static const icans::Protocol loaded = *icans::default_protocol().protocol;
  return loaded;
}

void grade_and_recommend(fhir::IntakeResult result) {
  const icans::GradingConfig config;
  for (const auto& [id, record] : result.patients) {
    const auto times = icans::relevant_times(record);
    const fhir::Instant at = times.empty() ? 0 : times.back();
    const icans::Evaluation evaluation = icans::evaluate(record, at, config);
    icans::Response response;
    response.cards = icans::recommend(record, evaluation, protocol(), config, icans::RecommendContext{});
    if (auto problem = icans::check_response(response); !problem.empty()) {
      std::fprintf(stderr, "cards for patient %s fail their checks: %s\n", id.c_str(), problem.c_str());
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fhir::Terminology terminology;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    fhir::Intake intake(terminology);
    if (intake.add_json(text, "fuzz.json").empty()) grade_and_recommend(intake.finish());
  }
  {
    fhir::Intake intake(terminology);
    std::istringstream lines{std::string(text)};
    if (intake.add_ndjson(lines, "fuzz.ndjson").empty()) grade_and_recommend(intake.finish());
  }
  return 0;
}
