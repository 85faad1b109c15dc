#include "cds/scope.h"

#include "cds/window.h"

namespace icans {
namespace {

using fhir::Concept;

bool is_engager(Concept c) {
  return fhir::concept_info(c).kind == fhir::ConceptKind::t_cell_engager;
}

struct Candidate {
  Concept product;
  fhir::TimeRange time;
  std::string resource;
};

bool procedure_counts(const fhir::Procedure& procedure) {
  using S = fhir::ProcedureStatus;
  return procedure.status == S::completed || procedure.status == S::in_progress ||
         procedure.status == S::stopped;
}

std::vector<Candidate> candidates(const fhir::PatientRecord& record,
                                  std::vector<std::string>& warnings) {
  std::vector<Candidate> found;
  for (const auto& procedure : record.procedures) {
    Concept product = procedure.product;
    if (!fhir::is_immune_effector_cell_therapy(product)) product = procedure.meaning;
    if (!fhir::is_immune_effector_cell_therapy(product)) continue;
    const std::string ref = reference("Procedure", procedure.id);
    if (!procedure_counts(procedure)) {
      warnings.push_back(ref + " (" + std::string(fhir::concept_info(product).display) +
                         ") is not completed; not counted as the infusion");
      continue;
    }
    if (!procedure.performed) {
      warnings.push_back(ref + " has no performed time; cannot place day 0");
      continue;
    }
    found.push_back({product, *procedure.performed, ref});
  }
  for (const auto& administration : record.administrations) {
    if (!fhir::is_immune_effector_cell_therapy(administration.drug)) continue;
    const std::string ref = reference("MedicationAdministration", administration.id);
    if (!counts_as_given(administration)) {
      warnings.push_back(ref + " (" + std::string(fhir::concept_info(administration.drug).display) +
                         ") is not charted as given; not counted");
      continue;
    }
    found.push_back({administration.drug, administration.start, ref});
  }
  return found;
}

}  // namespace

Scope find_scope(const fhir::PatientRecord& record, fhir::Instant at, const GradingConfig& config) {
  Scope scope;
  const auto found = candidates(record, scope.warnings);
  const Candidate* first = nullptr;
  bool engager_only_seen = false;
  bool future_only_seen = false;
  for (const auto& candidate : found) {
    if (is_engager(candidate.product) && !config.include_t_cell_engagers) {
      engager_only_seen = true;
      continue;
    }
    if (candidate.time.earliest > at) {
      future_only_seen = true;
      continue;
    }
    if (!first || candidate.time.earliest < first->time.earliest) first = &candidate;
  }
  if (first) {
    const auto horizon =
        static_cast<fhir::Instant>(config.scope_days_after_infusion * fhir::kMillisPerDay);
    if (at > first->time.earliest + horizon) {
      scope.reason = std::string(fhir::concept_info(first->product).display) + " (" +
                     first->resource + ") was more than " +
                     std::to_string(static_cast<int>(config.scope_days_after_infusion)) +
                     " days ago, beyond the configured grading horizon";
      return scope;
    }
    if (!first->time.exact()) {
      scope.warnings.push_back(first->resource +
                               ": infusion time is imprecise; day 0 taken as its earliest instant " +
                               fhir::format_instant(first->time.earliest));
    }
    scope.therapy = Therapy{first->product, first->time.earliest, first->resource};
    scope.reason = std::string(fhir::concept_info(first->product).display) + " (" +
                   first->resource + ")";
    return scope;
  }
  if (engager_only_seen) {
    scope.reason =
        "T-cell engager therapy only; grading of T-cell engagers is not enabled in the configuration";
  } else if (future_only_seen) {
    scope.reason = "immune effector cell therapy charted after the evaluation time";
  } else {
    scope.reason = "no immune effector cell therapy recorded";
  }
  return scope;
}

}  // namespace icans
