// What the cards look up in the record beyond the evaluation: the latest
// labs and weight, the latest dose of a drug, existing orders and results.
// Only what was charted at or before T counts, as for grading.
#include <algorithm>

#include "cards/card_builders.h"
#include "cds/window.h"

namespace icans {
namespace {

using fhir::Concept;

bool usable(const fhir::Observation& observation) {
  using S = fhir::ObservationStatus;
  switch (observation.status) {
    case S::final_:
    case S::amended:
    case S::corrected:
    case S::preliminary:
    case S::unknown:
      return true;
    default:
      return false;
  }
}

bool has_value(const fhir::Observation& observation) {
  return observation.value.kind != fhir::Value::Kind::none;
}

std::string display(Concept c) { return std::string(fhir::concept_info(c).display); }

const fhir::MedicationAdministration* latest_administration(const CardInputs& in, Concept drug) {
  const fhir::MedicationAdministration* latest = nullptr;
  for (const auto& administration : in.record.administrations) {
    if (administration.drug != drug || !counts_as_given(administration)) continue;
    if (administration.start.earliest > in.evaluation.at) continue;
    if (!latest || administration.start.earliest >= latest->start.earliest) latest = &administration;
  }
  return latest;
}

std::optional<fhir::TimeRange> request_time(const fhir::ServiceRequest& request) {
  if (request.authored_on) return request.authored_on;
  return request.occurrence;
}

// Within `hours` before T: every instant the time could mean is at or before
// T, and it may be recent enough. An order of uncertain age counts, so the
// same test is not proposed twice.
bool recent(const fhir::TimeRange& time, fhir::Instant at, double hours) {
  const auto start = at - static_cast<fhir::Instant>(hours * fhir::kMillisPerHour);
  return time.earliest <= at && time.latest >= start;
}

bool wanted(Concept service, const std::vector<Concept>& services) {
  return service != Concept::unknown && std::find(services.begin(), services.end(), service) != services.end();
}

std::string request_status(fhir::RequestStatus status) {
  return status == fhir::RequestStatus::active ? "active" : "completed";
}

}  // namespace

const fhir::Observation* latest_observation(const CardInputs& in, Concept meaning) {
  const fhir::Observation* latest = nullptr;
  for (const auto& observation : in.record.observations) {
    if (observation.meaning != meaning || !usable(observation) || !has_value(observation)) continue;
    if (observation.effective.earliest > in.evaluation.at) continue;
    if (!latest || observation.effective.earliest >= latest->effective.earliest) latest = &observation;
  }
  return latest;
}

std::string value_text(const fhir::Observation& observation) {
  const fhir::Value& value = observation.value;
  std::string text;
  switch (value.kind) {
    case fhir::Value::Kind::quantity:
      text = format_number(value.number) + (value.unit.empty() ? "" : " " + value.unit);
      break;
    case fhir::Value::Kind::integer:
      text = format_number(value.number);
      break;
    case fhir::Value::Kind::coded:
      text = value.answer != Concept::unknown ? display(value.answer) : fhir::describe(value.coded);
      break;
    case fhir::Value::Kind::boolean:
      text = value.boolean ? "yes" : "no";
      break;
    case fhir::Value::Kind::string:
      text = value.text;
      break;
    case fhir::Value::Kind::none:
      text = "no value";
      break;
  }
  if (observation.status == fhir::ObservationStatus::preliminary) text += " (preliminary)";
  return text;
}

std::string latest_observation_text(const CardInputs& in, Concept meaning) {
  const fhir::Observation* observation = latest_observation(in, meaning);
  if (!observation) return display(meaning) + ": not charted";
  return display(meaning) + " " + value_text(*observation) + " at " +
         time_and_age(observation->effective.earliest, in.evaluation.at) + " (" +
         reference("Observation", observation->id) + ")";
}

std::string latest_administration_text(const CardInputs& in, Concept drug) {
  const fhir::MedicationAdministration* administration = latest_administration(in, drug);
  if (!administration) return display(drug) + ": not given";
  std::string text = display(drug);
  if (administration->dose) text += " " + format_number(administration->dose->value) + " " + administration->dose->unit;
  if (administration->rate) text += " at " + format_number(administration->rate->value) + " " + administration->rate->unit;
  text += ", " + time_and_age(administration->start.earliest, in.evaluation.at) + " (" +
          reference("MedicationAdministration", administration->id) + ")";
  const auto& acting = in.evaluation.treatment.active_sedatives;
  if (std::find(acting.begin(), acting.end(), drug) != acting.end()) text += ", **still acting at T**";
  return text;
}

std::string latest_value_text(const CardInputs& in, Concept meaning) {
  if (fhir::concept_info(meaning).kind == fhir::ConceptKind::drug) return latest_administration_text(in, meaning);
  return latest_observation_text(in, meaning);
}

Weight latest_weight(const CardInputs& in) {
  Weight weight;
  const fhir::Observation* observation = latest_observation(in, Concept::body_weight);
  if (!observation) {
    weight.text = "no body weight charted";
    return weight;
  }
  const std::string where = " at " + time_and_age(observation->effective.earliest, in.evaluation.at) + " (" +
                            reference("Observation", observation->id) + ")";
  if (observation->value.kind != fhir::Value::Kind::quantity || observation->value.unit != "kg" ||
      !(observation->value.number > 0)) {
    weight.text = "the latest body weight" + where + " is not a weight in kg (" + value_text(*observation) + ")";
    return weight;
  }
  weight.kg = observation->value.number;
  weight.text = format_number(*weight.kg) + " kg" + where;
  if (observation->status == fhir::ObservationStatus::preliminary) weight.text += ", preliminary";
  return weight;
}

std::string existing_service(const CardInputs& in, const std::vector<Concept>& services, double hours) {
  const fhir::Instant at = in.evaluation.at;
  for (const auto& draft : in.context.draft_service_requests) {
    if (wanted(draft.service, services)) {
      return "being ordered now (draft " + reference("ServiceRequest", draft.id) + ")";
    }
  }
  for (const auto& request : in.record.service_requests) {
    if (!wanted(request.service, services)) continue;
    if (request.status != fhir::RequestStatus::active && request.status != fhir::RequestStatus::completed) continue;
    const auto time = request_time(request);
    const std::string ref = reference("ServiceRequest", request.id);
    if (!time) {
      if (request.status == fhir::RequestStatus::active) return ref + " active, undated";
      continue;
    }
    if (recent(*time, at, hours)) {
      return ref + " " + request_status(request.status) + ", " + time_and_age(time->earliest, at);
    }
  }
  for (const auto& report : in.record.reports) {
    if (!wanted(report.service, services)) continue;
    const auto time = report.effective ? report.effective : report.issued;
    if (time && recent(*time, at, hours)) {
      return "result " + reference("DiagnosticReport", report.id) + ", " + time_and_age(time->earliest, at);
    }
  }
  return {};
}

std::vector<Dose> doses_of(const std::vector<Dose>& doses, Concept drug, std::optional<fhir::Instant> since) {
  std::vector<Dose> result;
  for (const auto& dose : doses) {
    if (dose.drug == drug && (!since || dose.time >= *since)) result.push_back(dose);
  }
  std::stable_sort(result.begin(), result.end(), [](const Dose& a, const Dose& b) { return a.time < b.time; });
  return result;
}

std::vector<Dose> administered_doses(const CardInputs& in, Concept drug, fhir::Instant since) {
  std::vector<Dose> doses;
  for (const auto& administration : in.record.administrations) {
    if (administration.drug != drug || !counts_as_given(administration)) continue;
    if (administration.start.earliest < since || administration.start.earliest > in.evaluation.at) continue;
    Dose dose;
    dose.drug = drug;
    dose.time = administration.start.earliest;
    if (administration.dose && administration.dose->unit == "mg") dose.mg = administration.dose->value;
    dose.resource = reference("MedicationAdministration", administration.id);
    dose.partial = administration.status == fhir::AdministrationStatus::stopped;
    doses.push_back(dose);
  }
  std::stable_sort(doses.begin(), doses.end(), [](const Dose& a, const Dose& b) { return a.time < b.time; });
  return doses;
}

std::optional<double> draft_every_hours(const fhir::MedicationRequest& draft) {
  if (draft.timing.period_hours > 0 && draft.timing.frequency > 0) {
    return draft.timing.period_hours / draft.timing.frequency;
  }
  return std::nullopt;
}

std::string draft_text(const fhir::MedicationRequest& draft) {
  std::string text = drug_name(draft.drug);
  if (draft.dose) text += " " + format_number(draft.dose->value) + " " + draft.dose->unit;
  if (const auto every = draft_every_hours(draft)) {
    text += " every " + format_hours(*every);
  } else if (!draft.timing.text.empty()) {
    text += " " + draft.timing.text;
  }
  return text;
}

bool draft_checked(const CardInputs& in, const fhir::MedicationRequest& draft) {
  if (in.context.hook != "order-select" && in.context.hook != "order-sign") return false;
  const auto& selections = in.context.selections;
  return selections.empty() ||
         std::find(selections.begin(), selections.end(), reference("MedicationRequest", draft.id)) != selections.end();
}

std::string drafted_medication(const CardInputs& in, Concept drug, const fhir::MedicationRequest* except) {
  const bool corticosteroid = fhir::is_corticosteroid(drug);
  for (const auto& draft : in.context.draft_medication_requests) {
    if (&draft == except) continue;
    if (draft.drug != drug && !(corticosteroid && fhir::is_corticosteroid(draft.drug))) continue;
    return (corticosteroid ? std::string("a corticosteroid") : drug_name(drug)) +
           " is being ordered now (draft " + reference("MedicationRequest", draft.id) + ": " + draft_text(draft) + ")";
  }
  return {};
}

std::string levetiracetam_running(const CardInputs& in, double hours) {
  const fhir::Instant at = in.evaluation.at;
  if (auto drafted = drafted_medication(in, Concept::levetiracetam); !drafted.empty()) return drafted;
  for (const auto& request : in.record.medication_requests) {
    if (request.drug != Concept::levetiracetam || request.status != fhir::RequestStatus::active) continue;
    if (request.authored_on && request.authored_on->earliest > at) continue;
    return reference("MedicationRequest", request.id) + " active";
  }
  const fhir::MedicationAdministration* latest = latest_administration(in, Concept::levetiracetam);
  if (latest && recent(latest->start, at, hours)) {
    return reference("MedicationAdministration", latest->id) + " given " + time_and_age(latest->start.earliest, at);
  }
  return {};
}

}  // namespace icans
