// The resources our cards suggest, checked by two independent FHIR R4
// validators (FHIR.js and Medplum, see tests/fhir-validation/validate.mjs).
// Neither catches every error alone, so both must pass. The negative controls
// prove that each validator is really running: a test that cannot fail proves
// nothing.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/card.h"
#include "cards/fhir_resources.h"
#include "cards/uuid.h"
#include "fhir/json.h"
#include "fhir/time.h"
#include "fhir_validator.h"

using namespace icans;
using namespace icans::test;

namespace {

const std::string kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
const std::string kSnomed = "http://snomed.info/sct";
// Orderables and consult orders are site-local; these systems stand for a hospital's.
const std::string kFormulary = "https://formulary.example.org/fhir/CodeSystem/orderables";
const std::string kSiteOrders = "https://hospital.example.org/fhir/CodeSystem/orders";

const fhir::Coding kIntravenous{kSnomed, "47625008", "Intravenous route"};
const fhir::Coding kOral{kSnomed, "26643006", "Oral route"};
const fhir::Coding kIcansGrade3{kIcd10CmSystem, "G92.03",
                                "Immune effector cell-associated neurotoxicity syndrome, grade 3"};

std::string built(const BuiltResource& resource) {
  INFO(resource.error);
  REQUIRE(resource.error.empty());
  return resource.json;
}

std::string json_array(const std::vector<std::string>& resources) {
  std::string text = "[";
  for (const auto& resource : resources) text += (text.size() > 1 ? ",\n" : "\n") + resource;
  return text + "\n]";
}

MedicationRequestDraft medication(const std::string& ingredient_code, const std::string& ingredient) {
  MedicationRequestDraft draft;
  draft.patient_id = "axicel-icans-grade3";
  draft.ingredient = {kRxNorm, ingredient_code, ingredient};
  draft.dose_unit = {"mg", "mg"};
  draft.route = kIntravenous;
  return draft;
}

std::vector<std::string> representative_resources() {
  std::vector<std::string> resources;

  auto tocilizumab = medication("612865", "tocilizumab");
  tocilizumab.orderable = {kFormulary, "TOCI-IV", "Tocilizumab 20 mg/mL concentrate for infusion"};
  tocilizumab.dose_value = 547.2;  // 8 mg/kg for 68.4 kg
  tocilizumab.text = "Tocilizumab 8 mg/kg (547.2 mg for 68.4 kg) IV over 1 hour, once";
  tocilizumab.reason = ReasonDraft{{}, "CRS grade 2", ""};
  resources.push_back(built(medication_request(tocilizumab)));

  auto dexamethasone = medication("3264", "dexamethasone");
  dexamethasone.orderable = {kFormulary, "DEXA-INJ-4", "Dexamethasone 4 mg/mL injection"};
  dexamethasone.dose_value = 10;
  dexamethasone.every_hours = 6;
  dexamethasone.text = "Dexamethasone 10 mg IV every 6 hours";
  dexamethasone.reason = ReasonDraft{kIcansGrade3, "ICANS grade 3", "Condition/icans-1"};
  dexamethasone.note = "Suggested by icans-cds: ICE 2/10 at 2026-03-07T14:00:00Z";
  resources.push_back(built(medication_request(dexamethasone)));

  auto methylprednisolone = medication("6902", "methylprednisolone");
  methylprednisolone.id = "mp-pulse-1";
  methylprednisolone.intent = "order";
  methylprednisolone.dose_value = 1000;
  methylprednisolone.every_hours = 24;
  methylprednisolone.max_doses = 3;
  methylprednisolone.text = "Methylprednisolone 1000 mg IV daily for 3 days";
  resources.push_back(built(medication_request(methylprednisolone)));

  auto levetiracetam = medication("114477", "levetiracetam");
  levetiracetam.route = kOral;
  levetiracetam.dose_value = 500;
  levetiracetam.every_hours = 12;
  levetiracetam.as_needed = false;
  levetiracetam.text = "Levetiracetam 500 mg by mouth every 12 hours (seizure prophylaxis)";
  resources.push_back(built(medication_request(levetiracetam)));

  ServiceRequestDraft mri;
  mri.patient_id = "axicel-icans-grade3";
  mri.code = {"http://loinc.org", "24590-2", "MR Brain"};
  mri.text = "MRI brain";
  mri.priority = "urgent";
  mri.reason = ReasonDraft{kIcansGrade3, "", ""};
  mri.note = "ICANS grade 3: rule out cerebral oedema";
  resources.push_back(built(service_request(mri)));

  ServiceRequestDraft neurology;
  neurology.patient_id = "axicel-icans-grade3";
  neurology.code = {kSiteOrders, "NEURO-CONSULT", "Neurology consultation"};
  neurology.text = "Neurology consult";
  neurology.intent = "order";
  neurology.priority = "stat";
  resources.push_back(built(service_request(neurology)));

  ConditionDraft icans;
  icans.patient_id = "axicel-icans-grade3";
  icans.codings = {kIcansGrade3, {kIcd10CmSystem, "T80.82XA",
                                  "Complication of immune effector cellular therapy, initial encounter"}};
  icans.text = "ICANS grade 3 (ASTCT 2019)";
  const auto onset = fhir::parse_instant("2026-03-07T14:00:00Z");
  REQUIRE(onset.range);
  icans.onset = onset.range->earliest;
  icans.note = "Graded by icans-cds; confirm clinically";
  resources.push_back(built(condition(icans)));

  icans.category = "problem-list-item";
  icans.onset.reset();
  resources.push_back(built(condition(icans)));
  return resources;
}

std::string serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The dexamethasone request with one change made by `edit`.
std::string broken_medication_request(void (*edit)(rapidjson::Document&)) {
  auto draft = medication("3264", "dexamethasone");
  draft.dose_value = 10;
  draft.every_hours = 6;
  draft.text = "Dexamethasone 10 mg IV every 6 hours";
  rapidjson::Document doc;
  REQUIRE(fhir::parse_json(built(medication_request(draft)), doc).empty());
  edit(doc);
  return serialize(doc);
}

}  // namespace

TEST_CASE("the resources cards suggest are valid FHIR R4 for both validators", "[fhir-validation]") {
  const auto resources = representative_resources();
  const Run run = validate(json_array(resources));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  REQUIRE(run.output.find(std::to_string(resources.size()) + " of " + std::to_string(resources.size()) +
                          " resources valid") != std::string::npos);
}

TEST_CASE("a resource stays valid after travelling through a card action", "[fhir-validation]") {
  const auto resources = representative_resources();
  Card card;
  card.uuid = uuid_from({"fhir-validation", "card"});
  card.summary = "ICANS grade 3: start dexamethasone, MRI brain, neurology consult";
  card.indicator = Indicator::critical;
  card.source.label = "icans-cds";
  Suggestion suggestion;
  suggestion.label = "Order the ICANS grade 3 work-up";
  suggestion.uuid = uuid_from({"fhir-validation", "suggestion"});
  for (const auto& resource : resources) suggestion.actions.push_back(Action{ActionType::create, "Create", resource, ""});
  card.suggestions.push_back(suggestion);
  card.selection_behavior = SelectionBehavior::at_most_one;

  rapidjson::Document doc;
  const auto json = to_json(card, doc.GetAllocator());
  REQUIRE(json.IsObject());
  std::vector<std::string> carried;
  for (const auto& action : json["suggestions"][0]["actions"].GetArray()) carried.push_back(serialize(action["resource"]));
  REQUIRE(carried.size() == resources.size());

  const Run run = validate(json_array(carried));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
}

TEST_CASE("negative control: a MedicationRequest without status fails validation", "[fhir-validation]") {
  const std::string broken = broken_medication_request([](rapidjson::Document& doc) { doc.RemoveMember("status"); });
  const Run run = validate(json_array({broken}));
  INFO(run.output);
  REQUIRE(run.exit_code == 1);
  REQUIRE(run.output.find("MedicationRequest.status") != std::string::npos);
  REQUIRE(run.output.find("0 of 1 resources valid") != std::string::npos);
}

TEST_CASE("negative control: one bad resource among good ones fails the whole run", "[fhir-validation]") {
  auto resources = representative_resources();
  resources.push_back(broken_medication_request([](rapidjson::Document& doc) { doc.RemoveMember("subject"); }));
  const Run run = validate(json_array(resources));
  INFO(run.output);
  REQUIRE(run.exit_code == 1);
  REQUIRE(run.output.find("MedicationRequest.subject") != std::string::npos);
}

TEST_CASE("negative control: FHIR.js is live (an invalid status code)", "[fhir-validation]") {
  // Medplum does not check required bindings; only FHIR.js catches this.
  const std::string broken = broken_medication_request([](rapidjson::Document& doc) {
    doc["status"].SetString("running");
  });
  const Run run = validate(json_array({broken}));
  INFO(run.output);
  REQUIRE(run.exit_code == 1);
  REQUIRE(run.output.find("fhir.js: error at MedicationRequest.status") != std::string::npos);
}

TEST_CASE("negative control: Medplum is live (an impossible dateTime)", "[fhir-validation]") {
  // FHIR.js does not check date formats; only Medplum catches this.
  const std::string broken = broken_medication_request([](rapidjson::Document& doc) {
    doc.AddMember("authoredOn", "2024-13-45", doc.GetAllocator());
  });
  const Run run = validate(json_array({broken}));
  INFO(run.output);
  REQUIRE(run.exit_code == 1);
  REQUIRE(run.output.find("medplum: error at MedicationRequest.authoredOn") != std::string::npos);
}
