#pragma once
// Parsing JSON text safely: RapidJSON's iterative parser (no recursion on
// nesting), a nesting limit checked before the DOM is built, and errors that
// say where (line and column) and what.

#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace fhir {

struct JsonLimits {
  std::size_t max_depth = 64;  // FHIR resources nest far less than this
};

// Parses `text` into `doc`. Returns an empty string on success, otherwise
// "line L, column C: reason" (columns in bytes). Trailing non-whitespace,
// NUL bytes, invalid UTF-8 (an escaped lone surrogate included) and a member
// name repeated within one object are errors; a leading UTF-8 byte order mark
// is ignored. `doc` should use the default MemoryPoolAllocator, which frees the
// DOM without recursing into it.
std::string parse_json(std::string_view text, rapidjson::Document& doc, JsonLimits limits = {});

// parse_json, the same checks and errors, for a large text: its strings are
// not copied one by one but left in one copy of `text` that `doc`'s allocator
// holds (RapidJSON's in-situ parsing), and the DOM's string values point into
// it. A value copied from `doc` into another document must copy its strings
// too (GenericValue(value, allocator, true)), or it points into `doc`.
std::string parse_json_in_situ(std::string_view text, rapidjson::Document& doc, JsonLimits limits = {});

// JSON type name for error messages ("string", "object", ...).
const char* json_type_name(const rapidjson::Value& value);

}  // namespace fhir
