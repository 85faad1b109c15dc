#include "cards/fhir_resources.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
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
// A resource is written as text and built as a DOM in one pass: each piece
// goes to RapidJSON's Writer and to the Document's own SAX handler, the
// events GenericValue::Accept would send the Writer for that DOM, so the
// text is what the Writer makes of it. The Document sizes each object to
// its members; AddMember would reserve sixteen for each. The DOM goes with
// the text (BuiltResource::parsed): a card checks and writes its resources
// several times, and would otherwise parse the text each time.

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

// The text and the DOM of one resource, written together (see above).
class Out {
 public:
  explicit Out(rapidjson::Document& dom) : dom_(dom), writer_(buffer_) {}

  void start_object() {
    value();
    open(false);
    writer_.StartObject();
    dom_.StartObject();
  }
  void end_object() {
    const rapidjson::SizeType count = close();
    writer_.EndObject(count);
    dom_.EndObject(count);
  }
  void start_array() {
    value();
    open(true);
    writer_.StartArray();
    dom_.StartArray();
  }
  void end_array() {
    const rapidjson::SizeType count = close();
    writer_.EndArray(count);
    dom_.EndArray(count);
  }
  // `name` is a literal: the DOM refers to it, as AddMember(StringRef) did.
  void key(const char* name) {
    ++levels_[depth_ - 1].count;
    const auto length = static_cast<rapidjson::SizeType>(std::char_traits<char>::length(name));
    writer_.Key(name, length);
    dom_.Key(name, length, false);
  }
  void string(std::string_view text) {
    value();
    const auto length = static_cast<rapidjson::SizeType>(text.size());
    writer_.String(text.data(), length);
    dom_.String(text.data(), length, true);
  }
  void integer(int number) {
    value();
    writer_.Int(number);
    dom_.Int(number);
  }
  // FHIR decimals keep the precision they are written with; an integral dose
  // is written without ".0" so it reads as charted. Precondition: finite.
  void decimal(double number) {
    value();
    if (std::trunc(number) == number && std::fabs(number) < 9.0e15) {
      writer_.Int64(static_cast<std::int64_t>(number));
      dom_.Int64(static_cast<std::int64_t>(number));
    } else {
      writer_.Double(number);
      dom_.Double(number);
      numbers_read_back_ = numbers_read_back_ && reads_back(number);
    }
  }
  void boolean(bool flag) {
    value();
    writer_.Bool(flag);
    dom_.Bool(flag);
  }
  void member(const char* name, std::string_view text) {
    key(name);
    string(text);
  }

  std::string text() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }
  // Whether each number written reads back as the same double (reads_back).
  bool numbers_read_back() const { return numbers_read_back_; }

 private:
  struct Level {
    rapidjson::SizeType count = 0;  // members of an object, elements of an array
    bool array = false;
  };
  // Each builder below nests at most six levels.
  static constexpr std::size_t kMaxDepth = 8;

  // An array counts its elements as they come; an object, its keys.
  void value() {
    if (depth_ > 0 && levels_[depth_ - 1].array) ++levels_[depth_ - 1].count;
  }
  void open(bool array) {
    if (depth_ == kMaxDepth) std::abort();  // a builder below nests deeper than it may
    levels_[depth_++] = Level{0, array};
  }
  rapidjson::SizeType close() { return levels_[--depth_].count; }

  rapidjson::Document& dom_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
  std::array<Level, kMaxDepth> levels_{};
  std::size_t depth_ = 0;
  bool numbers_read_back_ = true;
};

void coding(Out& out, const fhir::Coding& value) {
  out.start_object();
  out.member("system", value.system);
  out.member("code", value.code);
  if (!value.display.empty()) out.member("display", value.display);
  out.end_object();
}

void codeable_concept(Out& out, std::initializer_list<const fhir::Coding*> codings, std::string_view text) {
  out.start_object();
  bool any = false;
  for (const auto* c : codings) any = any || !c->code.empty();
  if (any) {
    out.key("coding");
    out.start_array();
    for (const auto* c : codings) {
      if (!c->code.empty()) coding(out, *c);
    }
    out.end_array();
  }
  if (!text.empty()) out.member("text", text);
  out.end_object();
}

void reference_to(Out& out, std::string_view reference) {
  out.start_object();
  out.member("reference", reference);
  out.end_object();
}

void subject(Out& out, const std::string& patient_id) {
  out.key("subject");
  reference_to(out, "Patient/" + patient_id);
}

void reason(Out& out, const std::optional<ReasonDraft>& value) {
  if (!value) return;
  if (!value->coding.code.empty() || !value->text.empty()) {
    out.key("reasonCode");
    out.start_array();
    codeable_concept(out, {&value->coding}, value->text);
    out.end_array();
  }
  if (!value->reference.empty()) {
    out.key("reasonReference");
    out.start_array();
    reference_to(out, value->reference);
    out.end_array();
  }
}

void note(Out& out, const std::string& text) {
  if (text.empty()) return;
  out.key("note");
  out.start_array();
  out.start_object();
  out.member("text", text);
  out.end_object();
  out.end_array();
}

// Whether fhir::parse_json reads `text`, written with its DOM by `out`, as
// exactly that DOM: the DOM has no repeated member names and nests a few
// levels, so that holds when the text is UTF-8, its strings hold no \u
// escape (RapidJSON writes one only for a control character), and each
// number reads back as written. Otherwise the text is parsed where it is
// needed, as any text is.
bool reads_as_built(std::string_view text, const Out& out) {
  return utf8_length(text) && text.find("\\u") == std::string_view::npos && out.numbers_read_back();
}

// The resource: resourceType and id, then what `write` adds; its DOM is kept
// when the text reads back as it.
template <typename Write>
BuiltResource build(const char* type, const std::string& id, Write write) {
  // A built resource's DOM takes 1 to 2 KiB of its pool (the objects sized
  // to their members), so one chunk holds it.
  auto built = std::make_shared<ParsedResource>(3072);
  std::string text;
  bool kept = false;
  auto generate = [&](rapidjson::Document& dom) {
    Out out(dom);
    out.start_object();
    out.member("resourceType", type);
    if (!id.empty()) out.member("id", id);
    write(out);
    out.end_object();
    text = out.text();
    kept = reads_as_built(text, out);
    return true;
  };
  built->document.Populate(generate);
  BuiltResource result{std::move(text), {}, nullptr};
  if (kept) {
    built->text = result.json;
    built->text_written_from_document = true;
    result.parsed = std::move(built);
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

  return build("MedicationRequest", draft.id, [&](Out& out) {
    out.member("status", "draft");
    out.member("intent", draft.intent);
    const std::string& medication_text =
        !draft.orderable.display.empty() ? draft.orderable.display : draft.ingredient.display;
    out.key("medicationCodeableConcept");
    codeable_concept(out, {&draft.orderable, &draft.ingredient}, medication_text);
    subject(out, draft.patient_id);
    reason(out, draft.reason);
    note(out, draft.note);

    out.key("dosageInstruction");
    out.start_array();
    out.start_object();
    out.member("text", draft.text);
    out.key("timing");
    out.start_object();
    out.key("repeat");
    out.start_object();
    if (draft.every_hours == 0) {
      out.key("count");
      out.integer(1);
    } else {
      if (draft.max_doses > 0) {
        out.key("count");
        out.integer(draft.max_doses);
      }
      out.key("frequency");
      out.integer(1);
      out.key("period");
      out.integer(draft.every_hours);
      out.member("periodUnit", "h");
    }
    out.end_object();
    out.end_object();
    if (draft.as_needed) {
      out.key("asNeededBoolean");
      out.boolean(true);
    }
    if (!draft.route.code.empty()) {
      out.key("route");
      codeable_concept(out, {&draft.route}, "");
    }
    out.key("doseAndRate");
    out.start_array();
    out.start_object();
    out.key("doseQuantity");
    out.start_object();
    out.key("value");
    out.decimal(draft.dose_value);
    out.member("unit", draft.dose_unit.display.empty() ? draft.dose_unit.code : draft.dose_unit.display);
    out.member("system", fhir::kUcum);
    out.member("code", draft.dose_unit.code);
    out.end_object();
    out.end_object();
    out.end_array();
    out.end_object();
    out.end_array();
  });
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

  return build("ServiceRequest", draft.id, [&](Out& out) {
    out.member("status", "draft");
    out.member("intent", draft.intent);
    if (!draft.priority.empty()) out.member("priority", draft.priority);
    out.key("code");
    codeable_concept(out, {&draft.code}, draft.text);
    subject(out, draft.patient_id);
    reason(out, draft.reason);
    note(out, draft.note);
  });
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

  const fhir::Coding clinical{kConditionClinicalSystem, draft.clinical_status, clinical_display(draft.clinical_status)};
  const fhir::Coding verification{kConditionVerificationSystem, draft.verification_status, verification_display};
  const fhir::Coding category{kConditionCategorySystem, draft.category, category_display};
  return build("Condition", draft.id, [&](Out& out) {
    out.key("clinicalStatus");
    codeable_concept(out, {&clinical}, "");
    out.key("verificationStatus");
    codeable_concept(out, {&verification}, "");
    out.key("category");
    out.start_array();
    codeable_concept(out, {&category}, "");
    out.end_array();
    out.key("code");
    out.start_object();
    out.key("coding");
    out.start_array();
    for (const auto& c : draft.codings) coding(out, c);
    out.end_array();
    if (!draft.text.empty()) out.member("text", draft.text);
    out.end_object();
    subject(out, draft.patient_id);
    if (draft.onset) out.member("onsetDateTime", fhir::format_instant(*draft.onset));
    note(out, draft.note);
  });
}

}  // namespace icans
