#include "fhir/server_reference.h"

#include <algorithm>
#include <cctype>

namespace fhir {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

bool is_absolute_url(std::string_view reference) {
  const std::size_t colon = reference.find("://");
  return colon != std::string_view::npos && colon > 0 && reference.find('/') == colon + 1;
}

std::optional<std::string_view> path_on_server(std::string_view reference, std::string_view base) {
  while (base.ends_with('/')) base.remove_suffix(1);
  if (reference.size() <= base.size() || reference[base.size()] != '/') return std::nullopt;
  const std::size_t scheme_end = base.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::size_t authority_end = std::min(base.find('/', scheme_end + 3), base.size());
  if (!equal_ignoring_case(reference.substr(0, authority_end), base.substr(0, authority_end)) ||
      reference.substr(authority_end, base.size() - authority_end) != base.substr(authority_end)) {
    return std::nullopt;
  }
  const std::string_view path = reference.substr(base.size() + 1);
  std::string_view resource = path;
  if (const auto history = resource.find("/_history/"); history != std::string_view::npos) {
    resource = resource.substr(0, history);
  }
  if (std::count(resource.begin(), resource.end(), '/') != 1) return std::nullopt;
  return path;
}

}  // namespace fhir
