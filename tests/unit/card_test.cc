#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/card.h"
#include "cards/fhir_resources.h"
#include "cards/uuid.h"
#include "fhir/json.h"

using namespace icans;

namespace {

const char* kSourceLabel = "icans-cds (ASTCT 2019 consensus grading)";

Card minimal_card() {
  Card card;
  card.uuid = uuid_from({"test", "minimal"});
  card.summary = "ICANS grade 2: ICE 5/10";
  card.indicator = Indicator::warning;
  card.source.label = kSourceLabel;
  return card;
}

std::string medication_request_json() {
  MedicationRequestDraft draft;
  draft.patient_id = "p1";
  draft.ingredient = {"http://www.nlm.nih.gov/research/umls/rxnorm", "3264", "dexamethasone"};
  draft.dose_value = 10;
  draft.dose_unit = {"mg", "mg"};
  draft.every_hours = 6;
  draft.text = "Dexamethasone 10 mg IV every 6 hours";
  auto built = medication_request(draft);
  REQUIRE(built.error.empty());
  return built.json;
}

Suggestion suggestion(const std::string& label) {
  Suggestion s;
  s.label = label;
  s.uuid = uuid_from({"test", "suggestion", label});
  s.actions.push_back(Action{ActionType::create, "Order dexamethasone 10 mg IV q6h", medication_request_json(), ""});
  return s;
}

// A card with every field the model knows, for round trips.
Card full_card() {
  Card card = minimal_card();
  card.detail = "**ICE 5/10** at 14:00 (Observation/ice-3).\n\n- Start dexamethasone";
  card.indicator = Indicator::critical;
  card.source.url = "https://icans-cds.github.io/docs/clinical-rules";
  card.source.icon = "https://icans-cds.github.io/icon-100px.png";
  card.source.topic = Coding{"https://icans-cds.github.io/fhir/CodeSystem/card-topic", "icans", "ICANS"};
  card.suggestions.push_back(suggestion("Dexamethasone 10 mg IV q6h"));
  card.suggestions.back().is_recommended = true;
  Suggestion cancel;
  cancel.label = "Cancel the pending MRI";
  cancel.uuid = uuid_from({"test", "cancel"});
  cancel.actions.push_back(Action{ActionType::delete_, "Cancel MRI", "", "ServiceRequest/mri-1"});
  card.suggestions.push_back(cancel);
  card.selection_behavior = SelectionBehavior::any;
  card.override_reasons.push_back(
      Coding{"https://icans-cds.github.io/fhir/CodeSystem/override-reason", "already-treated", "Already treated"});
  card.links.push_back(Link{"Grading rules", "https://icans-cds.github.io/docs/clinical-rules", LinkType::absolute, ""});
  card.links.push_back(Link{"ICE trend", "https://smart.example.org/launch", LinkType::smart, "{\"view\":\"ice\"}"});
  return card;
}

std::string serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Optional fields must be left out, never sent as null, "" or [].
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

std::set<std::string> member_names(const rapidjson::Value& object) {
  std::set<std::string> names;
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) names.insert(m->name.GetString());
  return names;
}

std::string parse_card(const std::string& text, Card& card) {
  rapidjson::Document doc;
  auto error = fhir::parse_json(text, doc);
  if (!error.empty()) return "parse: " + error;
  return from_json(doc, card);
}

}  // namespace

// --- uuid ----------------------------------------------------------------------

TEST_CASE("uuid_from gives the RFC 9562 text form with version 8 and variant 10", "[uuid]") {
  const std::regex form("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (const auto& id : {uuid_from({}), uuid_from({""}), uuid_from({"hook-instance-1", "icans-steroids"}),
                         uuid_from({"\xff\x00", "a very long part that goes on and on and on and on"})}) {
    INFO(id);
    REQUIRE(std::regex_match(id, form));
    REQUIRE(is_uuid(id));
  }
}

TEST_CASE("uuid_from is stable: same parts, same id, across runs and builds", "[uuid]") {
  REQUIRE(uuid_from({"hook-1", "icans-steroids"}) == uuid_from({"hook-1", "icans-steroids"}));
  // Pinned so a change of hash (which would orphan feedback on earlier cards
  // and change every golden file) cannot pass unnoticed. The value was
  // cross-checked with a separate Python implementation of the algorithm
  // described in cards/uuid.cc.
  REQUIRE(uuid_from({"hook-1", "icans-steroids"}) == "4ede63cd-ca6f-8ffb-9543-3c57401a981d");
}

TEST_CASE("uuid_from gives different ids for different parts", "[uuid]") {
  REQUIRE(uuid_from({"hook-1", "icans-steroids"}) != uuid_from({"hook-2", "icans-steroids"}));
  REQUIRE(uuid_from({"hook-1", "icans-steroids"}) != uuid_from({"icans-steroids", "hook-1"}));
  // Part boundaries count: concatenation alone must not decide the id.
  REQUIRE(uuid_from({"ab", "c"}) != uuid_from({"a", "bc"}));
  REQUIRE(uuid_from({"abc"}) != uuid_from({"abc", ""}));
  REQUIRE(uuid_from({}) != uuid_from({""}));

  std::set<std::string> ids;
  for (int i = 0; i < 20000; ++i) ids.insert(uuid_from({"hook", std::to_string(i)}));
  REQUIRE(ids.size() == 20000);
}

TEST_CASE("is_uuid accepts only the lowercase 8-4-4-4-12 form", "[uuid]") {
  REQUIRE(is_uuid("4e0a3a1e-3283-4575-ab82-028d55fe2719"));
  REQUIRE_FALSE(is_uuid("4E0A3A1E-3283-4575-AB82-028D55FE2719"));
  REQUIRE_FALSE(is_uuid("4e0a3a1e32834575ab82028d55fe2719"));
  REQUIRE_FALSE(is_uuid("urn:uuid:4e0a3a1e-3283-4575-ab82-028d55fe2719"));
  REQUIRE_FALSE(is_uuid("4e0a3a1e-3283-4575-ab82-028d55fe271"));
  REQUIRE_FALSE(is_uuid("4e0a3a1e-3283-4575-ab82-028d55fe271g"));
  REQUIRE_FALSE(is_uuid(""));
}

// --- card JSON -------------------------------------------------------------------

TEST_CASE("a card omits every empty optional field instead of sending null or empty values", "[card]") {
  rapidjson::Document doc;
  auto json = to_json(minimal_card(), doc.GetAllocator());
  REQUIRE(json.IsObject());
  REQUIRE(member_names(json) == std::set<std::string>{"uuid", "summary", "indicator", "source"});
  REQUIRE(member_names(json["source"]) == std::set<std::string>{"label"});
  require_no_empty_values(json);

  auto full = to_json(full_card(), doc.GetAllocator());
  REQUIRE(full.IsObject());
  require_no_empty_values(full);
  REQUIRE(member_names(full["links"][0]) == std::set<std::string>{"label", "url", "type"});
  REQUIRE(member_names(full["suggestions"][1]) == std::set<std::string>{"label", "uuid", "actions"});
  REQUIRE(member_names(full["suggestions"][1]["actions"][0]) ==
          std::set<std::string>{"type", "description", "resourceId"});
}

TEST_CASE("selectionBehavior is sent exactly when suggestions are", "[card]") {
  rapidjson::Document doc;
  Card with = minimal_card();
  with.suggestions.push_back(suggestion("Dexamethasone"));
  with.selection_behavior = SelectionBehavior::at_most_one;
  auto json = to_json(with, doc.GetAllocator());
  REQUIRE(json.HasMember("suggestions"));
  REQUIRE(std::string(json["selectionBehavior"].GetString()) == "at-most-one");

  with.selection_behavior = SelectionBehavior::any;
  REQUIRE(std::string(to_json(with, doc.GetAllocator())["selectionBehavior"].GetString()) == "any");

  Card without = minimal_card();
  without.selection_behavior = SelectionBehavior::any;  // meaningless without suggestions
  REQUIRE(check_card(without).empty());
  auto json_without = to_json(without, doc.GetAllocator());
  REQUIRE_FALSE(json_without.HasMember("suggestions"));
  REQUIRE_FALSE(json_without.HasMember("selectionBehavior"));
}

TEST_CASE("suggestions without selectionBehavior are rejected, not sent", "[card]") {
  Card card = minimal_card();
  card.suggestions.push_back(suggestion("Dexamethasone"));
  REQUIRE(check_card(card) == "selectionBehavior: required when suggestions are present");
  rapidjson::Document doc;
  REQUIRE(to_json(card, doc.GetAllocator()).IsNull());
}

TEST_CASE("a summary of 140 characters or more is rejected, never truncated", "[card]") {
  Card card = minimal_card();
  card.summary = std::string(139, 's');
  REQUIRE(check_card(card).empty());
  rapidjson::Document doc;
  REQUIRE(std::string(to_json(card, doc.GetAllocator())["summary"].GetString()) == card.summary);

  card.summary = std::string(140, 's');
  REQUIRE(check_card(card) ==
          "summary: 140 characters; CDS Hooks requires fewer than 140 (move the rest to detail)");
  REQUIRE(to_json(card, doc.GetAllocator()).IsNull());

  card.summary = std::string(500, 's');
  REQUIRE_FALSE(check_card(card).empty());
}

TEST_CASE("the summary limit counts characters, not UTF-8 bytes", "[card]") {
  Card card = minimal_card();
  std::string summary;
  for (int i = 0; i < 139; ++i) summary += "\xc3\xa9";  // é: 2 bytes, 1 character
  card.summary = summary;
  REQUIRE(check_card(card).empty());
  card.summary += "\xe2\x89\xa5";  // ≥
  REQUIRE(check_card(card).rfind("summary: 140 characters", 0) == 0);
}

TEST_CASE("summary is required and must be valid UTF-8", "[card]") {
  Card card = minimal_card();
  card.summary = "";
  REQUIRE(check_card(card) == "summary: required but empty");
  card.summary = "ICE \xc3";  // truncated sequence
  REQUIRE(check_card(card) == "summary: not valid UTF-8");
  card.summary = "\xc0\xaf";  // overlong '/'
  REQUIRE(check_card(card) == "summary: not valid UTF-8");
  card.summary = "\xed\xa0\x80";  // a UTF-16 surrogate
  REQUIRE(check_card(card) == "summary: not valid UTF-8");
}

TEST_CASE("indicator is written as info, warning or critical and nothing else is read", "[card]") {
  rapidjson::Document doc;
  Card card = minimal_card();
  for (auto [indicator, text] : {std::pair{Indicator::info, "info"}, std::pair{Indicator::warning, "warning"},
                                 std::pair{Indicator::critical, "critical"}}) {
    card.indicator = indicator;
    auto json = to_json(card, doc.GetAllocator());
    REQUIRE(std::string(json["indicator"].GetString()) == text);
    Card back;
    REQUIRE(parse_card(serialize(json), back).empty());
    REQUIRE(back.indicator == indicator);
  }
  Card back;
  const std::string urgent = R"({"summary":"x","indicator":"urgent","source":{"label":"s"}})";
  REQUIRE(parse_card(urgent, back) == "indicator: \"urgent\" is not one of info, warning, critical");
}

TEST_CASE("source.label is required", "[card]") {
  Card card = minimal_card();
  card.source.label.clear();
  REQUIRE(check_card(card) == "source.label: required but empty");
}

TEST_CASE("every card and suggestion carries a uuid so feedback can name it", "[card]") {
  Card card = minimal_card();
  card.uuid.clear();
  REQUIRE(check_card(card) == "uuid: required (feedback quotes it)");
  card.uuid = "card-1";
  REQUIRE(check_card(card) == "uuid: not a lowercase 8-4-4-4-12 UUID: \"card-1\"");

  card = minimal_card();
  card.suggestions.push_back(suggestion("Dexamethasone"));
  card.selection_behavior = SelectionBehavior::any;
  rapidjson::Document doc;
  auto json = to_json(card, doc.GetAllocator());
  REQUIRE(std::string(json["suggestions"][0]["uuid"].GetString()) == card.suggestions[0].uuid);

  card.suggestions[0].uuid.clear();
  REQUIRE(check_card(card) == "suggestions[0].uuid: required (feedback quotes it)");

  card.suggestions[0].uuid = uuid_from({"same"});
  card.suggestions.push_back(card.suggestions[0]);
  card.suggestions[1].label = "Other";
  REQUIRE(check_card(card) == "suggestions[1].uuid: repeats the uuid of an earlier suggestion");
}

TEST_CASE("isRecommended is sent only when true, and only one under at-most-one", "[card]") {
  Card card = minimal_card();
  card.suggestions = {suggestion("A"), suggestion("B")};
  card.selection_behavior = SelectionBehavior::at_most_one;
  rapidjson::Document doc;
  auto json = to_json(card, doc.GetAllocator());
  REQUIRE_FALSE(json["suggestions"][0].HasMember("isRecommended"));

  card.suggestions[0].is_recommended = true;
  json = to_json(card, doc.GetAllocator());
  REQUIRE(json["suggestions"][0]["isRecommended"].GetBool());
  REQUIRE_FALSE(json["suggestions"][1].HasMember("isRecommended"));

  card.suggestions[1].is_recommended = true;
  REQUIRE(check_card(card) ==
          "suggestions: more than one suggestion isRecommended, but selectionBehavior is at-most-one");
  card.selection_behavior = SelectionBehavior::any;
  REQUIRE(check_card(card).empty());
}

TEST_CASE("a suggestion needs a label", "[card]") {
  Card card = minimal_card();
  card.suggestions.push_back(suggestion(""));
  card.selection_behavior = SelectionBehavior::any;
  REQUIRE(check_card(card) == "suggestions[0].label: required but empty");
}

TEST_CASE("create and update actions carry the whole resource as a JSON object", "[card][action]") {
  Action create{ActionType::create, "Order dexamethasone", medication_request_json(), ""};
  REQUIRE(check_action(create).empty());
  rapidjson::Document doc;
  auto json = to_json(create, doc.GetAllocator());
  REQUIRE(std::string(json["type"].GetString()) == "create");
  REQUIRE(json["resource"].IsObject());
  REQUIRE(std::string(json["resource"]["resourceType"].GetString()) == "MedicationRequest");
  REQUIRE_FALSE(json.HasMember("resourceId"));

  Action no_resource{ActionType::create, "Order", "", ""};
  REQUIRE(check_action(no_resource) == "resource: a create action needs the FHIR resource");

  Action not_json{ActionType::create, "Order", "{\"resourceType\": ", ""};
  REQUIRE(check_action(not_json).rfind("resource: not JSON: line 1", 0) == 0);
  REQUIRE(to_json(not_json, doc.GetAllocator()).IsNull());

  Action not_resource{ActionType::create, "Order", "{\"status\":\"draft\"}", ""};
  REQUIRE(check_action(not_resource) == "resource: no resourceType");

  Action array{ActionType::create, "Order", "[1]", ""};
  REQUIRE(check_action(array) == "resource: not a JSON object");

  Action update_without_id{ActionType::update, "Change dose", medication_request_json(), ""};
  REQUIRE(check_action(update_without_id) == "resource: an update replaces an existing resource, so it needs its id");
  Action update{ActionType::update, "Change dose",
                R"({"resourceType":"MedicationRequest","id":"mr-1","status":"draft"})", ""};
  REQUIRE(check_action(update).empty());

  Action create_with_id{ActionType::create, "Order", medication_request_json(), "MedicationRequest/x"};
  REQUIRE(check_action(create_with_id) ==
          "resourceId: only delete actions carry resourceId; create carries the whole resource");

  Action no_description{ActionType::create, "", medication_request_json(), ""};
  REQUIRE(check_action(no_description) == "description: required but empty");
}

TEST_CASE("delete actions name the resource by relative reference in resourceId", "[card][action]") {
  Action remove{ActionType::delete_, "Cancel the MRI", "", "ServiceRequest/mri-1"};
  REQUIRE(check_action(remove).empty());
  rapidjson::Document doc;
  auto json = to_json(remove, doc.GetAllocator());
  REQUIRE(std::string(json["type"].GetString()) == "delete");
  REQUIRE(std::string(json["resourceId"].GetString()) == "ServiceRequest/mri-1");
  REQUIRE_FALSE(json.HasMember("resource"));

  for (const char* bad : {"", "mri-1", "/mri-1", "ServiceRequest/", "serviceRequest/mri-1", "ServiceRequest/a b",
                          "http://ehr/ServiceRequest/mri-1"}) {
    INFO(bad);
    Action action{ActionType::delete_, "Cancel", "", bad};
    REQUIRE(check_action(action).rfind("resourceId: a delete action needs a relative reference", 0) == 0);
  }
  Action with_resource{ActionType::delete_, "Cancel", medication_request_json(), "ServiceRequest/mri-1"};
  REQUIRE(check_action(with_resource) == "resource: a delete action names its target in resourceId, not resource");
}

TEST_CASE("links need an absolute URL, and appContext only on smart links", "[card]") {
  Card card = minimal_card();
  card.links.push_back(Link{"Rules", "docs/clinical-rules.md", LinkType::absolute, ""});
  REQUIRE(check_card(card) == "links[0].url: not an absolute http(s) URL: \"docs/clinical-rules.md\"");
  card.links[0].url = "https://icans-cds.github.io/docs";
  REQUIRE(check_card(card).empty());
  card.links[0].app_context = "x";
  REQUIRE(check_card(card) == "links[0].appContext: only valid for smart links");
  card.links[0].type = LinkType::smart;
  REQUIRE(check_card(card).empty());
  rapidjson::Document doc;
  auto json = to_json(card, doc.GetAllocator());
  REQUIRE(std::string(json["links"][0]["type"].GetString()) == "smart");
  REQUIRE(std::string(json["links"][0]["appContext"].GetString()) == "x");

  card.source.url = "icans-cds.github.io";
  REQUIRE(check_card(card) == "source.url: not an absolute http(s) URL: \"icans-cds.github.io\"");
}

TEST_CASE("override reasons must carry a display", "[card]") {
  Card card = minimal_card();
  card.override_reasons.push_back(Coding{"https://example.org/override", "already-treated", ""});
  REQUIRE(check_card(card) == "overrideReasons[0].display: required but empty");
  card.override_reasons[0].display = "Already treated";
  REQUIRE(check_card(card).empty());
  card.override_reasons[0].system.clear();
  REQUIRE(check_card(card) == "overrideReasons[0].system: required but empty");
}

TEST_CASE("to_json and from_json round-trip every field the EHR sees", "[card]") {
  Card card = full_card();
  REQUIRE(check_card(card).empty());
  rapidjson::Document doc;
  const std::string text = serialize(to_json(card, doc.GetAllocator()));

  Card back;
  REQUIRE(parse_card(text, back).empty());
  REQUIRE(back == card);
  REQUIRE(serialize(to_json(back, doc.GetAllocator())) == text);
}

TEST_CASE("audit fields stay out of the EHR's JSON and go to audit_json", "[card]") {
  Card card = full_card();
  card.kind = "icans-steroids";
  card.rule_ids = {"icans.ice", "treatment.dexamethasone"};
  card.protocol_version = "2026-03";
  rapidjson::Document doc;
  const std::string sent = serialize(to_json(card, doc.GetAllocator()));
  REQUIRE(sent.find("icans-steroids") == std::string::npos);
  REQUIRE(sent.find("treatment.dexamethasone") == std::string::npos);
  REQUIRE(sent.find("2026-03") == std::string::npos);

  Card back;
  REQUIRE(parse_card(sent, back).empty());
  REQUIRE(back.kind.empty());
  REQUIRE(back.rule_ids.empty());

  auto audit = audit_json(card, doc.GetAllocator());
  REQUIRE(std::string(audit["card"].GetString()) == card.uuid);
  REQUIRE(std::string(audit["kind"].GetString()) == "icans-steroids");
  REQUIRE(audit["rule_ids"].Size() == 2);
  REQUIRE(std::string(audit["rule_ids"][1].GetString()) == "treatment.dexamethasone");
  REQUIRE(std::string(audit["protocol_version"].GetString()) == "2026-03");
  REQUIRE(std::string(audit["suggestions"][0].GetString()) == card.suggestions[0].uuid);
}

TEST_CASE("from_json names the field of a malformed card", "[card]") {
  Card card;
  REQUIRE(parse_card("[]", card) == "expected an object, got array");
  REQUIRE(parse_card(R"({"indicator":"info","source":{"label":"s"}})", card) == "summary: missing");
  REQUIRE(parse_card(R"({"summary":1,"indicator":"info","source":{"label":"s"}})", card) ==
          "summary: expected a string, got number");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info"})", card) == "source: missing");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info","source":{}})", card) == "source.label: missing");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info","source":{"label":"s"},"overrideReason":[]})", card) ==
          "overrideReason: unknown member");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info","source":{"label":"s"},
                         "suggestions":[{"label":"a","actions":[{"type":"remove","description":"d"}]}]})",
                     card) == "suggestions[0].actions[0].type: \"remove\" is not one of create, update, delete");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info","source":{"label":"s"},
                         "suggestions":[{"label":"a","actions":[{"type":"create","description":"d","resource":"x"}]}]})",
                     card) == "suggestions[0].actions[0].resource: expected a FHIR resource object, got string");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info","source":{"label":"s"},"links":{}})", card) ==
          "links: expected an array, got object");
  REQUIRE(parse_card(R"({"summary":"s","indicator":"info","source":{"label":"s"},"selectionBehavior":"all"})",
                     card) == "selectionBehavior: \"all\" is not one of at-most-one, any");
}

TEST_CASE("from_json accepts CDS Hooks extensions and a card from the specification's example", "[card]") {
  const std::string example = R"({
      "uuid": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
      "summary": "Example Card",
      "indicator": "info",
      "detail": "This is an example card.",
      "source": {"label": "Static CDS Service Example", "url": "https://example.com",
                 "icon": "https://example.com/img/icon-100px.png"},
      "links": [{"label": "SMART Example App", "url": "https://smart.example.com/launch", "type": "smart",
                 "appContext": "{\"session\":3456356}"}],
      "extension": {"com.example.flag": true}
    })";
  Card card;
  REQUIRE(parse_card(example, card).empty());
  REQUIRE(card.summary == "Example Card");
  REQUIRE(card.links.at(0).type == LinkType::smart);
  REQUIRE(check_card(card).empty());
}

// --- response --------------------------------------------------------------------

TEST_CASE("a response always sends cards, and systemActions only when there are some", "[card][response]") {
  rapidjson::Document doc;
  Response empty;
  REQUIRE(serialize(to_json(empty, doc.GetAllocator())) == R"({"cards":[]})");

  Response response;
  response.cards = {minimal_card(), full_card()};
  response.cards[1].uuid = uuid_from({"test", "full"});
  response.system_actions.push_back(Action{ActionType::create, "Record provisional ICANS", medication_request_json(), ""});
  REQUIRE(check_response(response).empty());
  auto json = to_json(response, doc.GetAllocator());
  REQUIRE(json["cards"].Size() == 2);
  REQUIRE(json["systemActions"].Size() == 1);
  REQUIRE(json["systemActions"][0]["resource"].IsObject());

  rapidjson::Document parsed;
  REQUIRE(fhir::parse_json(serialize(json), parsed).empty());
  Response back;
  REQUIRE(from_json(parsed, back).empty());
  REQUIRE(back == response);
}

TEST_CASE("check_response names the card and refuses repeated card uuids", "[card][response]") {
  Response response;
  response.cards = {minimal_card(), minimal_card()};
  REQUIRE(check_response(response) == "cards[1].uuid: repeats the uuid of an earlier card");
  response.cards[1].uuid = uuid_from({"other"});
  response.cards[1].summary = std::string(200, 'x');
  REQUIRE(check_response(response).rfind("cards[1].summary: 200 characters", 0) == 0);
  response.cards.pop_back();
  response.system_actions.push_back(Action{ActionType::delete_, "Cancel", "", "nonsense"});
  REQUIRE(check_response(response).rfind("systemActions[0].resourceId:", 0) == 0);

  Response parsed;
  rapidjson::Document doc;
  doc.Parse(R"({"systemActions":[]})");
  REQUIRE(from_json(doc, parsed) == "cards: missing (a response without decision support sends \"cards\": [])");
}
