#pragma once
// Reads FHIR R4 JSON (a Bundle of any type, a single resource, or NDJSON) into
// one PatientRecord per patient.
//
// Nothing is guessed: a resource or field that cannot be read becomes a
// Warning naming the input, entry and field, and the rest of the input is
// still read. Only an input that cannot be read at all (malformed JSON, a
// top-level value that is not a resource, over the size limit) is an error.
//
// Entries are numbered from 1 (Bundle entry position, NDJSON line); a single
// resource is entry 0, the input as a whole. Decisions an integrator may meet:
// - Patients are told apart by subject (or patient) reference: "Patient/1",
//   an absolute URL with or without /_history/n (on the server base, when
//   one is set), or a bundle fullUrl (urn:uuid).
//   A resource whose subject cannot be resolved to a Patient is not kept.
// - A resource without id cannot be matched with its other versions; it is
//   kept under the synthetic id "<input>#<entry>" ('#' never occurs in FHIR ids).
// - Of several copies of one resourceType/id, across all inputs, the latest is
//   kept: numeric meta.versionId, else meta.lastUpdated, else the later entry
//   (with a warning unless the copies are identical). This happens before
//   entered-in-error copies are dropped, so a retraction removes what it retracts.
// - Dropped (counted in PatientRecord::dropped): Observation and
//   DiagnosticReport entered-in-error or cancelled; MedicationAdministration
//   and Procedure entered-in-error or not-done; requests entered-in-error
//   (a cancelled or revoked order is kept: it says what was decided). Warnings
//   about superseded or dropped copies are discarded with them.
// - An NDJSON input without any resource line is a warning, not an error (bulk
//   exports may hold empty files); an empty JSON input is an error.

#include <cstddef>
#include <istream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.h"
#include "fhir/record.h"
#include "fhir/terminology.h"
#include "fhir/warning.h"

namespace fhir {

struct IntakeLimits {
  std::size_t max_document_bytes = 64u << 20;  // one Bundle or resource; larger: use NDJSON
  std::size_t max_line_bytes = 4u << 20;       // one NDJSON line
  std::size_t max_resources = 1'000'000;       // kept across all inputs
  JsonLimits json;
};

struct IntakeResult {
  std::map<std::string, PatientRecord> patients;  // by patient id
  std::vector<Warning> warnings;                  // not tied to one patient
};

class Intake {
 public:
  explicit Intake(const Terminology& terminology, IntakeLimits limits = {});
  ~Intake();
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;

  // Each add_* returns an empty string on success, or why the input as a
  // whole is unusable (naming `input_name`). Resource-level problems are
  // warnings, not errors.
  std::string add_json(std::string_view text, std::string_view input_name);
  // `value` must stay alive and unchanged until finish(): copies of one
  // resource are compared only if a second one turns up.
  std::string add_json_value(const rapidjson::Value& value, std::string_view input_name);
  std::string add_ndjson(std::istream& lines, std::string_view input_name);
  // Reads a file: NDJSON when the name ends in .ndjson or .jsonl, else JSON.
  std::string add_file(const std::string& path);
  // Room for `resources` in all, when the caller knows (a prefetch's bundle
  // sizes): read resources are large, and each regrowth moves all of them.
  void reserve(std::size_t resources);
  // The FHIR server base the inputs came from ("https://ehr.example.org/fhir",
  // no trailing '/'), when known: an absolute reference elsewhere then names a
  // resource on another server, not the one with the same type and id here,
  // and is not followed (a warning). Unset, as for files, absolute references
  // are matched by type and id alone.
  void set_server_base(std::string_view base);

  // Resolves medication references, keeps the latest version of each
  // resource, drops what never counts, sorts by time.
  IntakeResult finish();

 private:
  // Implementation state lives in intake.cc.
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fhir
