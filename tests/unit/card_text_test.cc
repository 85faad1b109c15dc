// checked_card_json writes a card's JSON without the DOM; it must give the
// very bytes the DOM route (to_json, then RapidJSON's Writer) gives, since the
// audit trail and the golden files hold those bytes. Compared here on many
// generated cards whose text has every kind of byte the escaping treats apart.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/card.h"
#include "cards/fhir_resources.h"
#include "cards/parsed_resource.h"
#include "cards/uuid.h"

using namespace icans;

namespace {

std::string writer_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string dom_route(const Card& card) {
  rapidjson::Document scratch;
  return writer_text(to_json(card, scratch.GetAllocator()));
}

struct Generator {
  std::mt19937 random{20261121};

  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }

  // Valid UTF-8 with plain runs, every escaped byte, and bytes that are not.
  std::string text(bool may_be_empty = true) {
    static const std::string pieces[] = {
        "a", "Z", "0", " ", "ICANS grade 3 ", "**bold**", "/", "<", "u", "\\u0041", "\"", "\\", "\n",
        "\r", "\t", "\b", "\f", "\x01", "\x1f", "\x0b", std::string(1, '\0'), "\x7f", " ", "\xc3\xa9",
        "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x89\xa5", "{\"a\":1}"};
    const std::size_t count = may_be_empty ? below(12) : 1 + below(12);
    std::string result;
    for (std::size_t i = 0; i < count; ++i) {
      // Mostly plain text, as card text is.
      result += chance(60) ? std::string("plain text ") : pieces[below(std::size(pieces))];
    }
    return result;
  }

  std::string url() { return (chance(50) ? "https://" : "http://") + std::string("example.org/") + text(false); }

  Coding coding(bool display) {
    return Coding{"http://example.org/" + text(false), text(false), display || chance(50) ? text(false) : ""};
  }

  Action action() {
    Action action;
    action.description = text(false);
    switch (below(7)) {
      case 0: {
        action.type = ActionType::delete_;
        action.resource_id = "ServiceRequest/sr-" + std::to_string(below(1000));
        return action;
      }
      case 1: {
        // Hand-written: spaces, a number in another form, a \u escape.
        action.type = chance(50) ? ActionType::create : ActionType::update;
        action.resource =
            "{ \"resourceType\" : \"Observation\", \"id\": \"o1\", \"value\": 1.50e1, \"note\": \"\\u00e9\\/x\" }";
        return action;
      }
      default:
        break;
    }
    action.type = ActionType::create;
    MedicationRequestDraft draft;
    draft.patient_id = "p" + std::to_string(below(100));
    draft.ingredient = {"http://www.nlm.nih.gov/research/umls/rxnorm", "3264", "d" + text(false)};
    // Some doses whose shortest digits do not read back exactly, so the
    // builder keeps no DOM for them.
    draft.dose_value = chance(50) ? static_cast<double>(1 + below(1000)) / 10.0
                                  : std::uniform_real_distribution<double>(0.001, 5000.0)(random);
    draft.dose_unit = {"mg", "mg"};
    draft.every_hours = chance(50) ? 6 : 0;
    draft.text = "x" + text(false);
    if (chance(50)) draft.note = "n" + text(false);
    BuiltResource built = medication_request(draft);
    REQUIRE(built.error.empty());
    action.resource = built.json;
    switch (below(4)) {
      case 0: action.parsed = built.parsed; break;                  // the builder's DOM, when it kept one
      case 1: action.parsed = parse_resource(action.resource); break;  // parsed from the text
      case 2: action.parsed = nullptr; break;                       // parsed when written
      case 3:                                                       // a DOM of other text: ignored
        action.parsed = parse_resource("{\"resourceType\":\"Other\",\"n\":1}");
        break;
    }
    return action;
  }

  Card card() {
    Card card;
    card.uuid = uuid_from({"card", std::to_string(below(1000000))});
    card.summary = "s" + text(false).substr(0, 100);
    if (chance(80)) card.detail = text();
    card.indicator = static_cast<Indicator>(below(3));
    card.source.label = text(false);
    if (chance(50)) card.source.url = url();
    if (chance(30)) card.source.icon = url();
    if (chance(50)) card.source.topic = coding(false);
    const std::size_t suggestions = chance(40) ? 0 : below(4);
    for (std::size_t i = 0; i < suggestions; ++i) {
      Suggestion suggestion;
      suggestion.label = text(false);
      suggestion.uuid = uuid_from({card.uuid, std::to_string(i)});
      suggestion.is_recommended = i == 0 && chance(50);
      const std::size_t actions = below(3);
      for (std::size_t k = 0; k < actions; ++k) suggestion.actions.push_back(action());
      card.suggestions.push_back(std::move(suggestion));
    }
    if (suggestions > 0) card.selection_behavior = chance(50) ? SelectionBehavior::any : SelectionBehavior::at_most_one;
    for (std::size_t i = below(3); i > 0; --i) card.override_reasons.push_back(coding(true));
    for (std::size_t i = below(3); i > 0; --i) {
      Link link{text(false), url(), chance(50) ? LinkType::smart : LinkType::absolute, ""};
      if (link.type == LinkType::smart && chance(50)) link.app_context = text(false);
      card.links.push_back(std::move(link));
    }
    card.kind = text();  // audit only: in neither text
    return card;
  }
};

}  // namespace

TEST_CASE("checked_card_json writes the bytes the DOM route writes", "[card][json]") {
  Generator generate;
  std::size_t compared = 0;
  for (int i = 0; i < 3000; ++i) {
    const Card card = generate.card();
    if (!check_card(card).empty()) continue;  // the precondition
    const std::string expected = dom_route(card);
    INFO(expected);
    REQUIRE(checked_card_json(card) == expected);
    ++compared;
  }
  // The generator mostly makes cards that pass, so this compared thousands.
  REQUIRE(compared > 2000);
}

TEST_CASE("checked_card_json copies a built resource's text and writes any other from its DOM", "[card][json]") {
  Card card;
  card.uuid = uuid_from({"card", "resources"});
  card.summary = "Order it";
  card.source.label = "icans-cds";
  Suggestion suggestion;
  suggestion.label = "Order";
  suggestion.uuid = uuid_from({card.uuid, "suggestion"});
  // Not the compact form the Writer makes, so it must not be copied as is.
  Action action{ActionType::create, "Draft", "{ \"resourceType\": \"ServiceRequest\", \"priority\": 1.0 }", ""};
  action.parsed = parse_resource(action.resource);
  REQUIRE(action.parsed);
  REQUIRE_FALSE(action.parsed->text_written_from_document);
  suggestion.actions.push_back(action);
  card.suggestions.push_back(suggestion);
  card.selection_behavior = SelectionBehavior::any;
  REQUIRE(check_card(card).empty());
  const std::string text = checked_card_json(card);
  REQUIRE(text.find("\"resource\":{\"resourceType\":\"ServiceRequest\",\"priority\":1.0}") != std::string::npos);
  REQUIRE(text == dom_route(card));
}
