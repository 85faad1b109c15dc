#include "fhir/read_helpers.h"

#include <cstdio>
#include <cstring>

#include "fhir/json.h"
#include "fhir/units.h"

namespace fhir::detail {

std::string FieldPath::text() const {
  std::string out;
  append_to(out);
  return out;
}

void FieldPath::append_to(std::string& out) const {
  if (parent_) {
    parent_->append_to(out);
    if (!out.empty()) out += '.';
  }
  out += name_;
  if (index_ != kNoIndex) out.append("[").append(std::to_string(index_)).append("]");
}

void ReadContext::warn(const FieldPath& field, std::string message) {
  if (muted) return;
  std::string resource;
  if (!resource_type_.empty()) {
    resource.reserve(resource_type_.size() + 1 + resource_id_.size());
    resource.append(resource_type_).append("/").append(resource_id_);
  }
  warnings_.push_back({std::string(input_), entry_, std::move(resource), field.text(), std::move(message)});
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

template <typename IsType>
const Json* typed_member(const Json& object, std::string_view name, const FieldPath& field,
                         ReadContext& context, const char* expected, IsType is_type) {
  const Json* value = member(object, name);
  if (!value) return nullptr;
  if (!is_type(*value)) {
    context.warn(field, type_mismatch(expected, *value) + "; not read");
    return nullptr;
  }
  return value;
}

std::string_view view_of(const Json& string) {
  return {string.GetString(), string.GetStringLength()};
}

// string_view_member(object, name, parent.name, context).
std::optional<std::string_view> string_member_of(const Json& object, std::string_view name,
                                                 const FieldPath& parent, ReadContext& context) {
  return string_view_member(object, name, FieldPath(parent, name), context);
}

}  // namespace

const Json* object_member(const Json& object, std::string_view name, const FieldPath& field,
                          ReadContext& context) {
  return typed_member(object, name, field, context, "object",
                      [](const Json& v) { return v.IsObject(); });
}

const Json* array_member(const Json& object, std::string_view name, const FieldPath& field,
                         ReadContext& context) {
  return as_array(member(object, name), field, context);
}

const Json* as_array(const Json* value, const FieldPath& field, ReadContext& context) {
  if (!value) return nullptr;
  if (!value->IsArray()) {
    context.warn(field, type_mismatch("array", *value) + "; not read");
    return nullptr;
  }
  return value;
}

const Json* as_object(const Json* value, const FieldPath& field, ReadContext& context) {
  if (!value) return nullptr;
  if (!value->IsObject()) {
    context.warn(field, type_mismatch("object", *value) + "; not read");
    return nullptr;
  }
  return value;
}

std::optional<std::string_view> as_string(const Json* value, const FieldPath& field,
                                          ReadContext& context) {
  if (!value) return std::nullopt;
  if (!value->IsString()) {
    context.warn(field, type_mismatch("string", *value) + "; not read");
    return std::nullopt;
  }
  return view_of(*value);
}

std::optional<std::string> string_member(const Json& object, std::string_view name,
                                         const FieldPath& field, ReadContext& context) {
  const auto value = string_view_member(object, name, field, context);
  if (!value) return std::nullopt;
  return std::string(*value);
}

std::optional<std::string_view> string_view_member(const Json& object, std::string_view name,
                                                   const FieldPath& field, ReadContext& context) {
  const Json* value = typed_member(object, name, field, context, "string",
                                   [](const Json& v) { return v.IsString(); });
  if (!value) return std::nullopt;
  return view_of(*value);
}

std::optional<double> number_member(const Json& object, std::string_view name,
                                    const FieldPath& field, ReadContext& context) {
  const Json* value = typed_member(object, name, field, context, "number",
                                   [](const Json& v) { return v.IsNumber(); });
  if (!value) return std::nullopt;
  return value->GetDouble();
}

namespace {

// Codings are most of what an intake reads: their members are found in one
// pass instead of a lookup each.
Coding read_coding_at(const Json& json, const FieldPath& field, ReadContext& context) {
  if (!json.IsObject()) {
    context.warn(field, type_mismatch("object", json) + "; not read");
    return {};
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
  // Each string is built in its member: assigning to an empty string costs
  // about as much again as the copy itself.
  const auto read = [&](const Json* value, std::string_view name) -> std::string {
    if (!value) return {};
    if (!value->IsString()) {
      context.warn(FieldPath(field, name), type_mismatch("string", *value) + "; not read");
      return {};
    }
    return std::string(value->GetString(), value->GetStringLength());
  };
  // A braced list is evaluated in order: warnings keep system, code, display.
  return Coding{read(system, "system"), read(code, "code"), read(display, "display")};
}

}  // namespace

Coding read_coding(const Json& json, const FieldPath& field, ReadContext& context) {
  return read_coding_at(json, field, context);
}

CodeableConcept read_codeable_concept(const Json& json, const FieldPath& field,
                                      ReadContext& context) {
  CodeableConcept code;
  if (!json.IsObject()) {
    context.warn(field, type_mismatch("object", json) + "; not read");
    return code;
  }
  // Both found in one pass: text is usually absent, and a lookup of its own
  // would scan every member for it.
  const auto [coding, text] = members<2>(json, {"coding", "text"});
  if (const Json* codings = as_array(coding, FieldPath(field, "coding"), context)) {
    code.codings.reserve(codings->Size());
    for (rapidjson::SizeType i = 0; i < codings->Size(); ++i) {
      code.codings.push_back(read_coding_at((*codings)[i], FieldPath(field, "coding", i), context));
    }
  }
  if (const auto charted = as_string(text, FieldPath(field, "text"), context)) code.text = *charted;
  return code;
}

CodeableConcept codeable_concept_member(const Json& object, std::string_view name,
                                        const FieldPath& field, ReadContext& context) {
  const Json* value = member(object, name);
  if (!value) return {};
  return read_codeable_concept(*value, field, context);
}

std::vector<CodeableConcept> codeable_concept_array(const Json& object, std::string_view name,
                                                    ReadContext& context) {
  return codeable_concepts(array_member(object, name, name, context), name, context);
}

std::vector<CodeableConcept> codeable_concepts(const Json* array, std::string_view name,
                                               ReadContext& context) {
  std::vector<CodeableConcept> codes;
  if (!array) return codes;
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    codes.push_back(read_codeable_concept((*array)[i], FieldPath(name, i), context));
  }
  return codes;
}

std::vector<std::string> note_texts(const Json& resource, ReadContext& context) {
  return note_texts(array_member(resource, "note", "note", context), context);
}

std::vector<std::string> note_texts(const Json* notes, ReadContext& context) {
  std::vector<std::string> texts;
  if (!notes) return texts;
  for (rapidjson::SizeType i = 0; i < notes->Size(); ++i) {
    const FieldPath field("note", i);
    const Json& note = (*notes)[i];
    if (!note.IsObject()) {
      context.warn(field, type_mismatch("object", note) + "; not read");
      continue;
    }
    if (const auto text = string_member_of(note, "text", field, context)) texts.emplace_back(*text);
  }
  return texts;
}

CodeMatch resolve_concept(const CodeableConcept& code, const FieldPath& field,
                          ReadContext& context) {
  Resolution resolution = context.terminology().resolve(code);
  if (resolution.conflict.empty()) return resolution.match;
  context.warn(field, resolution.conflict + "; the code is not used");
  return {};
}

namespace {

std::optional<TimeRange> time_value(const Json& value, const FieldPath& field,
                                    ReadContext& context, TimeParse (*parse)(std::string_view),
                                    const char* kind) {
  if (!value.IsString()) {
    context.warn(field, type_mismatch("string", value) + "; not read");
    return std::nullopt;
  }
  const std::string_view text = view_of(value);
  TimeParse parsed = parse(text);
  if (!parsed.range) {
    context.warn(field, std::string("invalid ") + kind + " '" + std::string(text) + "': " +
                            parsed.error);
  }
  return parsed.range;
}

}  // namespace

std::optional<TimeRange> datetime_value(const Json& value, const FieldPath& field,
                                        ReadContext& context) {
  return time_value(value, field, context, parse_datetime, "dateTime");
}

std::optional<TimeRange> instant_value(const Json& value, const FieldPath& field,
                                       ReadContext& context) {
  return time_value(value, field, context, parse_instant, "instant");
}

std::optional<TimeRange> datetime_member(const Json& object, std::string_view name,
                                         const FieldPath& field, ReadContext& context) {
  const Json* value = member(object, name);
  return value ? datetime_value(*value, field, context) : std::nullopt;
}

std::optional<TimeRange> instant_member(const Json& object, std::string_view name,
                                        const FieldPath& field, ReadContext& context) {
  const Json* value = member(object, name);
  return value ? instant_value(*value, field, context) : std::nullopt;
}

PeriodRead read_period(const Json& period, const FieldPath& field, ReadContext& context) {
  PeriodRead read;
  if (!period.IsObject()) {
    context.warn(field, type_mismatch("object", period) + "; not read");
    read.unusable = true;
    return read;
  }
  const Json* start = member(period, "start");
  const Json* end = member(period, "end");
  if (start) read.start = datetime_value(*start, FieldPath(field, "start"), context);
  if (end) read.end = datetime_value(*end, FieldPath(field, "end"), context);
  read.unusable = (start && !read.start) || (end && !read.end);
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
  // Every form is found in one pass over the members, and a form's name is
  // the member's own: nothing is joined unless a warning needs it. Timing,
  // Age, Range and String are legitimate FHIR, but not a point we can place.
  enum Form { date_time, period, instant, timing, age, range, string, kForms };
  static constexpr std::string_view kSuffixes[kForms] = {"DateTime", "Period", "Instant", "Timing",
                                                         "Age",      "Range",  "String"};
  const Json* found[kForms] = {};
  std::string_view names[kForms];
  if (resource.IsObject()) {
    for (auto it = resource.MemberBegin(); it != resource.MemberEnd(); ++it) {
      const std::string_view name = view_of(it->name);
      // The first byte turns away most members without a call to memcmp.
      if (name.size() <= prefix.size() || (!prefix.empty() && name[0] != prefix[0]) ||
          !name.starts_with(prefix)) {
        continue;
      }
      const std::string_view suffix = name.substr(prefix.size());
      for (int form = 0; form < kForms; ++form) {
        if (suffix == kSuffixes[form]) {
          if (!found[form]) {
            found[form] = &it->value;
            names[form] = name;
          }
          break;
        }
      }
    }
  }
  ChoiceTime choice;
  if (found[date_time]) {
    choice.charted = true;
    choice.time = datetime_value(*found[date_time], names[date_time], context);
  } else if (found[period]) {
    choice.charted = true;
    const PeriodRead read = read_period(*found[period], names[period], context);
    if (!read.unusable) choice.time = read.start ? read.start : read.end;
  } else if (allow_instant && found[instant]) {
    choice.charted = true;
    choice.time = instant_value(*found[instant], names[instant], context);
  } else {
    for (int form = timing; form < kForms; ++form) {
      if (!found[form]) continue;
      choice.charted = true;
      const std::string stem(prefix);
      context.warn(names[form],
                   "is not read; only " + stem + "DateTime and " + stem + "Period are");
    }
  }
  return choice;
}

std::optional<std::string_view> read_status_code(const Json* status, ReadContext& context) {
  if (!status) {
    context.warn("status", "missing (FHIR requires it); status taken as unknown");
    return std::nullopt;
  }
  if (!status->IsString()) {
    context.warn("status", type_mismatch("string", *status) + "; not read");
    return std::nullopt;
  }
  return view_of(*status);
}

std::optional<ChartedQuantity> read_quantity(const Json& json, const FieldPath& field,
                                             std::string_view site_unit, ReadContext& context) {
  if (!json.IsObject()) {
    context.warn(field, type_mismatch("object", json) + "; not read");
    return std::nullopt;
  }
  // Every quantity of a chart is read here: its members are found in one
  // pass, as a coding's are, instead of a lookup each.
  const Json* value = nullptr;
  const Json* comparator_json = nullptr;
  const Json* system_json = nullptr;
  const Json* code_json = nullptr;
  const Json* unit_json = nullptr;
  for (auto it = json.MemberBegin(); it != json.MemberEnd(); ++it) {
    const std::string_view name = view_of(it->name);
    const Json** slot = name == "value"        ? &value
                        : name == "comparator" ? &comparator_json
                        : name == "system"     ? &system_json
                        : name == "code"       ? &code_json
                        : name == "unit"       ? &unit_json
                                               : nullptr;
    if (slot && !*slot) *slot = &it->value;
  }
  if (!value) {
    context.warn(FieldPath(field, "value"), "missing; not read");
    return std::nullopt;
  }
  if (!value->IsNumber()) {
    context.warn(FieldPath(field, "value"), type_mismatch("number", *value) + "; not read");
    return std::nullopt;
  }
  const auto string_of = [&](const Json* member_value,
                             std::string_view name) -> std::optional<std::string_view> {
    if (!member_value) return std::nullopt;
    if (!member_value->IsString()) {
      context.warn(FieldPath(field, name), type_mismatch("string", *member_value) + "; not read");
      return std::nullopt;
    }
    return view_of(*member_value);
  };
  if (const auto comparator = string_of(comparator_json, "comparator")) {
    context.warn(FieldPath(field, "comparator"),
                 "'" + std::string(*comparator) +
                     "' makes the value a bound, not a measurement; not read");
    return std::nullopt;
  }
  ChartedQuantity quantity;
  quantity.value = value->GetDouble();
  const auto system = string_of(system_json, "system");
  const auto code = string_of(code_json, "code");
  const auto unit = string_of(unit_json, "unit");
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
      context.warn(FieldPath(field, "unit"), "unit '" + std::string(*unit) +
                                                 "' contradicts the site map unit '" +
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
