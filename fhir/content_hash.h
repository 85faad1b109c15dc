#pragma once
// Tells a re-sent copy of a resource from a different resource under the same
// id and version. Member order does not matter; the top-level `meta` does not
// count (the same content is often re-exported with a new lastUpdated). Only
// compared within one intake, so no value is kept anywhere.

#include <cstddef>
#include <cstdint>

#include <rapidjson/document.h>

namespace fhir::detail {

// `max_depth` bounds the recursion: levels below it count as empty, which
// only a DOM deeper than parse_json admits has.
std::uint64_t content_hash(const rapidjson::Value& resource, std::size_t max_depth);

}  // namespace fhir::detail
