#pragma once
// A member of a JSON object by name, for the service's readers of requests and
// FHIR answers. Not an object, or no such member: nullptr (RapidJSON's own
// FindMember requires an object).

#include <string_view>

#include <rapidjson/document.h>

namespace icans {

// The first member of that name, as FindMember finds it. A name given as a
// string_view is not measured again on every call: the prefetch of a busy
// patient holds thousands of resources, each looked at more than once.
inline const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == name) return &it->value;
  }
  return nullptr;
}

}  // namespace icans
