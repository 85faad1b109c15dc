#include "fhir/read_helpers.h"

#include <cstdio>
#include <cstring>

#include "fhir/json.h"
#include "fhir/units.h"

namespace fhir::detail {

void ReadContext::warn(std::string_view field, std::string message) {
  if (muted) return;
  std::string resource;
  if (!resource_type_.empty()) {
    resource.reserve(resource_type_.size() + 1 + resource_id_.size());
    resource.append(resource_type_).append("/").append(resource_id_);
  }
  warnings_.push_back({std::string(input_), entry_, std::move(resource), std::string(field), std::move(message)});
}

std::string path(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return std::string(parent) + "." + std::string(child);
}

std::string indexed(std::string_view name, std::size_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

std::string type_mismatch(const char* expected, const Json& found) {
  return std::string("expected ") + expected + ", found " + json_type_name(found);
}

// Intake looks up thousands of members, most of them absent or at a name of
// the same length (code, unit, text): the first byte settles most
// comparisons without a call to memcmp, which FindMember makes for each.
const Json* member(const Json& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const Json& key = it->name;
    if (key.GetStringLength() != name.size()) continue;
    if (name.empty()) return &it->value;
    const char* text = key.GetString();
    if (text[0] == name[0] && std::memcmp(text, name.data(), name.size()) == 0) return &it->value;
  }
  return nullptr;
}

namespace {

// The path of member `name` of the field `parent`, joined only when a
// warning names it: an intake reads thousands of fields, and almost none
// warn, while most joined paths are too long for a string's inline buffer.
struct MemberOf {
  std::string_view parent;
  std::string_view name;
};

std::string field_text(std::string_view field) { return std::string(field); }
std::string field_text(const MemberOf& field) { return path(field.parent, field.name); }

template <typename Field, typename IsType>
const Json* typed_member(const Json& object, std::string_view name, const Field& field,
                         ReadContext& context, const char* expected, IsType is_type) {
  const Json* value = member(object, name);
  if (!value) return nullptr;
  if (!is_type(*value)) {
    context.warn(field_text(field), type_mismatch(expected, *value) + "; not read");
    return nullptr;
  }
  return value;
}

// string_member(object, name, path(parent, name), context), without joining
// the path unless it warns.
std::optional<std::string> string_member_of(const Json& object, std::string_view name,
                                            std::string_view parent, ReadContext& context) {
  const Json* value = typed_member(object, name, MemberOf{parent, name}, context, "string",
                                   [](const Json& v) { return v.IsString(); });
  if (!value) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

}  // namespace

const Json* object_member(const Json& object, std::string_view name, std::string_view field,
                          ReadContext& context) {
  return typed_member(object, name, field, context, "object",
                      [](const Json& v) { return v.IsObject(); });
}

const Json* array_member(const Json& object, std::string_view name, std::string_view field,
                         ReadContext& context) {
  return typed_member(object, name, field, context, "array",
                      [](const Json& v) { return v.IsArray(); });
}

std::optional<std::string> string_member(const Json& object, std::string_view name,
                                         std::string_view field, ReadContext& context) {
  const Json* value = typed_member(object, name, field, context, "string",
                                   [](const Json& v) { return v.IsString(); });
  if (!value) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<double> number_member(const Json& object, std::string_view name,
                                    std::string_view field, ReadContext& context) {
  const Json* value = typed_member(object, name, field, context, "number",
                                   [](const Json& v) { return v.IsNumber(); });
  if (!value) return std::nullopt;
  return value->GetDouble();
}

namespace {

// The path of element `index` of the coding array of the field `parent`,
// joined only when a warning names it.
struct CodingAt {
  std::string_view parent;
  rapidjson::SizeType index;
};

std::string field_text(const CodingAt& at) { return path(at.parent, indexed("coding", at.index)); }

// Codings are most of what an intake reads: their members are found in one
// pass instead of a lookup each.
template <typename Field>
Coding read_coding_at(const Json& json, const Field& field, ReadContext& context) {
  Coding coding;
  if (!json.IsObject()) {
    context.warn(field_text(field), type_mismatch("object", json) + "; not read");
    return coding;
  }
  const Json* system = nullptr;
  const Json* code = nullptr;
  const Json* display = nullptr;
  for (auto it = json.MemberBegin(); it != json.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name == "system") {
      system = &it->value;
    } else if (name == "code") {
      code = &it->value;
    } else if (name == "display") {
      display = &it->value;
    }
  }
  const auto read = [&](const Json* value, std::string_view name, std::string& out) {
    if (!value) return;
    if (!value->IsString()) {
      context.warn(path(field_text(field), name), type_mismatch("string", *value) + "; not read");
      return;
    }
    out.assign(value->GetString(), value->GetStringLength());
  };
  read(system, "system", coding.system);
  read(code, "code", coding.code);
  read(display, "display", coding.display);
  return coding;
}

}  // namespace

Coding read_coding(const Json& json, std::string_view field, ReadContext& context) {
  return read_coding_at(json, field, context);
}

CodeableConcept read_codeable_concept(const Json& json, std::string_view field,
                                      ReadContext& context) {
  CodeableConcept code;
  if (!json.IsObject()) {
    context.warn(field, type_mismatch("object", json) + "; not read");
    return code;
  }
  if (const Json* codings = typed_member(json, "coding", MemberOf{field, "coding"}, context, "array",
                                         [](const Json& v) { return v.IsArray(); })) {
    code.codings.reserve(codings->Size());
    for (rapidjson::SizeType i = 0; i < codings->Size(); ++i) {
      code.codings.push_back(read_coding_at((*codings)[i], CodingAt{field, i}, context));
    }
  }
  code.text = string_member_of(json, "text", field, context).value_or("");
  return code;
}

CodeableConcept codeable_concept_member(const Json& object, std::string_view name,
                                        std::string_view field, ReadContext& context) {
  const Json* value = member(object, name);
  if (!value) return {};
  return read_codeable_concept(*value, field, context);
}

std::vector<CodeableConcept> codeable_concept_array(const Json& object, std::string_view name,
                                                    ReadContext& context) {
  std::vector<CodeableConcept> codes;
  const Json* array = array_member(object, name, name, context);
  if (!array) return codes;
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    codes.push_back(read_codeable_concept((*array)[i], indexed(name, i), context));
  }
  return codes;
}

std::vector<std::string> note_texts(const Json& resource, ReadContext& context) {
  std::vector<std::string> texts;
  const Json* notes = array_member(resource, "note", "note", context);
  if (!notes) return texts;
  for (rapidjson::SizeType i = 0; i < notes->Size(); ++i) {
    const std::string field = indexed("note", i);
    const Json& note = (*notes)[i];
    if (!note.IsObject()) {
      context.warn(field, type_mismatch("object", note) + "; not read");
      continue;
    }
    if (auto text = string_member(note, "text", path(field, "text"), context)) {
      texts.push_back(std::move(*text));
    }
  }
  return texts;
}

CodeMatch resolve_concept(const CodeableConcept& code, std::string_view field,
                          ReadContext& context) {
  Resolution resolution = context.terminology().resolve(code);
  if (resolution.conflict.empty()) return resolution.match;
  context.warn(field, resolution.conflict + "; the code is not used");
  return {};
}

namespace {

std::optional<TimeRange> time_member(const Json& object, std::string_view name,
                                     std::string_view field, ReadContext& context,
                                     TimeParse (*parse)(std::string_view), const char* kind) {
  const auto text = string_member(object, name, field, context);
  if (!text) return std::nullopt;
  TimeParse parsed = parse(*text);
  if (!parsed.range) {
    context.warn(field, std::string("invalid ") + kind + " '" + *text + "': " + parsed.error);
  }
  return parsed.range;
}

}  // namespace

std::optional<TimeRange> datetime_member(const Json& object, std::string_view name,
                                         std::string_view field, ReadContext& context) {
  return time_member(object, name, field, context, parse_datetime, "dateTime");
}

std::optional<TimeRange> instant_member(const Json& object, std::string_view name,
                                        std::string_view field, ReadContext& context) {
  return time_member(object, name, field, context, parse_instant, "instant");
}

PeriodRead read_period(const Json& period, std::string_view field, ReadContext& context) {
  PeriodRead read;
  if (!period.IsObject()) {
    context.warn(field, type_mismatch("object", period) + "; not read");
    read.unusable = true;
    return read;
  }
  read.start = datetime_member(period, "start", path(field, "start"), context);
  read.end = datetime_member(period, "end", path(field, "end"), context);
  read.unusable = (member(period, "start") && !read.start) || (member(period, "end") && !read.end);
  if (read.start && read.end && read.end->latest < read.start->earliest) {
    context.warn(field, "ends before it starts; not used");
    read.unusable = true;
  }
  if (!read.unusable && !read.start && !read.end) {
    context.warn(field, "has neither start nor end");
    read.unusable = true;
  }
  return read;
}

ChoiceTime read_choice_time(const Json& resource, std::string_view prefix, bool allow_instant,
                            ReadContext& context) {
  ChoiceTime choice;
  const std::string date_time = std::string(prefix) + "DateTime";
  const std::string period = std::string(prefix) + "Period";
  const std::string instant = std::string(prefix) + "Instant";
  if (member(resource, date_time)) {
    choice.charted = true;
    choice.time = datetime_member(resource, date_time, date_time, context);
  } else if (const Json* value = member(resource, period)) {
    choice.charted = true;
    const PeriodRead read = read_period(*value, period, context);
    if (!read.unusable) choice.time = read.start ? read.start : read.end;
  } else if (allow_instant && member(resource, instant)) {
    choice.charted = true;
    choice.time = instant_member(resource, instant, instant, context);
  } else {
    // Timing, Age, Range, String: legitimate FHIR, but not a point we can place.
    for (const char* other : {"Timing", "Age", "Range", "String"}) {
      const std::string name = std::string(prefix) + other;
      if (member(resource, name)) {
        choice.charted = true;
        context.warn(name, "is not read; only " + date_time + " and " + period + " are");
      }
    }
  }
  return choice;
}

std::optional<std::string> read_status_code(const Json& resource, ReadContext& context) {
  if (!member(resource, "status")) {
    context.warn("status", "missing (FHIR requires it); status taken as unknown");
    return std::nullopt;
  }
  return string_member(resource, "status", "status", context);
}

std::optional<ChartedQuantity> read_quantity(const Json& json, std::string_view field,
                                             std::string_view site_unit, ReadContext& context) {
  if (!json.IsObject()) {
    context.warn(field, type_mismatch("object", json) + "; not read");
    return std::nullopt;
  }
  const Json* value = member(json, "value");
  if (!value) {
    context.warn(path(field, "value"), "missing; not read");
    return std::nullopt;
  }
  if (!value->IsNumber()) {
    context.warn(path(field, "value"), type_mismatch("number", *value) + "; not read");
    return std::nullopt;
  }
  if (auto comparator = string_member_of(json, "comparator", field, context)) {
    context.warn(path(field, "comparator"),
                 "'" + *comparator + "' makes the value a bound, not a measurement; not read");
    return std::nullopt;
  }
  ChartedQuantity quantity;
  quantity.value = value->GetDouble();
  const auto system = string_member_of(json, "system", field, context);
  const auto code = string_member_of(json, "code", field, context);
  const auto unit = string_member_of(json, "unit", field, context);
  const bool ucum_code = code && !code->empty() && (!system || *system == kUcum);
  if (ucum_code) {
    quantity.ucum = *code;
    quantity.charted_unit = *code;
    return quantity;
  }
  quantity.charted_unit = unit ? *unit : code.value_or("");
  if (!code && !site_unit.empty()) {
    // The site map says how this code's values are charted; a printed unit
    // that says otherwise is a contradiction, not a preference.
    const auto shown = unit ? ucum_from_display(*unit) : std::nullopt;
    if (shown && *shown != site_unit) {
      context.warn(path(field, "unit"), "unit '" + *unit + "' contradicts the site map unit '" +
                                            std::string(site_unit) + "'; not read");
      return std::nullopt;
    }
    quantity.ucum = site_unit;
    if (quantity.charted_unit.empty()) quantity.charted_unit = site_unit;
    return quantity;
  }
  if (unit) {
    if (auto mapped = ucum_from_display(*unit)) quantity.ucum = *mapped;
  }
  return quantity;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::optional<ReferenceTarget> parse_reference(std::string_view reference) {
  if (reference.starts_with("urn:uuid:") || reference.starts_with("urn:oid:")) {
    return ReferenceTarget{{}, {}, std::string(reference)};
  }
  if (reference.empty() || reference.front() == '#' ||
      reference.find('?') != std::string_view::npos) {
    return std::nullopt;  // contained, or a conditional (search) reference
  }
  if (const auto history = reference.find("/_history/"); history != std::string_view::npos) {
    reference = reference.substr(0, history);
  }
  const auto last = reference.rfind('/');
  if (last == std::string_view::npos || last == 0 || last + 1 == reference.size()) {
    return std::nullopt;
  }
  const auto before = reference.rfind('/', last - 1);
  const auto type_begin = before == std::string_view::npos ? 0 : before + 1;
  ReferenceTarget target;
  target.type = std::string(reference.substr(type_begin, last - type_begin));
  target.id = std::string(reference.substr(last + 1));
  if (target.type.empty() || target.type.front() < 'A' || target.type.front() > 'Z') {
    return std::nullopt;
  }
  return target;
}

}  // namespace fhir::detail
