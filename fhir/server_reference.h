#pragma once
// Whether an absolute reference names a resource on a given FHIR server.
// "https://ehr.example.org/fhir/Patient/1" on another server is another
// resource, perhaps another person, whatever its type and id: intake and the
// service's fetches both ask this one question, the same way.

#include <optional>
#include <string_view>

namespace fhir {

// An absolute URL ("scheme://..."), as opposed to "Type/id", "#id" or "urn:".
bool is_absolute_url(std::string_view reference);

// The part of absolute `reference` after `base` and its '/' ("Patient/1" or
// "Patient/1/_history/2") when the reference is a resource directly under
// FHIR base `base` (trailing '/' ignored); nullopt otherwise, and for a
// deeper path, which is another base. Scheme and host compare without case
// (RFC 3986 6.2.2.1), the path exactly.
std::optional<std::string_view> path_on_server(std::string_view reference, std::string_view base);

}  // namespace fhir
