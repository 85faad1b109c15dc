#pragma once
// A problem with the input that the user must see. Warnings travel with the
// output (replay text and JSON, cards); they are not only logged.

#include <cstddef>
#include <string>

namespace fhir {

struct Warning {
  std::string input;     // file name or prefetch key
  std::size_t entry = 0; // Bundle entry index or NDJSON line (0: the input as a whole)
  std::string resource;  // "Observation/abc" when known
  std::string field;     // FHIRPath-like location, e.g. "valueQuantity.code"
  std::string message;
};

// "input entry 3 (Observation/abc) valueQuantity.code: message"
std::string to_string(const Warning& warning);

}  // namespace fhir
