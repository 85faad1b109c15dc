// Observation: code, value[x] in the concept's canonical unit, components,
// effective time.
#include <cctype>

#include "fhir/read_helpers.h"
#include "fhir/units.h"

namespace fhir::detail {
namespace {

constexpr StatusCode<ObservationStatus> kStatuses[] = {
    {"registered", ObservationStatus::registered},
    {"preliminary", ObservationStatus::preliminary},
    {"final", ObservationStatus::final_},
    {"amended", ObservationStatus::amended},
    {"corrected", ObservationStatus::corrected},
    {"cancelled", ObservationStatus::cancelled},
    {"entered-in-error", ObservationStatus::entered_in_error},
    {"unknown", ObservationStatus::unknown},
};

bool is_annotation(std::string_view unit) { return unit.starts_with('{'); }

// "body temperature" inside a sentence; acronyms ("ICE: naming") stay as written.
std::string described(Concept meaning) {
  std::string text(concept_info(meaning).display);
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      std::islower(static_cast<unsigned char>(text[1]))) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// Values outside what a living patient can have are charting errors (a
// temperature in the wrong field, a typo); grading them would be worse than
// not grading.
bool plausible(const Value& value, Concept meaning, const FieldPath& field, ReadContext& context) {
  const ConceptInfo& info = concept_info(meaning);
  if (info.plausible_min == 0 && info.plausible_max == 0) return true;
  if (value.number >= info.plausible_min && value.number <= info.plausible_max) return true;
  context.warn(field, "physiologically impossible value " + format_number(value.number) + " " +
                          value.unit + " for " + described(meaning) + "; not graded");
  return false;
}

Value as_charted(const ChartedQuantity& quantity, std::string_view unit) {
  Value value;
  value.kind = Value::Kind::quantity;
  value.number = quantity.value;
  value.unit = unit;
  return value;
}

Value as_charted(const ChartedQuantity& quantity) {
  return as_charted(quantity, quantity.ucum.empty() ? quantity.charted_unit : quantity.ucum);
}

// Converts a charted quantity into the concept's canonical unit; anything that
// cannot be converted without guessing is a warning and no value.
Value canonical_value(const ChartedQuantity& quantity, Concept meaning, const FieldPath& field,
                      ReadContext& context) {
  const ConceptInfo& info = concept_info(meaning);
  const std::string_view canonical = info.unit;
  if (meaning == Concept::unknown || canonical.empty()) return as_charted(quantity);
  Value value = as_charted(quantity, canonical);
  if (is_annotation(canonical)) {
    // A score or ratio has no physical unit: none charted, "1" and the
    // annotation itself all mean the same number.
    const bool unitless = quantity.ucum.empty() && quantity.charted_unit.empty();
    if (unitless || quantity.ucum == canonical || quantity.ucum == "1") {
      // Score items have their ranges checked, and reported, by the grading.
      if (info.kind != ConceptKind::measurement) return value;
      if (!plausible(value, meaning, field, context)) return {};
      return value;
    }
    context.warn(field, "unit '" + std::string(quantity.charted_unit) + "' is not a unit of " +
                            described(meaning) + " (" + std::string(canonical) + "); not read");
    return {};
  }
  const auto unknown_unit = [&] {
    context.warn(field, quantity.charted_unit.empty()
                            ? "no unit charted for " + described(meaning) + "; not read"
                            : "unknown unit '" + std::string(quantity.charted_unit) + "' for " +
                                  described(meaning) + "; not read");
    return Value{};
  };
  if (quantity.ucum.empty()) return unknown_unit();
  // Converted before the unit is looked up on its own: a conversion looks
  // it up anyway, and only a failed one needs to know why.
  const Conversion converted =
      convert_unit(quantity.value, quantity.ucum, canonical, info.molar_mass, info.valence);
  if (!converted.value) {
    if (!is_known_unit(quantity.ucum)) return unknown_unit();
    context.warn(field, "unit '" + std::string(quantity.ucum) + "' for " + described(meaning) +
                            ": " + converted.error + "; not read");
    return {};
  }
  value.number = canonical == "Cel" ? round_to_tenth(*converted.value) : *converted.value;
  if (!plausible(value, meaning, field, context)) return {};
  return value;
}

Value integer_value(const Json& json, const CodeMatch& match, const FieldPath& field,
                    ReadContext& context) {
  if (!json.IsInt64()) {
    context.warn(field, type_mismatch("integer", json) + "; not read");
    return {};
  }
  const auto number = static_cast<double>(json.GetInt64());
  const ConceptInfo& info = concept_info(match.meaning);
  if (info.kind == ConceptKind::measurement && !info.unit.empty() && !is_annotation(info.unit)) {
    // A measurement needs a unit; only a site map can supply one for a bare integer.
    if (match.unit.empty()) {
      context.warn(field, "an integer without unit for " + described(match.meaning) +
                              " (expected " + std::string(info.unit) + "); not read");
      return {};
    }
    return canonical_value({number, match.unit, match.unit}, match.meaning, field, context);
  }
  Value value;
  value.kind = Value::Kind::integer;
  value.number = number;
  value.unit = info.kind == ConceptKind::assessment_item && info.unit.empty()
                   ? "{score}"
                   : std::string(info.unit);
  return value;
}

Value coded_value(const Json& json, const FieldPath& field, ReadContext& context) {
  Value value;
  value.kind = Value::Kind::coded;
  value.coded = read_codeable_concept(json, field, context);
  value.answer = resolve_concept(value.coded, field, context).meaning;
  return value;
}

Value read_one_value(const Json& json, std::string_view name, const CodeMatch& match,
                     const FieldPath& field, ReadContext& context) {
  Value value;
  if (name == "valueQuantity") {
    const auto quantity = read_quantity(json, field, match.unit, context);
    return quantity ? canonical_value(*quantity, match.meaning, field, context) : Value{};
  }
  if (name == "valueInteger") return integer_value(json, match, field, context);
  if (name == "valueCodeableConcept") return coded_value(json, field, context);
  if (name == "valueBoolean") {
    if (!json.IsBool()) {
      context.warn(field, type_mismatch("boolean", json) + "; not read");
      return value;
    }
    value.kind = Value::Kind::boolean;
    value.boolean = json.GetBool();
    return value;
  }
  if (name == "valueString") {
    if (!json.IsString()) {
      context.warn(field, type_mismatch("string", json) + "; not read");
      return value;
    }
    value.kind = Value::Kind::string;
    value.text.assign(json.GetString(), json.GetStringLength());
    return value;
  }
  context.warn(field, "is not read; only valueQuantity, valueInteger, valueCodeableConcept, "
                      "valueBoolean and valueString are");
  return value;
}

bool is_value_choice(std::string_view name) {
  return name.size() > 5 && name.starts_with("value") && name[5] >= 'A' && name[5] <= 'Z';
}

// value[x] of an observation or a component (`parent` names the component).
Value read_value(const Json& object, const FieldPath& parent, const CodeMatch& match,
                 ReadContext& context) {
  const bool was_muted = context.muted;
  context.muted = was_muted || match.meaning == Concept::unknown;
  const Json* chosen = nullptr;
  std::string_view chosen_name;
  bool several = false;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (!is_value_choice(name)) continue;
    if (chosen) {
      several = true;
      break;
    }
    chosen = &it->value;
    chosen_name = name;
  }
  if (several) {
    std::string names;  // listed only for the warning
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (!is_value_choice(name)) continue;
      names += names.empty() ? "" : ", ";
      names += name;
    }
    context.warn(FieldPath(parent, "value[x]"),
                 "more than one value[x] (" + names + "); none read");
  }
  // Built in place: a Value is large, and one is read for nearly every resource.
  Value value = chosen && !several ? read_one_value(*chosen, chosen_name, match,
                                                    FieldPath(parent, chosen_name), context)
                                   : Value{};
  context.muted = was_muted;
  return value;
}

void read_components(const Json* components, Observation& observation, ReadContext& context) {
  if (!components) return;
  for (rapidjson::SizeType i = 0; i < components->Size(); ++i) {
    const FieldPath field("component", i);
    const Json& element = (*components)[i];
    if (!element.IsObject()) {
      context.warn(field, type_mismatch("object", element) + "; not read");
      continue;
    }
    ObservationComponent component;
    const FieldPath code_field(field, "code");
    component.code = codeable_concept_member(element, "code", code_field, context);
    const CodeMatch match = resolve_concept(component.code, code_field, context);
    component.meaning = match.meaning;
    component.value = read_value(element, field, match, context);
    if (component.meaning == Concept::attribution && component.value.kind == Value::Kind::coded) {
      observation.attribution = component.value.answer;
    }
    observation.components.push_back(std::move(component));
  }
}

// effective[x], else issued (legitimately the time for results charted
// without an effective time). A charted but unreadable effective[x] is not
// replaced by issued: issued can be hours later, which would move the finding.
bool read_time(const Json& json, const Json* issued_json, Observation& observation,
               ReadContext& context) {
  const ChoiceTime effective = read_choice_time(json, "effective", true, context);
  if (effective.time) {
    observation.effective = *effective.time;
    return true;
  }
  if (effective.charted) {
    context.warn("effective[x]", "no usable time; observation not used");
    return false;
  }
  if (issued_json) {
    if (auto issued = instant_value(*issued_json, "issued", context)) {
      observation.effective = *issued;
      observation.effective_from_issued = true;
      return true;
    }
  }
  context.warn("effective[x]", "neither effective[x] nor a usable issued time; observation not used");
  return false;
}

}  // namespace

void read_observation(const Json& json, ReadResource& out, ReadContext& context) {
  // One pass for the members read below; most observations have none of the
  // last four, and a lookup each would scan every member for them.
  enum { status, code, component, interpretation, note, issued };
  const auto found =
      members<6>(json, {"status", "code", "component", "interpretation", "note", "issued"});
  Observation& observation = out.resource.emplace<Observation>();
  observation.status = read_status(found[status], kStatuses, ObservationStatus::unknown, context);
  if (observation.status == ObservationStatus::entered_in_error ||
      observation.status == ObservationStatus::cancelled) {
    return;  // never counts; kept only so that it supersedes earlier versions
  }
  if (found[code]) {
    observation.code = read_codeable_concept(*found[code], "code", context);
  } else {
    context.warn("code", "missing (FHIR requires it)");
  }
  const CodeMatch match = resolve_concept(observation.code, "code", context);
  observation.meaning = match.meaning;
  if (!read_time(json, found[issued], observation, context)) {
    out.resource = std::monostate{};
    return;
  }
  observation.value = read_value(json, "", match, context);
  read_components(as_array(found[component], "component", context), observation, context);
  observation.interpretation = codeable_concepts(
      as_array(found[interpretation], "interpretation", context), "interpretation", context);
  observation.notes = note_texts(as_array(found[note], "note", context), context);
}

}  // namespace fhir::detail
