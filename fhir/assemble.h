#pragma once
// Internal to the intake: turns the resources read from every input into one
// PatientRecord per patient (Intake::finish()).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/intake.h"
#include "fhir/read_helpers.h"

namespace fhir::detail {

// Bundle entry fullUrls ("urn:uuid:...", or absolute URLs) to what they name.
struct FullUrlTarget {
  std::string type;
  std::string id;
  bool ambiguous = false;  // two different resources claimed the same fullUrl
};
using FullUrls = std::map<std::string, FullUrlTarget, std::less<>>;

// What a reference may resolve to besides "Type/id": the inputs' fullUrls,
// and, when known, the one FHIR server base absolute URLs must be on
// (Intake::set_server_base; empty: any).
struct ReferenceScope {
  const FullUrls& full_urls;
  std::string_view server_base;
};

// A warning not tied to one resource, and the input (in reading order) it is about.
struct InputWarning {
  std::size_t input_index = 0;
  Warning warning;
};

// Keeps the latest version of each resource, resolves subjects and bundled
// Medication references, drops what never counts, sorts by time, and files
// every warning under the patient it concerns; the others are returned in
// input order. `max_json_depth` bounds the content fingerprint of copies read
// from a `source` (read_helpers.h).
IntakeResult assemble(std::vector<ReadResource> resources, std::vector<InputWarning> input_warnings,
                      const ReferenceScope& scope, const Terminology& terminology,
                      std::size_t max_json_depth);

}  // namespace fhir::detail
