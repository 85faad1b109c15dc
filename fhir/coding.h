#pragma once
// FHIR Coding and CodeableConcept, as charted (before any terminology lookup).

#include <string>
#include <vector>

namespace fhir {

struct Coding {
  std::string system;
  std::string code;
  std::string display;
};

struct CodeableConcept {
  std::vector<Coding> codings;
  std::string text;
};

// "display or code (system|code)" for evidence and warnings.
std::string describe(const CodeableConcept& code);

}  // namespace fhir
