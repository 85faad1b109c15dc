#pragma once
// Counting and validating UTF-8 in card text and suggested resources.

#include <cstddef>
#include <optional>
#include <string_view>

namespace icans {

// Code points in valid UTF-8, or nothing when the bytes are not UTF-8.
// Overlong forms, surrogates and code points above U+10FFFF are invalid.
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace icans
