#pragma once
// Deterministic identifiers for cards and suggestions.
//
// The same inputs give the same id, so golden files stay stable and feedback
// (which quotes card.uuid and suggestion.uuid) leads back to the exact card and
// the rule that made it. The service mixes the hookInstance into the parts, so
// each request's cards still get ids of their own.

#include <initializer_list>
#include <string>
#include <string_view>

namespace icans {

// A UUID in RFC 9562 text form (lowercase, 8-4-4-4-12) derived from `parts`.
// Version 8 ("custom"), variant 10: the 128 bits come from a non-cryptographic
// hash, not from SHA-1, so claiming version 5 would be false. The parts are
// length-prefixed, so {"ab", "c"} and {"a", "bc"} give different ids.
std::string uuid_from(std::initializer_list<std::string_view> parts);

// True when `text` is a UUID in lowercase 8-4-4-4-12 form (any version).
bool is_uuid(std::string_view text);

}  // namespace icans
