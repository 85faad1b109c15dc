#pragma once
// What the grading engine says about one patient at one instant T, and why.

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "fhir/terminology.h"
#include "fhir/time.h"
#include "fhir/warning.h"

namespace icans {

// One charted fact a grade rests on.
struct Evidence {
  std::string resource;  // "Observation/obs-12"
  fhir::Instant time = 0;
  std::string finding;   // "ICE 2/10", "systolic BP 86 mm[Hg]"
};

// What one domain (ICE, consciousness, fever, hypotension, ...) contributes.
struct DomainResult {
  std::string domain;
  std::optional<int> grade;  // empty: the domain could not be assessed
  std::string rule;          // id in docs/clinical-rules.md, e.g. "icans.ice"
  std::string reason;        // "ICE 2 (0-2) -> grade 3"
  std::vector<Evidence> evidence;
};

struct GradeResult {
  std::optional<int> grade;            // empty: cannot grade
  std::vector<DomainResult> domains;   // every domain considered, in table order
  std::vector<std::string> missing;    // what prevented grading, when grade is empty
  // The domains whose grade equals the result: what the grade rests on.
  std::vector<const DomainResult*> drivers() const;
};

enum class Tool { none, ice, capd };

// The latest ICE or CAPD assessment used at T.
struct Assessment {
  Tool tool = Tool::none;
  std::optional<int> score;  // ICE 0-10 or CAPD 0-32; empty when not computable
  fhir::Instant time = 0;    // when.earliest
  fhir::TimeRange when;
  std::vector<std::string> resources;
  std::vector<std::string> missing_items;  // an incomplete assessment
  fhir::Concept not_assessable = fhir::Concept::unknown;  // ice_na_* when charted so
};

struct Dose {
  fhir::Concept drug = fhir::Concept::unknown;
  fhir::Instant time = 0;
  std::optional<double> mg;  // empty when the dose was not charted in mass units
  std::string resource;
  bool partial = false;      // status stopped: counted as (partly) given
};

struct Treatment {
  std::vector<Dose> steroid_doses_24h;
  std::vector<Dose> steroid_doses_total;  // since the cell therapy
  double dexamethasone_equivalent_mg_24h = 0;
  double dexamethasone_equivalent_mg_total = 0;
  bool steroid_dose_unknown = false;     // a dose without mass units: totals are lower bounds
  std::vector<Dose> tocilizumab_doses_24h;
  std::vector<Dose> tocilizumab_doses_total;
  bool levetiracetam_active = false;
  std::string levetiracetam_evidence;    // the order or dose that makes it active
  std::vector<fhir::Concept> running_vasopressors;
  std::vector<fhir::Concept> active_sedatives;
};

struct Evaluation {
  std::string patient;
  fhir::Instant at = 0;

  bool in_scope = false;
  std::string scope_reason;  // why out of scope, or which therapy puts the patient in scope
  fhir::Concept product = fhir::Concept::unknown;
  std::optional<fhir::Instant> infusion;  // day 0
  std::string infusion_resource;
  std::optional<int> day_post_infusion;   // whole days since the first infusion
  std::optional<int> age_years;

  Assessment assessment;                  // latest ICE/CAPD in its window
  std::optional<int> previous_ice;        // the assessment before it, for the trend
  bool ice_declining = false;

  GradeResult icans;
  GradeResult crs;
  std::optional<int> icans_worst;         // since the cell therapy, up to T
  std::optional<int> crs_worst;
  // [g - 1]: since when ICANS has been at least grade g without a break: the
  // first evaluated time of the current run (a time that cannot be graded
  // neither starts nor breaks it). Empty unless ICANS is at least g at T.
  // [0] is the onset of the current episode (product rules count hours from
  // the infusion to it); [2] tells how long grade >= 3 has persisted.
  std::array<std::optional<fhir::Instant>, 4> icans_at_least_since;

  Treatment treatment;
  std::vector<std::string> warnings;      // grading warnings; record warnings are kept apart
};

}  // namespace icans
