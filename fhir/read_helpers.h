#pragma once
// Internal to the intake: typed access to a FHIR resource's JSON that turns
// every missing, mistyped or unreadable field into a Warning naming it.
//
// Every accessor checks the JSON type before reading, so a hostile document
// can only produce warnings, never undefined behaviour.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <rapidjson/document.h>

#include "fhir/coding.h"
#include "fhir/resources.h"
#include "fhir/terminology.h"
#include "fhir/time.h"
#include "fhir/warning.h"

namespace fhir::detail {

using Json = rapidjson::Value;

// Deduced from a std::string rvalue only (an lvalue deduces a reference).
template <class S>
concept TemporaryString = std::same_as<S, std::string>;

// A field's FHIRPath-like location ("component[2].valueQuantity"), made into
// text only when a warning names it: an intake reads thousands of fields and
// almost none warn, while most joined paths outgrow a string's inline buffer.
// It keeps views of its name and of its parent, so it lives no longer than
// the call it is made for: pass it, never keep it.
class FieldPath {
 public:
  FieldPath(const char* name) : name_(name) {}
  FieldPath(std::string_view name) : name_(name) {}
  FieldPath(const std::string& name) : name_(name) {}
  // name[index]
  FieldPath(std::string_view name, std::size_t index) : name_(name), index_(index) {}
  // parent.name (name alone under an empty parent), and parent.name[index].
  FieldPath(const FieldPath& parent, std::string_view name) : parent_(&parent), name_(name) {}
  FieldPath(const FieldPath& parent, std::string_view name, std::size_t index)
      : parent_(&parent), name_(name), index_(index) {}
  // A temporary parent, or a temporary string as a name, would be gone
  // before a warning reads it: the path keeps views, never copies.
  FieldPath(FieldPath&&, std::string_view) = delete;
  FieldPath(FieldPath&&, std::string_view, std::size_t) = delete;
  template <TemporaryString S> FieldPath(S&&) = delete;
  template <TemporaryString S> FieldPath(S&&, std::size_t) = delete;
  template <TemporaryString S> FieldPath(const FieldPath&, S&&) = delete;
  template <TemporaryString S> FieldPath(const FieldPath&, S&&, std::size_t) = delete;

  // As path() and indexed() would have joined it.
  std::string text() const;

 private:
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
  void append_to(std::string& out) const;

  const FieldPath* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = kNoIndex;
};

// Where the resource being read came from, and where its warnings go.
class ReadContext {
 public:
  // `input` and the strings set_resource is given must outlive the context:
  // it keeps views, and builds a warning's text only when one is issued.
  ReadContext(const Terminology& terminology, std::string_view input, std::size_t entry,
              std::vector<Warning>& warnings)
      : terminology_(terminology), input_(input), entry_(entry), warnings_(warnings) {}

  const Terminology& terminology() const { return terminology_; }
  std::string_view input() const { return input_; }
  std::size_t entry() const { return entry_; }
  void set_resource(std::string_view type, std::string_view id) {
    resource_type_ = type;
    resource_id_ = id;
  }

  void warn(const FieldPath& field, std::string message);

  // Values of observations whose code nobody reads are kept as charted; their
  // problems would only bury the warnings that matter.
  bool muted = false;

 private:
  const Terminology& terminology_;
  std::string_view input_;
  std::size_t entry_;
  std::string_view resource_type_;
  std::string_view resource_id_;
  std::vector<Warning>& warnings_;
};

// Joins FHIRPath-like segments: path("component[2]", "valueQuantity").
std::string path(std::string_view parent, std::string_view child);
std::string indexed(std::string_view name, std::size_t index);

// Members of a JSON object. Absent: nullptr, silently. Present with the wrong
// JSON type: nullptr and a warning naming `field` and both types.
const Json* member(const Json& object, std::string_view name);

// Several members found in one pass (absent: nullptr), for a reader that
// looks up many fields of a resource, most of them usually absent. The
// names must differ: only the first of equal names would be found.
template <std::size_t N>
std::array<const Json*, N> members(const Json& object,
                                   const std::array<std::string_view, N>& names) {
  std::array<const Json*, N> found{};
  if (!object.IsObject()) return found;
  // Most members have a length none of the names has: a bit per length
  // passes them over without comparing them with each name.
  std::uint64_t lengths = 0;
  bool long_name = false;
  for (const std::string_view name : names) {
    if (name.size() < 64) {
      lengths |= std::uint64_t{1} << name.size();
    } else {
      long_name = true;
    }
  }
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name.size() < 64 ? (lengths >> name.size() & 1) == 0 : !long_name) continue;
    for (std::size_t i = 0; i < N; ++i) {
      if (name == names[i]) {
        if (!found[i]) found[i] = &it->value;  // the first, as member() finds
        break;
      }
    }
  }
  return found;
}
// A member already found (or nullptr) that must be an array: as array_member.
const Json* as_array(const Json* value, const FieldPath& field, ReadContext& context);
// The same for an object (as object_member) and a string (as string_view_member).
const Json* as_object(const Json* value, const FieldPath& field, ReadContext& context);
std::optional<std::string_view> as_string(const Json* value, const FieldPath& field,
                                          ReadContext& context);
const Json* object_member(const Json& object, std::string_view name, const FieldPath& field,
                          ReadContext& context);
const Json* array_member(const Json& object, std::string_view name, const FieldPath& field,
                         ReadContext& context);
std::optional<std::string> string_member(const Json& object, std::string_view name,
                                         const FieldPath& field, ReadContext& context);
// As string_member, viewing the document's text instead of copying it.
std::optional<std::string_view> string_view_member(const Json& object, std::string_view name,
                                                   const FieldPath& field, ReadContext& context);
std::optional<double> number_member(const Json& object, std::string_view name,
                                    const FieldPath& field, ReadContext& context);

// "expected string, found number".
std::string type_mismatch(const char* expected, const Json& found);

Coding read_coding(const Json& json, const FieldPath& field, ReadContext& context);
CodeableConcept read_codeable_concept(const Json& json, const FieldPath& field,
                                      ReadContext& context);
CodeableConcept codeable_concept_member(const Json& object, std::string_view name,
                                        const FieldPath& field, ReadContext& context);
std::vector<CodeableConcept> codeable_concept_array(const Json& object, std::string_view name,
                                                    ReadContext& context);
// The same for an array already found by as_array (nullptr: none).
std::vector<CodeableConcept> codeable_concepts(const Json* array, std::string_view name,
                                               ReadContext& context);
std::vector<std::string> note_texts(const Json& resource, ReadContext& context);
std::vector<std::string> note_texts(const Json* notes, ReadContext& context);

// The terminology's reading of a code. A conflict (codings meaning different
// things) is warned about and yields no meaning: which coding is right is not
// ours to guess.
CodeMatch resolve_concept(const CodeableConcept& code, const FieldPath& field,
                          ReadContext& context);

// FHIR date/dateTime and instant members; an unparsable value is a warning
// naming the field and the parse error.
std::optional<TimeRange> datetime_member(const Json& object, std::string_view name,
                                         const FieldPath& field, ReadContext& context);
std::optional<TimeRange> instant_member(const Json& object, std::string_view name,
                                        const FieldPath& field, ReadContext& context);
// The same for a member already found.
std::optional<TimeRange> datetime_value(const Json& value, const FieldPath& field,
                                        ReadContext& context);
std::optional<TimeRange> instant_value(const Json& value, const FieldPath& field,
                                       ReadContext& context);

struct PeriodRead {
  std::optional<TimeRange> start;
  std::optional<TimeRange> end;
  bool unusable = false;  // a boundary was charted but could not be read
};
PeriodRead read_period(const Json& period, const FieldPath& field, ReadContext& context);

// A choice-type time ("effective", "performed", "occurrence"): [x]DateTime,
// [x]Period (its start, else its end) and, when allowed, [x]Instant.
struct ChoiceTime {
  std::optional<TimeRange> time;
  bool charted = false;  // some form was present, even if it could not be used
};
ChoiceTime read_choice_time(const Json& resource, std::string_view prefix, bool allow_instant,
                            ReadContext& context);

// Status codes: the table lists a resource's code system. Missing status is a
// warning (FHIR requires it); an unlisted code is a warning and `unknown`.
template <typename Status>
struct StatusCode {
  std::string_view code;
  Status status;
};

std::optional<std::string_view> read_status_code(const Json* status, ReadContext& context);

// `status` is the resource's status member, nullptr when it has none.
template <typename Status, std::size_t N>
Status read_status(const Json* status, const StatusCode<Status> (&table)[N], Status unknown,
                   ReadContext& context) {
  const auto code = read_status_code(status, context);
  if (!code) return unknown;
  for (const auto& entry : table) {
    if (entry.code == *code) return entry.status;
  }
  context.warn("status",
               "unknown status code '" + std::string(*code) + "'; status taken as unknown");
  return unknown;
}

template <typename Status, std::size_t N>
Status read_status(const Json& resource, const StatusCode<Status> (&table)[N], Status unknown,
                   ReadContext& context) {
  return read_status(member(resource, "status"), table, unknown, context);
}

// A Quantity as charted: its UCUM unit when one can be named without guessing.
// The units view the document, a site map or the unit tables: a quantity
// lives no longer than the resource it was read from.
struct ChartedQuantity {
  double value = 0;
  std::string_view ucum;          // empty when the unit is not a UCUM code we can name
  std::string_view charted_unit;  // the code or printable unit as sent, for messages
};

// `site_unit` (from a site terminology map) applies when the Quantity carries
// no unit code. A comparator ("<5") makes the number a bound, not a value:
// warned and not read.
std::optional<ChartedQuantity> read_quantity(const Json& json, const FieldPath& field,
                                             std::string_view site_unit, ReadContext& context);

// "%g" without trailing noise: 45, 38.5, 0.25.
std::string format_number(double value);

// A reference's target: "Type/id" (relative, absolute, with or without
// /_history/n) or a bundle-local URN ("urn:uuid:...") to look up by fullUrl.
struct ReferenceTarget {
  std::string type;
  std::string id;
  std::string urn;  // set instead of type/id for urn:uuid: and urn:oid:
};
std::optional<ReferenceTarget> parse_reference(std::string_view reference);

// The Medication referenced or coded by medication[x]. A reference to a
// contained Medication is resolved here; one to a bundled Medication is left
// in `pending_reference` for Intake::finish().
struct MedicationChoice {
  CodeableConcept code;
  std::string pending_reference;
};
MedicationChoice read_medication_choice(const Json& resource, ReadContext& context);

// The Medication resources themselves, kept only to resolve references.
struct MedicationCode {
  CodeableConcept code;
};

// One resource as read from one input, before deduplication and before its
// subject and medication references are resolved. `resource` holds
// std::monostate when the resource was identified but cannot be used: it still
// supersedes older versions of itself.
using AnyResource = std::variant<std::monostate, Patient, Observation, MedicationAdministration,
                                 MedicationRequest, ServiceRequest, DiagnosticReport, Procedure,
                                 MedicationCode>;

struct ReadResource {
  std::string type;
  std::string id;
  VersionInfo version;
  Origin origin;
  std::size_t input_index = 0;
  // Set when the resource as sent outlives the intake: its content_hash is
  // then taken only when another copy of it turns up.
  const Json* source = nullptr;
  std::uint64_t content_hash = 0;
  std::optional<std::string> subject_reference;  // empty when the type has no subject
  std::string medication_reference;              // pending bundled Medication
  AnyResource resource;
  std::vector<Warning> warnings;
};

// Per-type readers: fill `out.resource` (std::monostate when unusable).
void read_patient(const Json& json, ReadResource& out, ReadContext& context);
void read_observation(const Json& json, ReadResource& out, ReadContext& context);
void read_medication_administration(const Json& json, ReadResource& out, ReadContext& context);
void read_medication_request(const Json& json, ReadResource& out, ReadContext& context);
void read_medication(const Json& json, ReadResource& out, ReadContext& context);
void read_service_request(const Json& json, ReadResource& out, ReadContext& context);
void read_diagnostic_report(const Json& json, ReadResource& out, ReadContext& context);
void read_procedure(const Json& json, ReadResource& out, ReadContext& context);

// Dose canonicalisation shared by administrations and requests: mass in mg,
// dose per weight in mg/kg, U as U, anything else as charted.
std::optional<Dose> read_dose(const Json& quantity, const FieldPath& field, ReadContext& context);

}  // namespace fhir::detail
