// The parts every card has: identity, source, the rule and protocol it rests
// on, and how a clinician may dismiss it.
#include <algorithm>

#include "cards/card_builders.h"
#include "cards/parsed_resource.h"
#include "cards/uuid.h"

namespace icans {
namespace {

std::string_view rule_display(std::string_view rule_id) {
  if (rule_id == rule::kIcansSteroids) return "Corticosteroids for ICANS";
  if (rule_id == rule::kIcansSteroidTaper) return "Corticosteroid taper after ICANS";
  if (rule_id == rule::kSeizureProphylaxis) return "Seizure prophylaxis";
  if (rule_id == rule::kSeizureManagement) return "Seizure management";
  if (rule_id == rule::kIcansWorkup) return "ICANS work-up";
  if (rule_id == rule::kCrsTocilizumab) return "Tocilizumab for CRS";
  if (rule_id == rule::kCrsSteroids) return "Corticosteroids for CRS";
  if (rule_id == rule::kIceMonitoring) return "ICE monitoring";
  if (rule_id == rule::kOtherCauses) return "Other causes of encephalopathy";
  if (rule_id == rule::kDocumentation) return "Documentation of ICANS and CRS";
  if (rule_id == rule::kCannotGrade) return "Grade cannot be determined";
  return "icans-cds rule";
}

// "icans-cds default protocol v1.0.0"; a site protocol's own name is prefixed
// with the program's, so the EHR shows who made the card.
std::string source_label(const Protocol& protocol) {
  const std::string program = "icans-cds";
  std::string label = protocol.name.rfind(program, 0) == 0 ? protocol.name : program + " " + protocol.name;
  return label + " v" + protocol.version;
}

// Appended to the card's own detail, which it ends.
void append_footer(std::string& text, const CardInputs& in, std::string_view rule_id, const std::string& url,
                   const std::vector<std::string>& source_ids) {
  const Protocol& protocol = in.protocol;
  text += "---\n\n";
  if (!in.context.missing_data.empty()) {
    text += "**Not available to this service, so not considered:** ";
    text += join(in.context.missing_data, "; ");
    text += ".\n\n";
  }
  text += "Rule `";
  text += rule_id;
  text += '`';
  if (!url.empty()) {
    text += " ([clinical rules](";
    text += url;
    text += "))";
  }
  text += " of the protocol *";
  text += protocol.name;
  text += "* version ";
  text += protocol.version;
  if (!protocol.date.empty()) {
    text += " (";
    text += protocol.date;
    text += ')';
  }
  text += ".\n\n";
  std::vector<std::string> citations;
  for (const auto& id : source_ids) {
    const auto found = protocol.sources.find(id);
    const std::string citation = found == protocol.sources.end() ? id : found->second;
    std::string line = "`" + id + "` " + citation;
    if (std::find(citations.begin(), citations.end(), line) == citations.end()) citations.push_back(std::move(line));
  }
  add_bullets(text, "Sources", citations);
}

}  // namespace

Card make_card(const CardInputs& in, std::string_view rule_id, std::string_view kind, Indicator indicator,
               std::string summary, std::string detail, const std::vector<std::string>& source_ids,
               std::string_view uuid_key) {
  Card card;
  card.uuid = uuid_from({in.context.uuid_seed, in.evaluation.patient, format_time(in.evaluation.at), rule_id,
                         kind, uuid_key});
  card.summary = std::move(summary);
  card.source.url = rule_url(in.protocol, rule_id);
  card.detail = std::move(detail);
  // The footer is some 300 bytes; its sources a line each.
  card.detail.reserve(card.detail.size() + 512 + 160 * source_ids.size());
  append_footer(card.detail, in, rule_id, card.source.url, source_ids);
  card.indicator = indicator;
  card.source.label = source_label(in.protocol);
  card.source.topic = Coding{std::string(fhir::kProjectSystem), std::string(rule_id), std::string(rule_display(rule_id))};
  card.override_reasons.reserve(in.protocol.override_reasons.size());
  for (const auto& reason : in.protocol.override_reasons) {
    card.override_reasons.push_back(Coding{std::string(fhir::kProjectSystem), reason.code, reason.display});
  }
  card.kind = std::string(kind);
  card.rule_ids = {std::string(rule_id)};
  card.protocol_version = in.protocol.version;
  return card;
}

Action resource_action(ActionType type, std::string description, BuiltResource built) {
  Action action{type, std::move(description), std::move(built.json), ""};
  action.parsed = built.parsed ? std::move(built.parsed) : parse_resource(action.resource);
  return action;
}

void add_suggestion(Card& card, std::string label, bool recommended, std::vector<Action> actions,
                    std::string_view key) {
  Suggestion suggestion;
  suggestion.uuid = uuid_from({card.uuid, "suggestion", key.empty() ? std::string_view(label) : key,
                               std::to_string(card.suggestions.size())});
  suggestion.label = std::move(label);
  suggestion.is_recommended = recommended;
  suggestion.actions = std::move(actions);
  card.suggestions.push_back(std::move(suggestion));
  if (!card.selection_behavior) card.selection_behavior = SelectionBehavior::any;
}

void add_suggestion(Card& card, std::string label, bool recommended, Action action, std::string_view key) {
  std::vector<Action> actions;
  actions.push_back(std::move(action));
  add_suggestion(card, std::move(label), recommended, std::move(actions), key);
}

}  // namespace icans
