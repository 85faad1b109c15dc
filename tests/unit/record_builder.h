#pragma once
// Small constructors for the typed FHIR resources of a PatientRecord, so
// grading tests state the chart they mean without going through JSON intake.
//
// Times are FHIR dateTime text ("2024-03-02T08:00:00Z", or "2024-03-02" for a
// date-only value) parsed by fhir::parse_datetime; a malformed time throws, so
// a typo in a test fails loudly instead of landing at the epoch.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "fhir/record.h"

namespace icans::test {

using fhir::Concept;

inline fhir::TimeRange when(std::string_view text) {
  auto parsed = fhir::parse_datetime(text);
  if (!parsed.range) {
    throw std::invalid_argument("record_builder: bad time '" + std::string(text) +
                                "': " + parsed.error);
  }
  return *parsed.range;
}

// An exact instant, e.g. the T a test grades at.
inline fhir::Instant instant(std::string_view text) {
  const fhir::TimeRange range = when(text);
  if (!range.exact()) {
    throw std::invalid_argument("record_builder: '" + std::string(text) +
                                "' is not an exact instant");
  }
  return range.earliest;
}

inline fhir::Value quantity_value(double number, std::string unit) {
  fhir::Value value;
  value.kind = fhir::Value::Kind::quantity;
  value.number = number;
  value.unit = std::move(unit);
  return value;
}

inline fhir::Value coded_value(Concept answer) {
  fhir::Value value;
  value.kind = fhir::Value::Kind::coded;
  value.answer = answer;
  value.coded.text = std::string(fhir::concept_code(answer));
  return value;
}

inline fhir::Value integer_value(int number) {
  fhir::Value value;
  value.kind = fhir::Value::Kind::integer;
  value.number = number;
  return value;
}

// A final observation without a value; the helpers below fill one in.
inline fhir::Observation observation(std::string id, Concept meaning, std::string_view time) {
  fhir::Observation result;
  result.id = std::move(id);
  result.status = fhir::ObservationStatus::final_;
  result.meaning = meaning;
  result.code.text = std::string(fhir::concept_code(meaning));
  result.effective = when(time);
  return result;
}

inline fhir::Observation quantity(std::string id, Concept meaning, std::string_view time,
                                  double number, std::string unit) {
  fhir::Observation result = observation(std::move(id), meaning, time);
  result.value = quantity_value(number, std::move(unit));
  return result;
}

inline fhir::Observation coded(std::string id, Concept meaning, std::string_view time,
                               Concept answer) {
  fhir::Observation result = observation(std::move(id), meaning, time);
  result.value = coded_value(answer);
  return result;
}

inline fhir::Observation score(std::string id, Concept meaning, std::string_view time, int value) {
  fhir::Observation result = observation(std::move(id), meaning, time);
  result.value = integer_value(value);
  return result;
}

// As intake leaves it: converted to Cel and rounded to 0.1.
inline fhir::Observation temperature(std::string id, std::string_view time, double celsius) {
  return quantity(std::move(id), Concept::body_temperature, time, celsius, "Cel");
}

inline fhir::Observation systolic(std::string id, std::string_view time, double mm_hg) {
  return quantity(std::move(id), Concept::systolic_bp, time, mm_hg, "mm[Hg]");
}

inline fhir::Observation mean_pressure(std::string id, std::string_view time, double mm_hg) {
  return quantity(std::move(id), Concept::mean_bp, time, mm_hg, "mm[Hg]");
}

inline fhir::ObservationComponent component(Concept meaning, fhir::Value value) {
  fhir::ObservationComponent result;
  result.meaning = meaning;
  result.code.text = std::string(fhir::concept_code(meaning));
  result.value = std::move(value);
  return result;
}

// A blood pressure panel: systolic and diastolic components, mean when given.
inline fhir::Observation blood_pressure(std::string id, std::string_view time, double systolic_mm_hg,
                                        double diastolic_mm_hg,
                                        std::optional<double> mean_mm_hg = std::nullopt) {
  fhir::Observation result = observation(std::move(id), Concept::bp_panel, time);
  result.components.push_back(
      component(Concept::systolic_bp, quantity_value(systolic_mm_hg, "mm[Hg]")));
  result.components.push_back(
      component(Concept::diastolic_bp, quantity_value(diastolic_mm_hg, "mm[Hg]")));
  if (mean_mm_hg) {
    result.components.push_back(component(Concept::mean_bp, quantity_value(*mean_mm_hg, "mm[Hg]")));
  }
  return result;
}

// Oxygen delivery: the device as the coded value, the flow (L/min) as a component.
inline fhir::Observation oxygen(std::string id, std::string_view time, Concept device,
                                std::optional<double> flow_l_min = std::nullopt) {
  fhir::Observation result = coded(std::move(id), Concept::oxygen_delivery, time, device);
  if (flow_l_min) {
    result.components.push_back(
        component(Concept::o2_flow_rate, quantity_value(*flow_l_min, "L/min")));
  }
  return result;
}

// A separate oxygen flow rate observation (L/min).
inline fhir::Observation oxygen_flow(std::string id, std::string_view time, double l_min) {
  return quantity(std::move(id), Concept::o2_flow_rate, time, l_min, "L/min");
}

// Marks oxygen as given for comfort, not for hypoxia.
inline fhir::Observation comfort_only(fhir::Observation delivery) {
  delivery.components.push_back(
      component(Concept::oxygen_purpose, coded_value(Concept::comfort_only)));
  return delivery;
}

inline fhir::Observation with_status(fhir::Observation result, fhir::ObservationStatus status) {
  result.status = status;
  return result;
}

inline fhir::Observation attributed_to_other_cause(fhir::Observation result) {
  result.attribution = Concept::attributable_other_cause;
  return result;
}

// A bolus (no end) or, with `end`, an infusion over a period. `mg` is the dose
// in mg; for other units set `.dose` directly.
inline fhir::MedicationAdministration administration(
    std::string id, Concept drug, std::string_view start,
    std::optional<std::string_view> end = std::nullopt,
    fhir::AdministrationStatus status = fhir::AdministrationStatus::completed,
    std::optional<double> mg = std::nullopt) {
  fhir::MedicationAdministration result;
  result.id = std::move(id);
  result.status = status;
  result.drug = drug;
  result.medication.text = std::string(fhir::concept_code(drug));
  result.start = when(start);
  if (end) {
    result.is_period = true;
    result.end = when(*end);
  }
  if (mg) result.dose = fhir::Dose{*mg, "mg"};
  return result;
}

// A completed bolus of `mg` mg.
inline fhir::MedicationAdministration dose_mg(std::string id, Concept drug, std::string_view time,
                                              double mg) {
  return administration(std::move(id), drug, time, std::nullopt,
                        fhir::AdministrationStatus::completed, mg);
}

// An infusion still running: an open period, in progress.
inline fhir::MedicationAdministration running_infusion(std::string id, Concept drug,
                                                       std::string_view start) {
  fhir::MedicationAdministration result =
      administration(std::move(id), drug, start, std::nullopt,
                     fhir::AdministrationStatus::in_progress);
  result.is_period = true;
  return result;
}

inline fhir::MedicationRequest medication_request(
    std::string id, Concept drug, fhir::RequestStatus status,
    std::optional<std::string_view> authored_on = std::nullopt) {
  fhir::MedicationRequest result;
  result.id = std::move(id);
  result.status = status;
  result.intent = "order";
  result.drug = drug;
  result.medication.text = std::string(fhir::concept_code(drug));
  if (authored_on) result.authored_on = when(*authored_on);
  return result;
}

// The cell therapy infusion (day 0).
inline fhir::Procedure cell_therapy(std::string id, Concept product, std::string_view performed) {
  fhir::Procedure result;
  result.id = std::move(id);
  result.status = fhir::ProcedureStatus::completed;
  result.product = product;
  result.code.text = std::string(fhir::concept_code(product));
  result.performed = when(performed);
  return result;
}

inline fhir::Patient patient(std::string id, std::optional<std::string_view> birth_date) {
  fhir::Patient result;
  result.id = std::move(id);
  if (birth_date) result.birth_date = when(*birth_date);
  return result;
}

}  // namespace icans::test
