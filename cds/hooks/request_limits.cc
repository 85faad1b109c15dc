#include "cds/hooks/request_limits.h"

#include <string_view>

namespace icans {
namespace {

using Json = rapidjson::Value;

bool is_bundle(const Json& value) {
  if (!value.IsObject()) return false;
  const auto type = value.FindMember("resourceType");
  return type != value.MemberEnd() && type->value.IsString() &&
         std::string_view(type->value.GetString(), type->value.GetStringLength()) == "Bundle";
}

}  // namespace

// Depth is bounded by the JSON parser's nesting limit, so the recursion is too.
std::size_t count_resources(const Json& value) {
  if (!value.IsObject()) return 0;
  if (!is_bundle(value)) return 1;
  std::size_t count = 0;
  const auto entries = value.FindMember("entry");
  if (entries == value.MemberEnd() || !entries->value.IsArray()) return 0;
  for (const auto& entry : entries->value.GetArray()) {
    if (!entry.IsObject()) continue;
    const auto resource = entry.FindMember("resource");
    if (resource != entry.MemberEnd()) count += count_resources(resource->value);
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
