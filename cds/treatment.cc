#include "cds/treatment.h"

#include <algorithm>
#include <optional>

#include "cds/window.h"

namespace icans {
namespace {

using fhir::Concept;

// mg of dexamethasone per mg of the steroid: dexamethasone 0.75 mg =
// methylprednisolone 4 mg = prednisone 5 mg = hydrocortisone 20 mg.
std::optional<double> dexamethasone_per_mg(Concept steroid) {
  switch (steroid) {
    case Concept::dexamethasone: return 1.0;
    case Concept::methylprednisolone: return 0.75 / 4;
    case Concept::prednisone: return 0.75 / 5;
    case Concept::hydrocortisone: return 0.75 / 20;
    default: return std::nullopt;
  }
}

// Given by T: counted as given and possibly started by then (as acting_at).
bool given_by(const fhir::MedicationAdministration& administration, fhir::Instant at) {
  return counts_as_given(administration) && administration.start.earliest <= at;
}

bool given_within(const fhir::MedicationAdministration& administration, const Window& window) {
  return given_by(administration, window.end) &&
         place(administration.start, window) != Placement::outside;
}

Dose dose_of(const fhir::MedicationAdministration& administration) {
  Dose dose;
  dose.drug = administration.drug;
  dose.time = administration.start.earliest;
  if (administration.dose && administration.dose->unit == "mg") dose.mg = administration.dose->value;
  dose.resource = reference("MedicationAdministration", administration.id);
  dose.partial = administration.status == fhir::AdministrationStatus::stopped;
  return dose;
}

template <typename Wanted>
std::vector<Dose> doses_within(const fhir::PatientRecord& record, const Window& window,
                               Wanted wanted) {
  std::vector<Dose> doses;
  for (const auto& administration : record.administrations) {
    if (wanted(administration.drug) && given_within(administration, window)) {
      doses.push_back(dose_of(administration));
    }
  }
  return doses;
}

// Sums the known doses; `unknown` is set when one has no mass or no
// equivalence, so the sum is only a lower bound.
double dexamethasone_equivalent_sum(const std::vector<Dose>& doses, bool& unknown) {
  double sum = 0;
  for (const auto& dose : doses) {
    const auto factor = dexamethasone_per_mg(dose.drug);
    if (!dose.mg || !factor) {
      unknown = true;
      continue;
    }
    sum += *dose.mg * *factor;
  }
  return sum;
}

void summarize_steroids(const fhir::PatientRecord& record, const Window& day,
                        const Window& since_infusion, Treatment& treatment) {
  treatment.steroid_doses_24h = doses_within(record, day, fhir::is_corticosteroid);
  treatment.steroid_doses_total = doses_within(record, since_infusion, fhir::is_corticosteroid);
  bool unknown = false;
  treatment.dexamethasone_equivalent_mg_24h =
      dexamethasone_equivalent_sum(treatment.steroid_doses_24h, unknown);
  treatment.dexamethasone_equivalent_mg_total =
      dexamethasone_equivalent_sum(treatment.steroid_doses_total, unknown);
  treatment.steroid_dose_unknown = unknown;
}

bool is_tocilizumab(Concept drug) { return drug == Concept::tocilizumab; }
bool is_levetiracetam(Concept drug) { return drug == Concept::levetiracetam; }

// Active by an active order, or by a dose in the last 24 h (an order may sit
// in another system the request did not include).
void find_levetiracetam(const fhir::PatientRecord& record, const Window& day,
                        Treatment& treatment) {
  for (const auto& request : record.medication_requests) {
    if (!is_levetiracetam(request.drug) || request.status != fhir::RequestStatus::active) continue;
    if (request.authored_on && request.authored_on->earliest > day.end) continue;
    treatment.levetiracetam_active = true;
    treatment.levetiracetam_evidence = reference("MedicationRequest", request.id) + " active";
    return;
  }
  const fhir::MedicationAdministration* latest = nullptr;
  for (const auto& administration : record.administrations) {
    if (!is_levetiracetam(administration.drug) || !given_within(administration, day)) continue;
    if (!latest || administration.start.earliest >= latest->start.earliest) latest = &administration;
  }
  if (!latest) return;
  treatment.levetiracetam_active = true;
  treatment.levetiracetam_evidence = reference("MedicationAdministration", latest->id) + " at " +
                                     fhir::format_instant(latest->start.earliest);
}

template <typename Wanted, typename EffectHours>
std::vector<Concept> acting_drugs(const fhir::PatientRecord& record, fhir::Instant at,
                                  Wanted wanted, EffectHours effect_hours) {
  std::vector<Concept> drugs;
  for (const auto& administration : record.administrations) {
    const Concept drug = administration.drug;
    if (!wanted(drug) || std::find(drugs.begin(), drugs.end(), drug) != drugs.end()) continue;
    if (acting_at(administration, at, effect_hours(drug))) drugs.push_back(drug);
  }
  return drugs;
}

}  // namespace

double dexamethasone_equivalent_mg(fhir::Concept steroid, double mg) {
  return mg * dexamethasone_per_mg(steroid).value_or(0);
}

Treatment summarize_treatment(const fhir::PatientRecord& record, fhir::Instant at,
                              fhir::Instant infusion, const GradingConfig& config) {
  Treatment treatment;
  const Window day = window_before(at, 24);
  const Window since_infusion{infusion, at};
  summarize_steroids(record, day, since_infusion, treatment);
  treatment.tocilizumab_doses_24h = doses_within(record, day, is_tocilizumab);
  treatment.tocilizumab_doses_total = doses_within(record, since_infusion, is_tocilizumab);
  find_levetiracetam(record, day, treatment);
  treatment.running_vasopressors =
      acting_drugs(record, at, fhir::is_vasopressor,
                   [&](Concept) { return config.vasopressor_effect_hours; });
  // A sedative missing from the map is counted only while it runs.
  treatment.active_sedatives = acting_drugs(record, at, fhir::is_sedative, [&](Concept drug) {
    const auto it = config.sedative_effect_hours.find(drug);
    return it == config.sedative_effect_hours.end() ? 0.0 : it->second;
  });
  return treatment;
}

}  // namespace icans
