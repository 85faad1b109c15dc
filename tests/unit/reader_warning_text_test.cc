// The exact text of the readers' warnings, field path included, for a bad
// value at every path the readers name. The readers join these paths only
// when they warn; these cases pin that the deferred text is the text users
// have always been shown.
#include <string>
#include <type_traits>
#include <vector>

#include "fhir/read_helpers.h"
#include "intake_helpers.h"

using namespace intake_test;

namespace {

constexpr const char* kSubject = R"("subject": {"reference": "Patient/p1"})";
constexpr const char* kWhen = R"("effectiveDateTime": "2026-03-01T08:00:00Z")";
constexpr const char* kTemperature =
    R"("code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]})";

std::string resource(const std::string& type, const std::string& members) {
  return R"({"resourceType": ")" + type + R"(", "id": "r1", )" + kSubject + ", " + members + "}";
}

std::string observation(const std::string& members) {
  return resource("Observation", R"("status": "final", )" + members);
}

// Every warning of one read, input-wide and per patient, as users see it.
std::vector<std::string> warnings_of(const std::string& json) {
  fhir::Intake intake(terminology());
  const std::string error = intake.add_json(json, "t.json");
  INFO(error);
  REQUIRE(error.empty());
  const fhir::IntakeResult result = intake.finish();
  std::vector<std::string> lines;
  for (const auto& warning : result.warnings) lines.push_back(fhir::to_string(warning));
  for (const auto& [id, record] : result.patients) {
    for (const auto& warning : record.warnings) lines.push_back(fhir::to_string(warning));
  }
  return lines;
}

using Lines = std::vector<std::string>;

}  // namespace

// A FieldPath keeps views: it must not be made from a string that dies with
// the statement, nor under a parent that does. Named strings are fine.
using fhir::detail::FieldPath;
static_assert(std::is_constructible_v<FieldPath, const std::string&>);
static_assert(std::is_constructible_v<FieldPath, std::string&>);
static_assert(std::is_constructible_v<FieldPath, const char*>);
static_assert(!std::is_constructible_v<FieldPath, std::string>);
static_assert(!std::is_constructible_v<FieldPath, std::string, std::size_t>);
static_assert(!std::is_constructible_v<FieldPath, const FieldPath&, std::string>);
static_assert(!std::is_constructible_v<FieldPath, const FieldPath&, std::string, std::size_t>);
static_assert(!std::is_constructible_v<FieldPath, FieldPath, const char*>);
static_assert(std::is_constructible_v<FieldPath, const FieldPath&, const std::string&, std::size_t>);

TEST_CASE("FieldPath text is what path() and indexed() join", "[reader]") {
  using fhir::detail::FieldPath;
  using fhir::detail::indexed;
  using fhir::detail::path;
  const std::string_view names[] = {"", "code", "component[2]", "valueQuantity", "a.b", "x"};
  for (std::string_view parent : names) {
    for (std::string_view child : names) {
      for (std::size_t index : {std::size_t{0}, std::size_t{7}, std::size_t{123456}}) {
        INFO("parent '" << parent << "' child '" << child << "' index " << index);
        const FieldPath root(parent);
        CHECK(root.text() == std::string(parent));
        CHECK(FieldPath(root, child).text() == path(parent, child));
        CHECK(FieldPath(parent, index).text() == indexed(parent, index));
        CHECK(FieldPath(root, child, index).text() == path(parent, indexed(child, index)));
        const FieldPath element(parent, index);
        const FieldPath middle(element, child);
        CHECK(FieldPath(middle, "text").text() == path(path(indexed(parent, index), child), "text"));
        const FieldPath empty_member(root, "");
        CHECK(FieldPath(empty_member, child).text() == path(path(parent, ""), child));
      }
    }
  }
}

TEST_CASE("Reader warnings: status and code paths keep their exact text", "[reader]") {
  CHECK(warnings_of(resource("Observation", std::string(kTemperature) + ", " + kWhen +
                                                R"(, "valueQuantity": {"value": 38, "code": "Cel"})")) ==
        Lines{"t.json (Observation/r1) status: missing (FHIR requires it); status taken as unknown"});
  CHECK(warnings_of(resource("Observation", R"("status": 7, )" + std::string(kTemperature) + ", " +
                                                kWhen)) ==
        Lines{"t.json (Observation/r1) status: expected string, found number; not read"});
  CHECK(warnings_of(resource("Observation", R"("status": "draft", )" + std::string(kTemperature) +
                                                ", " + kWhen)) ==
        Lines{"t.json (Observation/r1) status: unknown status code 'draft'; status taken as unknown"});
  CHECK(warnings_of(observation(std::string(R"("code": "8310-5", )") + kWhen)) ==
        Lines{"t.json (Observation/r1) code: expected object, found string; not read"});
  CHECK(warnings_of(observation(std::string(R"("code": {"coding": {}, "text": 5}, )") + kWhen)) ==
        Lines{"t.json (Observation/r1) code.coding: expected array, found object; not read",
              "t.json (Observation/r1) code.text: expected string, found number; not read"});
  CHECK(warnings_of(observation(
            std::string(R"("code": {"coding": [{"system": "http://loinc.org", "code": "8310-5", "display": []}, 4, {"system": 1}]}, )") +
            kWhen)) ==
        Lines{"t.json (Observation/r1) code.coding[0].display: expected string, found array; not read",
              "t.json (Observation/r1) code.coding[1]: expected object, found number; not read",
              "t.json (Observation/r1) code.coding[2].system: expected string, found number; not read"});
  CHECK(warnings_of(observation(
            std::string(R"("code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"},)"
                        R"( {"system": "http://loinc.org", "code": "8867-4"}]}, )") +
            kWhen)) ==
        Lines{"t.json (Observation/r1) code: codings disagree: http://loinc.org|8310-5 means "
              "'body-temperature' (Body temperature), http://loinc.org|8867-4 means 'heart-rate' "
              "(Heart rate); the code is not used"});
}

TEST_CASE("Reader warnings: effective[x] and issued paths keep their exact text", "[reader]") {
  const std::string code = std::string(kTemperature) + ", ";
  CHECK(warnings_of(observation(code + R"("effectiveDateTime": "2026-02-30")")) ==
        Lines{"t.json (Observation/r1) effectiveDateTime: invalid dateTime '2026-02-30': day 30 out "
              "of range for 2026-02 in '2026-02-30'",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("effectiveDateTime": 2026)")) ==
        Lines{"t.json (Observation/r1) effectiveDateTime: expected string, found number; not read",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("effectivePeriod": {"start": "x", "end": 3})")) ==
        Lines{"t.json (Observation/r1) effectivePeriod.start: invalid dateTime 'x': expected 4-digit "
              "year (YYYY) at position 0 in 'x'",
              "t.json (Observation/r1) effectivePeriod.end: expected string, found number; not read",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(
            code + R"("effectivePeriod": {"start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"})")) ==
        Lines{"t.json (Observation/r1) effectivePeriod: ends before it starts; not used",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("effectivePeriod": {})")) ==
        Lines{"t.json (Observation/r1) effectivePeriod: has neither start nor end",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("effectivePeriod": [])")) ==
        Lines{"t.json (Observation/r1) effectivePeriod: expected object, found array; not read",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("effectiveInstant": "2026-03-01")")) ==
        Lines{"t.json (Observation/r1) effectiveInstant: invalid instant '2026-03-01': an instant "
              "needs a time of day and UTC offset, not only a date, in '2026-03-01'",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("effectiveString": "x", "effectiveTiming": {})")) ==
        Lines{"t.json (Observation/r1) effectiveTiming: is not read; only effectiveDateTime and "
              "effectivePeriod are",
              "t.json (Observation/r1) effectiveString: is not read; only effectiveDateTime and "
              "effectivePeriod are",
              "t.json (Observation/r1) effective[x]: no usable time; observation not used"});
  CHECK(warnings_of(observation(code + R"("issued": "2026-03-01T08:00:00")")) ==
        Lines{"t.json (Observation/r1) issued: invalid instant '2026-03-01T08:00:00': time without UTC "
              "offset (FHIR requires Z or +hh:mm/-hh:mm) in '2026-03-01T08:00:00'",
              "t.json (Observation/r1) effective[x]: neither effective[x] nor a usable issued time; "
              "observation not used"});
  CHECK(warnings_of(observation(code + R"("effectivePeriod": {"end": "2026-03-01T08:00:00Z"}, )"
                                       R"("valueQuantity": {"value": 38, "code": "Cel"})"))
            .empty());
}

TEST_CASE("Reader warnings: value[x] paths keep their exact text", "[reader]") {
  const std::string head = std::string(kTemperature) + ", " + kWhen + ", ";
  CHECK(warnings_of(observation(head + R"("valueQuantity": 38)")) ==
        Lines{"t.json (Observation/r1) valueQuantity: expected object, found number; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"code": "Cel"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity.value: missing; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": "38", "code": "Cel"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity.value: expected number, found string; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": 38, "comparator": ">", "code": "Cel"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity.comparator: '>' makes the value a bound, not a "
              "measurement; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": 38, "comparator": 1, "system": 2, "code": 3, "unit": 4})")) ==
        Lines{"t.json (Observation/r1) valueQuantity.comparator: expected string, found number; not read",
              "t.json (Observation/r1) valueQuantity.system: expected string, found number; not read",
              "t.json (Observation/r1) valueQuantity.code: expected string, found number; not read",
              "t.json (Observation/r1) valueQuantity.unit: expected string, found number; not read",
              "t.json (Observation/r1) valueQuantity: no unit charted for body temperature; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": 38, "unit": "bananas"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unknown unit 'bananas' for body temperature; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": 38, "code": "kg"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unit 'kg' for body temperature: cannot convert "
              "'kg' (mass) to 'Cel' (temperature); not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": -500, "code": "[degF]"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unit '[degF]' for body temperature: temperature "
              "-500 [degF] is below absolute zero; not read"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": 3800, "unit": "°C"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: physiologically impossible value 3800 Cel for "
              "body temperature; not graded"});
  CHECK(warnings_of(observation(head + R"("valueInteger": 38.5)")) ==
        Lines{"t.json (Observation/r1) valueInteger: expected integer, found number; not read"});
  CHECK(warnings_of(observation(head + R"("valueInteger": 38)")) ==
        Lines{"t.json (Observation/r1) valueInteger: an integer without unit for body temperature "
              "(expected Cel); not read"});
  CHECK(warnings_of(observation(head + R"("valueBoolean": 1)")) ==
        Lines{"t.json (Observation/r1) valueBoolean: expected boolean, found number; not read"});
  CHECK(warnings_of(observation(head + R"("valueString": true)")) ==
        Lines{"t.json (Observation/r1) valueString: expected string, found boolean; not read"});
  CHECK(warnings_of(observation(head + R"("valueDateTime": "2026-03-01")")) ==
        Lines{"t.json (Observation/r1) valueDateTime: is not read; only valueQuantity, valueInteger, "
              "valueCodeableConcept, valueBoolean and valueString are"});
  CHECK(warnings_of(observation(head + R"("valueQuantity": {"value": 38, "code": "Cel"}, "valueInteger": 38)")) ==
        Lines{"t.json (Observation/r1) value[x]: more than one value[x] (valueQuantity, valueInteger); "
              "none read"});
  CHECK(warnings_of(observation(head + R"("valueCodeableConcept": {"coding": [{"code": 5}], "text": 1})")) ==
        Lines{"t.json (Observation/r1) valueCodeableConcept.coding[0].code: expected string, found "
              "number; not read",
              "t.json (Observation/r1) valueCodeableConcept.text: expected string, found number; not read"});
  // A value nobody reads is kept as charted: its problems are not warned.
  CHECK(warnings_of(observation(std::string(R"("code": {"text": "something else"}, )") + kWhen +
                                R"(, "valueQuantity": {"value": "x"})"))
            .empty());
}

TEST_CASE("Reader warnings: concentrations and scores keep their exact text", "[reader]") {
  const auto lab = [](const std::string& loinc, const std::string& quantity) {
    return observation(R"("code": {"coding": [{"system": "http://loinc.org", "code": ")" + loinc +
                       R"("}]}, )" + kWhen + R"(, "valueQuantity": )" + quantity);
  };
  CHECK(warnings_of(lab("1988-5", R"({"value": 3, "code": "umol/L"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unit 'umol/L' for C-reactive protein: converting "
              "'umol/L' to 'mg/L' needs the analyte's molar mass (g/mol); not read"});
  CHECK(warnings_of(lab("2160-0", R"({"value": 3, "code": "mEq/L"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unit 'mEq/L' for creatinine: converting 'mEq/L' "
              "to 'mg/dL' needs the ion's valence; not read"});
  CHECK(warnings_of(lab("1988-5", R"({"value": 1e308, "code": "g/dL"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unit 'g/dL' for C-reactive protein: converting "
              "'g/dL' to 'mg/L' overflows; not read"});
  CHECK(warnings_of(lab("2951-2", R"({"value": 140, "code": "mEq/L"})")).empty());
  const std::string ice = R"("code": {"coding": [{"system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds", "code": "ice-total"}]}, )";
  CHECK(warnings_of(observation(ice + kWhen + R"(, "valueQuantity": {"value": 7, "code": "kg"})")) ==
        Lines{"t.json (Observation/r1) valueQuantity: unit 'kg' is not a unit of ICE score (total) "
              "({score}); not read"});
  CHECK(warnings_of(observation(ice + kWhen + R"(, "valueQuantity": {"value": 7, "code": "1"})")).empty());
}

TEST_CASE("Reader warnings: component, interpretation and note paths keep their exact text", "[reader]") {
  const std::string head =
      std::string(R"("code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]}, )") + kWhen;
  CHECK(warnings_of(observation(head + R"(, "component": {})")) ==
        Lines{"t.json (Observation/r1) component: expected array, found object; not read"});
  CHECK(warnings_of(observation(
            head + R"(, "component": [)"
                   R"({"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 120, "unit": "bananas"}},)"
                   R"( 3,)"
                   R"( {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": 2}], "text": []}, "valueQuantity": {"value": 120}},)"
                   R"( {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}, {"system": "http://loinc.org", "code": "8867-4"}]}},)"
                   R"( {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 120, "code": "mm[Hg]"}, "valueString": "x"},)"
                   R"( {"code": 1, "valueQuantity": {"value": 1}})"
                   R"(])")) ==
        Lines{"t.json (Observation/r1) component[0].valueQuantity: unknown unit 'bananas' for systolic "
              "blood pressure; not read",
              "t.json (Observation/r1) component[1]: expected object, found number; not read",
              "t.json (Observation/r1) component[2].code.coding[0].display: expected string, found "
              "number; not read",
              "t.json (Observation/r1) component[2].code.text: expected string, found array; not read",
              "t.json (Observation/r1) component[2].valueQuantity: no unit charted for systolic blood "
              "pressure; not read",
              "t.json (Observation/r1) component[3].code: codings disagree: http://loinc.org|8480-6 "
              "means 'systolic-bp' (Systolic blood pressure), http://loinc.org|8867-4 means "
              "'heart-rate' (Heart rate); the code is not used",
              "t.json (Observation/r1) component[4].value[x]: more than one value[x] (valueQuantity, "
              "valueString); none read",
              "t.json (Observation/r1) component[5].code: expected object, found number; not read"});
  CHECK(warnings_of(observation(head + R"(, "interpretation": {})")) ==
        Lines{"t.json (Observation/r1) interpretation: expected array, found object; not read"});
  CHECK(warnings_of(observation(head + R"(, "interpretation": [{"coding": 1}, "H", {"text": 2}])")) ==
        Lines{"t.json (Observation/r1) interpretation[0].coding: expected array, found number; not read",
              "t.json (Observation/r1) interpretation[1]: expected object, found string; not read",
              "t.json (Observation/r1) interpretation[2].text: expected string, found number; not read"});
  CHECK(warnings_of(observation(head + R"(, "note": {})")) ==
        Lines{"t.json (Observation/r1) note: expected array, found object; not read"});
  CHECK(warnings_of(observation(head + R"(, "note": ["x", {"text": 1}, {"text": "fine"}])")) ==
        Lines{"t.json (Observation/r1) note[0]: expected object, found string; not read",
              "t.json (Observation/r1) note[1].text: expected string, found number; not read"});
}

TEST_CASE("Reader warnings: procedure, service request and report paths keep their exact text", "[reader]") {
  const std::string infusion =
      R"("status": "completed", "code": {"text": "Yescarta infusion"}, )";
  CHECK(warnings_of(resource("Procedure", infusion + R"("performedPeriod": {"start": "2026-13-01"})")) ==
        Lines{"t.json (Procedure/r1) performedPeriod.start: invalid dateTime '2026-13-01': month 13 out "
              "of range in '2026-13-01'"});
  CHECK(warnings_of(resource("Procedure", infusion + R"("performedDateTime": "2026-03-01T08:00Z")")) ==
        Lines{"t.json (Procedure/r1) performedDateTime: invalid dateTime '2026-03-01T08:00Z': time of "
              "day without seconds (FHIR requires hh:mm:ss) in '2026-03-01T08:00Z'"});
  CHECK(warnings_of(resource("Procedure", infusion + R"("performedAge": {"value": 5}, "performedInstant": "2026-03-01T08:00:00Z")")) ==
        Lines{"t.json (Procedure/r1) performedAge: is not read; only performedDateTime and "
              "performedPeriod are"});
  CHECK(warnings_of(resource("Procedure", infusion + R"("performedDateTime": "2026-03-01", )"
                                                     R"("usedCode": [{"coding": [{"system": "http://loinc.org", "code": "8480-6"}, {"system": "http://loinc.org", "code": "8867-4"}]}, 2])")) ==
        Lines{"t.json (Procedure/r1) usedCode[1]: expected object, found number; not read",
              "t.json (Procedure/r1) usedCode[0]: codings disagree: http://loinc.org|8480-6 means "
              "'systolic-bp' (Systolic blood pressure), http://loinc.org|8867-4 means 'heart-rate' "
              "(Heart rate); the code is not used"});
  CHECK(warnings_of(resource("ServiceRequest", R"("status": "active", "intent": 1, "code": {"text": "EEG"}, )"
                                               R"("authoredOn": "2026-03-01T08:00:00+15:00", "occurrenceTiming": {})")) ==
        Lines{"t.json (ServiceRequest/r1) intent: expected string, found number; not read",
              "t.json (ServiceRequest/r1) authoredOn: invalid dateTime '2026-03-01T08:00:00+15:00': UTC "
              "offset +15:00 outside -12:00..+14:00 in '2026-03-01T08:00:00+15:00'",
              "t.json (ServiceRequest/r1) occurrenceTiming: is not read; only occurrenceDateTime and "
              "occurrencePeriod are"});
  CHECK(warnings_of(resource("ServiceRequest", R"("status": "active", "intent": "order", "code": {"text": "EEG"}, )"
                                               R"("occurrencePeriod": {"start": "2026-03-01", "end": "2025"})")) ==
        Lines{"t.json (ServiceRequest/r1) occurrencePeriod: ends before it starts; not used"});
  CHECK(warnings_of(resource("DiagnosticReport", R"("status": "final", "code": {"text": "MRI"}, )"
                                                 R"("effectiveDateTime": "2026-03-01T08:00:00Z", "effectiveInstant": 5, )"
                                                 R"("issued": "2026-03-01", "conclusion": 4, "conclusionCode": [7])")) ==
        Lines{"t.json (DiagnosticReport/r1) issued: invalid instant '2026-03-01': an instant needs a "
              "time of day and UTC offset, not only a date, in '2026-03-01'",
              "t.json (DiagnosticReport/r1) conclusion: expected string, found number; not read",
              "t.json (DiagnosticReport/r1) conclusionCode[0]: expected object, found number; not read"});
  CHECK(warnings_of(resource("DiagnosticReport", R"("status": "final", "code": {"text": "MRI"}, )"
                                                 R"("effectiveString": "today")")) ==
        Lines{"t.json (DiagnosticReport/r1) effectiveString: is not read; only effectiveDateTime and "
              "effectivePeriod are"});
}

TEST_CASE("Reader warnings: medication paths keep their exact text", "[reader]") {
  const std::string dex =
      R"("medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3264"}]}, )";
  const std::string given = R"("status": "completed", )" + dex;
  CHECK(warnings_of(resource("MedicationAdministration", given + kWhen +
                                                             R"(, "dosage": {"dose": {"value": -10, "code": "mg"}, )"
                                                             R"("rateQuantity": {"value": 1, "code": "kg"}})")) ==
        Lines{"t.json (MedicationAdministration/r1) dosage.dose: dose -10 mg is not a possible dose; not read",
              "t.json (MedicationAdministration/r1) dosage.rateQuantity: unit 'kg' is not a dose rate this "
              "service converts; rate not read"});
  CHECK(warnings_of(resource("MedicationAdministration", given + kWhen +
                                                             R"(, "dosage": {"dose": {"value": 10, "unit": "tablets"}, "rateRatio": {}})")) ==
        Lines{"t.json (MedicationAdministration/r1) dosage.dose: unit 'tablets' is not a UCUM unit this "
              "service knows; kept as charted",
              "t.json (MedicationAdministration/r1) dosage.rateRatio: is not read; only rateQuantity is"});
  CHECK(warnings_of(resource("MedicationAdministration", given + R"("effectivePeriod": {"end": "2026-03-01T08:00:00Z"}, "dosage": {"dose": {"value": 10}})")) ==
        Lines{"t.json (MedicationAdministration/r1) effectivePeriod.start: missing; the end is taken as the start",
              "t.json (MedicationAdministration/r1) dosage.dose: no unit charted; dose not read"});
  CHECK(warnings_of(resource("MedicationAdministration", given + R"("effectivePeriod": {"start": "nope"})")) ==
        Lines{"t.json (MedicationAdministration/r1) effectivePeriod.start: invalid dateTime 'nope': "
              "expected 4-digit year (YYYY) at position 0 in 'nope'",
              "t.json (MedicationAdministration/r1) effectivePeriod: no usable time; administration not used"});
  CHECK(warnings_of(resource("MedicationAdministration",
                             R"("status": "completed", "medicationReference": {"reference": "#m", "display": 3}, )"
                             R"("contained": [{"resourceType": "Medication", "id": "m", "code": {"coding": 2}}], )" +
                                 std::string(kWhen))) ==
        Lines{"t.json (MedicationAdministration/r1) medicationReference.display: expected string, found "
              "number; not read",
              "t.json (MedicationAdministration/r1) contained(#m).code.coding: expected array, found number; "
              "not read"});
  const std::string ordered = R"("status": "active", "intent": "order", )" + dex;
  CHECK(warnings_of(resource("MedicationRequest", ordered +
                             R"("authoredOn": "2026-03-01", "dosageInstruction": [{"text": 5, "route": {"text": 1}, )"
                             R"("timing": {"repeat": {"frequency": "2", "period": 6, "periodUnit": "fortnight"}, "code": {"text": 9}}, )"
                             R"("doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg", "code": 4}}]}, {}])")) ==
        Lines{"t.json (MedicationRequest/r1) dosageInstruction: has 2 entries; only the first is read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].route.text: expected string, found number; not read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].timing.repeat.frequency: expected number, "
              "found string; not read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].timing.repeat.periodUnit: unknown unit of "
              "time 'fortnight'; period not read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].timing.code.text: expected string, found "
              "number; not read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].text: expected string, found number; not read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].doseAndRate[0].doseQuantity.code: expected "
              "string, found number; not read"});
  CHECK(warnings_of(resource("MedicationRequest", ordered +
                             R"("dosageInstruction": [{"timing": {"repeat": {"period": 6}}, "doseAndRate": [{"doseRange": {}}]}])")) ==
        Lines{"t.json (MedicationRequest/r1) dosageInstruction[0].timing.repeat.periodUnit: missing; period not read",
              "t.json (MedicationRequest/r1) dosageInstruction[0].doseAndRate[0].doseRange: is not read; only "
              "doseQuantity is"});
  CHECK(warnings_of(R"({"resourceType": "Patient", "id": "p1", "birthDate": "19610402", "gender": "f"})") ==
        Lines{"t.json (Patient/p1) birthDate: invalid dateTime '19610402': unexpected '0' at position 4, "
              "expected '-' after the year in '19610402'",
              "t.json (Patient/p1) gender: unknown gender code 'f'; kept as charted"});
}
