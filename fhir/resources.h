#pragma once
// Typed FHIR R4 resources, reduced to what the grading and cards read.
//
// Plain data: intake fills them, nothing else mutates them. Each keeps where
// it came from (input name and entry index) so every grade and card can point
// back at the charted resource.

#include <optional>
#include <string>
#include <vector>

#include "fhir/coding.h"
#include "fhir/terminology.h"
#include "fhir/time.h"

namespace fhir {

struct Origin {
  std::string input;       // file name, "request", or a prefetch key
  std::size_t entry = 0;   // Bundle entry index or NDJSON line number (1-based)
};

struct VersionInfo {
  std::string version_id;              // meta.versionId
  std::optional<Instant> last_updated;  // meta.lastUpdated
};

// A value[x] after terminology and unit conversion.
struct Value {
  enum class Kind { none, quantity, integer, coded, boolean, string };
  Kind kind = Kind::none;
  double number = 0;      // quantity (in the concept's canonical unit) or integer
  std::string unit;       // canonical UCUM unit of `number`; the charted one when the concept has none
  Concept answer = Concept::unknown;  // coded: the concept the answer maps to
  CodeableConcept coded;  // coded: as charted
  bool boolean = false;
  std::string text;       // string value
};

enum class ObservationStatus {
  registered, preliminary, final_, amended, corrected, cancelled, entered_in_error, unknown
};

struct ObservationComponent {
  CodeableConcept code;
  Concept meaning = Concept::unknown;
  Value value;
};

struct Observation {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::string subject;  // patient id
  ObservationStatus status = ObservationStatus::unknown;
  CodeableConcept code;
  Concept meaning = Concept::unknown;
  TimeRange effective;   // effective[x], or issued when effective[x] is absent
  bool effective_from_issued = false;
  Value value;
  std::vector<ObservationComponent> components;
  std::vector<CodeableConcept> interpretation;
  std::vector<std::string> notes;
  // From an `attribution` component (or a separate observation folded in by the
  // grading code): unknown unless charted.
  Concept attribution = Concept::unknown;
};

enum class AdministrationStatus {
  in_progress, not_done, on_hold, completed, entered_in_error, stopped, unknown
};

struct Dose {
  double value = 0;
  std::string unit;  // canonical: mg for mass, mg/kg per weight, U for units, else as charted
};

struct MedicationAdministration {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::string subject;
  AdministrationStatus status = AdministrationStatus::unknown;
  CodeableConcept medication;  // the code itself, or the referenced Medication's code
  Concept drug = Concept::unknown;
  bool drug_by_name = false;
  TimeRange start;
  // effectivePeriod.end; absent for effectiveDateTime (a bolus) and for an
  // open period (still running).
  std::optional<TimeRange> end;
  bool is_period = false;
  std::optional<Dose> dose;
  std::optional<Dose> rate;  // canonical rate unit (e.g. ug/kg/min, ug/min, U/min)
  CodeableConcept route;
};

enum class RequestStatus {
  active, on_hold, cancelled, completed, entered_in_error, stopped, draft, unknown
};

struct Timing {
  double frequency = 0;     // times per period
  double period_hours = 0;  // period in hours (0: not charted)
  std::string text;
};

struct MedicationRequest {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::string subject;
  RequestStatus status = RequestStatus::unknown;
  std::string intent;
  CodeableConcept medication;
  Concept drug = Concept::unknown;
  bool drug_by_name = false;
  std::optional<TimeRange> authored_on;
  std::optional<Dose> dose;
  CodeableConcept route;
  Timing timing;
};

struct ServiceRequest {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::string subject;
  RequestStatus status = RequestStatus::unknown;
  std::string intent;
  CodeableConcept code;
  Concept service = Concept::unknown;
  std::optional<TimeRange> authored_on;
  std::optional<TimeRange> occurrence;
};

enum class ReportStatus {
  registered, partial, preliminary, final_, amended, corrected, appended, cancelled,
  entered_in_error, unknown
};

struct DiagnosticReport {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::string subject;
  ReportStatus status = ReportStatus::unknown;
  CodeableConcept code;
  Concept service = Concept::unknown;
  std::optional<TimeRange> effective;
  std::optional<TimeRange> issued;
  std::string conclusion;
  std::vector<CodeableConcept> conclusion_codes;
  std::vector<Concept> findings;  // conclusion codes that map to icp_* or other findings
};

enum class ProcedureStatus {
  preparation, in_progress, not_done, on_hold, stopped, completed, entered_in_error, unknown
};

// The immune effector cell therapy infusion (or another procedure).
struct Procedure {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::string subject;
  ProcedureStatus status = ProcedureStatus::unknown;
  CodeableConcept code;
  Concept meaning = Concept::unknown;  // the procedure itself
  Concept product = Concept::unknown;  // from code, usedCode or text: the cell therapy product
  std::optional<TimeRange> performed;  // performedDateTime or performedPeriod.start
};

struct Patient {
  std::string id;
  Origin origin;
  VersionInfo version;
  std::optional<TimeRange> birth_date;
  std::string gender;
};

}  // namespace fhir
