#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include <rapidjson/document.h>

#include "cards/fhir_resources.h"
#include "fhir/json.h"
#include "fhir/time.h"

using namespace icans;

namespace {

const std::string kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
const std::string kSnomed = "http://snomed.info/sct";
const std::string kUcum = "http://unitsofmeasure.org";
// A site formulary: orderables are local to each hospital.
const std::string kFormulary = "https://formulary.example.org/fhir/CodeSystem/orderables";

MedicationRequestDraft dexamethasone_q6h() {
  MedicationRequestDraft draft;
  draft.patient_id = "patient-7";
  draft.orderable = {kFormulary, "DEXA-INJ-4", "Dexamethasone 4 mg/mL injection"};
  draft.ingredient = {kRxNorm, "3264", "dexamethasone"};
  draft.dose_value = 10;
  draft.dose_unit = {"mg", "mg"};
  draft.route = {kSnomed, "47625008", "Intravenous route"};
  draft.every_hours = 6;
  draft.text = "Dexamethasone 10 mg IV every 6 hours";
  return draft;
}

ServiceRequestDraft mri_brain() {
  ServiceRequestDraft draft;
  draft.patient_id = "patient-7";
  draft.code = {"http://loinc.org", "24590-2", "MR Brain"};
  draft.text = "MRI brain";
  draft.priority = "urgent";
  return draft;
}

ConditionDraft icans_grade_3() {
  ConditionDraft draft;
  draft.patient_id = "patient-7";
  draft.codings = {
      {kIcd10CmSystem, "G92.03", "Immune effector cell-associated neurotoxicity syndrome, grade 3"},
      {kIcd10CmSystem, "T80.82XA", "Complication of immune effector cellular therapy, initial encounter"}};
  draft.text = "ICANS grade 3 (ASTCT 2019)";
  return draft;
}

rapidjson::Document parsed(const BuiltResource& built) {
  INFO(built.error);
  REQUIRE(built.error.empty());
  REQUIRE_FALSE(built.json.empty());
  rapidjson::Document doc;
  REQUIRE(fhir::parse_json(built.json, doc).empty());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& value) { return std::string(value.GetString(), value.GetStringLength()); }

// FHIR forbids empty strings, arrays and objects, and null.
void require_no_empty_values(const rapidjson::Value& value, const std::string& path = "$") {
  INFO(path);
  REQUIRE_FALSE(value.IsNull());
  if (value.IsString()) REQUIRE(value.GetStringLength() > 0);
  if (value.IsArray()) {
    REQUIRE(value.Size() > 0);
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      require_no_empty_values(value[i], path + "[" + std::to_string(i) + "]");
    }
  }
  if (value.IsObject()) {
    REQUIRE(value.MemberCount() > 0);
    for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
      require_no_empty_values(m->value, path + "." + m->name.GetString());
    }
  }
}

}  // namespace

// --- MedicationRequest ------------------------------------------------------------

TEST_CASE("a MedicationRequest draft carries every element FHIR R4 requires", "[fhir-resources]") {
  auto doc = parsed(medication_request(dexamethasone_q6h()));
  require_no_empty_values(doc);
  REQUIRE(str(doc["resourceType"]) == "MedicationRequest");
  REQUIRE(str(doc["status"]) == "draft");
  REQUIRE(str(doc["intent"]) == "proposal");
  REQUIRE(str(doc["subject"]["reference"]) == "Patient/patient-7");
  REQUIRE_FALSE(doc.HasMember("id"));  // a create action may leave the id to the EHR

  const auto& medication = doc["medicationCodeableConcept"];
  REQUIRE(medication["coding"].Size() == 2);
  REQUIRE(str(medication["coding"][0]["system"]) == kFormulary);
  REQUIRE(str(medication["coding"][0]["code"]) == "DEXA-INJ-4");
  REQUIRE(str(medication["coding"][1]["system"]) == kRxNorm);
  REQUIRE(str(medication["coding"][1]["code"]) == "3264");
  REQUIRE(str(medication["text"]) == "Dexamethasone 4 mg/mL injection");
}

TEST_CASE("the dosage has text, timing, route and a UCUM dose quantity", "[fhir-resources]") {
  auto doc = parsed(medication_request(dexamethasone_q6h()));
  REQUIRE(doc["dosageInstruction"].Size() == 1);
  const auto& dosage = doc["dosageInstruction"][0];
  REQUIRE(str(dosage["text"]) == "Dexamethasone 10 mg IV every 6 hours");
  const auto& repeat = dosage["timing"]["repeat"];
  REQUIRE(repeat["frequency"].GetInt() == 1);
  REQUIRE(repeat["period"].GetInt() == 6);
  REQUIRE(str(repeat["periodUnit"]) == "h");
  REQUIRE_FALSE(repeat.HasMember("count"));
  REQUIRE(str(dosage["route"]["coding"][0]["code"]) == "47625008");
  REQUIRE_FALSE(dosage.HasMember("asNeededBoolean"));
  const auto& quantity = dosage["doseAndRate"][0]["doseQuantity"];
  REQUIRE(quantity["value"].IsInt());
  REQUIRE(quantity["value"].GetInt() == 10);
  REQUIRE(str(quantity["unit"]) == "mg");
  REQUIRE(str(quantity["system"]) == kUcum);
  REQUIRE(str(quantity["code"]) == "mg");
}

TEST_CASE("doses are JSON numbers: integral without .0, fractions exact", "[fhir-resources]") {
  auto draft = dexamethasone_q6h();
  auto built = medication_request(draft);
  REQUIRE(built.json.find("\"value\":10,") != std::string::npos);

  draft.dose_value = 547.2;  // 8 mg/kg for 68.4 kg
  built = medication_request(draft);
  REQUIRE(built.json.find("\"value\":547.2,") != std::string::npos);
  auto doc = parsed(built);
  REQUIRE(doc["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"].GetDouble() == 547.2);

  draft.dose_value = 0.5;
  REQUIRE(medication_request(draft).json.find("\"value\":0.5,") != std::string::npos);
}

TEST_CASE("a single dose is timing count 1, a limited course adds count to the interval", "[fhir-resources]") {
  auto draft = dexamethasone_q6h();
  draft.every_hours = 0;
  auto once = parsed(medication_request(draft));
  const auto& repeat_once = once["dosageInstruction"][0]["timing"]["repeat"];
  REQUIRE(repeat_once["count"].GetInt() == 1);
  REQUIRE_FALSE(repeat_once.HasMember("frequency"));
  REQUIRE_FALSE(repeat_once.HasMember("period"));

  draft.every_hours = 24;
  draft.max_doses = 3;
  auto course = parsed(medication_request(draft));
  const auto& repeat = course["dosageInstruction"][0]["timing"]["repeat"];
  REQUIRE(repeat["count"].GetInt() == 3);
  REQUIRE(repeat["frequency"].GetInt() == 1);
  REQUIRE(repeat["period"].GetInt() == 24);
  REQUIRE(str(repeat["periodUnit"]) == "h");
}

TEST_CASE("as needed, reason and note appear only when given", "[fhir-resources]") {
  auto plain = parsed(medication_request(dexamethasone_q6h()));
  REQUIRE_FALSE(plain.HasMember("reasonCode"));
  REQUIRE_FALSE(plain.HasMember("reasonReference"));
  REQUIRE_FALSE(plain.HasMember("note"));

  auto draft = dexamethasone_q6h();
  draft.as_needed = true;
  draft.reason = ReasonDraft{{kIcd10CmSystem, "G92.03", "ICANS, grade 3"}, "ICANS grade 3", "Condition/icans-1"};
  draft.note = "Suggested by icans-cds from ICE 2/10 at 14:00";
  auto doc = parsed(medication_request(draft));
  require_no_empty_values(doc);
  REQUIRE(doc["dosageInstruction"][0]["asNeededBoolean"].GetBool());
  REQUIRE(str(doc["reasonCode"][0]["coding"][0]["code"]) == "G92.03");
  REQUIRE(str(doc["reasonCode"][0]["text"]) == "ICANS grade 3");
  REQUIRE(str(doc["reasonReference"][0]["reference"]) == "Condition/icans-1");
  REQUIRE(str(doc["note"][0]["text"]) == "Suggested by icans-cds from ICE 2/10 at 14:00");

  draft.reason = ReasonDraft{{}, "ICANS grade 3", ""};
  auto text_only = parsed(medication_request(draft));
  REQUIRE_FALSE(text_only["reasonCode"][0].HasMember("coding"));
  REQUIRE_FALSE(text_only.HasMember("reasonReference"));
}

TEST_CASE("without an orderable the ingredient alone names the drug", "[fhir-resources]") {
  auto draft = dexamethasone_q6h();
  draft.orderable = {};
  auto doc = parsed(medication_request(draft));
  REQUIRE(doc["medicationCodeableConcept"]["coding"].Size() == 1);
  REQUIRE(str(doc["medicationCodeableConcept"]["coding"][0]["code"]) == "3264");
  REQUIRE(str(doc["medicationCodeableConcept"]["text"]) == "dexamethasone");
}

TEST_CASE("an id and intent order are written when asked for", "[fhir-resources]") {
  auto draft = dexamethasone_q6h();
  draft.id = "mr-1";
  draft.intent = "order";
  auto doc = parsed(medication_request(draft));
  REQUIRE(str(doc["id"]) == "mr-1");
  REQUIRE(str(doc["intent"]) == "order");
}

TEST_CASE("a MedicationRequest draft with a missing or impossible value is refused, naming the field",
          "[fhir-resources]") {
  auto refused = [](MedicationRequestDraft draft) {
    auto built = medication_request(draft);
    REQUIRE(built.json.empty());
    return built.error;
  };
  auto draft = dexamethasone_q6h();
  draft.patient_id = "";
  REQUIRE(refused(draft) == "patient_id: not a FHIR id ([A-Za-z0-9-.]{1,64}): \"\"");
  draft.patient_id = "Patient/7";
  REQUIRE(refused(draft).rfind("patient_id: not a FHIR id", 0) == 0);
  draft.patient_id = std::string(65, 'a');
  REQUIRE(refused(draft).rfind("patient_id: not a FHIR id", 0) == 0);

  draft = dexamethasone_q6h();
  draft.id = "mr 1";
  REQUIRE(refused(draft).rfind("id: not a FHIR id", 0) == 0);

  draft = dexamethasone_q6h();
  draft.ingredient = {};
  REQUIRE(refused(draft) == "ingredient: required");
  draft.ingredient = {"rxnorm", "3264", "dexamethasone"};
  REQUIRE(refused(draft) == "ingredient.system: not an absolute URI: \"rxnorm\"");
  draft.ingredient = {kRxNorm, " 3264", "dexamethasone"};
  REQUIRE(refused(draft) == "ingredient.code: not a FHIR code: \" 3264\"");

  draft = dexamethasone_q6h();
  draft.intent = "plan";
  REQUIRE(refused(draft) == "intent: \"plan\" is not one of proposal, order");

  for (double dose : {0.0, -10.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    draft = dexamethasone_q6h();
    draft.dose_value = dose;
    REQUIRE(refused(draft).rfind("dose_value: must be a positive number", 0) == 0);
  }

  draft = dexamethasone_q6h();
  draft.dose_unit = {"", "mg"};
  REQUIRE(refused(draft) == "dose_unit.code: not a UCUM code: \"\"");
  draft.dose_unit = {"mg per kg", ""};
  REQUIRE(refused(draft) == "dose_unit.code: not a UCUM code: \"mg per kg\"");

  draft = dexamethasone_q6h();
  draft.every_hours = -6;
  REQUIRE(refused(draft) == "every_hours: negative: -6");
  draft.every_hours = 0;
  draft.max_doses = 3;
  REQUIRE(refused(draft) == "max_doses: 3 doses but every_hours is 0 (a single dose): give the interval");

  draft = dexamethasone_q6h();
  draft.text = "  ";
  REQUIRE(refused(draft) == "text: required");

  draft = dexamethasone_q6h();
  draft.reason = ReasonDraft{};
  REQUIRE(refused(draft) == "reason: given but empty (leave it out instead)");
  draft.reason = ReasonDraft{{}, "", "icans-1"};
  REQUIRE(refused(draft) == "reason.reference: not a relative reference \"Type/id\": \"icans-1\"");
}

// --- ServiceRequest ---------------------------------------------------------------

TEST_CASE("a ServiceRequest draft carries status, intent, code, subject and priority", "[fhir-resources]") {
  auto draft = mri_brain();
  draft.reason = ReasonDraft{{}, "ICANS grade 3 with focal weakness", ""};
  draft.note = "Rule out cerebral oedema";
  auto doc = parsed(service_request(draft));
  require_no_empty_values(doc);
  REQUIRE(str(doc["resourceType"]) == "ServiceRequest");
  REQUIRE(str(doc["status"]) == "draft");
  REQUIRE(str(doc["intent"]) == "proposal");
  REQUIRE(str(doc["priority"]) == "urgent");
  REQUIRE(str(doc["code"]["coding"][0]["system"]) == "http://loinc.org");
  REQUIRE(str(doc["code"]["coding"][0]["code"]) == "24590-2");
  REQUIRE(str(doc["code"]["text"]) == "MRI brain");
  REQUIRE(str(doc["subject"]["reference"]) == "Patient/patient-7");
  REQUIRE(str(doc["reasonCode"][0]["text"]) == "ICANS grade 3 with focal weakness");
  REQUIRE(str(doc["note"][0]["text"]) == "Rule out cerebral oedema");
}

TEST_CASE("ServiceRequest priority is one of routine, urgent, asap, stat or left out", "[fhir-resources]") {
  auto draft = mri_brain();
  for (const char* priority : {"routine", "urgent", "asap", "stat"}) {
    draft.priority = priority;
    REQUIRE(str(parsed(service_request(draft))["priority"]) == priority);
  }
  draft.priority = "";
  REQUIRE_FALSE(parsed(service_request(draft)).HasMember("priority"));
  draft.priority = "emergency";
  REQUIRE(service_request(draft).error == "priority: \"emergency\" is not one of routine, urgent, asap, stat");
  draft = mri_brain();
  draft.code = {};
  REQUIRE(service_request(draft).error == "code: required");
  draft = mri_brain();
  draft.text = "";
  REQUIRE(service_request(draft).error == "text: required");
}

// --- Condition --------------------------------------------------------------------

TEST_CASE("a Condition draft uses the R4 status and category code systems", "[fhir-resources]") {
  auto draft = icans_grade_3();
  const auto onset = fhir::parse_instant("2026-03-07T14:00:00Z");
  REQUIRE(onset.range);
  draft.onset = onset.range->earliest;
  draft.note = "Graded by icans-cds; confirm clinically";
  auto doc = parsed(condition(draft));
  require_no_empty_values(doc);
  REQUIRE(str(doc["resourceType"]) == "Condition");
  REQUIRE(str(doc["clinicalStatus"]["coding"][0]["system"]) ==
          "http://terminology.hl7.org/CodeSystem/condition-clinical");
  REQUIRE(str(doc["clinicalStatus"]["coding"][0]["code"]) == "active");
  REQUIRE(str(doc["clinicalStatus"]["coding"][0]["display"]) == "Active");
  REQUIRE(str(doc["verificationStatus"]["coding"][0]["system"]) ==
          "http://terminology.hl7.org/CodeSystem/condition-ver-status");
  REQUIRE(str(doc["verificationStatus"]["coding"][0]["code"]) == "provisional");
  REQUIRE(str(doc["verificationStatus"]["coding"][0]["display"]) == "Provisional");
  REQUIRE(str(doc["category"][0]["coding"][0]["system"]) ==
          "http://terminology.hl7.org/CodeSystem/condition-category");
  REQUIRE(str(doc["category"][0]["coding"][0]["code"]) == "encounter-diagnosis");
  REQUIRE(str(doc["category"][0]["coding"][0]["display"]) == "Encounter Diagnosis");
  REQUIRE(doc["code"]["coding"].Size() == 2);
  REQUIRE(str(doc["code"]["coding"][0]["system"]) == "http://hl7.org/fhir/sid/icd-10-cm");
  REQUIRE(str(doc["code"]["coding"][0]["code"]) == "G92.03");
  REQUIRE(str(doc["code"]["coding"][1]["code"]) == "T80.82XA");
  REQUIRE(str(doc["code"]["text"]) == "ICANS grade 3 (ASTCT 2019)");
  REQUIRE(str(doc["subject"]["reference"]) == "Patient/patient-7");
  REQUIRE(str(doc["onsetDateTime"]) == "2026-03-07T14:00:00Z");
  REQUIRE(str(doc["note"][0]["text"]) == "Graded by icans-cds; confirm clinically");

  draft.category = "problem-list-item";
  draft.onset.reset();
  auto problem = parsed(condition(draft));
  REQUIRE(str(problem["category"][0]["coding"][0]["code"]) == "problem-list-item");
  REQUIRE(str(problem["category"][0]["coding"][0]["display"]) == "Problem List Item");
  REQUIRE_FALSE(problem.HasMember("onsetDateTime"));
}

TEST_CASE("a Condition draft with unknown status or no coding is refused", "[fhir-resources]") {
  auto draft = icans_grade_3();
  draft.codings.clear();
  REQUIRE(condition(draft).error == "codings: at least one coding is required");
  draft = icans_grade_3();
  draft.codings[1].system = "";
  REQUIRE(condition(draft).error == "codings[1].system: not an absolute URI: \"\"");
  draft = icans_grade_3();
  draft.clinical_status = "current";
  REQUIRE(condition(draft).error ==
          "clinical_status: \"current\" is not one of active, recurrence, relapse, inactive, remission, resolved");
  draft = icans_grade_3();
  draft.verification_status = "entered-in-error";
  REQUIRE(condition(draft).error.rfind("verification_status: \"entered-in-error\" is not one of", 0) == 0);
  draft = icans_grade_3();
  draft.category = "diagnosis";
  REQUIRE(condition(draft).error ==
          "category: \"diagnosis\" is not one of problem-list-item, encounter-diagnosis");
}
