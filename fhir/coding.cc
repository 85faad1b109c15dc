#include "fhir/coding.h"

namespace fhir {

std::string describe(const CodeableConcept& code) {
  std::string label = code.text;
  for (const auto& coding : code.codings) {
    if (label.empty() && !coding.display.empty()) label = coding.display;
  }
  std::string codes;
  for (const auto& coding : code.codings) {
    if (!codes.empty()) codes += ", ";
    codes += coding.system + "|" + coding.code;
  }
  if (label.empty()) return codes.empty() ? "(no code)" : codes;
  return codes.empty() ? label : label + " (" + codes + ")";
}

}  // namespace fhir
