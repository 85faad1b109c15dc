#pragma once
// Shared by the intake tests: read inline JSON, find warnings.

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "fhir/intake.h"

namespace intake_test {

inline const fhir::Terminology& terminology() {
  static const fhir::Terminology built_in;
  return built_in;
}

// Reads one JSON input that must be usable.
inline fhir::IntakeResult read_json(std::string_view json, fhir::IntakeLimits limits = {},
                                    const fhir::Terminology& codes = terminology()) {
  fhir::Intake intake(codes, limits);
  const std::string error = intake.add_json(json, "test.json");
  INFO(error);
  REQUIRE(error.empty());
  return intake.finish();
}

inline fhir::IntakeResult read_ndjson(const std::string& lines, fhir::IntakeLimits limits = {}) {
  fhir::Intake intake(terminology(), limits);
  std::istringstream in(lines);
  const std::string error = intake.add_ndjson(in, "test.ndjson");
  INFO(error);
  REQUIRE(error.empty());
  return intake.finish();
}

// A collection Bundle of the given resources (JSON object texts).
inline std::string bundle(const std::vector<std::string>& resources,
                          std::string_view type = "collection") {
  std::string text = R"({"resourceType": "Bundle", "type": ")" + std::string(type) +
                     R"(", "entry": [)";
  for (std::size_t i = 0; i < resources.size(); ++i) {
    text += (i ? ", " : "") + std::string(R"({"resource": )") + resources[i] + "}";
  }
  return text + "]}";
}

inline std::string describe(const std::vector<fhir::Warning>& warnings) {
  std::string text;
  for (const auto& warning : warnings) text += fhir::to_string(warning) + "\n";
  return text;
}

// The warnings whose field equals `field` and whose message contains `part`.
inline std::size_t count_warnings(const std::vector<fhir::Warning>& warnings,
                                  std::string_view field, std::string_view part) {
  std::size_t count = 0;
  for (const auto& warning : warnings) {
    if (warning.field == field && warning.message.find(part) != std::string::npos) ++count;
  }
  return count;
}

inline bool has_warning(const std::vector<fhir::Warning>& warnings, std::string_view field,
                        std::string_view part) {
  return count_warnings(warnings, field, part) > 0;
}

inline const fhir::PatientRecord& patient(const fhir::IntakeResult& result, const std::string& id) {
  const auto it = result.patients.find(id);
  INFO("patient " << id << "; input warnings:\n" << describe(result.warnings));
  REQUIRE(it != result.patients.end());
  return it->second;
}

}  // namespace intake_test
