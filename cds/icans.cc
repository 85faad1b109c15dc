#include "cds/icans.h"

#include <algorithm>
#include <span>

#include "cds/domain_observations.h"
#include "cds/ice.h"
#include "cds/window.h"

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

std::string display(Concept c) { return std::string(fhir::concept_info(c).display); }

Evidence evidence_of(const fhir::Observation& observation, const std::string& finding) {
  return {reference("Observation", observation.id), observation.effective.earliest, finding};
}

// A finding observation either carries its answer (code = the finding, value
// = answer) or is itself coded as the answer (a SNOMED finding code) with a
// boolean or no value. Returns the answer present, or unknown.
Concept answer_of(const fhir::Observation& observation, Concept finding) {
  if (observation.meaning == finding) {
    return observation.value.kind == Kind::coded ? observation.value.answer : Concept::unknown;
  }
  if (observation.value.kind == Kind::boolean && !observation.value.boolean) return Concept::unknown;
  if (observation.value.kind == Kind::none || observation.value.kind == Kind::boolean) {
    return observation.meaning;
  }
  return Concept::unknown;
}

// One domain's observations inside a window, oldest first, with imprecise
// times and unusable statuses reported rather than guessed.
std::vector<const fhir::Observation*> findings_in_window(const ObservationTimes& times,
                                                         const Window& window, Warnings warnings) {
  const auto candidates = times.near(window);
  std::vector<const fhir::Observation*> found;
  found.reserve(candidates.size());
  for (const fhir::Observation* observation : candidates) {
    const Placement placement = place(observation->effective, window);
    if (placement == Placement::outside) continue;
    if (placement == Placement::uncertain) {
      if (warnings) {
        warnings->push_back(reference("Observation", observation->id) +
                            ": time too imprecise to place in the grading window; not graded");
      }
      continue;
    }
    if (!usable_for_grading(*observation, warnings)) continue;
    found.push_back(observation);
  }
  return found;
}

bool attributed_elsewhere(const fhir::Observation& observation, const char* what, Warnings warnings) {
  if (observation.attribution != Concept::attributable_other_cause) return false;
  if (warnings) {
    warnings->push_back(reference("Observation", observation.id) + " (" + what +
                        ") is charted as attributable to another cause; not counted for ICANS");
  }
  return true;
}

// A sedative acting when the finding was charted, unless the finding is
// charted as not attributable to another cause.
const fhir::MedicationAdministration* sedative_at(const fhir::PatientRecord& record,
                                                  const fhir::Observation& observation,
                                                  const GradingConfig& config) {
  if (observation.attribution == Concept::not_attributable_other_cause) return nullptr;
  for (const auto& administration : record.administrations) {
    if (!fhir::is_sedative(administration.drug)) continue;
    auto it = config.sedative_effect_hours.find(administration.drug);
    const double hours = it == config.sedative_effect_hours.end() ? 0 : it->second;
    if (acting_at(administration, observation.effective.earliest, hours)) return &administration;
  }
  return nullptr;
}

std::string sedation_text(const fhir::MedicationAdministration& sedative) {
  return display(sedative.drug) + " (" + reference("MedicationAdministration", sedative.id) + ")";
}

DomainResult assessment_domain(const fhir::PatientRecord& record, const Assessment& assessment,
                               const fhir::Observation* not_assessable_observation,
                               const GradingConfig& config, Warnings warnings) {
  DomainResult domain;
  domain.domain = assessment.tool == Tool::capd ? "CAPD" : "ICE";
  if (warnings) {
    for (const auto& resource : assessment.resources) {
      std::string finding;
      if (assessment.score) {
        finding = domain.domain + " " + std::to_string(*assessment.score) +
                  (assessment.tool == Tool::capd ? "/32" : "/10");
      } else if (assessment.not_assessable != Concept::unknown) {
        finding = "not assessable: " + display(assessment.not_assessable);
      } else {
        finding = domain.domain + " not computable";
      }
      domain.evidence.push_back({resource, assessment.time, finding});
    }
  }
  if (assessment.score) {
    if (assessment.tool == Tool::capd) {
      domain.rule = "icans.capd";
      domain.grade = grade_from_capd(*assessment.score);
      if (warnings) {
        domain.reason = "CAPD " + std::to_string(*assessment.score) + " -> grade " +
                        std::to_string(*domain.grade);
      }
    } else {
      domain.rule = "icans.ice";
      domain.grade = grade_from_ice(*assessment.score);
      if (warnings) {
        domain.reason = "ICE " + std::to_string(*assessment.score) + " -> grade " +
                        std::to_string(*domain.grade);
      }
    }
    return domain;
  }
  if (assessment.not_assessable == Concept::ice_na_unarousable) {
    domain.domain = "ICE/CAPD";
    domain.rule = "icans.unable-unarousable";
    const fhir::MedicationAdministration* sedative =
        not_assessable_observation ? sedative_at(record, *not_assessable_observation, config) : nullptr;
    if (sedative) {
      if (warnings) {
        domain.reason = "unable to perform ICE/CAPD, unarousable, possibly due to sedation by " +
                        sedation_text(*sedative) + "; does not set the grade";
        warnings->push_back(domain.reason);
      }
      return domain;
    }
    domain.grade = 4;
    if (warnings) domain.reason = "unarousable and unable to perform ICE/CAPD -> grade 4";
    return domain;
  }
  if (assessment.not_assessable != Concept::unknown) {
    domain.domain = "ICE/CAPD";
    domain.rule = "icans.not-assessable";
    if (warnings) {
      domain.reason = "ICE/CAPD not assessable (" + display(assessment.not_assessable) +
                      "): this domain is unknown, not grade 4";
    }
    return domain;
  }
  domain.rule = assessment.tool == Tool::capd ? "icans.capd" : "icans.ice";
  if (warnings) {
    domain.reason = domain.domain + " could not be scored" +
                    (assessment.missing_items.empty() ? "" : " (incomplete)");
  }
  return domain;
}

DomainResult consciousness_domain(const fhir::PatientRecord& record, const GradingConfig& config,
                                  const fhir::Observation& latest, Warnings warnings) {
  DomainResult domain{"consciousness", std::nullopt, "icans.consciousness", "", {}};
  const Concept answer = answer_of(latest, Concept::level_of_consciousness);
  if (warnings) {
    domain.evidence.push_back(evidence_of(latest, "level of consciousness: " + display(answer)));
  }
  if (attributed_elsewhere(latest, "level of consciousness", warnings)) {
    if (warnings) domain.reason = "latest level of consciousness is attributed to another cause";
    return domain;
  }
  int grade = 0;
  switch (answer) {
    case Concept::loc_awakens_spontaneously: grade = 0; break;
    case Concept::loc_awakens_to_voice: grade = 2; break;
    case Concept::loc_awakens_to_tactile: grade = 3; break;
    case Concept::loc_unarousable: grade = 4; break;
    default:
      if (warnings) {
        domain.reason = "level of consciousness charted with an unrecognised answer";
        warnings->push_back(reference("Observation", latest.id) + ": " + domain.reason);
      }
      return domain;
  }
  if (grade >= 2) {
    if (const fhir::MedicationAdministration* sedative = sedative_at(record, latest, config)) {
      if (warnings) {
        domain.reason = display(answer) + " possibly due to sedation by " + sedation_text(*sedative) +
                        "; does not set the grade unless charted as not attributable to it";
        warnings->push_back(domain.reason);
      }
      return domain;
    }
  }
  domain.grade = grade;
  if (warnings) domain.reason = display(answer) + " -> grade " + std::to_string(grade);
  return domain;
}

std::optional<DomainResult> seizure_domain(const DomainObservations& observations, fhir::Instant at,
                                           fhir::Instant infusion, const GradingConfig& config,
                                           Warnings warnings) {
  const auto found = findings_in_window(
      observations.seizure, grading_window(at, config.seizure_window_hours, infusion), warnings);
  if (found.empty()) return std::nullopt;
  DomainResult domain{"seizure", 0, "icans.seizure", "", {}};
  bool counted = false;  // a seizure that counts for ICANS, named in the evidence
  for (const auto* observation : found) {
    Concept answer = answer_of(*observation, Concept::seizure);
    int grade = 0;
    const char* what = nullptr;  // display(answer) unless set
    if (observation->meaning == Concept::seizure && observation->value.kind != Kind::coded) {
      // A plain "seizure" code says nothing of its duration.
      if (observation->value.kind == Kind::boolean && !observation->value.boolean) continue;
      grade = 3;
      what = "seizure, duration not charted";
      if (warnings) {
        warnings->push_back(reference("Observation", observation->id) +
                            ": seizure without duration; graded 3, grade 4 if it lasted > 5 min or "
                            "repeated without return to baseline");
      }
    } else if (answer == Concept::seizure_rapidly_resolving) {
      grade = 3;
    } else if (answer == Concept::seizure_prolonged_or_repetitive) {
      grade = 4;
    } else {
      continue;  // seizure-none: an event domain is not cleared by a later "none"
    }
    if (attributed_elsewhere(*observation, "seizure", warnings)) continue;
    counted = true;
    const std::string finding = !warnings ? std::string() : what ? std::string(what) : display(answer);
    if (warnings) domain.evidence.push_back(evidence_of(*observation, finding));
    if (grade > *domain.grade) {
      domain.grade = grade;
      if (warnings) {
        domain.reason = finding + " in the last " + std::to_string(int(config.seizure_window_hours)) +
                        " h -> grade " + std::to_string(grade);
      }
    }
  }
  if (!counted) return std::nullopt;
  return domain;
}

std::optional<DomainResult> motor_domain(const DomainObservations& observations, fhir::Instant at,
                                         fhir::Instant infusion, const GradingConfig& config,
                                         Warnings warnings) {
  const auto found = findings_in_window(
      observations.motor, grading_window(at, config.motor_window_hours, infusion), warnings);
  if (found.empty()) return std::nullopt;
  const auto& latest = *found.back();
  const Concept answer = answer_of(latest, Concept::motor_finding);
  DomainResult domain{"motor", std::nullopt, "icans.motor", "", {}};
  if (warnings) domain.evidence.push_back(evidence_of(latest, "motor: " + display(answer)));
  if (attributed_elsewhere(latest, "motor finding", warnings)) {
    if (warnings) domain.reason = "latest motor finding is attributed to another cause";
    return domain;
  }
  if (answer == Concept::motor_deep_focal_weakness) {
    domain.grade = 4;
    if (warnings) domain.reason = "deep focal motor weakness -> grade 4";
  } else if (answer == Concept::motor_none) {
    domain.grade = 0;
    if (warnings) domain.reason = "no focal motor weakness";
  } else if (warnings) {
    domain.reason = "motor finding with an unrecognised answer";
  }
  return domain;
}

int icp_grade(Concept finding) {
  switch (finding) {
    case Concept::icp_focal_edema:
    case Concept::icp_edema_unspecified:
      return 3;
    case Concept::icp_diffuse_edema:
    case Concept::icp_posturing:
    case Concept::icp_cranial_nerve_vi_palsy:
    case Concept::icp_papilledema:
    case Concept::icp_cushings_triad:
      return 4;
    default:
      return 0;
  }
}

bool report_counts(const fhir::DiagnosticReport& report) {
  using S = fhir::ReportStatus;
  return report.status == S::final_ || report.status == S::amended ||
         report.status == S::corrected || report.status == S::appended ||
         report.status == S::preliminary || report.status == S::partial;
}

struct IcpFinding {
  Concept finding;  // icp_none clears what came before it
  fhir::Instant time;
  Evidence evidence;  // empty when not explaining
  bool attributed_elsewhere = false;
};

std::optional<DomainResult> icp_domain(const fhir::PatientRecord& record,
                                       const DomainObservations& observations, fhir::Instant at,
                                       fhir::Instant infusion, const GradingConfig& config,
                                       Warnings warnings) {
  const Window window = grading_window(at, config.imaging_window_hours, infusion);
  std::vector<IcpFinding> findings;
  for (const auto* observation : findings_in_window(observations.icp, window, warnings)) {
    const Concept answer = answer_of(*observation, Concept::icp_finding);
    if (answer == Concept::unknown) continue;
    findings.push_back({answer, observation->effective.earliest,
                        warnings ? evidence_of(*observation, display(answer)) : Evidence{},
                        observation->attribution == Concept::attributable_other_cause});
  }
  for (const auto& report : record.reports) {
    if (!report_counts(report)) continue;
    const auto& time = report.effective ? report.effective : report.issued;
    if (!time || place(*time, window) != Placement::inside) continue;
    const std::string ref = warnings ? reference("DiagnosticReport", report.id) : std::string();
    bool any = false;
    for (Concept finding : report.findings) {
      if (icp_grade(finding) == 0 && finding != Concept::icp_none) continue;
      any = true;
      findings.push_back({finding, time->earliest,
                          warnings ? Evidence{ref, time->earliest, display(finding)} : Evidence{}});
    }
    const bool examination = report.service == Concept::mri_brain ||
                             report.service == Concept::ct_head ||
                             report.service == Concept::fundoscopy;
    if (!any && examination) {
      findings.push_back({Concept::icp_none, time->earliest,
                          warnings ? Evidence{ref, time->earliest, "no oedema or raised ICP finding coded"}
                                   : Evidence{}});
    }
  }
  if (findings.empty()) return std::nullopt;
  std::stable_sort(findings.begin(), findings.end(),
                   [](const IcpFinding& a, const IcpFinding& b) { return a.time < b.time; });
  // Findings stand until a later examination finds none.
  DomainResult domain{"raised ICP / cerebral oedema", 0, "icans.icp", "", {}};
  if (warnings) domain.reason = "no raised ICP finding";
  for (const auto& finding : findings) {
    if (finding.finding == Concept::icp_none) {
      domain.grade = 0;
      if (warnings) {
        domain.evidence = {finding.evidence};
        domain.reason = "no raised ICP finding at the latest examination";
      }
      continue;
    }
    if (finding.attributed_elsewhere) {
      if (warnings) {
        warnings->push_back(finding.evidence.resource + " (" + finding.evidence.finding +
                            ") is charted as attributable to another cause; not counted for ICANS");
      }
      continue;
    }
    if (warnings) {
      if (finding.finding == Concept::icp_edema_unspecified) {
        warnings->push_back(finding.evidence.resource +
                            ": cerebral oedema without its extent; graded 3 (focal), grade 4 if "
                            "diffuse");
      }
      domain.evidence.push_back(finding.evidence);
    }
    const int grade = icp_grade(finding.finding);
    if (grade >= *domain.grade) {
      domain.grade = grade;
      if (warnings) domain.reason = display(finding.finding) + " -> grade " + std::to_string(grade);
    }
  }
  return domain;
}

// Said, never graded: nothing to do when not explaining.
void report_ungraded_findings(const DomainObservations& observations, fhir::Instant at,
                              fhir::Instant infusion, const GradingConfig& config,
                              std::vector<std::string>& warnings) {
  const Window window = grading_window(at, config.consciousness_window_hours, infusion);
  for (const fhir::Observation* observation : observations.not_graded.near(window)) {
    const Concept c = observation->meaning;
    if (place(observation->effective, window) != Placement::inside) continue;
    if (observation->value.kind == Kind::boolean && !observation->value.boolean) continue;
    const std::string ref = reference("Observation", observation->id);
    if (c == Concept::intracranial_hemorrhage) {
      warnings.push_back(ref + ": intracranial haemorrhage is not graded as ICANS (ASTCT 2019); "
                               "manage as haemorrhage");
    } else {
      warnings.push_back(ref + ": " + display(c) +
                         " charted; it does not change the ICANS grade (ASTCT 2019)");
    }
  }
}

// `reference("Observation", id) == ref`, without building the reference for
// every observation of the record.
bool is_reference_to(const std::string& ref, const fhir::Observation& observation) {
  constexpr std::string_view kPrefix = "Observation/";
  return ref.size() == kPrefix.size() + observation.id.size() && ref.starts_with(kPrefix) &&
         ref.compare(kPrefix.size(), std::string::npos, observation.id) == 0;
}

const fhir::Observation* find_observation(const fhir::PatientRecord& record,
                                          const std::string& ref) {
  for (const auto& observation : record.observations) {
    if (is_reference_to(ref, observation)) return &observation;
  }
  return nullptr;
}

}  // namespace

int grade_from_ice(int ice) {
  if (ice >= 10) return 0;
  if (ice >= 7) return 1;
  if (ice >= 3) return 2;
  return 3;
}

int grade_from_capd(int capd) {
  if (capd <= 0) return 0;
  if (capd <= 8) return 1;
  return 3;
}

namespace {

// `assessments`: those charted up to `at`, oldest first. Not explaining, the
// result holds the grade and nothing else, not even the domains.
IcansResult grade_from(const fhir::PatientRecord& record, const DomainObservations& observations,
                       std::span<const Assessment> assessments, fhir::Instant at, fhir::Instant infusion,
                       std::optional<int> age_years, const GradingConfig& config, Warnings warnings) {
  IcansResult result;
  const Window ice_window = grading_window(at, config.ice_window_hours, infusion);
  const bool pediatric = age_years && *age_years < config.pediatric_cutoff_years;

  const Assessment* latest = nullptr;
  bool ice_in_child = false;
  for (const auto& assessment : assessments) {
    if (pediatric && assessment.tool == Tool::ice) {
      if (place(assessment.when, ice_window) == Placement::inside) ice_in_child = true;
      continue;
    }
    const Placement placement = place(assessment.when, ice_window);
    if (placement == Placement::uncertain && warnings) {
      warnings->push_back("assessment at " + fhir::format_instant(assessment.time) +
                          ": time too imprecise to place in the grading window; not graded");
    }
    if (placement == Placement::inside) latest = &assessment;
  }
  if (warnings) {
    if (ice_in_child) {
      warnings->push_back("ICE charted for a patient younger than " +
                          std::to_string(int(config.pediatric_cutoff_years)) +
                          " years: CAPD is the tool for children, ICE not used");
    }
    if (!age_years && latest) {
      warnings->push_back("age unknown (no birth date): ICE or CAPD used as charted");
    }
  }

  // The worst domain sets the grade; a grade 0 needs a normal assessment
  // (ICE/CAPD or consciousness) behind it, not just the absence of events.
  std::optional<int> grade;
  bool normal_assessment = false;
  auto& domains = result.grade.domains;
  if (warnings) domains.reserve(5);
  const auto add = [&](DomainResult&& domain, bool assessment) {
    if (domain.grade) {
      grade = std::max(grade.value_or(0), *domain.grade);
      if (assessment && *domain.grade == 0) normal_assessment = true;
    }
    if (warnings) domains.push_back(std::move(domain));
  };
  if (latest) {
    if (warnings) {
      result.assessment = *latest;
      // The trend compares with the same tool's previous scored assessment, however old.
      const Assessment* previous = nullptr;
      for (const auto& assessment : assessments) {
        if (&assessment == latest || assessment.time >= latest->time) continue;
        if (assessment.tool == latest->tool && assessment.score) previous = &assessment;
      }
      if (previous) result.previous_score = previous->score;
    }
    const fhir::Observation* na = nullptr;
    if (latest->not_assessable != Concept::unknown) {
      for (const auto& ref : latest->resources) {
        const auto* observation = find_observation(record, ref);
        if (observation && observation->meaning == Concept::ice_not_assessable) na = observation;
      }
    }
    // Only a scored ICE or CAPD grades 0 here.
    add(assessment_domain(record, *latest, na, config, warnings), true);
  }

  const auto consciousness = findings_in_window(
      observations.consciousness, grading_window(at, config.consciousness_window_hours, infusion),
      warnings);
  if (!consciousness.empty()) {
    add(consciousness_domain(record, config, *consciousness.back(), warnings), true);
  }
  if (auto seizure = seizure_domain(observations, at, infusion, config, warnings)) {
    add(std::move(*seizure), false);
  }
  if (auto motor = motor_domain(observations, at, infusion, config, warnings)) {
    add(std::move(*motor), false);
  }
  if (auto icp = icp_domain(record, observations, at, infusion, config, warnings)) {
    add(std::move(*icp), false);
  }
  if (warnings) report_ungraded_findings(observations, at, infusion, config, *warnings);

  if (grade && *grade == 0 && !normal_assessment) grade.reset();
  if (!grade && warnings) {
    const int hours = int(config.ice_window_hours);
    if (!latest && consciousness.empty()) {
      result.grade.missing.push_back("no ICE/CAPD or level of consciousness charted in the last " +
                                     std::to_string(hours) + " h");
    } else {
      result.grade.missing.push_back("no gradable neurological assessment in the last " +
                                     std::to_string(hours) + " h (see the domains)");
    }
  }
  result.grade.grade = grade;
  return result;
}

// collect_assessments(record, at) holds exactly the groups charted at or
// before `at` (a group's observations share one time), in the same order:
// the prefix of a later collection up to `at`.
std::span<const Assessment> charted_by(const std::vector<Assessment>& collected, fhir::Instant at) {
  const auto end = std::upper_bound(
      collected.begin(), collected.end(), at,
      [](fhir::Instant t, const Assessment& assessment) { return t < assessment.time; });
  return {collected.begin(), end};
}

}  // namespace

IcansResult grade_icans(const fhir::PatientRecord& record, fhir::Instant at,
                        fhir::Instant infusion, std::optional<int> age_years, const GradingConfig& config,
                        std::vector<std::string>& warnings) {
  const Window ice_window = grading_window(at, config.ice_window_hours, infusion);
  const auto assessments = collect_assessments(record, at, ice_window.start, warnings);
  const DomainObservations observations(record.observations);
  return grade_from(record, observations, assessments, at, infusion, age_years, config, &warnings);
}

IcansResult grade_icans(const fhir::PatientRecord& record, const DomainObservations& observations,
                        const std::vector<Assessment>& collected, fhir::Instant at,
                        fhir::Instant infusion, std::optional<int> age_years,
                        const GradingConfig& config, std::vector<std::string>& warnings) {
  return grade_from(record, observations, charted_by(collected, at), at, infusion, age_years, config,
                    &warnings);
}

std::optional<int> icans_grade_only(const fhir::PatientRecord& record,
                                    const DomainObservations& observations,
                                    const std::vector<Assessment>& collected, fhir::Instant at,
                                    fhir::Instant infusion, std::optional<int> age_years,
                                    const GradingConfig& config) {
  return grade_from(record, observations, charted_by(collected, at), at, infusion, age_years, config,
                    nullptr)
      .grade.grade;
}

}  // namespace icans
