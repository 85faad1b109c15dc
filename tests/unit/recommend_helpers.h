#pragma once
// Shared by the recommend_*_test.cc files: a chart built in C++, graded by
// the real engine (icans::evaluate) and turned into cards by the real
// protocol, with every card checked the way the service checks it.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "cards/card.h"
#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/evaluate.h"
#include "fhir/json.h"
#include "record_builder.h"

namespace icans::test {

inline const Protocol& shipped_protocol() {
  static const Protocol protocol = [] {
    auto loaded = default_protocol();
    if (!loaded.protocol) FAIL("the default protocol does not load");
    return *loaded.protocol;
  }();
  return protocol;
}

// An adult (born 1968) with `product` infused at 2026-03-01T10:00:00Z.
inline fhir::PatientRecord chart(Concept product = Concept::tisagenlecleucel,
                                 std::string_view birth_date = "1968-02-10") {
  fhir::PatientRecord record;
  record.patient_id = "p1";
  record.patient = patient("p1", birth_date);
  record.procedures.push_back(cell_therapy("cart", product, "2026-03-01T10:00:00Z"));
  return record;
}

inline fhir::Observation weight(std::string id, std::string_view time, double kg) {
  return quantity(std::move(id), Concept::body_weight, time, kg, "kg");
}

inline fhir::Observation ice(std::string id, std::string_view time, int total) {
  return score(std::move(id), Concept::ice_total, time, total);
}

// Every card must be one the EHR may receive and must name the protocol.
inline void require_sendable(const std::vector<Card>& cards, const Protocol& protocol) {
  for (const auto& card : cards) {
    INFO(card.kind << ": " << card.summary);
    REQUIRE(check_card(card).empty());
    REQUIRE(card.protocol_version == protocol.version);
    REQUIRE(card.detail.find("version " + protocol.version) != std::string::npos);
    REQUIRE(card.kind != "internal-error");
  }
}

inline std::vector<Card> cards_at(const fhir::PatientRecord& record, std::string_view at,
                                  const RecommendContext& context = {},
                                  const Protocol& protocol = shipped_protocol(),
                                  const GradingConfig& config = {}) {
  const Evaluation evaluation = evaluate(record, instant(at), config);
  std::vector<Card> cards = recommend(record, evaluation, protocol, config, context);
  require_sendable(cards, protocol);
  return cards;
}

inline const Card* find_kind(const std::vector<Card>& cards, std::string_view kind) {
  for (const auto& card : cards) {
    if (card.kind == kind) return &card;
  }
  return nullptr;
}

inline std::vector<std::string> kinds(const std::vector<Card>& cards) {
  std::vector<std::string> result;
  for (const auto& card : cards) result.push_back(card.kind);
  return result;
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The resource of a suggestion's first create action.
inline rapidjson::Document resource_of(const Suggestion& suggestion, std::size_t action = 0) {
  rapidjson::Document document;
  REQUIRE(suggestion.actions.size() > action);
  REQUIRE(fhir::parse_json(suggestion.actions[action].resource, document).empty());
  return document;
}

inline double dose_of(const rapidjson::Document& medication_request) {
  return medication_request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"].GetDouble();
}

// The resources of every create action of every card, for the validators.
inline std::vector<std::string> all_resources(const std::vector<Card>& cards) {
  std::vector<std::string> resources;
  for (const auto& card : cards) {
    for (const auto& suggestion : card.suggestions) {
      for (const auto& action : suggestion.actions) {
        if (action.type != ActionType::delete_) resources.push_back(action.resource);
      }
    }
  }
  return resources;
}

}  // namespace icans::test
