#include "cards/fhir_resources.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/parsed_resource.h"
#include "cards/utf8.h"
#include "fhir/terminology.h"

namespace icans {
namespace {

// --- checks on the draft -------------------------------------------------------

std::string problem(std::string_view path, std::string_view message) {
  return std::string(path) + ": " + std::string(message);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool has_content(std::string_view text) {
  for (char c : text) {
    if (!is_space(c)) return true;
  }
  return false;
}

// FHIR id: [A-Za-z0-9\-.]{1,64}.
bool is_fhir_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

// FHIR code: no leading or trailing whitespace, single spaces inside.
bool is_fhir_code(std::string_view code) {
  if (code.empty() || is_space(code.front()) || is_space(code.back())) return false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '\t' || code[i] == '\r' || code[i] == '\n') return false;
    if (code[i] == ' ' && code[i + 1] == ' ') return false;
  }
  return true;
}

// A code system is a URI; without a scheme it is someone's local name, which
// no receiving system can resolve.
bool is_absolute_uri(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return false;
  for (char c : uri) {
    if (is_space(c)) return false;
  }
  return true;
}

bool is_relative_reference(std::string_view reference) {
  const auto slash = reference.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  for (char c : reference.substr(0, slash)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return reference[0] >= 'A' && reference[0] <= 'Z' && is_fhir_id(reference.substr(slash + 1));
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (std::string_view candidate : allowed) {
    if (value == candidate) return true;
  }
  return false;
}

std::string list(std::initializer_list<std::string_view> allowed) {
  std::string text;
  for (std::string_view candidate : allowed) text += (text.empty() ? "" : ", ") + std::string(candidate);
  return text;
}

std::string check_enum(std::string_view value, std::string_view path, std::initializer_list<std::string_view> allowed) {
  if (one_of(value, allowed)) return {};
  return problem(path, "\"" + std::string(value) + "\" is not one of " + list(allowed));
}

// An empty code means "no coding" when the coding is optional.
std::string check_coding(const fhir::Coding& coding, std::string_view path, bool required) {
  if (coding.code.empty() && coding.system.empty() && coding.display.empty()) {
    return required ? problem(path, "required") : std::string();
  }
  if (!is_absolute_uri(coding.system)) {
    return problem(std::string(path) + ".system", "not an absolute URI: \"" + coding.system + "\"");
  }
  if (!is_fhir_code(coding.code)) {
    return problem(std::string(path) + ".code", "not a FHIR code: \"" + coding.code + "\"");
  }
  if (!coding.display.empty() && !has_content(coding.display)) {
    return problem(std::string(path) + ".display", "only whitespace");
  }
  return {};
}

std::string check_optional_text(const std::string& text, std::string_view path) {
  if (!text.empty() && !has_content(text)) return problem(path, "only whitespace");
  return {};
}

std::string check_required_text(const std::string& text, std::string_view path) {
  if (!has_content(text)) return problem(path, "required");
  return {};
}

std::string check_subject_and_id(const std::string& patient_id, const std::string& id) {
  if (!is_fhir_id(patient_id)) {
    return problem("patient_id", "not a FHIR id ([A-Za-z0-9-.]{1,64}): \"" + patient_id + "\"");
  }
  if (!id.empty() && !is_fhir_id(id)) return problem("id", "not a FHIR id ([A-Za-z0-9-.]{1,64}): \"" + id + "\"");
  return {};
}

std::string check_reason(const std::optional<ReasonDraft>& reason) {
  if (!reason) return {};
  if (auto error = check_coding(reason->coding, "reason.coding", false); !error.empty()) return error;
  if (auto error = check_optional_text(reason->text, "reason.text"); !error.empty()) return error;
  if (!reason->reference.empty() && !is_relative_reference(reason->reference)) {
    return problem("reason.reference", "not a relative reference \"Type/id\": \"" + reason->reference + "\"");
  }
  if (reason->coding.code.empty() && reason->text.empty() && reason->reference.empty()) {
    return problem("reason", "given but empty (leave it out instead)");
  }
  return {};
}

// --- building ----------------------------------------------------------------
//
// A resource is built as a DOM and its text written from it. The DOM goes
// with the text (BuiltResource::parsed): a card checks and writes its
// resources several times, and would otherwise parse the text each time.

using Allocator = rapidjson::MemoryPoolAllocator<>;
using rapidjson::Value;

Value text_value(std::string_view text, Allocator& allocator) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

void member(Value& object, const char* name, std::string_view text, Allocator& allocator) {
  object.AddMember(rapidjson::StringRef(name), text_value(text, allocator), allocator);
}

// FHIR decimals keep the precision they are written with; an integral dose is
// written without ".0" so it reads as charted. Precondition: finite.
Value number(double value) {
  if (std::trunc(value) == value && std::fabs(value) < 9.0e15) return Value(static_cast<std::int64_t>(value));
  return Value(value);
}

Value coding(const fhir::Coding& value, Allocator& allocator) {
  Value object(rapidjson::kObjectType);
  member(object, "system", value.system, allocator);
  member(object, "code", value.code, allocator);
  if (!value.display.empty()) member(object, "display", value.display, allocator);
  return object;
}

Value codeable_concept(std::initializer_list<const fhir::Coding*> codings, std::string_view text,
                       Allocator& allocator) {
  Value object(rapidjson::kObjectType);
  bool any = false;
  for (const auto* c : codings) any = any || !c->code.empty();
  if (any) {
    Value list(rapidjson::kArrayType);
    for (const auto* c : codings) {
      if (!c->code.empty()) list.PushBack(coding(*c, allocator), allocator);
    }
    object.AddMember("coding", list, allocator);
  }
  if (!text.empty()) member(object, "text", text, allocator);
  return object;
}

Value one(Value value, Allocator& allocator) {
  Value list(rapidjson::kArrayType);
  list.PushBack(value, allocator);
  return list;
}

Value reference_to(std::string_view reference, Allocator& allocator) {
  Value object(rapidjson::kObjectType);
  member(object, "reference", reference, allocator);
  return object;
}

void reason(Value& resource, const std::optional<ReasonDraft>& value, Allocator& allocator) {
  if (!value) return;
  if (!value->coding.code.empty() || !value->text.empty()) {
    resource.AddMember("reasonCode", one(codeable_concept({&value->coding}, value->text, allocator), allocator),
                       allocator);
  }
  if (!value->reference.empty()) {
    resource.AddMember("reasonReference", one(reference_to(value->reference, allocator), allocator), allocator);
  }
}

void note(Value& resource, const std::string& text, Allocator& allocator) {
  if (text.empty()) return;
  Value annotation(rapidjson::kObjectType);
  member(annotation, "text", text, allocator);
  resource.AddMember("note", one(std::move(annotation), allocator), allocator);
}

// A resource under construction: its DOM, in the allocator that will keep it.
struct Draft {
  std::shared_ptr<ParsedResource> built = std::make_shared<ParsedResource>(4096);
  Value& resource = built->document;
  Allocator& allocator = built->allocator;

  Draft(const char* type, const std::string& id) {
    resource.SetObject();
    member(resource, "resourceType", type, allocator);
    if (!id.empty()) member(resource, "id", id, allocator);
  }
};

// A number whose text reads back as the same double: RapidJSON writes the
// shortest digits that should, and reads without full precision.
bool reads_back(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  if (!writer.Double(value)) return false;
  struct Reading : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Reading> {
    std::optional<double> value;
    bool Double(double read) {
      value = read;
      return true;
    }
  } reading;
  rapidjson::Reader reader;
  rapidjson::StringStream stream(buffer.GetString());
  return !reader.Parse(stream, reading).IsError() && reading.value == value;
}

bool numbers_read_back(const Value& value) {
  if (value.IsDouble()) return reads_back(value.GetDouble());
  if (value.IsObject()) {
    for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
      if (!numbers_read_back(m->value)) return false;
    }
  }
  if (value.IsArray()) {
    for (const auto& element : value.GetArray()) {
      if (!numbers_read_back(element)) return false;
    }
  }
  return true;
}

// Whether fhir::parse_json reads `text`, written from `resource`, as exactly
// `resource`: the DOM has no repeated member names and nests a few levels,
// so that holds when the text is UTF-8, its strings hold no \u escape
// (RapidJSON writes one only for a control character), and each number
// reads back as written. Otherwise the text is parsed where it is needed,
// as any text is.
bool reads_as_built(std::string_view text, const Value& resource) {
  return utf8_length(text) && text.find("\\u") == std::string_view::npos && numbers_read_back(resource);
}

BuiltResource finish(Draft& draft) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  draft.resource.Accept(writer);
  BuiltResource result{std::string(buffer.GetString(), buffer.GetSize()), {}, nullptr};
  if (reads_as_built(result.json, draft.resource)) {
    draft.built->text = result.json;
    draft.built->text_written_from_document = true;
    result.parsed = std::move(draft.built);
  }
  return result;
}

BuiltResource refuse(std::string error) { return BuiltResource{{}, std::move(error), nullptr}; }

const std::initializer_list<std::string_view> kIntents = {"proposal", "order"};

}  // namespace

BuiltResource medication_request(const MedicationRequestDraft& draft) {
  if (auto error = check_subject_and_id(draft.patient_id, draft.id); !error.empty()) return refuse(error);
  if (auto error = check_coding(draft.orderable, "orderable", false); !error.empty()) return refuse(error);
  if (auto error = check_coding(draft.ingredient, "ingredient", true); !error.empty()) return refuse(error);
  if (auto error = check_enum(draft.intent, "intent", kIntents); !error.empty()) return refuse(error);
  if (!std::isfinite(draft.dose_value) || draft.dose_value <= 0) {
    return refuse(problem("dose_value", "must be a positive number, got " + std::to_string(draft.dose_value)));
  }
  if (!is_fhir_code(draft.dose_unit.code) || draft.dose_unit.code.find(' ') != std::string::npos) {
    return refuse(problem("dose_unit.code", "not a UCUM code: \"" + draft.dose_unit.code + "\""));
  }
  if (auto error = check_optional_text(draft.dose_unit.display, "dose_unit.display"); !error.empty()) {
    return refuse(error);
  }
  if (auto error = check_coding(draft.route, "route", false); !error.empty()) return refuse(error);
  if (draft.every_hours < 0) return refuse(problem("every_hours", "negative: " + std::to_string(draft.every_hours)));
  if (draft.max_doses < 0) return refuse(problem("max_doses", "negative: " + std::to_string(draft.max_doses)));
  if (draft.every_hours == 0 && draft.max_doses > 1) {
    return refuse(problem("max_doses", std::to_string(draft.max_doses) +
                                           " doses but every_hours is 0 (a single dose): give the interval"));
  }
  if (auto error = check_required_text(draft.text, "text"); !error.empty()) return refuse(error);
  if (auto error = check_reason(draft.reason); !error.empty()) return refuse(error);
  if (auto error = check_optional_text(draft.note, "note"); !error.empty()) return refuse(error);

  Draft built("MedicationRequest", draft.id);
  Value& resource = built.resource;
  Allocator& allocator = built.allocator;
  member(resource, "status", "draft", allocator);
  member(resource, "intent", draft.intent, allocator);
  const std::string& medication_text =
      !draft.orderable.display.empty() ? draft.orderable.display : draft.ingredient.display;
  resource.AddMember("medicationCodeableConcept",
                     codeable_concept({&draft.orderable, &draft.ingredient}, medication_text, allocator), allocator);
  resource.AddMember("subject", reference_to("Patient/" + draft.patient_id, allocator), allocator);
  reason(resource, draft.reason, allocator);
  note(resource, draft.note, allocator);

  Value dosage(rapidjson::kObjectType);
  member(dosage, "text", draft.text, allocator);
  Value repeat(rapidjson::kObjectType);
  if (draft.every_hours == 0) {
    repeat.AddMember("count", 1, allocator);
  } else {
    if (draft.max_doses > 0) repeat.AddMember("count", draft.max_doses, allocator);
    repeat.AddMember("frequency", 1, allocator);
    repeat.AddMember("period", draft.every_hours, allocator);
    member(repeat, "periodUnit", "h", allocator);
  }
  Value timing(rapidjson::kObjectType);
  timing.AddMember("repeat", repeat, allocator);
  dosage.AddMember("timing", timing, allocator);
  if (draft.as_needed) dosage.AddMember("asNeededBoolean", true, allocator);
  if (!draft.route.code.empty()) dosage.AddMember("route", codeable_concept({&draft.route}, "", allocator), allocator);
  Value quantity(rapidjson::kObjectType);
  quantity.AddMember("value", number(draft.dose_value), allocator);
  member(quantity, "unit", draft.dose_unit.display.empty() ? draft.dose_unit.code : draft.dose_unit.display,
         allocator);
  member(quantity, "system", fhir::kUcum, allocator);
  member(quantity, "code", draft.dose_unit.code, allocator);
  Value dose_and_rate(rapidjson::kObjectType);
  dose_and_rate.AddMember("doseQuantity", quantity, allocator);
  dosage.AddMember("doseAndRate", one(std::move(dose_and_rate), allocator), allocator);
  resource.AddMember("dosageInstruction", one(std::move(dosage), allocator), allocator);
  return finish(built);
}

BuiltResource service_request(const ServiceRequestDraft& draft) {
  if (auto error = check_subject_and_id(draft.patient_id, draft.id); !error.empty()) return refuse(error);
  if (auto error = check_coding(draft.code, "code", true); !error.empty()) return refuse(error);
  if (auto error = check_required_text(draft.text, "text"); !error.empty()) return refuse(error);
  if (auto error = check_enum(draft.intent, "intent", kIntents); !error.empty()) return refuse(error);
  if (!draft.priority.empty()) {
    if (auto error = check_enum(draft.priority, "priority", {"routine", "urgent", "asap", "stat"}); !error.empty()) {
      return refuse(error);
    }
  }
  if (auto error = check_reason(draft.reason); !error.empty()) return refuse(error);
  if (auto error = check_optional_text(draft.note, "note"); !error.empty()) return refuse(error);

  Draft built("ServiceRequest", draft.id);
  Value& resource = built.resource;
  Allocator& allocator = built.allocator;
  member(resource, "status", "draft", allocator);
  member(resource, "intent", draft.intent, allocator);
  if (!draft.priority.empty()) member(resource, "priority", draft.priority, allocator);
  resource.AddMember("code", codeable_concept({&draft.code}, draft.text, allocator), allocator);
  resource.AddMember("subject", reference_to("Patient/" + draft.patient_id, allocator), allocator);
  reason(resource, draft.reason, allocator);
  note(resource, draft.note, allocator);
  return finish(built);
}

BuiltResource condition(const ConditionDraft& draft) {
  static const std::initializer_list<std::string_view> kClinical = {"active",    "recurrence", "relapse",
                                                                       "inactive",  "remission",  "resolved"};
  // entered-in-error is left out: FHIR (con-5) forbids a clinicalStatus beside
  // it, and a suggestion never records an error.
  static const std::initializer_list<std::string_view> kVerification = {"unconfirmed", "provisional",
                                                                           "differential", "confirmed", "refuted"};
  static const std::initializer_list<std::string_view> kCategory = {"problem-list-item", "encounter-diagnosis"};

  if (auto error = check_subject_and_id(draft.patient_id, draft.id); !error.empty()) return refuse(error);
  if (draft.codings.empty()) return refuse(problem("codings", "at least one coding is required"));
  for (std::size_t i = 0; i < draft.codings.size(); ++i) {
    auto error = check_coding(draft.codings[i], "codings[" + std::to_string(i) + "]", true);
    if (!error.empty()) return refuse(error);
  }
  if (auto error = check_optional_text(draft.text, "text"); !error.empty()) return refuse(error);
  if (auto error = check_enum(draft.clinical_status, "clinical_status", kClinical); !error.empty()) {
    return refuse(error);
  }
  if (auto error = check_enum(draft.verification_status, "verification_status", kVerification); !error.empty()) {
    return refuse(error);
  }
  if (auto error = check_enum(draft.category, "category", kCategory); !error.empty()) return refuse(error);
  if (auto error = check_optional_text(draft.note, "note"); !error.empty()) return refuse(error);

  // Displays as the R4 code systems define them.
  auto clinical_display = [](std::string_view code) -> std::string {
    std::string display(code);
    display[0] = static_cast<char>(display[0] - 'a' + 'A');
    return display;  // Active, Recurrence, Relapse, Inactive, Remission, Resolved
  };
  const std::string verification_display = clinical_display(draft.verification_status);
  const std::string category_display =
      draft.category == "problem-list-item" ? "Problem List Item" : "Encounter Diagnosis";

  Draft built("Condition", draft.id);
  Value& resource = built.resource;
  Allocator& allocator = built.allocator;
  const fhir::Coding clinical{kConditionClinicalSystem, draft.clinical_status, clinical_display(draft.clinical_status)};
  resource.AddMember("clinicalStatus", codeable_concept({&clinical}, "", allocator), allocator);
  const fhir::Coding verification{kConditionVerificationSystem, draft.verification_status, verification_display};
  resource.AddMember("verificationStatus", codeable_concept({&verification}, "", allocator), allocator);
  const fhir::Coding category{kConditionCategorySystem, draft.category, category_display};
  resource.AddMember("category", one(codeable_concept({&category}, "", allocator), allocator), allocator);
  Value code(rapidjson::kObjectType);
  Value codings(rapidjson::kArrayType);
  for (const auto& c : draft.codings) codings.PushBack(coding(c, allocator), allocator);
  code.AddMember("coding", codings, allocator);
  if (!draft.text.empty()) member(code, "text", draft.text, allocator);
  resource.AddMember("code", code, allocator);
  resource.AddMember("subject", reference_to("Patient/" + draft.patient_id, allocator), allocator);
  if (draft.onset) member(resource, "onsetDateTime", fhir::format_instant(*draft.onset), allocator);
  note(resource, draft.note, allocator);
  return finish(built);
}

}  // namespace icans
