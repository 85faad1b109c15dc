#include "fhir/warning.h"

namespace fhir {

std::string to_string(const Warning& warning) {
  std::string out = warning.input;
  const auto add = [&out](const std::string& part) {
    if (!out.empty()) out += ' ';
    out += part;
  };
  if (warning.entry != 0) add("entry " + std::to_string(warning.entry));
  if (!warning.resource.empty()) add("(" + warning.resource + ")");
  if (!warning.field.empty()) add(warning.field);
  if (out.empty()) return warning.message;
  return out + ": " + warning.message;
}

}  // namespace fhir
