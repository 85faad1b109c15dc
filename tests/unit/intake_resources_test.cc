// Intake of each resource type: codes, values and units, times, statuses,
// medication references.
#include "intake_helpers.h"

using namespace intake_test;
using fhir::Concept;
using fhir::Value;

namespace {

constexpr const char* kTemperatureCode =
    R"("code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]})";

// An observation of patient p1 at 08:00 with the given code and value members.
std::string observation(const std::string& code, const std::string& value,
                        const std::string& status = "final") {
  return R"({"resourceType": "Observation", "id": "o1", "status": ")" + status + R"(", )" + code +
         R"(, "subject": {"reference": "Patient/p1"},
              "effectiveDateTime": "2026-03-01T08:00:00Z")" +
         (value.empty() ? "" : ", " + value) + "}";
}

std::string temperature(const std::string& quantity) {
  return observation(kTemperatureCode, R"("valueQuantity": )" + quantity);
}

struct Read {
  fhir::IntakeResult result;
  const fhir::PatientRecord& record() const { return patient(result, "p1"); }
  const std::vector<fhir::Warning>& warnings() const { return record().warnings; }
};

Read read(const std::string& json) { return {read_json(json)}; }

const fhir::Observation& only_observation(const Read& r) {
  INFO(describe(r.warnings()));
  REQUIRE(r.record().observations.size() == 1);
  return r.record().observations[0];
}

std::string project_code(const std::string& code) {
  return R"({"coding": [{"system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds", "code": ")" +
         code + R"("}]})";
}

std::string administration(const std::string& members, const std::string& status = "completed") {
  return R"({"resourceType": "MedicationAdministration", "id": "m1", "status": ")" + status +
         R"(", "subject": {"reference": "Patient/p1"}, )" + members + "}";
}

constexpr const char* kDexamethasone =
    R"("medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3264"}]})";

const fhir::MedicationAdministration& only_administration(const Read& r) {
  INFO(describe(r.warnings()));
  REQUIRE(r.record().administrations.size() == 1);
  return r.record().administrations[0];
}

}  // namespace

// ---- Patient --------------------------------------------------------------------

TEST_CASE("Patient: birth date and gender are read") {
  const auto result = read_json(R"({"resourceType": "Patient", "id": "p1", "birthDate": "1961-04-02", "gender": "female"})");
  const auto& record = patient(result, "p1");
  REQUIRE(record.patient);
  REQUIRE(record.patient->birth_date);
  CHECK(record.patient->birth_date->precision == fhir::TimePrecision::day);
  CHECK(fhir::age_in_years(*record.patient->birth_date,
                           fhir::parse_instant("2026-04-03T00:00:00Z").range->earliest) == 65);
  CHECK(record.patient->gender == "female");
  CHECK(record.warnings.empty());
}

TEST_CASE("Patient: an invalid birth date is a warning naming the field and the parse error") {
  const auto result = read_json(R"({"resourceType": "Patient", "id": "p1", "birthDate": "1961-02-30"})");
  const auto& record = patient(result, "p1");
  REQUIRE(record.patient);
  CHECK_FALSE(record.patient->birth_date);
  REQUIRE(record.warnings.size() == 1);
  CHECK(record.warnings[0].field == "birthDate");
  CHECK(record.warnings[0].message.starts_with("invalid dateTime '1961-02-30': "));
  CHECK(record.warnings[0].message.size() > std::string("invalid dateTime '1961-02-30': ").size());
}

// ---- Observation values and units ---------------------------------------------------

TEST_CASE("Observation: UCUM quantity is converted to the canonical unit and temperature rounded") {
  const Read r = read(temperature(R"({"value": 100.4, "system": "http://unitsofmeasure.org", "code": "[degF]", "unit": "F"})"));
  const auto& o = only_observation(r);
  CHECK(o.meaning == Concept::body_temperature);
  CHECK(o.value.kind == Value::Kind::quantity);
  CHECK(o.value.number == 38.0);
  CHECK(o.value.unit == "Cel");
  CHECK(r.warnings().empty());
}

TEST_CASE("Observation: a code without system is taken as UCUM") {
  const Read r = read(temperature(R"({"value": 311.15, "code": "K"})"));
  CHECK(only_observation(r).value.number == 38.0);
}

TEST_CASE("Observation: without a UCUM code the printable unit is mapped from its short list") {
  const Read r = read(temperature(R"({"value": 101.3, "unit": "\u00b0F"})"));
  CHECK(only_observation(r).value.number == 38.5);
  const Read local = read(temperature(R"({"value": 38.4, "system": "urn:local-units", "code": "DEGC", "unit": "degC"})"));
  CHECK(only_observation(local).value.number == 38.4);
  CHECK(local.warnings().empty());
}

TEST_CASE("Observation: an unknown unit drops the value with a warning naming field and unit") {
  const Read r = read(temperature(R"({"value": 38, "unit": "degrees"})"));
  const auto& o = only_observation(r);
  CHECK(o.value.kind == Value::Kind::none);
  REQUIRE(r.warnings().size() == 1);
  CHECK(r.warnings()[0].field == "valueQuantity");
  CHECK(r.warnings()[0].message == "unknown unit 'degrees' for body temperature; not read");

  const Read coded = read(temperature(R"({"value": 38, "system": "http://unitsofmeasure.org", "code": "furlongs"})"));
  CHECK(only_observation(coded).value.kind == Value::Kind::none);
  REQUIRE(coded.warnings().size() == 1);
  CHECK(coded.warnings()[0].message == "unknown unit 'furlongs' for body temperature; not read");
}

TEST_CASE("Observation: a unit of the wrong dimension drops the value with a warning") {
  const Read r = read(temperature(R"({"value": 38, "system": "http://unitsofmeasure.org", "code": "mg/dL"})"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  REQUIRE(r.warnings().size() == 1);
  CHECK(r.warnings()[0].field == "valueQuantity");
  CHECK(r.warnings()[0].message.starts_with("unit 'mg/dL' for body temperature: cannot convert 'mg/dL'"));
}

TEST_CASE("Observation: a quantity without any unit is not read for a measurement") {
  const Read r = read(temperature(R"({"value": 38})"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "valueQuantity", "no unit charted for body temperature"));
}

TEST_CASE("Observation: a physiologically impossible value is dropped with a warning") {
  const Read r = read(temperature(R"({"value": 45, "system": "http://unitsofmeasure.org", "code": "Cel"})"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  REQUIRE(r.warnings().size() == 1);
  CHECK(r.warnings()[0].field == "valueQuantity");
  CHECK(r.warnings()[0].message ==
        "physiologically impossible value 45 Cel for body temperature; not graded");
}

TEST_CASE("Observation: plausibility also applies to measurements with an annotation unit") {
  const Read r = read(observation(R"("code": {"coding": [{"system": "http://loinc.org", "code": "6301-6"}]})",
                                  R"("valueQuantity": {"value": 40, "system": "http://unitsofmeasure.org", "code": "{INR}"})"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "valueQuantity", "physiologically impossible value 40 {INR} for INR"));
  const Read ok = read(observation(R"("code": {"coding": [{"system": "http://loinc.org", "code": "6301-6"}]})",
                                   R"("valueQuantity": {"value": 1.4})"));
  CHECK(only_observation(ok).value.number == Approx(1.4));
  CHECK(only_observation(ok).value.unit == "{INR}");
}

TEST_CASE("Observation: a comparator makes the quantity a bound, which is not read") {
  const Read r = read(temperature(R"({"value": 38, "comparator": ">", "code": "Cel"})"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "valueQuantity.comparator", "'>' makes the value a bound"));
}

TEST_CASE("Observation: sodium in mEq/L and glucose in mmol/L convert with valence and molar mass") {
  const Read sodium = read(observation(
      R"("code": {"coding": [{"system": "http://loinc.org", "code": "2951-2"}]})",
      R"("valueQuantity": {"value": 128, "system": "http://unitsofmeasure.org", "code": "mEq/L"})"));
  CHECK(only_observation(sodium).value.number == Approx(128));
  CHECK(only_observation(sodium).value.unit == "mmol/L");
  const Read glucose = read(observation(
      R"("code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]})",
      R"("valueQuantity": {"value": 5.5, "system": "http://unitsofmeasure.org", "code": "mmol/L"})"));
  CHECK(only_observation(glucose).value.number == Approx(5.5 * 180.156 / 10));
  CHECK(only_observation(glucose).value.unit == "mg/dL");
}

TEST_CASE("Observation: a site map unit applies when the quantity has no unit code") {
  fhir::Terminology site;
  REQUIRE(site.load_site_map_json(R"({"name": "test site", "version": "1", "mappings": [{"system": "urn:local", "code": "TEMP-F",
      "concept": "body-temperature", "unit": "[degF]"}]})", "site.json") == "");
  const std::string code = R"("code": {"coding": [{"system": "urn:local", "code": "TEMP-F"}]})";
  const auto result = read_json(observation(code, R"("valueQuantity": {"value": 100.4})"), {}, site);
  const auto& o = patient(result, "p1").observations.at(0);
  CHECK(o.meaning == Concept::body_temperature);
  CHECK(o.value.number == 38.0);

  const auto contradicted = read_json(
      observation(code, R"("valueQuantity": {"value": 38.0, "unit": "\u00b0C"})"), {}, site);
  const auto& record = patient(contradicted, "p1");
  CHECK(record.observations.at(0).value.kind == Value::Kind::none);
  CHECK(has_warning(record.warnings, "valueQuantity.unit", "contradicts the site map unit '[degF]'"));
}

TEST_CASE("Observation: an unknown code is kept as charted without warnings") {
  const Read r = read(observation(
      R"("code": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}], "text": "Something"})",
      R"("valueQuantity": {"value": 7, "unit": "furlongs"})"));
  const auto& o = only_observation(r);
  CHECK(o.meaning == Concept::unknown);
  CHECK(o.code.codings.at(0).code == "99999-9");
  CHECK(o.value.kind == Value::Kind::quantity);
  CHECK(o.value.number == 7);
  CHECK(o.value.unit == "furlongs");
  CHECK(r.warnings().empty());
}

TEST_CASE("Observation: valueInteger of an assessment item keeps the number with unit {score}") {
  const Read r = read(observation(R"("code": )" + project_code("ice-total"), R"("valueInteger": 7)"));
  const auto& o = only_observation(r);
  CHECK(o.meaning == Concept::ice_total);
  CHECK(o.value.kind == Value::Kind::integer);
  CHECK(o.value.number == 7);
  CHECK(o.value.unit == "{score}");
}

TEST_CASE("Observation: a valueInteger that is not an integer is a warning") {
  const Read r = read(observation(R"("code": )" + project_code("ice-total"), R"("valueInteger": 7.5)"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "valueInteger", "expected integer, found number"));
}

TEST_CASE("Observation: an integer measurement without unit is not guessed") {
  const Read r = read(observation(R"("code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]})",
                                  R"("valueInteger": 80)"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "valueInteger", "an integer without unit for heart rate"));
}

TEST_CASE("Observation: valueCodeableConcept, valueBoolean and valueString") {
  const Read coded = read(observation(R"("code": )" + project_code("level-of-consciousness"),
                                      R"("valueCodeableConcept": )" + project_code("loc-awakens-to-voice")));
  CHECK(only_observation(coded).value.kind == Value::Kind::coded);
  CHECK(only_observation(coded).value.answer == Concept::loc_awakens_to_voice);
  CHECK(only_observation(coded).value.coded.codings.at(0).code == "loc-awakens-to-voice");

  const Read boolean = read(observation(R"("code": {"text": "flag"})", R"("valueBoolean": true)"));
  CHECK(only_observation(boolean).value.kind == Value::Kind::boolean);
  CHECK(only_observation(boolean).value.boolean);

  const Read text = read(observation(R"("code": {"text": "comment"})", R"("valueString": "drowsy")"));
  CHECK(only_observation(text).value.kind == Value::Kind::string);
  CHECK(only_observation(text).value.text == "drowsy");
}

TEST_CASE("Observation: two value[x] at once are contradictory and neither is read") {
  const Read r = read(observation(kTemperatureCode,
                                  R"("valueQuantity": {"value": 38, "code": "Cel"}, "valueString": "39")"));
  CHECK(only_observation(r).value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "value[x]", "more than one value[x] (valueQuantity, valueString)"));
}

TEST_CASE("Observation: codings that disagree are a warning naming the field") {
  const Read r = read(observation(
      R"("code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"},
                             {"system": "http://loinc.org", "code": "8867-4"}]})",
      R"("valueQuantity": {"value": 38, "code": "Cel"})"));
  CHECK(only_observation(r).meaning == Concept::unknown);
  CHECK(has_warning(r.warnings(), "code", "codings disagree"));
}

TEST_CASE("Observation: components are read with their own codes and units") {
  const Read r = read(observation(
      R"("code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]})",
      R"("component": [
          {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
           "valueQuantity": {"value": 12, "system": "http://unitsofmeasure.org", "code": "kPa"}},
          {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
           "valueQuantity": {"value": 60, "unit": "mmHg"}},
          {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
           "valueQuantity": {"value": 60, "unit": "bananas"}}])"));
  const auto& o = only_observation(r);
  CHECK(o.meaning == Concept::bp_panel);
  REQUIRE(o.components.size() == 3);
  CHECK(o.components[0].meaning == Concept::systolic_bp);
  CHECK(o.components[0].value.number == Approx(12 / 0.133322));
  CHECK(o.components[1].value.number == 60);
  CHECK(o.components[1].value.unit == "mm[Hg]");
  CHECK(o.components[2].value.kind == Value::Kind::none);
  CHECK(has_warning(r.warnings(), "component[2].valueQuantity", "unknown unit 'bananas'"));
}

TEST_CASE("Observation: an attribution component sets the observation's attribution") {
  const Read r = read(observation(R"("code": )" + project_code("level-of-consciousness"),
                                  R"("valueCodeableConcept": )" + project_code("loc-awakens-to-voice") +
                                      R"(, "component": [{"code": )" + project_code("attribution") +
                                      R"(, "valueCodeableConcept": )" +
                                      project_code("attributable-other-cause") + "}]"));
  const auto& o = only_observation(r);
  CHECK(o.attribution == Concept::attributable_other_cause);
  CHECK(o.components.at(0).meaning == Concept::attribution);
}

TEST_CASE("Observation: interpretation and note texts are kept") {
  const Read r = read(observation(kTemperatureCode,
                                  R"("valueQuantity": {"value": 38, "code": "Cel"},
                                     "interpretation": [{"coding": [{"code": "H"}]}],
                                     "note": [{"text": "axillary"}, {"text": "rechecked"}])"));
  const auto& o = only_observation(r);
  REQUIRE(o.interpretation.size() == 1);
  CHECK(o.interpretation[0].codings.at(0).code == "H");
  CHECK(o.notes == std::vector<std::string>{"axillary", "rechecked"});
}

// ---- Observation times ------------------------------------------------------------

TEST_CASE("Observation: effectivePeriod uses its start, or its end when only that is charted") {
  const std::string base = R"({"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"},
      "subject": {"reference": "Patient/p1"}, )";
  const Read start = read(base + R"("effectivePeriod": {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:00:00Z"}})");
  CHECK(only_observation(start).effective.earliest ==
        fhir::parse_instant("2026-03-01T08:00:00Z").range->earliest);
  const Read end = read(base + R"("effectivePeriod": {"end": "2026-03-01T09:00:00Z"}})");
  CHECK(only_observation(end).effective.earliest ==
        fhir::parse_instant("2026-03-01T09:00:00Z").range->earliest);
  const Read instant = read(base + R"("effectiveInstant": "2026-03-01T10:00:00Z"})");
  CHECK(only_observation(instant).effective.earliest ==
        fhir::parse_instant("2026-03-01T10:00:00Z").range->earliest);
}

TEST_CASE("Observation: without effective[x], issued is the time, flagged and without warning") {
  const Read r = read(R"({"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"},
      "subject": {"reference": "Patient/p1"}, "issued": "2026-03-01T10:00:00+01:00"})");
  const auto& o = only_observation(r);
  CHECK(o.effective_from_issued);
  CHECK(o.effective.earliest == fhir::parse_instant("2026-03-01T09:00:00Z").range->earliest);
  CHECK(r.warnings().empty());
}

TEST_CASE("Observation: an invalid effective date is a warning, and the observation is skipped") {
  const Read r = read(R"({"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-13-01",
      "issued": "2026-03-01T10:00:00Z"})");
  CHECK(r.record().observations.empty());
  REQUIRE(r.warnings().size() == 2);
  CHECK(r.warnings()[0].field == "effectiveDateTime");
  CHECK(r.warnings()[0].message.starts_with("invalid dateTime '2026-13-01': "));
  CHECK(r.warnings()[1].message == "no usable time; observation not used");
}

TEST_CASE("Observation: without any usable time it is skipped with a warning") {
  const Read r = read(R"({"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"},
      "subject": {"reference": "Patient/p1"}})");
  CHECK(r.record().observations.empty());
  CHECK(has_warning(r.warnings(), "effective[x]", "neither effective[x] nor a usable issued time"));
}

// ---- Observation status -------------------------------------------------------------

TEST_CASE("Observation status: entered-in-error and cancelled are dropped and counted") {
  const auto result = read_json(bundle({
      R"({"resourceType": "Observation", "id": "a", "status": "entered-in-error", "subject": {"reference": "Patient/p1"}})",
      R"({"resourceType": "Observation", "id": "b", "status": "cancelled", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}})",
  }));
  const auto& record = patient(result, "p1");
  CHECK(record.observations.empty());
  CHECK(record.dropped == 2);
  CHECK(record.warnings.empty());
}

TEST_CASE("Observation status: preliminary is kept for the grading to judge") {
  const Read r = read(observation(kTemperatureCode, R"("valueQuantity": {"value": 38, "code": "Cel"})",
                                  "preliminary"));
  CHECK(only_observation(r).status == fhir::ObservationStatus::preliminary);
  CHECK(r.warnings().empty());
}

TEST_CASE("Observation status: an unknown code or a missing status is a warning") {
  const Read unknown = read(observation(kTemperatureCode, R"("valueQuantity": {"value": 38, "code": "Cel"})",
                                        "finalised"));
  CHECK(only_observation(unknown).status == fhir::ObservationStatus::unknown);
  CHECK(has_warning(unknown.warnings(), "status", "unknown status code 'finalised'"));

  const Read missing = read(R"({"resourceType": "Observation", "id": "o1", "code": {"text": "x"},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-03-01"})");
  CHECK(only_observation(missing).status == fhir::ObservationStatus::unknown);
  CHECK(has_warning(missing.warnings(), "status", "missing (FHIR requires it)"));
}

// ---- MedicationAdministration ----------------------------------------------------------

TEST_CASE("MedicationAdministration: a bolus has a start and no end; doses convert to mg") {
  const Read r = read(administration(std::string(kDexamethasone) + R"(,
      "effectiveDateTime": "2026-03-01T08:00:00Z",
      "dosage": {"dose": {"value": 0.01, "system": "http://unitsofmeasure.org", "code": "g"},
                 "route": {"text": "IV"}})"));
  const auto& a = only_administration(r);
  CHECK(a.drug == Concept::dexamethasone);
  CHECK_FALSE(a.drug_by_name);
  CHECK_FALSE(a.is_period);
  CHECK_FALSE(a.end);
  REQUIRE(a.dose);
  CHECK(a.dose->value == Approx(10));
  CHECK(a.dose->unit == "mg");
  CHECK(a.route.text == "IV");
  CHECK(a.status == fhir::AdministrationStatus::completed);
}

TEST_CASE("MedicationAdministration: per-weight doses are mg/kg, units stay U") {
  const Read per_kg = read(administration(std::string(kDexamethasone) + R"(,
      "effectiveDateTime": "2026-03-01T08:00:00Z",
      "dosage": {"dose": {"value": 150, "system": "http://unitsofmeasure.org", "code": "ug/kg"}})"));
  CHECK(only_administration(per_kg).dose->value == Approx(0.15));
  CHECK(only_administration(per_kg).dose->unit == "mg/kg");
  const Read units = read(administration(R"("medicationCodeableConcept": {"text": "vasopressin"},
      "effectiveDateTime": "2026-03-01T08:00:00Z",
      "dosage": {"dose": {"value": 2, "system": "http://unitsofmeasure.org", "code": "U"}})"));
  CHECK(only_administration(units).drug == Concept::vasopressin);
  CHECK(only_administration(units).drug_by_name);
  CHECK(only_administration(units).dose->unit == "U");
}

TEST_CASE("MedicationAdministration: rates are converted to one canonical unit per dimension") {
  auto rate_of = [](const std::string& quantity) {
    const Read r = read(administration(R"("medicationCodeableConcept": {"text": "norepinephrine"},
        "effectivePeriod": {"start": "2026-03-01T08:00:00Z"},
        "dosage": {"rateQuantity": )" + quantity + "}", "in-progress"));
    const auto& a = only_administration(r);
    REQUIRE(a.rate);
    return *a.rate;
  };
  const fhir::Dose per_weight = rate_of(R"({"value": 0.6, "code": "mg/kg/h"})");
  CHECK(per_weight.value == Approx(10));
  CHECK(per_weight.unit == "ug/kg/min");
  const fhir::Dose mass = rate_of(R"({"value": 0.6, "code": "mg/h"})");
  CHECK(mass.value == Approx(10));
  CHECK(mass.unit == "ug/min");
  const fhir::Dose units = rate_of(R"({"value": 2.4, "code": "U/h"})");
  CHECK(units.value == Approx(0.04));
  CHECK(units.unit == "U/min");
  const fhir::Dose volume = rate_of(R"({"value": 1, "code": "mL/min"})");
  CHECK(volume.value == Approx(60));
  CHECK(volume.unit == "mL/h");
}

TEST_CASE("MedicationAdministration: an unconvertible rate or a rateRatio is a warning") {
  const Read unknown = read(administration(std::string(kDexamethasone) + R"(,
      "effectivePeriod": {"start": "2026-03-01T08:00:00Z"},
      "dosage": {"rateQuantity": {"value": 3, "code": "drops/min"}})"));
  CHECK_FALSE(only_administration(unknown).rate);
  CHECK(has_warning(unknown.warnings(), "dosage.rateQuantity", "unit 'drops/min' is not a dose rate"));
  const Read ratio = read(administration(std::string(kDexamethasone) + R"(,
      "effectivePeriod": {"start": "2026-03-01T08:00:00Z"},
      "dosage": {"rateRatio": {"numerator": {"value": 1}, "denominator": {"value": 2}}})"));
  CHECK_FALSE(only_administration(ratio).rate);
  CHECK(has_warning(ratio.warnings(), "dosage.rateRatio", "is not read"));
}

TEST_CASE("MedicationAdministration: a period has an end, or is still running when open") {
  const Read closed = read(administration(std::string(kDexamethasone) + R"(,
      "effectivePeriod": {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:00:00Z"})"));
  const auto& a = only_administration(closed);
  CHECK(a.is_period);
  REQUIRE(a.end);
  CHECK(a.end->earliest == fhir::parse_instant("2026-03-01T09:00:00Z").range->earliest);
  const Read open = read(administration(std::string(kDexamethasone) + R"(,
      "effectivePeriod": {"start": "2026-03-01T08:00:00Z"})", "in-progress"));
  CHECK(only_administration(open).is_period);
  CHECK_FALSE(only_administration(open).end);
}

TEST_CASE("MedicationAdministration: a period with only an end starts at its end, with a warning") {
  const Read r = read(administration(std::string(kDexamethasone) + R"(,
      "effectivePeriod": {"end": "2026-03-01T09:00:00Z"})"));
  const auto& a = only_administration(r);
  CHECK(a.start.earliest == fhir::parse_instant("2026-03-01T09:00:00Z").range->earliest);
  REQUIRE(a.end);
  CHECK(has_warning(r.warnings(), "effectivePeriod.start", "missing; the end is taken as the start"));
}

TEST_CASE("MedicationAdministration: without a usable time it is skipped with a warning") {
  const Read r = read(administration(std::string(kDexamethasone) + R"(, "effectiveDateTime": "yesterday")"));
  CHECK(r.record().administrations.empty());
  CHECK(has_warning(r.warnings(), "effectiveDateTime", "invalid dateTime 'yesterday'"));
  CHECK(has_warning(r.warnings(), "effectiveDateTime", "no usable time; administration not used"));
}

TEST_CASE("MedicationAdministration status: not-done and entered-in-error dropped, on-hold kept") {
  const auto result = read_json(bundle({
      administration(std::string(kDexamethasone) + R"(, "effectiveDateTime": "2026-03-01T08:00:00Z")", "not-done"),
      administration(R"("effectiveDateTime": "2026-03-01T08:00:00Z")", "entered-in-error"),
  }));
  CHECK(patient(result, "p1").administrations.empty());
  CHECK(patient(result, "p1").dropped == 1);  // the same id twice: the later copy wins, then is dropped
  CHECK(has_warning(patient(result, "p1").warnings, "meta", "duplicate id MedicationAdministration/m1"));
  const Read held = read(administration(std::string(kDexamethasone) + R"(, "effectiveDateTime": "2026-03-01T08:00:00Z")", "on-hold"));
  CHECK(only_administration(held).status == fhir::AdministrationStatus::on_hold);
  const Read unknown = read(administration(std::string(kDexamethasone) + R"(, "effectiveDateTime": "2026-03-01T08:00:00Z")", "unknown"));
  CHECK(only_administration(unknown).status == fhir::AdministrationStatus::unknown);
  CHECK(unknown.warnings().empty());
}

TEST_CASE("MedicationAdministration: a contained Medication is resolved") {
  const Read r = read(administration(R"("contained": [{"resourceType": "Medication", "id": "med",
        "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "612865"}]}}],
      "medicationReference": {"reference": "#med"}, "effectiveDateTime": "2026-03-01T08:00:00Z")"));
  CHECK(only_administration(r).drug == Concept::tocilizumab);
  CHECK(r.warnings().empty());
}

TEST_CASE("MedicationAdministration: bundled Medications resolve by id and by urn:uuid fullUrl") {
  const std::string text = R"({"resourceType": "Bundle", "type": "collection", "entry": [
    {"resource": )" + administration(R"("medicationReference": {"reference": "Medication/toci"}, "effectiveDateTime": "2026-03-01T08:00:00Z")") + R"(},
    {"resource": {"resourceType": "MedicationAdministration", "id": "m2", "status": "completed",
                  "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-03-01T09:00:00Z",
                  "medicationReference": {"reference": "urn:uuid:8d4c1b2e-7a0f-4a53-9a8e-3f3b2c1d0e9f"}}},
    {"resource": {"resourceType": "Medication", "id": "toci",
                  "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "612865"}]}}},
    {"fullUrl": "urn:uuid:8d4c1b2e-7a0f-4a53-9a8e-3f3b2c1d0e9f",
     "resource": {"resourceType": "Medication", "id": "dex", "code": {"text": "Dexamethasone 10 mg"}}}
  ]})";
  const Read r = read(text);
  INFO(describe(r.warnings()) << describe(r.result.warnings));
  REQUIRE(r.record().administrations.size() == 2);
  CHECK(r.record().administrations[0].drug == Concept::tocilizumab);
  CHECK_FALSE(r.record().administrations[0].drug_by_name);
  CHECK(r.record().administrations[1].drug == Concept::dexamethasone);
  CHECK(r.record().administrations[1].drug_by_name);
  CHECK(r.warnings().empty());
  CHECK(r.result.warnings.empty());
}

TEST_CASE("MedicationAdministration: an unresolvable medication reference is a warning, drug unknown") {
  const Read r = read(administration(R"("medicationReference": {"reference": "Medication/nowhere", "display": "Dexamethasone"},
      "effectiveDateTime": "2026-03-01T08:00:00Z")"));
  const auto& a = only_administration(r);
  CHECK(a.drug == Concept::unknown);
  CHECK(a.medication.text == "Dexamethasone");  // shown, not used
  REQUIRE(r.warnings().size() == 1);
  CHECK(r.warnings()[0].field == "medicationReference.reference");
  CHECK(r.warnings()[0].message == "'Medication/nowhere' matches no Medication in the inputs; drug unknown");
}

// ---- MedicationRequest ---------------------------------------------------------------

TEST_CASE("MedicationRequest: status, intent, dose, route and timing are read") {
  const Read r = read(R"({"resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order",
      "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-03-01T07:00:00Z",
      "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3264"}]},
      "dosageInstruction": [{"text": "10 mg IV q6h",
        "timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}},
        "route": {"text": "IV"},
        "doseAndRate": [{"doseQuantity": {"value": 10, "system": "http://unitsofmeasure.org", "code": "mg"}}]}]})");
  REQUIRE(r.record().medication_requests.size() == 1);
  const auto& request = r.record().medication_requests[0];
  CHECK(request.status == fhir::RequestStatus::active);
  CHECK(request.intent == "order");
  CHECK(request.drug == Concept::dexamethasone);
  REQUIRE(request.authored_on);
  REQUIRE(request.dose);
  CHECK(request.dose->value == 10);
  CHECK(request.dose->unit == "mg");
  CHECK(request.route.text == "IV");
  CHECK(request.timing.frequency == 1);
  CHECK(request.timing.period_hours == 6);
  CHECK(request.timing.text == "10 mg IV q6h");
  CHECK(r.warnings().empty());
}

TEST_CASE("MedicationRequest: a bundled Medication reference is resolved at finish") {
  const Read r = read(bundle({
      R"({"resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order",
          "subject": {"reference": "Patient/p1"},
          "medicationReference": {"reference": "https://ehr.example/fhir/Medication/kep/_history/1"}})",
      R"({"resourceType": "Medication", "id": "kep", "code": {"coding": [
          {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "114477", "display": "levetiracetam"}]}})",
  }));
  REQUIRE(r.record().medication_requests.size() == 1);
  CHECK(r.record().medication_requests[0].drug == Concept::levetiracetam);
  CHECK(r.record().medication_requests[0].medication.codings.at(0).code == "114477");
}

TEST_CASE("MedicationRequest: period units convert to hours; an unknown one is a warning") {
  const std::string base = R"({"resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order",
      "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "levetiracetam"},
      "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": ")";
  const Read day = read(base + R"(d"}}}]})");
  CHECK(day.record().medication_requests.at(0).timing.period_hours == 24);
  const Read odd = read(base + R"(fortnight"}}}]})");
  CHECK(odd.record().medication_requests.at(0).timing.period_hours == 0);
  CHECK(has_warning(odd.warnings(), "dosageInstruction[0].timing.repeat.periodUnit",
                    "unknown unit of time 'fortnight'"));
}

// ---- ServiceRequest, DiagnosticReport, Procedure -------------------------------------

TEST_CASE("ServiceRequest: revoked is cancelled; code, authoredOn and occurrence are read") {
  const Read r = read(R"({"resourceType": "ServiceRequest", "id": "s1", "status": "revoked", "intent": "order",
      "subject": {"reference": "Patient/p1"},
      "code": {"coding": [{"system": "http://snomed.info/sct", "code": "816077007"}]},
      "authoredOn": "2026-03-01T07:00:00Z", "occurrencePeriod": {"start": "2026-03-01T10:00:00Z"}})");
  REQUIRE(r.record().service_requests.size() == 1);
  const auto& s = r.record().service_requests[0];
  CHECK(s.status == fhir::RequestStatus::cancelled);
  CHECK(s.service == Concept::mri_brain);
  CHECK(s.intent == "order");
  REQUIRE(s.occurrence);
  CHECK(s.occurrence->earliest == fhir::parse_instant("2026-03-01T10:00:00Z").range->earliest);
}

TEST_CASE("DiagnosticReport: conclusion codes become findings; cancelled reports are dropped") {
  const auto result = read_json(bundle({
      R"({"resourceType": "DiagnosticReport", "id": "d1", "status": "final",
          "subject": {"reference": "Patient/p1"}, "code": {"text": "Fundoscopy"},
          "effectiveDateTime": "2026-03-01T10:00:00Z", "issued": "2026-03-01T11:00:00Z",
          "conclusion": "Bilateral papilledema",
          "conclusionCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "423341008"}]},
                             {"text": "something else"}]})",
      R"({"resourceType": "DiagnosticReport", "id": "d2", "status": "cancelled",
          "subject": {"reference": "Patient/p1"}, "code": {"text": "MRI"}})",
  }));
  const auto& record = patient(result, "p1");
  REQUIRE(record.reports.size() == 1);
  const auto& report = record.reports[0];
  CHECK(report.findings == std::vector<Concept>{Concept::icp_papilledema});
  CHECK(report.conclusion_codes.size() == 2);
  CHECK(report.conclusion == "Bilateral papilledema");
  CHECK(report.effective);
  CHECK(report.issued);
  CHECK(record.dropped == 1);
}

TEST_CASE("Procedure: the cell therapy product comes from code, usedCode or text") {
  const std::string base = R"({"resourceType": "Procedure", "status": "completed",
      "subject": {"reference": "Patient/p1"}, "performedPeriod": {"start": "2026-02-20T10:00:00Z"}, )";
  const auto result = read_json(bundle({
      base + R"("id": "a", "code": {"text": "CAR-T infusion"},
          "usedCode": [{"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1987402"}]}]})",
      base + R"("id": "b", "code": {"text": "Kymriah infusion"}})",
      base + R"("id": "c", "code": {"text": "Cell infusion"}, "note": [{"text": "product: Carvykti"}]})",
      base + R"("id": "d", "code": {"text": "Lumbar drain"}})",
  }));
  const auto& procedures = patient(result, "p1").procedures;
  REQUIRE(procedures.size() == 4);
  CHECK(procedures[0].product == Concept::axicabtagene_ciloleucel);
  CHECK(procedures[1].product == Concept::tisagenlecleucel);
  CHECK(procedures[2].product == Concept::ciltacabtagene_autoleucel);
  CHECK(procedures[3].product == Concept::unknown);
  REQUIRE(procedures[0].performed);
  CHECK(procedures[0].performed->earliest == fhir::parse_instant("2026-02-20T10:00:00Z").range->earliest);
}

TEST_CASE("Procedure status: not-done is dropped") {
  const auto result = read_json(R"({"resourceType": "Procedure", "id": "a", "status": "not-done",
      "subject": {"reference": "Patient/p1"}, "code": {"text": "Yescarta infusion"}})");
  CHECK(patient(result, "p1").procedures.empty());
  CHECK(patient(result, "p1").dropped == 1);
}
