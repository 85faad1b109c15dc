#include "cds/hooks/request_limits.h"

#include <string_view>

#include "cds/hooks/json_member.h"

namespace icans {
namespace {

using Json = rapidjson::Value;

bool is_bundle(const Json& value) {
  if (!value.IsObject()) return false;
  const Json* type = member(value, "resourceType");
  return type && type->IsString() && std::string_view(type->GetString(), type->GetStringLength()) == "Bundle";
}

}  // namespace

// Depth is bounded by the JSON parser's nesting limit, so the recursion is too.
std::size_t count_resources(const Json& value) {
  if (!value.IsObject()) return 0;
  if (!is_bundle(value)) return 1;
  std::size_t count = 0;
  const Json* entries = member(value, "entry");
  if (!entries || !entries->IsArray()) return 0;
  for (const auto& entry : entries->GetArray()) {
    if (!entry.IsObject()) continue;
    if (const Json* resource = member(entry, "resource")) count += count_resources(*resource);
  }
  return count;
}

std::size_t count_request_resources(const HookRequest& request) {
  std::size_t count = 0;
  if (request.prefetch && request.prefetch->IsObject()) {
    for (const auto& member : request.prefetch->GetObject()) count += count_resources(member.value);
  }
  if (request.draft_orders) count += count_resources(*request.draft_orders);
  return count;
}

std::string check_request_resources(const HookRequest& request, std::size_t max_resources) {
  const std::size_t count = count_request_resources(request);
  if (count <= max_resources) return {};
  return "the request holds " + std::to_string(count) + " FHIR resources in prefetch and draftOrders, more than the " +
         std::to_string(max_resources) + " allowed";
}

}  // namespace icans
