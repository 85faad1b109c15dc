#pragma once
// A value from a request quoted back in an error: enough to recognise it,
// never megabytes.
#include <cstddef>
#include <string>
#include <string_view>

namespace icans {

inline std::string shown(std::string_view value) {
  constexpr std::size_t kMax = 64;
  if (value.size() <= kMax) return std::string(value);
  return std::string(value.substr(0, kMax)) + "... (" + std::to_string(value.size()) + " bytes)";
}

}  // namespace icans
