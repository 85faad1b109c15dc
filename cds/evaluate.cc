#include "cds/evaluate.h"

#include <algorithm>

#include "cds/crs.h"
#include "cds/ice.h"
#include "cds/icans.h"
#include "cds/scope.h"
#include "cds/treatment.h"

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

// Current grades only: what the worst-grade scan needs at each earlier time.
struct Grades {
  std::optional<int> icans;
  std::optional<int> crs;
};

// `assessments`: the record's ICE/CAPD assessments collected once for the
// whole scan (grade_icans leaves out those charted after `at`).
Grades current_grades(const fhir::PatientRecord& record, const std::vector<Assessment>& assessments,
                      fhir::Instant at, fhir::Instant day0, const GradingConfig& config) {
  std::vector<std::string> ignored;
  const auto age = age_at(record, at);
  return {grade_icans(record, assessments, at, day0, age, config, ignored).grade.grade,
          grade_crs(record, at, day0, age, config, ignored).grade};
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

Evaluation evaluate_current(const fhir::PatientRecord& record, fhir::Instant at,
                            const GradingConfig& config) {
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
  IcansResult icans = grade_icans(record, at, therapy.day0, evaluation.age_years, config, warnings);
  evaluation.icans = std::move(icans.grade);
  evaluation.assessment = std::move(icans.assessment);
  evaluation.previous_ice = icans.previous_score;
  evaluation.ice_declining = evaluation.assessment.score && icans.previous_score &&
                             *evaluation.assessment.score < *icans.previous_score &&
                             evaluation.assessment.tool == Tool::ice;
  evaluation.crs = grade_crs(record, at, therapy.day0, evaluation.age_years, config, warnings);
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
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

Evaluation evaluate(const fhir::PatientRecord& record, fhir::Instant at,
                    const GradingConfig& config) {
  Evaluation evaluation = evaluate_current(record, at, config);
  if (!evaluation.in_scope) return evaluation;
  std::optional<int> icans_worst = evaluation.icans.grade;
  std::optional<int> crs_worst = evaluation.crs.grade;
  GradeRuns runs;
  // Every earlier time re-reads the assessment history; collecting it once
  // keeps the scan from growing with the square of the charting.
  std::vector<std::string> ignored;  // the scan's warnings are not the evaluation's
  const std::vector<Assessment> assessments = collect_assessments(record, at, at, ignored);
  for (fhir::Instant t : relevant_times(record)) {
    if (t < *evaluation.infusion || t >= at) continue;
    const Grades grades = current_grades(record, assessments, t, *evaluation.infusion, config);
    icans_worst = worse(icans_worst, grades.icans);
    crs_worst = worse(crs_worst, grades.crs);
    extend_runs(runs, grades.icans, t);
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
  std::optional<int> icans_worst;
  std::optional<int> crs_worst;
  GradeRuns runs;
  for (fhir::Instant t : times) {
    Evaluation evaluation = evaluate_current(record, t, config);
    if (!evaluation.in_scope) continue;
    icans_worst = worse(icans_worst, evaluation.icans.grade);
    crs_worst = worse(crs_worst, evaluation.crs.grade);
    extend_runs(runs, evaluation.icans.grade, t);
    evaluation.icans_worst = icans_worst;
    evaluation.crs_worst = crs_worst;
    evaluation.icans_at_least_since = runs_open_at(runs, evaluation.icans.grade);
    timeline.push_back(std::move(evaluation));
  }
  if (timeline.empty()) timeline.push_back(evaluate_current(record, times.back(), config));
  return timeline;
}

}  // namespace icans
