#pragma once
// A member of a JSON object by name, for the service's readers of requests and
// FHIR answers. Not an object, or no such member: nullptr (RapidJSON's own
// FindMember requires an object).

#include <rapidjson/document.h>

namespace icans {

inline const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

}  // namespace icans
