#pragma once
// The FHIR R4 resources a card suggests creating: complete, valid JSON for
// MedicationRequest, ServiceRequest and Condition, built from plain drafts.
//
// Every resource is a draft (status "draft"): the clinician signs it in the
// EHR. A draft that lacks something FHIR requires, or carries a value FHIR does
// not allow, is refused with the reason naming the field; nothing is filled in
// by guesswork. tests/fhir-validation checks the output with two independent
// validators.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fhir/coding.h"
#include "fhir/time.h"

namespace icans {

inline constexpr const char* kIcd10CmSystem = "http://hl7.org/fhir/sid/icd-10-cm";
inline constexpr const char* kConditionClinicalSystem = "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr const char* kConditionVerificationSystem =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
inline constexpr const char* kConditionCategorySystem = "http://terminology.hl7.org/CodeSystem/condition-category";

// Why something is requested: a coded reason and/or text (reasonCode), and/or a
// reference to the resource that is the reason (reasonReference, e.g.
// "Condition/abc").
struct ReasonDraft {
  fhir::Coding coding;    // optional: empty code means none
  std::string text;       // optional
  std::string reference;  // optional relative reference "Type/id"
};

struct UcumUnit {
  std::string code;     // UCUM code, e.g. "mg"
  std::string display;  // as shown to people; the code when empty
};

struct MedicationRequestDraft {
  std::string id;          // optional: a create action may leave it to the EHR
  std::string patient_id;  // FHIR id of the Patient
  // What the pharmacy orders (site formulary or an RxNorm clinical drug), and
  // the RxNorm ingredient beside it so any system recognises the drug.
  // The orderable is optional (empty code); the ingredient is required.
  fhir::Coding orderable;
  fhir::Coding ingredient;
  std::string intent = "proposal";  // "proposal" or "order"
  double dose_value = 0;            // > 0, per administration
  UcumUnit dose_unit;
  fhir::Coding route;               // optional (empty code)
  int every_hours = 0;              // 0: a single dose
  int max_doses = 0;                // 0: no limit (only with every_hours)
  bool as_needed = false;
  std::string text;                 // the whole instruction as a person would write it; required
  std::optional<ReasonDraft> reason;
  std::string note;
};

struct ServiceRequestDraft {
  std::string id;
  std::string patient_id;
  fhir::Coding code;   // what is requested (imaging, consult, ...)
  std::string text;    // code.text; required, so the request reads well without the code
  std::string intent = "proposal";    // "proposal" or "order"
  std::string priority = "routine";   // "routine", "urgent", "asap" or "stat"; empty: omitted
  std::optional<ReasonDraft> reason;
  std::string note;
};

struct ConditionDraft {
  std::string id;
  std::string patient_id;
  std::vector<fhir::Coding> codings;  // e.g. ICD-10-CM beside the project code; at least one
  std::string text;                   // code.text, optional
  std::string clinical_status = "active";             // condition-clinical code
  std::string verification_status = "provisional";    // condition-ver-status code
  std::string category = "encounter-diagnosis";       // or "problem-list-item"
  std::optional<fhir::Instant> onset;                 // onsetDateTime
  std::string note;
};

struct ParsedResource;  // cards/parsed_resource.h

struct BuiltResource {
  std::string json;   // compact JSON of the resource; empty when error is set
  std::string error;  // what is wrong with the draft, naming the field
  // `json` with the DOM it was written from, which fhir::parse_json would
  // read from it; null when error is set, or when that is not certain
  // without parsing (fhir_resources.cc). A card's action keeps it.
  std::shared_ptr<const ParsedResource> parsed = nullptr;
};

BuiltResource medication_request(const MedicationRequestDraft& draft);
BuiltResource service_request(const ServiceRequestDraft& draft);
BuiltResource condition(const ConditionDraft& draft);

}  // namespace icans
