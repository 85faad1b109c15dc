#include "cards/fhir_resources.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fhir/terminology.h"

namespace icans {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

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

// --- writing -----------------------------------------------------------------

void key(Writer& writer, const char* name) { writer.Key(name); }

void string(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void member(Writer& writer, const char* name, std::string_view text) {
  key(writer, name);
  string(writer, text);
}

// FHIR decimals keep the precision they are written with; an integral dose is
// written without ".0" so it reads as charted. Precondition: finite.
void number(Writer& writer, double value) {
  if (std::trunc(value) == value && std::fabs(value) < 9.0e15) {
    writer.Int64(static_cast<std::int64_t>(value));
  } else {
    writer.Double(value);
  }
}

void coding(Writer& writer, const fhir::Coding& value) {
  writer.StartObject();
  member(writer, "system", value.system);
  member(writer, "code", value.code);
  if (!value.display.empty()) member(writer, "display", value.display);
  writer.EndObject();
}

void codeable_concept(Writer& writer, std::initializer_list<const fhir::Coding*> codings, std::string_view text) {
  writer.StartObject();
  bool any = false;
  for (const auto* c : codings) any = any || !c->code.empty();
  if (any) {
    key(writer, "coding");
    writer.StartArray();
    for (const auto* c : codings) {
      if (!c->code.empty()) coding(writer, *c);
    }
    writer.EndArray();
  }
  if (!text.empty()) member(writer, "text", text);
  writer.EndObject();
}

void start_resource(Writer& writer, const char* type, const std::string& id) {
  writer.StartObject();
  member(writer, "resourceType", type);
  if (!id.empty()) member(writer, "id", id);
}

void subject(Writer& writer, const std::string& patient_id) {
  key(writer, "subject");
  writer.StartObject();
  member(writer, "reference", "Patient/" + patient_id);
  writer.EndObject();
}

void reason(Writer& writer, const std::optional<ReasonDraft>& value) {
  if (!value) return;
  if (!value->coding.code.empty() || !value->text.empty()) {
    key(writer, "reasonCode");
    writer.StartArray();
    codeable_concept(writer, {&value->coding}, value->text);
    writer.EndArray();
  }
  if (!value->reference.empty()) {
    key(writer, "reasonReference");
    writer.StartArray();
    writer.StartObject();
    member(writer, "reference", value->reference);
    writer.EndObject();
    writer.EndArray();
  }
}

void note(Writer& writer, const std::string& text) {
  if (text.empty()) return;
  key(writer, "note");
  writer.StartArray();
  writer.StartObject();
  member(writer, "text", text);
  writer.EndObject();
  writer.EndArray();
}

BuiltResource finish(rapidjson::StringBuffer& buffer) {
  return BuiltResource{std::string(buffer.GetString(), buffer.GetSize()), {}};
}

BuiltResource refuse(std::string error) { return BuiltResource{{}, std::move(error)}; }

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

  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  start_resource(writer, "MedicationRequest", draft.id);
  member(writer, "status", "draft");
  member(writer, "intent", draft.intent);
  key(writer, "medicationCodeableConcept");
  const std::string& medication_text =
      !draft.orderable.display.empty() ? draft.orderable.display : draft.ingredient.display;
  codeable_concept(writer, {&draft.orderable, &draft.ingredient}, medication_text);
  subject(writer, draft.patient_id);
  reason(writer, draft.reason);
  note(writer, draft.note);

  key(writer, "dosageInstruction");
  writer.StartArray();
  writer.StartObject();
  member(writer, "text", draft.text);
  key(writer, "timing");
  writer.StartObject();
  key(writer, "repeat");
  writer.StartObject();
  if (draft.every_hours == 0) {
    key(writer, "count");
    writer.Int(1);
  } else {
    if (draft.max_doses > 0) {
      key(writer, "count");
      writer.Int(draft.max_doses);
    }
    key(writer, "frequency");
    writer.Int(1);
    key(writer, "period");
    writer.Int(draft.every_hours);
    member(writer, "periodUnit", "h");
  }
  writer.EndObject();
  writer.EndObject();
  if (draft.as_needed) {
    key(writer, "asNeededBoolean");
    writer.Bool(true);
  }
  if (!draft.route.code.empty()) {
    key(writer, "route");
    codeable_concept(writer, {&draft.route}, "");
  }
  key(writer, "doseAndRate");
  writer.StartArray();
  writer.StartObject();
  key(writer, "doseQuantity");
  writer.StartObject();
  key(writer, "value");
  number(writer, draft.dose_value);
  member(writer, "unit", draft.dose_unit.display.empty() ? draft.dose_unit.code : draft.dose_unit.display);
  member(writer, "system", fhir::kUcum);
  member(writer, "code", draft.dose_unit.code);
  writer.EndObject();
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
  writer.EndArray();

  writer.EndObject();
  return finish(buffer);
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

  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  start_resource(writer, "ServiceRequest", draft.id);
  member(writer, "status", "draft");
  member(writer, "intent", draft.intent);
  if (!draft.priority.empty()) member(writer, "priority", draft.priority);
  key(writer, "code");
  codeable_concept(writer, {&draft.code}, draft.text);
  subject(writer, draft.patient_id);
  reason(writer, draft.reason);
  note(writer, draft.note);
  writer.EndObject();
  return finish(buffer);
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

  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  start_resource(writer, "Condition", draft.id);
  key(writer, "clinicalStatus");
  const fhir::Coding clinical{kConditionClinicalSystem, draft.clinical_status, clinical_display(draft.clinical_status)};
  codeable_concept(writer, {&clinical}, "");
  key(writer, "verificationStatus");
  const fhir::Coding verification{kConditionVerificationSystem, draft.verification_status, verification_display};
  codeable_concept(writer, {&verification}, "");
  key(writer, "category");
  writer.StartArray();
  const fhir::Coding category{kConditionCategorySystem, draft.category, category_display};
  codeable_concept(writer, {&category}, "");
  writer.EndArray();
  key(writer, "code");
  writer.StartObject();
  key(writer, "coding");
  writer.StartArray();
  for (const auto& c : draft.codings) coding(writer, c);
  writer.EndArray();
  if (!draft.text.empty()) member(writer, "text", draft.text);
  writer.EndObject();
  subject(writer, draft.patient_id);
  if (draft.onset) member(writer, "onsetDateTime", fhir::format_instant(*draft.onset));
  note(writer, draft.note);
  writer.EndObject();
  return finish(buffer);
}

}  // namespace icans
