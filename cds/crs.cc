#include "cds/crs.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "cds/domain_observations.h"
#include "cds/window.h"
#include "fhir/units.h"

namespace icans {
namespace {

// Every step below grades with or without explaining itself. Given
// `warnings`, it writes each domain's reason and evidence and appends its
// warnings; given none (the worst-grade scan, which grades every relevant
// time since day 0 and keeps only the numbers), it builds no text at all and
// decides in exactly the same way.
using Warnings = std::vector<std::string>*;

using fhir::Concept;
using Kind = fhir::Value::Kind;

// The same resource can be looked at by more than one rule; say it once.
void warn(std::vector<std::string>& warnings, std::string text) {
  if (std::find(warnings.begin(), warnings.end(), text) == warnings.end()) {
    warnings.push_back(std::move(text));
  }
}

std::string display(Concept c) { return std::string(fhir::concept_info(c).display); }

// As `std::ostream << value` writes it (printf's %g, 6 significant digits),
// without building a stream.
std::string number_text(double value) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 6);
  return std::string(text, written.ptr);
}

// As snprintf(text, 32, "%.1f") writes it, cut at 31 characters (only a
// value beyond any temperature is that long), without the formatting
// machinery: std::to_chars with a precision is specified to write what
// printf writes with it, and 320 characters hold any double so.
std::string celsius_text(double celsius) {
  char text[320];
  const auto written = std::to_chars(text, text + sizeof text, celsius, std::chars_format::fixed, 1);
  const std::size_t length = std::min<std::size_t>(written.ptr - text, 31);
  return std::string(text, length) + " Cel";
}

std::string hours_text(double hours) { return number_text(hours) + " h"; }

std::string observation_ref(const fhir::Observation& observation) {
  return reference("Observation", observation.id);
}

std::string administration_ref(const fhir::MedicationAdministration& administration) {
  return reference("MedicationAdministration", administration.id);
}

Evidence evidence_of(const fhir::Observation& observation, std::string finding) {
  return {observation_ref(observation), observation.effective.earliest, std::move(finding)};
}

bool one_of(Concept c, std::initializer_list<Concept> concepts) {
  return std::find(concepts.begin(), concepts.end(), c) != concepts.end();
}

bool usable(const fhir::Observation& observation, Warnings warnings) {
  if (!warnings) return usable_for_grading(observation, nullptr);
  std::vector<std::string> status_warnings;
  const bool ok = usable_for_grading(observation, status_warnings);
  for (auto& text : status_warnings) warn(*warnings, std::move(text));
  return ok;
}

bool attributed_elsewhere(const fhir::Observation& observation, Warnings warnings) {
  if (observation.attribution != Concept::attributable_other_cause) return false;
  if (warnings) {
    warn(*warnings, observation_ref(observation) +
                        " is charted as attributable to another cause; not counted for CRS");
  }
  return true;
}

// One domain's observations a CRS rule may use: inside its window, with a
// usable status, not attributed to another cause. Later than T is outside,
// so invisible.
std::vector<const fhir::Observation*> observations_in(const ObservationTimes& times,
                                                      const Window& window, double hours,
                                                      Warnings warnings) {
  const auto candidates = times.near(window);
  std::vector<const fhir::Observation*> found;
  found.reserve(candidates.size());
  for (const fhir::Observation* observation : candidates) {
    const Placement placement = place(observation->effective, window);
    if (placement == Placement::outside) continue;
    if (placement == Placement::uncertain) {
      if (warnings) {
        warn(*warnings, observation_ref(*observation) + ": time too imprecise to place in the " +
                            hours_text(hours) + " window; not graded");
      }
      continue;
    }
    if (!usable(*observation, warnings)) continue;
    if (attributed_elsewhere(*observation, warnings)) continue;
    found.push_back(observation);
  }
  return found;
}

// A quantity in the unit intake converts it to; anything else is not guessed.
std::optional<double> quantity_in(const fhir::Value& value, std::string_view unit) {
  if (value.kind != Kind::quantity || value.unit != unit) return std::nullopt;
  return value.number;
}

// ---- Fever -----------------------------------------------------------------

std::optional<double> celsius_of(const fhir::Observation& observation, Warnings warnings) {
  const auto celsius = quantity_in(observation.value, "Cel");
  if (!celsius) {
    if (warnings) {
      warn(*warnings, observation_ref(observation) + ": temperature without a value in Cel; not graded");
    }
    return std::nullopt;
  }
  // Compared after rounding to 0.1 Cel, so 100.4 [degF] is a fever.
  return fhir::round_to_tenth(*celsius);
}

struct Masking {
  const fhir::Observation* fever = nullptr;
  double fever_celsius = 0;
  const fhir::MedicationAdministration* drug = nullptr;
};

// Fevers charted since the cell therapy, up to T, that could have been masked.
std::vector<Masking> fevers_since(const ObservationTimes& temperatures, fhir::Instant at,
                                  fhir::Instant infusion, const GradingConfig& config) {
  std::vector<Masking> fevers;
  for (const fhir::Observation* observation : temperatures.all()) {
    if (observation->effective.earliest <= infusion || observation->effective.latest > at) continue;
    if (observation->attribution == Concept::attributable_other_cause) continue;
    // Only the fever finally used is reported.
    if (!usable_for_grading(*observation, nullptr)) continue;
    const auto celsius = quantity_in(observation->value, "Cel");
    if (!celsius || fhir::round_to_tenth(*celsius) < config.fever_celsius) continue;
    fevers.push_back({observation, fhir::round_to_tenth(*celsius), nullptr});
  }
  return fevers;
}

// The latest antipyretic or anti-cytokine drug given after a fever charted
// since the cell therapy, with the latest fever before it: it can hide the
// fever that CRS grading requires. Premedication at or before the infusion
// is not a treatment of CRS.
std::optional<Masking> find_masking(const fhir::PatientRecord& record,
                                    const DomainObservations& observations, fhir::Instant at,
                                    fhir::Instant infusion, const GradingConfig& config) {
  std::optional<Masking> found;
  std::optional<std::vector<Masking>> fevers;  // looked up only when a drug was given
  for (const auto& administration : record.administrations) {
    if (!fhir::is_antipyretic_or_anticytokine(administration.drug)) continue;
    if (!counts_as_given(administration)) continue;
    // No infusion check needed here: the drug must follow a fever charted
    // after the infusion, so premedication never qualifies.
    const fhir::TimeRange& given = administration.start;
    if (given.latest > at) continue;
    if (found && found->drug->start.earliest > given.earliest) continue;
    if (!fevers) fevers = fevers_since(observations.temperature, at, infusion, config);
    const Masking* latest_fever = nullptr;
    for (const auto& fever : *fevers) {
      if (fever.fever->effective.latest > given.earliest) continue;
      if (!latest_fever ||
          fever.fever->effective.earliest >= latest_fever->fever->effective.earliest) {
        latest_fever = &fever;
      }
    }
    if (!latest_fever) continue;
    found = *latest_fever;
    found->drug = &administration;
  }
  return found;
}

struct FeverState {
  bool present = false;              // fever in the window
  bool masked = false;               // fever not required: treated after an earlier fever
  bool temperature_charted = false;  // afebrile is known, not assumed
};

DomainResult fever_domain(const std::vector<const fhir::Observation*>& temperatures,
                          const std::optional<Masking>& masking, const GradingConfig& config,
                          FeverState& state, Warnings warnings) {
  DomainResult domain{"fever", std::nullopt, "crs.fever", "", {}};
  const fhir::Observation* highest = nullptr;
  double highest_celsius = 0;
  for (const auto* observation : temperatures) {
    const auto celsius = celsius_of(*observation, warnings);
    if (!celsius) continue;
    state.temperature_charted = true;
    if (!highest || *celsius >= highest_celsius) {
      highest = observation;
      highest_celsius = *celsius;
    }
  }
  const auto window = [&config] { return hours_text(config.fever_window_hours); };
  const auto highest_evidence = [&] {
    return evidence_of(*highest, "temperature " + celsius_text(highest_celsius));
  };

  if (highest && highest_celsius >= config.fever_celsius) {
    state.present = true;
    domain.grade = 1;
    if (warnings) {
      domain.reason = "temperature " + celsius_text(highest_celsius) + " >= " +
                      celsius_text(config.fever_celsius) + " in the last " + window() + ": fever";
      domain.evidence.push_back(highest_evidence());
    }
    return domain;
  }
  if (masking) {
    state.masked = true;
    domain.rule = "crs.fever-masked";
    domain.grade = 0;
    if (warnings) {
      domain.reason = "fever not required: " + display(masking->drug->drug) + " (" +
                      administration_ref(*masking->drug) + ") given after fever " +
                      celsius_text(masking->fever_celsius) + " (" + observation_ref(*masking->fever) +
                      ")";
      usable(*masking->fever, warnings);  // a preliminary fever is reported like any other
      domain.evidence.push_back(
          evidence_of(*masking->fever, "temperature " + celsius_text(masking->fever_celsius)));
      domain.evidence.push_back({administration_ref(*masking->drug), masking->drug->start.earliest,
                                 display(masking->drug->drug) + " given"});
      if (highest) domain.evidence.push_back(highest_evidence());
    }
    return domain;
  }
  if (highest) {
    domain.grade = 0;
    if (warnings) {
      domain.reason = "afebrile: highest temperature " + celsius_text(highest_celsius) +
                      " in the last " + window();
      domain.evidence.push_back(highest_evidence());
    }
    return domain;
  }
  if (warnings) domain.reason = "no temperature charted in the last " + window();
  return domain;
}

// ---- Hypotension -----------------------------------------------------------

struct PressureThresholds {
  double systolic = 0;
  double mean = 0;  // 0: no MAP threshold
  std::optional<int> pediatric_age;  // a pediatric band applies: the age in years
  bool age_known = false;
};

PressureThresholds thresholds_for(std::optional<int> age_years, const GradingConfig& config) {
  if (age_years) {
    for (const auto& band : config.pediatric_bp) {
      if (*age_years < band.below_age_years) {
        return {band.systolic_base + band.systolic_per_year * *age_years, band.mean, age_years, true};
      }
    }
    return {config.adult_systolic_below, config.adult_mean_below, std::nullopt, true};
  }
  return {config.adult_systolic_below, config.adult_mean_below, std::nullopt, false};
}

std::string thresholds_text(const PressureThresholds& thresholds) {
  std::string text = "systolic < " + number_text(thresholds.systolic);
  if (thresholds.mean > 0) text += " or MAP < " + number_text(thresholds.mean);
  const std::string basis = thresholds.pediatric_age ? "age " + std::to_string(*thresholds.pediatric_age) + " y"
                            : thresholds.age_known   ? "adult"
                                                     : "adult, age unknown";
  return text + " mm[Hg], " + basis;
}

struct Pressure {
  const fhir::Observation* observation = nullptr;
  Concept kind = Concept::systolic_bp;  // or mean_bp
  double mm_hg = 0;
};

std::string describe(const Pressure& pressure) {
  const char* what = pressure.kind == Concept::systolic_bp ? "systolic BP " : "MAP ";
  return what + number_text(pressure.mm_hg) + " mm[Hg]";
}

// Systolic and mean pressures, whether charted alone or in a blood pressure panel.
std::vector<Pressure> pressures_of(const std::vector<const fhir::Observation*>& observations,
                                   Warnings warnings) {
  std::vector<Pressure> pressures;
  pressures.reserve(observations.size() * 2);  // a panel holds a systolic and a mean
  auto add = [&](const fhir::Observation* observation, Concept kind, const fhir::Value& value) {
    const auto mm_hg = quantity_in(value, "mm[Hg]");
    if (!mm_hg) {
      if (warnings) {
        warn(*warnings, observation_ref(*observation) + ": " + display(kind) +
                            " without a value in mm[Hg]; not graded");
      }
      return;
    }
    pressures.push_back({observation, kind, *mm_hg});
  };
  for (const auto* observation : observations) {
    if (observation->meaning == Concept::bp_panel) {
      for (const auto& component : observation->components) {
        if (component.meaning == Concept::systolic_bp || component.meaning == Concept::mean_bp) {
          add(observation, component.meaning, component.value);
        }
      }
    } else {
      add(observation, observation->meaning, observation->value);
    }
  }
  return pressures;
}

bool is_low(const Pressure& pressure, const PressureThresholds& thresholds) {
  if (pressure.kind == Concept::systolic_bp) return pressure.mm_hg < thresholds.systolic;
  return thresholds.mean > 0 && pressure.mm_hg < thresholds.mean;
}

// One administration per distinct vasopressor acting at T (the latest started).
std::vector<const fhir::MedicationAdministration*> vasopressors_acting(
    const fhir::PatientRecord& record, fhir::Instant at, const GradingConfig& config) {
  std::vector<const fhir::MedicationAdministration*> acting;
  for (const auto& administration : record.administrations) {
    if (!fhir::is_vasopressor(administration.drug)) continue;
    if (!acting_at(administration, at, config.vasopressor_effect_hours)) continue;
    auto same = std::find_if(acting.begin(), acting.end(), [&](const auto* other) {
      return other->drug == administration.drug;
    });
    if (same == acting.end()) {
      acting.push_back(&administration);
    } else if ((*same)->start.earliest <= administration.start.earliest) {
      *same = &administration;
    }
  }
  return acting;
}

DomainResult vasopressor_result(const std::vector<const fhir::MedicationAdministration*>& acting,
                                bool low_pressure_charted, fhir::Instant at, Warnings warnings) {
  DomainResult domain{"hypotension", std::nullopt, "crs.vasopressors", "", {}};
  std::string names;
  int other_than_vasopressin = 0;
  for (const auto* administration : acting) {
    if (administration->drug != Concept::vasopressin) ++other_than_vasopressin;
    if (!warnings) continue;
    names += (names.empty() ? "" : ", ") + display(administration->drug);
    domain.evidence.push_back({administration_ref(*administration), administration->start.earliest,
                               display(administration->drug) + " acting at " +
                                   fhir::format_instant(at)});
  }
  // ASTCT 2019: multiple vasopressors excluding vasopressin -> grade 4;
  // one, with or without vasopressin -> grade 3.
  domain.grade = other_than_vasopressin >= 2 ? 4 : 3;
  if (warnings) {
    domain.reason = "vasopressors acting at T (" + names + "): " +
                    (*domain.grade == 4 ? "two or more other than vasopressin -> grade 4"
                                        : "one, not counting vasopressin -> grade 3");
    if (!low_pressure_charted) {
      domain.reason += "; no low pressure charted, the vasopressor counts as hypotension";
    }
  }
  return domain;
}

DomainResult hypotension_domain(const fhir::PatientRecord& record,
                                const DomainObservations& observations, fhir::Instant at,
                                fhir::Instant infusion, std::optional<int> age_years,
                                const GradingConfig& config, Warnings warnings) {
  const double hours = config.hypotension_window_hours;
  const auto charted =
      observations_in(observations.pressure, grading_window(at, hours, infusion), hours, warnings);
  const auto pressures = pressures_of(charted, warnings);
  const PressureThresholds thresholds = thresholds_for(age_years, config);
  if (!age_years && !pressures.empty() && warnings) {
    warn(*warnings, "age unknown (no birth date): adult blood pressure thresholds used for CRS");
  }

  // The lowest systolic and the lowest MAP below threshold, as the evidence.
  std::vector<Pressure> lowest;
  for (const auto& pressure : pressures) {
    if (!is_low(pressure, thresholds)) continue;
    auto same = std::find_if(lowest.begin(), lowest.end(),
                             [&](const Pressure& p) { return p.kind == pressure.kind; });
    if (same == lowest.end()) {
      lowest.push_back(pressure);
    } else if (pressure.mm_hg < same->mm_hg) {
      *same = pressure;
    }
  }
  std::vector<Evidence> low_evidence;
  if (warnings) {
    for (const auto& pressure : lowest) {
      low_evidence.push_back(evidence_of(*pressure.observation, describe(pressure)));
    }
  }

  const auto acting = vasopressors_acting(record, at, config);
  if (!acting.empty()) {
    DomainResult domain = vasopressor_result(acting, !lowest.empty(), at, warnings);
    domain.evidence.insert(domain.evidence.end(), low_evidence.begin(), low_evidence.end());
    return domain;
  }
  DomainResult domain{"hypotension", std::nullopt, "crs.hypotension", "", {}};
  if (!lowest.empty()) {
    domain.grade = 2;
    if (warnings) {
      domain.reason = describe(lowest.front()) + " (" + thresholds_text(thresholds) +
                      ") not needing vasopressors -> grade 2";
      domain.evidence = low_evidence;
    }
    return domain;
  }
  if (!pressures.empty()) {
    domain.grade = 0;
    if (warnings) {
      domain.reason = "no pressure below threshold (" + thresholds_text(thresholds) +
                      ") in the last " + hours_text(hours);
      const auto& latest = pressures.back();
      domain.evidence.push_back(evidence_of(*latest.observation, describe(latest)));
    }
    return domain;
  }
  if (warnings) domain.reason = "no blood pressure charted in the last " + hours_text(hours);
  return domain;
}

// ---- Hypoxia ---------------------------------------------------------------

bool comfort_only(const fhir::Observation& delivery) {
  if (delivery.value.kind == Kind::coded && delivery.value.answer == Concept::comfort_only) {
    return true;
  }
  return std::any_of(delivery.components.begin(), delivery.components.end(), [](const auto& c) {
    return c.meaning == Concept::oxygen_purpose && c.value.kind == Kind::coded &&
           c.value.answer == Concept::comfort_only;
  });
}

bool same_time(const fhir::TimeRange& a, const fhir::TimeRange& b) {
  return a.earliest == b.earliest && a.latest == b.latest;
}

std::optional<double> flow_of(const fhir::Observation& observation, const fhir::Value& value,
                              Warnings warnings) {
  const auto l_min = quantity_in(value, "L/min");
  if (!l_min && warnings) {
    warn(*warnings, observation_ref(observation) + ": oxygen flow without a value in L/min; not used");
  }
  return l_min;
}

// The flow charted with a delivery observation: its own component first,
// else a flow observation at the same effective time.
std::optional<double> flow_with(const fhir::Observation& delivery,
                                const std::vector<const fhir::Observation*>& oxygen,
                                Warnings warnings) {
  for (const auto& component : delivery.components) {
    if (component.meaning == Concept::o2_flow_rate) return flow_of(delivery, component.value, warnings);
  }
  for (const auto* observation : oxygen) {
    if (observation->meaning == Concept::o2_flow_rate &&
        same_time(observation->effective, delivery.effective)) {
      return flow_of(*observation, observation->value, warnings);
    }
  }
  return std::nullopt;
}

bool has_delivery_at(const fhir::Observation& flow,
                     const std::vector<const fhir::Observation*>& oxygen) {
  return std::any_of(oxygen.begin(), oxygen.end(), [&](const auto* observation) {
    return observation->meaning == Concept::oxygen_delivery &&
           same_time(observation->effective, flow.effective);
  });
}

// The latest charted oxygen fact: a delivery observation, or a flow charted
// without one. The current support sets the grade, not the worst of the day.
const fhir::Observation* latest_oxygen(const std::vector<const fhir::Observation*>& oxygen) {
  const fhir::Observation* latest = nullptr;
  for (const auto* observation : oxygen) {
    if (observation->meaning == Concept::o2_flow_rate && has_delivery_at(*observation, oxygen)) {
      continue;
    }
    if (!latest || observation->effective.earliest >= latest->effective.earliest) {
      latest = observation;
    }
  }
  return latest;
}

std::string flow_text(double l_min) { return number_text(l_min) + " L/min"; }

int grade_from_flow(double l_min, const GradingConfig& config) {
  return l_min > config.low_flow_cannula_max_l_min ? 3 : 2;
}

DomainResult flow_without_device(const fhir::Observation& observation, double l_min,
                                 const GradingConfig& config, Warnings warnings) {
  DomainResult domain{"hypoxia", std::nullopt, "crs.hypoxia", "", {}};
  if (warnings) domain.evidence.push_back(evidence_of(observation, "oxygen " + flow_text(l_min)));
  if (l_min <= 0) {
    domain.grade = 0;
    if (warnings) domain.reason = "oxygen flow " + flow_text(l_min) + ": no oxygen";
    return domain;
  }
  domain.grade = grade_from_flow(l_min, config);
  if (warnings) {
    domain.reason = "oxygen " + flow_text(l_min) + ", device not charted -> grade " +
                    std::to_string(*domain.grade);
    warn(*warnings, observation_ref(observation) + ": oxygen " + flow_text(l_min) +
                        " charted without a device; graded " + std::to_string(*domain.grade) +
                        " (above " + flow_text(config.low_flow_cannula_max_l_min) +
                        " counts as high-flow)");
  }
  return domain;
}

// ASTCT 2019: low-flow nasal cannula (<= 6 L/min) or blow-by -> 2; high-flow
// cannula, facemask, non-rebreather or Venturi mask -> 3; positive pressure -> 4.
std::optional<int> grade_from_device(Concept device) {
  switch (device) {
    case Concept::o2_room_air:
      return 0;
    case Concept::o2_low_flow_nasal_cannula:
    case Concept::o2_blow_by:
      return 2;
    case Concept::o2_high_flow_nasal_cannula:
    case Concept::o2_facemask:
    case Concept::o2_non_rebreather:
    case Concept::o2_venturi:
      return 3;
    case Concept::o2_cpap:
    case Concept::o2_bipap:
    case Concept::o2_mechanical_ventilation:
      return 4;
    default:
      return std::nullopt;
  }
}

DomainResult delivery_result(const fhir::Observation& delivery,
                             const std::vector<const fhir::Observation*>& oxygen,
                             const GradingConfig& config, Warnings warnings) {
  DomainResult domain{"hypoxia", std::nullopt, "crs.hypoxia", "", {}};
  const std::string ref = warnings ? observation_ref(delivery) : std::string();
  if (comfort_only(delivery)) {
    domain.grade = 0;
    if (warnings) {
      domain.reason = "latest oxygen (" + ref + ") charted as comfort only: not hypoxia";
      domain.evidence.push_back(evidence_of(delivery, "oxygen for comfort only"));
      warn(*warnings, ref + ": oxygen charted as comfort only; not counted as hypoxia for CRS");
    }
    return domain;
  }
  const Concept device =
      delivery.value.kind == Kind::coded ? delivery.value.answer : Concept::unknown;
  const auto flow = flow_with(delivery, oxygen, warnings);
  const auto device_grade = grade_from_device(device);
  if (!device_grade) {
    if (flow) return flow_without_device(delivery, *flow, config, warnings);
    if (warnings) {
      domain.reason = "latest oxygen delivery (" + ref + ") names no recognised device";
      warn(*warnings, ref + ": oxygen delivery device not recognised; hypoxia not graded");
      domain.evidence.push_back(evidence_of(delivery, "oxygen delivery, device not recognised"));
    }
    return domain;
  }
  std::string finding;
  if (warnings) {
    finding = display(device);
    if (flow) finding += " " + flow_text(*flow);
    domain.evidence.push_back(evidence_of(delivery, finding));
  }
  domain.grade = device_grade;
  if (warnings) domain.reason = finding + " -> grade " + std::to_string(*domain.grade);
  if (device == Concept::o2_low_flow_nasal_cannula) {
    if (!flow) {
      if (warnings) {
        warn(*warnings, ref + ": nasal cannula without a charted flow; graded 2, grade 3 if above " +
                            flow_text(config.low_flow_cannula_max_l_min));
      }
    } else if (grade_from_flow(*flow, config) == 3) {
      domain.grade = 3;
      if (warnings) {
        domain.reason = finding + ": above " + flow_text(config.low_flow_cannula_max_l_min) +
                        " counts as high-flow -> grade 3";
      }
    }
  }
  return domain;
}

DomainResult hypoxia_domain(const DomainObservations& observations, fhir::Instant at,
                            fhir::Instant infusion, const GradingConfig& config, Warnings warnings) {
  const double hours = config.oxygen_window_hours;
  const auto oxygen =
      observations_in(observations.oxygen, grading_window(at, hours, infusion), hours, warnings);
  const fhir::Observation* latest = latest_oxygen(oxygen);
  if (!latest) {
    return {"hypoxia", std::nullopt, "crs.hypoxia",
            warnings ? "no oxygen delivery charted in the last " + hours_text(hours) : std::string(), {}};
  }
  if (latest->meaning == Concept::oxygen_delivery) {
    return delivery_result(*latest, oxygen, config, warnings);
  }
  const auto flow = flow_of(*latest, latest->value, warnings);
  if (!flow) {
    return {"hypoxia", std::nullopt, "crs.hypoxia",
            warnings ? "latest oxygen flow (" + observation_ref(*latest) + ") has no value in L/min"
                     : std::string(),
            {}};
  }
  return flow_without_device(*latest, *flow, config, warnings);
}

// ---- Result ----------------------------------------------------------------

// Orders and charting that look like treatment but are not counted as given:
// said, never graded, so nothing to do when not explaining.
void report_not_given(const fhir::PatientRecord& record, fhir::Instant at, fhir::Instant infusion,
                      const GradingConfig& config, std::vector<std::string>& warnings) {
  const Window window = grading_window(at, config.hypotension_window_hours, infusion);
  for (const auto& administration : record.administrations) {
    using S = fhir::AdministrationStatus;
    if (administration.status != S::on_hold && administration.status != S::unknown) continue;
    if (administration.start.earliest > at) continue;
    const Concept drug = administration.drug;
    const bool vasopressor = fhir::is_vasopressor(drug) &&
                             (place(administration.start, window) != Placement::outside ||
                              (administration.is_period && !administration.end));
    const bool anticytokine =
        one_of(drug, {Concept::tocilizumab, Concept::siltuximab, Concept::anakinra}) &&
        administration.start.latest > infusion;
    if (!vasopressor && !anticytokine) continue;
    const char* status = administration.status == S::on_hold ? "on hold" : "of unknown status";
    warn(warnings, administration_ref(administration) + " (" + display(drug) + ") is " + status +
                       ": reported, not counted as given");
  }
}

std::string finding_at(const Evidence& evidence) {
  return evidence.resource + ": " + evidence.finding + " at " + fhir::format_instant(evidence.time);
}

GradeResult grade(const fhir::PatientRecord& record, const DomainObservations& observations,
                  fhir::Instant at, fhir::Instant infusion, std::optional<int> age_years,
                  const GradingConfig& config, Warnings warnings) {
  const double fever_hours = config.fever_window_hours;
  const auto temperatures = observations_in(observations.temperature,
                                            grading_window(at, fever_hours, infusion), fever_hours, warnings);
  FeverState fever;
  GradeResult result;
  result.domains.reserve(3);
  result.domains.push_back(fever_domain(temperatures, find_masking(record, observations, at, infusion, config),
                                        config, fever, warnings));
  // ASTCT 2019: no CRS without fever, unless a drug may have hidden it. Then
  // pressure and oxygen only explain, and the grade alone (the worst-grade
  // scan, at most times) needs neither: 0, or nothing with no temperature.
  if (!warnings && !fever.present && !fever.masked) {
    if (fever.temperature_charted) result.grade = 0;
    return result;
  }
  result.domains.push_back(
      hypotension_domain(record, observations, at, infusion, age_years, config, warnings));
  result.domains.push_back(hypoxia_domain(observations, at, infusion, config, warnings));
  if (warnings) report_not_given(record, at, infusion, config, *warnings);

  DomainResult& fever_result = result.domains[0];
  const DomainResult& hypotension = result.domains[1];
  const DomainResult& hypoxia = result.domains[2];
  const int organ = std::max(hypotension.grade.value_or(0), hypoxia.grade.value_or(0));
  const auto no_temperature = [&] { return "no temperature charted in the last " + hours_text(fever_hours); };

  if (fever.present) {
    result.grade = std::max(1, organ);
    return result;
  }
  if (fever.masked) {
    // With fever no longer required the grade rests on pressure and oxygen;
    // with neither charted in the window there is nothing to grade on.
    if (!hypotension.grade && !hypoxia.grade && !fever.temperature_charted) {
      if (warnings) result.missing.push_back(no_temperature() + ", and no blood pressure or oxygen either");
      return result;
    }
    result.grade = organ;
    return result;
  }
  // ASTCT 2019: CRS requires fever; hypotension or hypoxia without it is
  // something else, unless antipyretics or anti-cytokine therapy hid the fever.
  if (warnings) {
    for (const DomainResult* domain : {&hypotension, &hypoxia}) {
      if (!domain->grade || *domain->grade == 0 || domain->evidence.empty()) continue;
      if (fever.temperature_charted) {
        warn(*warnings, finding_at(domain->evidence.front()) + " without fever: not graded as CRS");
      } else {
        warn(*warnings, finding_at(domain->evidence.front()) +
                            " with no temperature charted: CRS cannot be graded without one");
      }
    }
  }
  if (!fever.temperature_charted) {
    if (warnings) result.missing.push_back(no_temperature());
    return result;
  }
  result.grade = 0;
  if (organ > 0 && warnings) {
    fever_result.rule = "crs.no-fever-not-crs";
    const bool low_pressure = hypotension.grade.value_or(0) > 0;
    const bool low_oxygen = hypoxia.grade.value_or(0) > 0;
    const std::string what = low_pressure && low_oxygen ? "hypotension and hypoxia"
                             : low_pressure             ? "hypotension"
                                                        : "hypoxia";
    fever_result.reason += "; " + what +
                           " without fever and without earlier antipyretic or anti-cytokine "
                           "therapy is not CRS";
  }
  return result;
}

}  // namespace

GradeResult grade_crs(const fhir::PatientRecord& record, fhir::Instant at,
                      fhir::Instant infusion, std::optional<int> age_years,
                      const GradingConfig& config, std::vector<std::string>& warnings) {
  const DomainObservations observations(record.observations);
  return grade(record, observations, at, infusion, age_years, config, &warnings);
}

GradeResult grade_crs(const fhir::PatientRecord& record, const DomainObservations& observations,
                      fhir::Instant at, fhir::Instant infusion, std::optional<int> age_years,
                      const GradingConfig& config, std::vector<std::string>& warnings) {
  return grade(record, observations, at, infusion, age_years, config, &warnings);
}

std::optional<int> crs_grade_only(const fhir::PatientRecord& record,
                                  const DomainObservations& observations, fhir::Instant at,
                                  fhir::Instant infusion, std::optional<int> age_years,
                                  const GradingConfig& config) {
  return grade(record, observations, at, infusion, age_years, config, nullptr).grade;
}

}  // namespace icans
