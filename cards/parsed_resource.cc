#include "cards/parsed_resource.h"

#include "fhir/json.h"

namespace icans {

std::shared_ptr<const ParsedResource> parse_resource(std::string text) {
  // A DOM takes a few times the bytes of its compact text.
  auto parsed = std::make_shared<ParsedResource>(4 * text.size() + 1024);
  parsed->text = std::move(text);
  if (!fhir::parse_json(parsed->text, parsed->document).empty()) return nullptr;
  return parsed;
}

}  // namespace icans
