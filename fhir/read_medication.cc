// Medication, MedicationAdministration and MedicationRequest: which drug, how
// much, how fast, when.
#include <cmath>

#include "fhir/read_helpers.h"
#include "fhir/units.h"

namespace fhir::detail {
namespace {

constexpr StatusCode<AdministrationStatus> kAdministrationStatuses[] = {
    {"in-progress", AdministrationStatus::in_progress},
    {"not-done", AdministrationStatus::not_done},
    {"on-hold", AdministrationStatus::on_hold},
    {"completed", AdministrationStatus::completed},
    {"entered-in-error", AdministrationStatus::entered_in_error},
    {"stopped", AdministrationStatus::stopped},
    {"unknown", AdministrationStatus::unknown},
};

constexpr StatusCode<RequestStatus> kMedicationRequestStatuses[] = {
    {"active", RequestStatus::active},
    {"on-hold", RequestStatus::on_hold},
    {"cancelled", RequestStatus::cancelled},
    {"completed", RequestStatus::completed},
    {"entered-in-error", RequestStatus::entered_in_error},
    {"stopped", RequestStatus::stopped},
    {"draft", RequestStatus::draft},
    {"unknown", RequestStatus::unknown},
};

// One canonical unit per dimension, so that the grading code compares rates
// without converting: the first target the charted unit converts to wins.
constexpr std::string_view kRateUnits[] = {"ug/kg/min", "ug/min", "U/kg/min", "U/min", "mL/h"};

// FHIR UnitsOfTime in hours; mo and a as UCUM defines them (mean Julian).
struct PeriodUnit {
  std::string_view code;
  double hours;
};
constexpr PeriodUnit kPeriodUnits[] = {
    {"s", 1.0 / 3600}, {"min", 1.0 / 60}, {"h", 1},         {"d", 24},
    {"wk", 24 * 7},    {"mo", 24 * 30.4375}, {"a", 24 * 365.25},
};

std::optional<Dose> read_rate(const Json& quantity, const FieldPath& field, ReadContext& context) {
  const auto charted = read_quantity(quantity, field, "", context);
  if (!charted) return std::nullopt;
  for (std::string_view target : kRateUnits) {
    if (charted->ucum.empty()) break;
    const Conversion converted = convert_unit(charted->value, charted->ucum, target);
    if (converted.value) return Dose{*converted.value, std::string(target)};
  }
  context.warn(field, "unit '" + std::string(charted->charted_unit) +
                          "' is not a dose rate this service converts; rate not read");
  return std::nullopt;
}

const Json* find_contained(const Json& resource, std::string_view id, ReadContext& context) {
  const Json* contained = array_member(resource, "contained", "contained", context);
  if (!contained) return nullptr;
  for (rapidjson::SizeType i = 0; i < contained->Size(); ++i) {
    const Json& candidate = (*contained)[i];
    const Json* type = member(candidate, "resourceType");
    const Json* candidate_id = member(candidate, "id");
    if (type && type->IsString() && std::string_view(type->GetString()) == "Medication" &&
        candidate_id && candidate_id->IsString() &&
        std::string_view(candidate_id->GetString(), candidate_id->GetStringLength()) == id) {
      return &candidate;
    }
  }
  return nullptr;
}

void read_medication_reference(const Json& resource, const Json& reference, MedicationChoice& choice,
                               ReadContext& context) {
  const FieldPath field("medicationReference");
  if (!reference.IsObject()) {
    context.warn(field, type_mismatch("object", reference) + "; drug unknown");
    return;
  }
  const auto target = string_member(reference, "reference", FieldPath(field, "reference"), context);
  const auto display = string_member(reference, "display", FieldPath(field, "display"), context);
  if (!target) {
    // Display-only references name the drug in words; the terminology matches
    // such names (flagged as by name) like a CodeableConcept's text.
    if (display) {
      choice.code.text = *display;
    } else {
      context.warn(field, "has neither reference nor display; drug unknown");
    }
    return;
  }
  if (!target->starts_with('#')) {
    choice.pending_reference = *target;
    if (display) choice.code.text = *display;  // shown until the reference resolves
    return;
  }
  const Json* medication = find_contained(resource, std::string_view(*target).substr(1), context);
  if (!medication) {
    context.warn(FieldPath(field, "reference"),
                 "'" + *target + "' matches no contained Medication; drug unknown");
    if (display) choice.code.text = *display;
    return;
  }
  const std::string contained_code = "contained(" + *target + ").code";
  choice.code = codeable_concept_member(*medication, "code", contained_code, context);
}

double period_hours(const Json& repeat, const FieldPath& field, double period,
                    ReadContext& context) {
  const FieldPath unit_field(field, "periodUnit");
  const auto unit = string_view_member(repeat, "periodUnit", unit_field, context);
  if (!unit) {
    context.warn(unit_field, "missing; period not read");
    return 0;
  }
  for (const auto& known : kPeriodUnits) {
    if (known.code == *unit) return period * known.hours;
  }
  context.warn(unit_field, "unknown unit of time '" + std::string(*unit) + "'; period not read");
  return 0;
}

Timing read_timing(const Json& dosage, const FieldPath& field, ReadContext& context) {
  Timing timing;
  const FieldPath timing_field(field, "timing");
  if (const Json* json = object_member(dosage, "timing", timing_field, context)) {
    const FieldPath repeat_field(timing_field, "repeat");
    if (const Json* repeat = object_member(*json, "repeat", repeat_field, context)) {
      timing.frequency = number_member(*repeat, "frequency", FieldPath(repeat_field, "frequency"),
                                       context)
                             .value_or(0);
      if (auto period =
              number_member(*repeat, "period", FieldPath(repeat_field, "period"), context)) {
        timing.period_hours = period_hours(*repeat, repeat_field, *period, context);
      }
    }
    const CodeableConcept code =
        codeable_concept_member(*json, "code", FieldPath(timing_field, "code"), context);
    timing.text = code.text;
    for (const auto& coding : code.codings) {
      if (timing.text.empty()) timing.text = coding.display.empty() ? coding.code : coding.display;
    }
  }
  if (timing.text.empty()) {
    timing.text = string_member(dosage, "text", FieldPath(field, "text"), context).value_or("");
  }
  return timing;
}

void read_request_dosage(const Json& json, MedicationRequest& request, ReadContext& context) {
  const Json* dosages = array_member(json, "dosageInstruction", "dosageInstruction", context);
  if (!dosages || dosages->Empty()) return;
  if (dosages->Size() > 1) {
    context.warn("dosageInstruction", "has " + std::to_string(dosages->Size()) +
                                          " entries; only the first is read");
  }
  const FieldPath field("dosageInstruction", 0);
  const Json& dosage = (*dosages)[0];
  if (!dosage.IsObject()) {
    context.warn(field, type_mismatch("object", dosage) + "; not read");
    return;
  }
  request.route = codeable_concept_member(dosage, "route", FieldPath(field, "route"), context);
  request.timing = read_timing(dosage, field, context);
  const Json* rates = array_member(dosage, "doseAndRate", FieldPath(field, "doseAndRate"), context);
  if (!rates || rates->Empty()) return;
  const FieldPath rate_field(field, "doseAndRate", 0);
  const Json& first = (*rates)[0];
  if (!first.IsObject()) {
    context.warn(rate_field, type_mismatch("object", first) + "; not read");
    return;
  }
  if (const Json* dose = member(first, "doseQuantity")) {
    request.dose = read_dose(*dose, FieldPath(rate_field, "doseQuantity"), context);
  } else if (member(first, "doseRange")) {
    context.warn(FieldPath(rate_field, "doseRange"), "is not read; only doseQuantity is");
  }
}

void read_administration_dosage(const Json& json, MedicationAdministration& administration,
                                ReadContext& context) {
  const Json* dosage = object_member(json, "dosage", "dosage", context);
  if (!dosage) return;
  if (const Json* dose = member(*dosage, "dose")) {
    administration.dose = read_dose(*dose, "dosage.dose", context);
  }
  administration.route = codeable_concept_member(*dosage, "route", "dosage.route", context);
  if (const Json* rate = member(*dosage, "rateQuantity")) {
    administration.rate = read_rate(*rate, "dosage.rateQuantity", context);
  } else if (member(*dosage, "rateRatio")) {
    context.warn("dosage.rateRatio", "is not read; only rateQuantity is");
  }
}

// effectiveDateTime is a bolus; effectivePeriod runs from start to end, or is
// still running when it has no end.
bool read_administration_time(const Json& json, MedicationAdministration& administration,
                              ReadContext& context) {
  if (member(json, "effectiveDateTime")) {
    const auto time = datetime_member(json, "effectiveDateTime", "effectiveDateTime", context);
    if (!time) {
      context.warn("effectiveDateTime", "no usable time; administration not used");
      return false;
    }
    administration.start = *time;
    return true;
  }
  const Json* period = member(json, "effectivePeriod");
  if (!period) {
    context.warn("effective[x]", "missing (FHIR requires it); administration not used");
    return false;
  }
  const PeriodRead read = read_period(*period, "effectivePeriod", context);
  if (read.unusable) {
    context.warn("effectivePeriod", "no usable time; administration not used");
    return false;
  }
  administration.is_period = true;
  administration.end = read.end;
  if (read.start) {
    administration.start = *read.start;
  } else {
    context.warn("effectivePeriod.start", "missing; the end is taken as the start");
    administration.start = *read.end;
  }
  return true;
}

}  // namespace

MedicationChoice read_medication_choice(const Json& resource, ReadContext& context) {
  MedicationChoice choice;
  if (const Json* code = member(resource, "medicationCodeableConcept")) {
    choice.code = read_codeable_concept(*code, "medicationCodeableConcept", context);
  } else if (const Json* reference = member(resource, "medicationReference")) {
    read_medication_reference(resource, *reference, choice, context);
  } else {
    context.warn("medication[x]", "missing (FHIR requires it); drug unknown");
  }
  return choice;
}

namespace {

// A negative or infinite dose (a sign typo, 1e308 g) would silently shrink
// or swamp the cumulative steroid totals the cards show.
std::optional<Dose> possible_dose(Dose dose, const FieldPath& field, ReadContext& context) {
  if (!std::isfinite(dose.value) || dose.value < 0) {
    context.warn(field, "dose " + format_number(dose.value) + " " + dose.unit +
                            " is not a possible dose; not read");
    return std::nullopt;
  }
  return dose;
}

}  // namespace

std::optional<Dose> read_dose(const Json& quantity, const FieldPath& field, ReadContext& context) {
  const auto charted = read_quantity(quantity, field, "", context);
  if (!charted) return std::nullopt;
  if (charted->ucum.empty()) {
    if (charted->charted_unit.empty()) {
      context.warn(field, "no unit charted; dose not read");
      return std::nullopt;
    }
    context.warn(field, "unit '" + std::string(charted->charted_unit) +
                            "' is not a UCUM unit this service knows; kept as charted");
    return possible_dose(Dose{charted->value, std::string(charted->charted_unit)}, field, context);
  }
  for (std::string_view target : {"mg", "mg/kg", "U"}) {
    const Conversion converted = convert_unit(charted->value, charted->ucum, target);
    if (converted.value) return possible_dose(Dose{*converted.value, std::string(target)}, field, context);
  }
  return possible_dose(Dose{charted->value, std::string(charted->ucum)}, field, context);
}

void read_medication(const Json& json, ReadResource& out, ReadContext& context) {
  MedicationCode medication;
  medication.code = codeable_concept_member(json, "code", "code", context);
  out.resource = std::move(medication);
}

void read_medication_administration(const Json& json, ReadResource& out, ReadContext& context) {
  MedicationAdministration administration;
  administration.status =
      read_status(json, kAdministrationStatuses, AdministrationStatus::unknown, context);
  if (administration.status == AdministrationStatus::entered_in_error ||
      administration.status == AdministrationStatus::not_done) {
    out.resource = std::move(administration);  // supersedes earlier versions, then dropped
    return;
  }
  MedicationChoice choice = read_medication_choice(json, context);
  administration.medication = std::move(choice.code);
  out.medication_reference = std::move(choice.pending_reference);
  if (out.medication_reference.empty()) {
    const CodeMatch match = resolve_concept(administration.medication, "medication[x]", context);
    administration.drug = match.meaning;
    administration.drug_by_name = match.by_text;
  }
  if (!read_administration_time(json, administration, context)) {
    out.resource = std::monostate{};
    return;
  }
  read_administration_dosage(json, administration, context);
  out.resource = std::move(administration);
}

void read_medication_request(const Json& json, ReadResource& out, ReadContext& context) {
  MedicationRequest request;
  request.status = read_status(json, kMedicationRequestStatuses, RequestStatus::unknown, context);
  if (request.status == RequestStatus::entered_in_error) {
    out.resource = std::move(request);
    return;
  }
  request.intent = string_member(json, "intent", "intent", context).value_or("");
  MedicationChoice choice = read_medication_choice(json, context);
  request.medication = std::move(choice.code);
  out.medication_reference = std::move(choice.pending_reference);
  if (out.medication_reference.empty()) {
    const CodeMatch match = resolve_concept(request.medication, "medication[x]", context);
    request.drug = match.meaning;
    request.drug_by_name = match.by_text;
  }
  request.authored_on = datetime_member(json, "authoredOn", "authoredOn", context);
  read_request_dosage(json, request, context);
  out.resource = std::move(request);
}

}  // namespace fhir::detail
