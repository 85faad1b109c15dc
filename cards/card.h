#pragma once
// CDS Hooks 2.0 cards (https://cds-hooks.hl7.org/2.0/#cds-service-response)
// as plain data, their JSON form, and the checks a card must pass before an
// EHR sees it.
//
// Optional fields are omitted from the JSON when empty, never sent as null,
// "" or []: EHRs differ in how they show an empty field, and some treat null
// as an error. A card that breaks a rule of the specification (summary of 140
// characters or more, suggestions without selectionBehavior, ...) is rejected
// with the reason, never repaired: shortening clinical text could drop the
// words that matter.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace icans {

using JsonAllocator = rapidjson::Document::AllocatorType;

enum class Indicator { info, warning, critical };      // in order of increasing urgency
enum class SelectionBehavior { at_most_one, any };
enum class ActionType { create, update, delete_ };      // "delete" is a C++ keyword
enum class LinkType { absolute, smart };

std::string_view to_string(Indicator indicator);                   // "info", ...
std::string_view to_string(SelectionBehavior selection_behavior);  // "at-most-one", "any"
std::string_view to_string(ActionType type);                       // "create", "update", "delete"
std::string_view to_string(LinkType type);                         // "absolute", "smart"

// CDS Hooks' own Coding, a trimmed FHIR Coding: system and code required;
// display required for overrideReasons, optional for a source topic.
struct Coding {
  std::string system;
  std::string code;
  std::string display;
  bool operator==(const Coding&) const = default;
};

struct Source {
  std::string label;                  // required
  std::string url;                    // absolute URL, optional
  std::string icon;                   // absolute URL of a 100x100 PNG, optional
  std::optional<Coding> topic;
  bool operator==(const Source&) const = default;
};

// A resource's text with its DOM (cards/parsed_resource.h).
struct ParsedResource;

// One change to the EHR's data. create and update carry a whole FHIR resource
// (as JSON text, e.g. from cards/fhir_resources.h); delete names the resource
// by relative reference ("ServiceRequest/abc") instead.
struct Action {
  ActionType type = ActionType::create;
  std::string description;  // required, may be shown to the user
  std::string resource;     // JSON object text; create/update only
  std::string resource_id;  // "Type/id"; delete only
  // `resource` as fhir::parse_json reads it (cards/parsed_resource.h), kept
  // by whoever built the action: a card is checked several times on its
  // way to the EHR (recommend, the response), and each check would parse
  // the resource again; writing the card copies the text when the builder
  // wrote it from this DOM. Used only while `resource` is still the very
  // text it holds (compared each time); any other text is parsed afresh.
  // Not part of what the action says: == ignores it.
  std::shared_ptr<const ParsedResource> parsed = nullptr;
  bool operator==(const Action& other) const;
};

// systemActions use the Action schema but are applied without a card.
using SystemAction = Action;

struct Suggestion {
  std::string label;  // required: the text of the button
  std::string uuid;   // optional in the specification; we always send it so feedback can name it
  bool is_recommended = false;  // sent only when true
  std::vector<Action> actions;  // all applied together when the suggestion is accepted
  bool operator==(const Suggestion&) const = default;
};

struct Link {
  std::string label;  // required
  std::string url;    // required, absolute
  LinkType type = LinkType::absolute;
  std::string app_context;  // smart links only
  bool operator==(const Link&) const = default;
};

struct Card {
  // What the EHR sees.
  std::string uuid;     // optional in the specification; we always send it (feedback quotes it)
  std::string summary;  // required, one sentence, fewer than 140 characters
  std::string detail;   // GitHub-flavoured Markdown, optional
  Indicator indicator = Indicator::info;
  Source source;
  std::vector<Suggestion> suggestions;
  std::optional<SelectionBehavior> selection_behavior;  // required when suggestions are present
  std::vector<Coding> override_reasons;                 // each with a display
  std::vector<Link> links;

  // For our audit trail only; never sent to the EHR.
  std::string kind;                   // e.g. "icans-steroids"
  std::vector<std::string> rule_ids;  // docs/clinical-rules.md ids the card rests on
  std::string protocol_version;

  bool operator==(const Card&) const = default;
};

// The body of a CDS Service response.
struct Response {
  std::vector<Card> cards;  // sent even when empty: "no decision support" is {"cards": []}
  std::vector<SystemAction> system_actions;
  bool operator==(const Response&) const = default;
};

inline constexpr std::size_t kMaxSummaryCharacters = 139;  // the specification says "<140"

// Each returns an empty string when the value may be sent as is, otherwise the
// first problem, naming the field ("suggestions[1].actions[0].resource: ...").
std::string check_card(const Card& card);
std::string check_action(const Action& action);
// Checks every card and system action, and that card uuids are unique.
std::string check_response(const Response& response);

// The JSON the EHR sees. The card is checked first (check_card); a card that
// fails is written as null rather than as a card that says something else than
// was meant, so callers must check and report the problem before writing.
rapidjson::Value to_json(const Card& card, JsonAllocator& allocator);
// to_json(card) as compact text: byte for byte what RapidJSON's Writer makes
// of that value, written straight from the card. For a card that passed
// check_card, which is not run again (the service writes each card of a
// response it has just checked); for any other the text is unspecified.
std::string checked_card_json(const Card& card);
rapidjson::Value to_json(const Action& action, JsonAllocator& allocator);  // null when check_action fails
// {"cards": [...], "systemActions": [...]}; systemActions omitted when empty.
rapidjson::Value to_json(const Response& response, JsonAllocator& allocator);

// The audit-only fields beside the ids that tie them to the sent card:
// {"card", "kind", "rule_ids", "protocol_version", "suggestions": [uuid...]}.
rapidjson::Value audit_json(const Card& card, JsonAllocator& allocator);

// Parses a card as a CDS Service sends it (for tests and for the client that
// replays through HTTP). Unknown members are rejected, except the
// specification's "extension", so a misspelt field is not silently dropped.
// Audit fields stay empty. Returns an empty string on success, otherwise the
// problem naming the field; `card` is then unspecified.
std::string from_json(const rapidjson::Value& json, Card& card);
std::string from_json(const rapidjson::Value& json, Response& response);

}  // namespace icans
