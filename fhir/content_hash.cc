#include "fhir/content_hash.h"

#include <cstring>
#include <string_view>

namespace fhir::detail {
namespace {

std::string_view as_view(const rapidjson::Value& string) {
  return {string.GetString(), string.GetStringLength()};
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t value) {
  value *= 0x9E3779B97F4A7C15ull;
  return (seed ^ value) * 0xBF58476D1CE4E5B9ull + (seed >> 29);
}

// Eight bytes per step: a byte-at-a-time hash (FNV-1a) spent more time
// on the strings of a large prefetch than reading them did. Only compared
// within one intake, so no hash value is kept anywhere.
std::uint64_t hash_text(std::string_view text) {
  std::uint64_t hash = mix(0xCBF29CE484222325ull, text.size());
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t eight;
    std::memcpy(&eight, text.data() + i, sizeof eight);
    hash = mix(hash, eight);
  }
  if (i < text.size()) {
    std::uint64_t rest = 0;  // zero-padded; the length above tells "a" from "a\0"
    std::memcpy(&rest, text.data() + i, text.size() - i);
    hash = mix(hash, rest);
  }
  return hash;
}

std::uint64_t hash_value(const rapidjson::Value& value, std::size_t depth_left, bool top = false) {
  if (depth_left == 0) return 0;  // deeper than parse_json admits; the text was not ours
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return 1;
    case rapidjson::kFalseType:
      return 2;
    case rapidjson::kTrueType:
      return 3;
    case rapidjson::kStringType:
      return mix(4, hash_text(as_view(value)));
    case rapidjson::kNumberType: {
      const double number = value.GetDouble();
      std::uint64_t bits = 0;
      std::memcpy(&bits, &number, sizeof bits);
      return mix(5, bits);
    }
    case rapidjson::kArrayType: {
      std::uint64_t hash = 6;
      for (const auto& element : value.GetArray()) hash = mix(hash, hash_value(element, depth_left - 1));
      return hash;
    }
    case rapidjson::kObjectType: {
      std::uint64_t sum = 7;  // a sum does not depend on member order
      for (const auto& m : value.GetObject()) {
        if (top && as_view(m.name) == "meta") continue;
        sum += mix(hash_text(as_view(m.name)), hash_value(m.value, depth_left - 1));
      }
      return mix(8, sum);
    }
  }
  return 0;
}

}  // namespace

std::uint64_t content_hash(const rapidjson::Value& resource, std::size_t max_depth) {
  return hash_value(resource, max_depth, true);
}

}  // namespace fhir::detail
