#pragma once
// Everything the grading rules leave to the institution: windows, thresholds,
// cut-offs. Defaults follow ASTCT 2019 (Lee et al.) and ASCO 2021; each is
// cited in docs/clinical-rules.md.

#include <map>
#include <string>
#include <vector>

#include "fhir/terminology.h"
#include "fhir/time.h"

namespace icans {

struct PediatricBpThreshold {
  double below_age_years = 0;  // applies when age < this (first match wins)
  double systolic_base = 0;    // hypotension: systolic < base + per_year * age
  double systolic_per_year = 0;
  double mean = 0;             // 0: no MAP threshold for this age band
};

struct GradingConfig {
  // Scope: T-cell engagers cause ICANS/CRS too, but ASTCT grading and our
  // protocol are written for CAR-T; sites opt in.
  bool include_t_cell_engagers = false;

  // Days after the first infusion during which the patient is graded. A
  // fever long after the cell therapy is far more likely infection than CRS;
  // without a horizon a septic patient infused last year would get CRS
  // advice. Late neurotoxicity exists (e.g. after ciltacabtagene), so sites
  // may widen it.
  double scope_days_after_infusion = 30;

  // CAPD instead of ICE below this age at T (ASCO 2021: "younger than 12").
  double pediatric_cutoff_years = 12;

  // Look-back windows, hours before T.
  double ice_window_hours = 24;            // ICE/CAPD and "not assessable"
  double consciousness_window_hours = 24;
  double motor_window_hours = 24;
  double seizure_window_hours = 24;        // event domain: any seizure in the window
  double imaging_window_hours = 72;        // oedema, papilloedema: stand until re-examined
  double fever_window_hours = 24;
  double hypotension_window_hours = 24;
  double oxygen_window_hours = 24;

  // How long a drug keeps acting after a bolus or a stopped infusion.
  double vasopressor_effect_hours = 6;
  std::map<fhir::Concept, double> sedative_effect_hours = {
      {fhir::Concept::propofol, 1},     {fhir::Concept::dexmedetomidine, 4},
      {fhir::Concept::midazolam, 6},    {fhir::Concept::lorazepam, 8}};

  double fever_celsius = 38.0;
  double adult_systolic_below = 90;  // mm[Hg]
  double adult_mean_below = 65;      // mm[Hg]
  // PALS-style thresholds (systolic < 70 + 2 x age in years for ages 1-10).
  std::vector<PediatricBpThreshold> pediatric_bp = {
      {1, 70, 0, 0}, {10, 70, 2, 0}, {18, 90, 0, 0}};
  double low_flow_cannula_max_l_min = 6;  // nasal cannula above this is high-flow
};

// Empty when valid; otherwise every problem, one per line.
std::string validate(const GradingConfig& config);

}  // namespace icans
