#pragma once
// How much a service call asks the service to read. The body size is capped
// by the HTTP layer, but a body under the cap can still hold tens of
// thousands of tiny resources, each becoming typed records, intake work and
// audit hashing: the resource count is capped on its own.

#include <cstddef>
#include <string>

#include <rapidjson/document.h>

#include "cds/hooks/hook_request.h"

namespace icans {

// Resources in one JSON value: each entry of a Bundle (and of Bundles nested
// in entries), any other resource 1, anything else 0.
std::size_t count_resources(const rapidjson::Value& value);

// Resources in the request's prefetch values and context.draftOrders.
std::size_t count_request_resources(const HookRequest& request);

// Empty when the request holds at most `max_resources`; otherwise the
// refusal (answered 413).
std::string check_request_resources(const HookRequest& request, std::size_t max_resources);

}  // namespace icans
