#include "cds/evaluate.h"

#include <algorithm>

#include "cds/crs.h"
#include "cds/domain_observations.h"
#include "cds/ice.h"
#include "cds/icans.h"
#include "cds/scope.h"
#include "cds/treatment.h"
#include "cds/window.h"

namespace icans {
namespace {

using fhir::Concept;

bool relevant_observation(const fhir::Observation& observation) {
  switch (fhir::concept_info(observation.meaning).kind) {
    case fhir::ConceptKind::assessment_item:
    case fhir::ConceptKind::finding:
    case fhir::ConceptKind::answer:
      return true;
    default:
      break;
  }
  switch (observation.meaning) {
    case Concept::body_temperature:
    case Concept::systolic_bp:
    case Concept::mean_bp:
    case Concept::bp_panel:
    case Concept::o2_flow_rate:
      return true;
    default:
      return false;
  }
}

void append_unique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& item : from) {
    if (std::find(to.begin(), to.end(), item) == to.end()) to.push_back(item);
  }
}

std::optional<int> age_at(const fhir::PatientRecord& record, fhir::Instant at) {
  if (!record.patient || !record.patient->birth_date) return std::nullopt;
  return fhir::age_in_years(*record.patient->birth_date, at);
}

using GradeRuns = std::array<std::optional<fhir::Instant>, 4>;

// Called in time order. An ungradable time keeps the runs as they are: a gap
// in charting is not an improvement.
void extend_runs(GradeRuns& since, std::optional<int> grade, fhir::Instant t) {
  if (!grade) return;
  for (int g = 1; g <= 4; ++g) {
    auto& run = since[g - 1];
    if (*grade < g) run.reset();
    else if (!run) run = t;
  }
}

// Only runs that are still open at T, whose grade is known.
GradeRuns runs_open_at(GradeRuns since, std::optional<int> grade_at_t) {
  for (int g = 1; g <= 4; ++g) {
    if (!grade_at_t || *grade_at_t < g) since[g - 1].reset();
  }
  return since;
}

std::optional<int> worse(std::optional<int> a, std::optional<int> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// Everything but the worst grades. `assessments` receives the record's
// ICE/CAPD assessments charted by `at`, which the worst-grade scan reuses.
Evaluation evaluate_current(const fhir::PatientRecord& record, const DomainObservations& observations,
                            fhir::Instant at, const GradingConfig& config,
                            std::vector<Assessment>& assessments) {
  Evaluation evaluation;
  evaluation.patient = record.patient_id;
  evaluation.at = at;
  evaluation.age_years = age_at(record, at);

  Scope scope = find_scope(record, at, config);
  evaluation.scope_reason = scope.reason;
  append_unique(evaluation.warnings, scope.warnings);
  if (!scope.therapy) return evaluation;

  const Therapy& therapy = *scope.therapy;
  evaluation.in_scope = true;
  evaluation.product = therapy.product;
  evaluation.infusion = therapy.day0;
  evaluation.infusion_resource = therapy.resource;
  evaluation.day_post_infusion = static_cast<int>((at - therapy.day0) / fhir::kMillisPerDay);

  std::vector<std::string> warnings;
  // What grade_icans(record, at, ...) collects and grades, kept for the scan.
  const Window ice_window = grading_window(at, config.ice_window_hours, therapy.day0);
  assessments = collect_assessments(record, at, ice_window.start, warnings);
  IcansResult icans = grade_icans(record, observations, assessments, at, therapy.day0,
                                  evaluation.age_years, config, warnings);
  evaluation.icans = std::move(icans.grade);
  evaluation.assessment = std::move(icans.assessment);
  evaluation.previous_ice = icans.previous_score;
  evaluation.ice_declining = evaluation.assessment.score && icans.previous_score &&
                             *evaluation.assessment.score < *icans.previous_score &&
                             evaluation.assessment.tool == Tool::ice;
  evaluation.crs =
      grade_crs(record, observations, at, therapy.day0, evaluation.age_years, config, warnings);
  evaluation.treatment = summarize_treatment(record, at, therapy.day0, config);
  append_unique(evaluation.warnings, warnings);
  return evaluation;
}

}  // namespace

std::vector<fhir::Instant> relevant_times(const fhir::PatientRecord& record) {
  std::vector<fhir::Instant> times;
  for (const auto& observation : record.observations) {
    if (relevant_observation(observation)) times.push_back(observation.effective.latest);
  }
  // Intake files observations by time, so theirs mostly come sorted: sorting
  // only the few times after them and merging costs a pass, not a sort.
  if (!std::is_sorted(times.begin(), times.end())) std::sort(times.begin(), times.end());
  const auto charted = static_cast<std::ptrdiff_t>(times.size());
  for (const auto& administration : record.administrations) {
    if (administration.drug == Concept::unknown) continue;
    times.push_back(administration.start.latest);
    if (administration.end) times.push_back(administration.end->latest);
  }
  for (const auto& procedure : record.procedures) {
    if (procedure.performed) times.push_back(procedure.performed->latest);
  }
  for (const auto& report : record.reports) {
    if (report.findings.empty()) continue;
    if (report.effective) times.push_back(report.effective->latest);
    else if (report.issued) times.push_back(report.issued->latest);
  }
  std::sort(times.begin() + charted, times.end());
  std::inplace_merge(times.begin(), times.begin() + charted, times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

Evaluation evaluate(const fhir::PatientRecord& record, fhir::Instant at,
                    const GradingConfig& config) {
  // The scan below re-grades every relevant time since day 0 (the worst
  // grade and "at least grade g since" depend on each of them): the record's
  // observations are sorted by domain and its assessments collected once,
  // and each earlier time yields its grades alone, with no text built.
  const DomainObservations observations(record.observations);
  std::vector<Assessment> assessments;
  Evaluation evaluation = evaluate_current(record, observations, at, config, assessments);
  if (!evaluation.in_scope) return evaluation;
  const fhir::Instant infusion = *evaluation.infusion;
  std::optional<int> icans_worst = evaluation.icans.grade;
  std::optional<int> crs_worst = evaluation.crs.grade;
  GradeRuns runs;
  for (fhir::Instant t : relevant_times(record)) {
    if (t < infusion || t >= at) continue;
    const auto age = age_at(record, t);
    const auto icans = icans_grade_only(record, observations, assessments, t, infusion, age, config);
    icans_worst = worse(icans_worst, icans);
    crs_worst = worse(crs_worst, crs_grade_only(record, observations, t, infusion, age, config));
    extend_runs(runs, icans, t);
  }
  extend_runs(runs, evaluation.icans.grade, at);
  evaluation.icans_worst = icans_worst;
  evaluation.crs_worst = crs_worst;
  evaluation.icans_at_least_since = runs_open_at(runs, evaluation.icans.grade);
  return evaluation;
}

std::vector<Evaluation> evaluate_timeline(const fhir::PatientRecord& record,
                                          const GradingConfig& config) {
  const auto times = relevant_times(record);
  std::vector<Evaluation> timeline;
  if (times.empty()) return timeline;
  const DomainObservations observations(record.observations);
  std::vector<Assessment> assessments;
  std::optional<int> icans_worst;
  std::optional<int> crs_worst;
  GradeRuns runs;
  for (fhir::Instant t : times) {
    Evaluation evaluation = evaluate_current(record, observations, t, config, assessments);
    if (!evaluation.in_scope) continue;
    icans_worst = worse(icans_worst, evaluation.icans.grade);
    crs_worst = worse(crs_worst, evaluation.crs.grade);
    extend_runs(runs, evaluation.icans.grade, t);
    evaluation.icans_worst = icans_worst;
    evaluation.crs_worst = crs_worst;
    evaluation.icans_at_least_since = runs_open_at(runs, evaluation.icans.grade);
    timeline.push_back(std::move(evaluation));
  }
  if (timeline.empty()) {
    timeline.push_back(evaluate_current(record, observations, times.back(), config, assessments));
  }
  return timeline;
}

}  // namespace icans
