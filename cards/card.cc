#include "cards/card.h"

#include <cstdint>
#include <cstring>
#include <initializer_list>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/parsed_resource.h"
#include "cards/utf8.h"
#include "cards/uuid.h"
#include "fhir/json.h"

namespace icans {
namespace {

using rapidjson::Value;

// --- paths in error messages ------------------------------------------------

std::string member_path(const std::string& path, std::string_view name) {
  std::string result = path;
  if (!result.empty()) result += '.';
  result += name;
  return result;
}

std::string index_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string problem(const std::string& path, std::string_view message) {
  if (path.empty()) return std::string(message);
  return path + ": " + std::string(message);
}

// --- checks -------------------------------------------------------------------

// Where a checked field sits. Each card is checked several times on its way
// to the EHR (recommend, the response, each write) and almost never has a
// problem, so the path is spelled out only for one.
struct Path {
  const Path* parent = nullptr;  // none: the value checked itself
  std::string_view name;         // a member; empty for an element of an array
  std::size_t index = 0;

  Path member(std::string_view member_name) const { return {this, member_name, 0}; }
  Path element(std::size_t element_index) const { return {this, {}, element_index}; }
  std::string text() const {
    if (!parent) return {};
    const std::string base = parent->text();
    return name.empty() ? index_path(base, index) : member_path(base, name);
  }
};

std::string problem(const Path& path, std::string_view message) { return problem(path.text(), message); }

// Card text that is not UTF-8 would pass through the JSON writer and make the
// EHR's parser refuse the whole response (utf8_length, cards/utf8.h).
std::string check_text(const std::string& text, const Path& path, bool required) {
  if (text.empty()) return required ? problem(path, "required but empty") : std::string();
  if (!utf8_length(text)) return problem(path, "not valid UTF-8");
  return {};
}

bool is_absolute_url(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

std::string check_url(const std::string& url, const Path& path, bool required) {
  if (auto error = check_text(url, path, required); !error.empty() || url.empty()) return error;
  if (!is_absolute_url(url)) return problem(path, "not an absolute http(s) URL: \"" + url + "\"");
  return {};
}

std::string check_coding(const Coding& coding, const Path& path, bool display_required) {
  if (auto error = check_text(coding.system, path.member("system"), true); !error.empty()) return error;
  if (auto error = check_text(coding.code, path.member("code"), true); !error.empty()) return error;
  return check_text(coding.display, path.member("display"), display_required);
}

// "Type/id" with a FHIR resource type name and id ([A-Za-z0-9\-.]{1,64}).
bool is_relative_reference(std::string_view reference) {
  const auto slash = reference.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string_view type = reference.substr(0, slash);
  std::string_view id = reference.substr(slash + 1);
  if (!(type[0] >= 'A' && type[0] <= 'Z')) return false;
  for (char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

// The action's resource as fhir::parse_json reads it, when its builder kept
// that parse of this very text; null otherwise (the text must be parsed).
const Value* kept_parse(const Action& action) {
  if (!action.parsed || action.parsed->text != action.resource) return nullptr;
  return &action.parsed->document;
}

std::string check_action_at(const Action& action, const Path& path) {
  if (auto error = check_text(action.description, path.member("description"), true); !error.empty()) {
    return error;
  }
  const Path resource_path = path.member("resource");
  if (action.type == ActionType::delete_) {
    if (!action.resource.empty()) {
      return problem(resource_path, "a delete action names its target in resourceId, not resource");
    }
    if (!is_relative_reference(action.resource_id)) {
      return problem(path.member("resourceId"),
                     "a delete action needs a relative reference \"Type/id\", got \"" + action.resource_id + "\"");
    }
    return {};
  }
  if (!action.resource_id.empty()) {
    return problem(path.member("resourceId"),
                   "only delete actions carry resourceId; " + std::string(to_string(action.type)) +
                       " carries the whole resource");
  }
  if (action.resource.empty()) {
    return problem(resource_path, "a " + std::string(to_string(action.type)) + " action needs the FHIR resource");
  }
  const Value* resource = kept_parse(action);
  // A resource is a few hundred bytes: a buffer on the stack spares a check
  // that must parse it a 64 KiB pool chunk.
  char pool[8192];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof pool);
  rapidjson::Document parsed(&allocator);
  if (!resource) {
    if (auto error = fhir::parse_json(action.resource, parsed); !error.empty()) {
      return problem(resource_path, "not JSON: " + error);
    }
    resource = &parsed;
  }
  if (!resource->IsObject()) return problem(resource_path, "not a JSON object");
  auto type = resource->FindMember("resourceType");
  if (type == resource->MemberEnd() || !type->value.IsString() || type->value.GetStringLength() == 0) {
    return problem(resource_path, "no resourceType");
  }
  if (action.type == ActionType::update) {
    auto id = resource->FindMember("id");
    if (id == resource->MemberEnd() || !id->value.IsString() || id->value.GetStringLength() == 0) {
      return problem(resource_path, "an update replaces an existing resource, so it needs its id");
    }
  }
  return {};
}

std::string check_uuid(const std::string& uuid, const Path& path) {
  if (uuid.empty()) return problem(path, "required (feedback quotes it)");
  if (!is_uuid(uuid)) return problem(path, "not a lowercase 8-4-4-4-12 UUID: \"" + uuid + "\"");
  return {};
}

std::string check_suggestion(const Suggestion& suggestion, const Path& path) {
  if (auto error = check_text(suggestion.label, path.member("label"), true); !error.empty()) return error;
  if (auto error = check_uuid(suggestion.uuid, path.member("uuid")); !error.empty()) return error;
  const Path actions_path = path.member("actions");
  for (std::size_t i = 0; i < suggestion.actions.size(); ++i) {
    auto error = check_action_at(suggestion.actions[i], actions_path.element(i));
    if (!error.empty()) return error;
  }
  return {};
}

std::string check_link(const Link& link, const Path& path) {
  if (auto error = check_text(link.label, path.member("label"), true); !error.empty()) return error;
  if (auto error = check_url(link.url, path.member("url"), true); !error.empty()) return error;
  if (!link.app_context.empty() && link.type != LinkType::smart) {
    return problem(path.member("appContext"), "only valid for smart links");
  }
  return check_text(link.app_context, path.member("appContext"), false);
}

std::string check_card_at(const Card& card, const Path& path) {
  if (auto error = check_uuid(card.uuid, path.member("uuid")); !error.empty()) return error;

  const Path summary_path = path.member("summary");
  if (auto error = check_text(card.summary, summary_path, true); !error.empty()) return error;
  const std::size_t summary_length = *utf8_length(card.summary);
  if (summary_length > kMaxSummaryCharacters) {
    return problem(summary_path, std::to_string(summary_length) +
                                     " characters; CDS Hooks requires fewer than 140 (move the rest to detail)");
  }
  if (auto error = check_text(card.detail, path.member("detail"), false); !error.empty()) return error;

  const Path source_path = path.member("source");
  if (auto error = check_text(card.source.label, source_path.member("label"), true); !error.empty()) {
    return error;
  }
  if (auto error = check_url(card.source.url, source_path.member("url"), false); !error.empty()) return error;
  if (auto error = check_url(card.source.icon, source_path.member("icon"), false); !error.empty()) {
    return error;
  }
  if (card.source.topic) {
    if (auto error = check_coding(*card.source.topic, source_path.member("topic"), false); !error.empty()) {
      return error;
    }
  }

  const Path suggestions_path = path.member("suggestions");
  std::size_t recommended = 0;
  for (std::size_t i = 0; i < card.suggestions.size(); ++i) {
    const Path suggestion_path = suggestions_path.element(i);
    if (auto error = check_suggestion(card.suggestions[i], suggestion_path); !error.empty()) return error;
    for (std::size_t earlier = 0; earlier < i; ++earlier) {
      if (card.suggestions[earlier].uuid == card.suggestions[i].uuid) {
        return problem(suggestion_path.member("uuid"), "repeats the uuid of an earlier suggestion");
      }
    }
    if (card.suggestions[i].is_recommended) ++recommended;
  }
  if (!card.suggestions.empty() && !card.selection_behavior) {
    return problem(path.member("selectionBehavior"), "required when suggestions are present");
  }
  // The specification allows several recommended suggestions only when the
  // user may pick several.
  if (recommended > 1 && card.selection_behavior == SelectionBehavior::at_most_one) {
    return problem(suggestions_path, "more than one suggestion isRecommended, but selectionBehavior is at-most-one");
  }

  const Path reasons_path = path.member("overrideReasons");
  for (std::size_t i = 0; i < card.override_reasons.size(); ++i) {
    auto error = check_coding(card.override_reasons[i], reasons_path.element(i), true);
    if (!error.empty()) return error;
  }
  const Path links_path = path.member("links");
  for (std::size_t i = 0; i < card.links.size(); ++i) {
    if (auto error = check_link(card.links[i], links_path.element(i)); !error.empty()) return error;
  }
  return {};
}

// --- writing --------------------------------------------------------------------

Value string_value(const std::string& text, JsonAllocator& allocator) {
  return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

void add_string(Value& object, const char* name, const std::string& text, JsonAllocator& allocator) {
  object.AddMember(rapidjson::StringRef(name), string_value(text, allocator), allocator);
}

void add_if_present(Value& object, const char* name, const std::string& text, JsonAllocator& allocator) {
  if (!text.empty()) add_string(object, name, text, allocator);
}

void add_enum(Value& object, const char* name, std::string_view text, JsonAllocator& allocator) {
  object.AddMember(rapidjson::StringRef(name),
                   Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator), allocator);
}

Value coding_json(const Coding& coding, JsonAllocator& allocator) {
  Value object(rapidjson::kObjectType);
  add_string(object, "system", coding.system, allocator);
  add_string(object, "code", coding.code, allocator);
  add_if_present(object, "display", coding.display, allocator);
  return object;
}

// Precondition: check_action_at passed, so the resource parses.
Value action_json(const Action& action, JsonAllocator& allocator) {
  Value object(rapidjson::kObjectType);
  add_enum(object, "type", to_string(action.type), allocator);
  add_string(object, "description", action.description, allocator);
  if (const Value* kept = kept_parse(action)) {
    object.AddMember("resource", Value(*kept, allocator), allocator);  // a deep copy: the card's own
  } else if (!action.resource.empty()) {
    // Parsed straight into the card's allocator and moved in, not copied.
    rapidjson::Document resource(&allocator);
    fhir::parse_json(action.resource, resource);
    object.AddMember("resource", static_cast<Value&>(resource), allocator);
  }
  add_if_present(object, "resourceId", action.resource_id, allocator);
  return object;
}

Value card_json(const Card& card, JsonAllocator& allocator) {
  Value object(rapidjson::kObjectType);
  add_string(object, "uuid", card.uuid, allocator);
  add_string(object, "summary", card.summary, allocator);
  add_if_present(object, "detail", card.detail, allocator);
  add_enum(object, "indicator", to_string(card.indicator), allocator);

  Value source(rapidjson::kObjectType);
  add_string(source, "label", card.source.label, allocator);
  add_if_present(source, "url", card.source.url, allocator);
  add_if_present(source, "icon", card.source.icon, allocator);
  if (card.source.topic) source.AddMember("topic", coding_json(*card.source.topic, allocator), allocator);
  object.AddMember("source", source, allocator);

  if (!card.suggestions.empty()) {
    Value suggestions(rapidjson::kArrayType);
    for (const auto& suggestion : card.suggestions) {
      Value entry(rapidjson::kObjectType);
      add_string(entry, "label", suggestion.label, allocator);
      add_string(entry, "uuid", suggestion.uuid, allocator);
      if (suggestion.is_recommended) entry.AddMember("isRecommended", true, allocator);
      if (!suggestion.actions.empty()) {
        Value actions(rapidjson::kArrayType);
        for (const auto& action : suggestion.actions) actions.PushBack(action_json(action, allocator), allocator);
        entry.AddMember("actions", actions, allocator);
      }
      suggestions.PushBack(entry, allocator);
    }
    object.AddMember("suggestions", suggestions, allocator);
    // Meaningless without suggestions, so written only beside them.
    add_enum(object, "selectionBehavior", to_string(*card.selection_behavior), allocator);
  }

  if (!card.override_reasons.empty()) {
    Value reasons(rapidjson::kArrayType);
    for (const auto& reason : card.override_reasons) reasons.PushBack(coding_json(reason, allocator), allocator);
    object.AddMember("overrideReasons", reasons, allocator);
  }
  if (!card.links.empty()) {
    Value links(rapidjson::kArrayType);
    for (const auto& link : card.links) {
      Value entry(rapidjson::kObjectType);
      add_string(entry, "label", link.label, allocator);
      add_string(entry, "url", link.url, allocator);
      add_enum(entry, "type", to_string(link.type), allocator);
      add_if_present(entry, "appContext", link.app_context, allocator);
      links.PushBack(entry, allocator);
    }
    object.AddMember("links", links, allocator);
  }
  return object;
}

// --- writing as text ----------------------------------------------------------------
//
// The same bytes as RapidJSON's Writer makes of card_json, without the DOM:
// the service writes every card it sends, and the Writer copies a string one
// byte at a time while card detail runs to kilobytes. Members come in
// card_json's order; the first member of each object is always present, so
// every later one starts with a comma.

// Whether any of the eight bytes at `bytes` is below 0x20, '"' or '\\'
// (the exact tests of "Bit Twiddling Hacks", hasless and haszero).
bool any_escaped(const char* bytes) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHighs = 0x8080808080808080u;
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  const std::uint64_t quote = word ^ (kOnes * '"');
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word;
  const std::uint64_t zero_quote = (quote - kOnes) & ~quote;
  const std::uint64_t zero_backslash = (backslash - kOnes) & ~backslash;
  return ((below_space | zero_quote | zero_backslash) & kHighs) != 0;
}

// RapidJSON's escapes (writer.h, default flags): \" \\ \b \f \n \r \t, \u00XX
// with capital hex digits for any other byte below 0x20, every other byte
// as it is (the text is valid UTF-8, check_text).
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Card text is long runs of plain text: eight bytes at a time while
    // none of them needs an escape.
    while (i + 8 <= text.size() && !any_escaped(text.data() + i)) i += 8;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    out += '\\';
    switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\f': out += 'f'; break;
      case '\n': out += 'n'; break;
      case '\r': out += 'r'; break;
      case '\t': out += 't'; break;
      default:
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

// `,"name":"text"`; member names need no escaping.
void append_member(std::string& out, std::string_view name, std::string_view text) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, text);
}

void append_if_present(std::string& out, std::string_view name, std::string_view text) {
  if (!text.empty()) append_member(out, name, text);
}

void append_coding(std::string& out, const Coding& coding) {
  out += "{\"system\":";
  append_json_string(out, coding.system);
  append_member(out, "code", coding.code);
  append_if_present(out, "display", coding.display);
  out += '}';
}

void append_writer_text(std::string& out, const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  out.append(buffer.GetString(), buffer.GetSize());
}

void append_action(std::string& out, const Action& action) {
  out += "{\"type\":";
  append_json_string(out, to_string(action.type));
  append_member(out, "description", action.description);
  if (const Value* kept = kept_parse(action)) {
    out += ",\"resource\":";
    // The builder's text is what the Writer made of this very DOM.
    if (action.parsed->text_written_from_document) {
      out += action.resource;
    } else {
      append_writer_text(out, *kept);
    }
  } else if (!action.resource.empty()) {
    out += ",\"resource\":";
    rapidjson::Document resource;
    fhir::parse_json(action.resource, resource);
    append_writer_text(out, resource);
  }
  append_if_present(out, "resourceId", action.resource_id);
  out += '}';
}

std::string card_text(const Card& card) {
  // Room for the text as it is and the override reasons, so the string
  // rarely grows as it is written.
  std::size_t expected = 1024 + card.summary.size() + card.detail.size();
  for (const auto& suggestion : card.suggestions) {
    for (const auto& action : suggestion.actions) expected += 256 + action.resource.size();
  }
  std::string out;
  out.reserve(expected);
  out += "{\"uuid\":";
  append_json_string(out, card.uuid);
  append_member(out, "summary", card.summary);
  append_if_present(out, "detail", card.detail);
  append_member(out, "indicator", to_string(card.indicator));

  out += ",\"source\":{\"label\":";
  append_json_string(out, card.source.label);
  append_if_present(out, "url", card.source.url);
  append_if_present(out, "icon", card.source.icon);
  if (card.source.topic) {
    out += ",\"topic\":";
    append_coding(out, *card.source.topic);
  }
  out += '}';

  if (!card.suggestions.empty()) {
    out += ",\"suggestions\":[";
    for (std::size_t i = 0; i < card.suggestions.size(); ++i) {
      const Suggestion& suggestion = card.suggestions[i];
      if (i > 0) out += ',';
      out += "{\"label\":";
      append_json_string(out, suggestion.label);
      append_member(out, "uuid", suggestion.uuid);
      if (suggestion.is_recommended) out += ",\"isRecommended\":true";
      if (!suggestion.actions.empty()) {
        out += ",\"actions\":[";
        for (std::size_t k = 0; k < suggestion.actions.size(); ++k) {
          if (k > 0) out += ',';
          append_action(out, suggestion.actions[k]);
        }
        out += ']';
      }
      out += '}';
    }
    out += ']';
    append_member(out, "selectionBehavior", to_string(*card.selection_behavior));
  }

  if (!card.override_reasons.empty()) {
    out += ",\"overrideReasons\":[";
    for (std::size_t i = 0; i < card.override_reasons.size(); ++i) {
      if (i > 0) out += ',';
      append_coding(out, card.override_reasons[i]);
    }
    out += ']';
  }
  if (!card.links.empty()) {
    out += ",\"links\":[";
    for (std::size_t i = 0; i < card.links.size(); ++i) {
      const Link& link = card.links[i];
      if (i > 0) out += ',';
      out += "{\"label\":";
      append_json_string(out, link.label);
      append_member(out, "url", link.url);
      append_member(out, "type", to_string(link.type));
      append_if_present(out, "appContext", link.app_context);
      out += '}';
    }
    out += ']';
  }
  out += '}';
  return out;
}

// --- reading --------------------------------------------------------------------

std::string check_members(const Value& object, const std::string& path,
                          std::initializer_list<std::string_view> allowed) {
  for (auto member = object.MemberBegin(); member != object.MemberEnd(); ++member) {
    std::string_view name(member->name.GetString(), member->name.GetStringLength());
    if (name == "extension") continue;  // CDS Hooks extensions are allowed everywhere
    bool known = false;
    for (std::string_view candidate : allowed) known = known || candidate == name;
    if (!known) return problem(member_path(path, name), "unknown member");
  }
  return {};
}

std::string expect_object(const Value& json, const std::string& path) {
  if (!json.IsObject()) return problem(path, std::string("expected an object, got ") + fhir::json_type_name(json));
  return {};
}

// Reads an optional (or required) string member into `out`.
std::string read_string(const Value& object, const char* name, const std::string& path, std::string& out,
                        bool required) {
  auto member = object.FindMember(name);
  if (member == object.MemberEnd()) return required ? problem(member_path(path, name), "missing") : std::string();
  if (!member->value.IsString()) {
    return problem(member_path(path, name), std::string("expected a string, got ") +
                                                fhir::json_type_name(member->value));
  }
  out.assign(member->value.GetString(), member->value.GetStringLength());
  return {};
}

// Finds an optional array member; `array` stays null when absent.
std::string find_array(const Value& object, const char* name, const std::string& path, const Value*& array) {
  array = nullptr;
  auto member = object.FindMember(name);
  if (member == object.MemberEnd()) return {};
  if (!member->value.IsArray()) {
    return problem(member_path(path, name), std::string("expected an array, got ") +
                                                fhir::json_type_name(member->value));
  }
  array = &member->value;
  return {};
}

template <typename Enum>
std::string read_enum(const Value& object, const char* name, const std::string& path,
                      std::initializer_list<Enum> values, std::optional<Enum>& out, bool required) {
  std::string text;
  if (auto error = read_string(object, name, path, text, required); !error.empty()) return error;
  if (object.FindMember(name) == object.MemberEnd()) return {};
  std::string allowed;
  for (Enum value : values) {
    if (to_string(value) == text) {
      out = value;
      return {};
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(to_string(value));
  }
  return problem(member_path(path, name), "\"" + text + "\" is not one of " + allowed);
}

std::string read_coding(const Value& json, const std::string& path, Coding& coding) {
  if (auto error = expect_object(json, path); !error.empty()) return error;
  if (auto error = check_members(json, path, {"system", "code", "display"}); !error.empty()) return error;
  if (auto error = read_string(json, "system", path, coding.system, true); !error.empty()) return error;
  if (auto error = read_string(json, "code", path, coding.code, true); !error.empty()) return error;
  return read_string(json, "display", path, coding.display, false);
}

std::string read_action(const Value& json, const std::string& path, Action& action) {
  if (auto error = expect_object(json, path); !error.empty()) return error;
  if (auto error = check_members(json, path, {"type", "description", "resource", "resourceId"}); !error.empty()) {
    return error;
  }
  std::optional<ActionType> type;
  auto error = read_enum(json, "type", path, {ActionType::create, ActionType::update, ActionType::delete_}, type,
                         true);
  if (!error.empty()) return error;
  action.type = *type;
  if (auto error = read_string(json, "description", path, action.description, true); !error.empty()) return error;
  auto resource = json.FindMember("resource");
  if (resource != json.MemberEnd()) {
    if (!resource->value.IsObject()) {
      return problem(member_path(path, "resource"), std::string("expected a FHIR resource object, got ") +
                                                        fhir::json_type_name(resource->value));
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    resource->value.Accept(writer);
    action.resource.assign(buffer.GetString(), buffer.GetSize());
  }
  return read_string(json, "resourceId", path, action.resource_id, false);
}

std::string read_suggestion(const Value& json, const std::string& path, Suggestion& suggestion) {
  if (auto error = expect_object(json, path); !error.empty()) return error;
  if (auto error = check_members(json, path, {"label", "uuid", "isRecommended", "actions"}); !error.empty()) {
    return error;
  }
  if (auto error = read_string(json, "label", path, suggestion.label, true); !error.empty()) return error;
  if (auto error = read_string(json, "uuid", path, suggestion.uuid, false); !error.empty()) return error;
  auto recommended = json.FindMember("isRecommended");
  if (recommended != json.MemberEnd()) {
    if (!recommended->value.IsBool()) {
      return problem(member_path(path, "isRecommended"), std::string("expected a boolean, got ") +
                                                             fhir::json_type_name(recommended->value));
    }
    suggestion.is_recommended = recommended->value.GetBool();
  }
  const Value* actions = nullptr;
  if (auto error = find_array(json, "actions", path, actions); !error.empty()) return error;
  if (actions) {
    for (rapidjson::SizeType i = 0; i < actions->Size(); ++i) {
      Action action;
      auto error = read_action((*actions)[i], index_path(member_path(path, "actions"), i), action);
      if (!error.empty()) return error;
      suggestion.actions.push_back(std::move(action));
    }
  }
  return {};
}

std::string read_link(const Value& json, const std::string& path, Link& link) {
  if (auto error = expect_object(json, path); !error.empty()) return error;
  if (auto error = check_members(json, path, {"label", "url", "type", "appContext"}); !error.empty()) return error;
  if (auto error = read_string(json, "label", path, link.label, true); !error.empty()) return error;
  if (auto error = read_string(json, "url", path, link.url, true); !error.empty()) return error;
  std::optional<LinkType> type;
  if (auto error = read_enum(json, "type", path, {LinkType::absolute, LinkType::smart}, type, true);
      !error.empty()) {
    return error;
  }
  link.type = *type;
  return read_string(json, "appContext", path, link.app_context, false);
}

std::string read_card(const Value& json, const std::string& path, Card& card) {
  card = Card{};
  if (auto error = expect_object(json, path); !error.empty()) return error;
  auto error = check_members(json, path,
                             {"uuid", "summary", "detail", "indicator", "source", "suggestions",
                              "selectionBehavior", "overrideReasons", "links"});
  if (!error.empty()) return error;
  if (auto error = read_string(json, "uuid", path, card.uuid, false); !error.empty()) return error;
  if (auto error = read_string(json, "summary", path, card.summary, true); !error.empty()) return error;
  if (auto error = read_string(json, "detail", path, card.detail, false); !error.empty()) return error;
  std::optional<Indicator> indicator;
  error = read_enum(json, "indicator", path, {Indicator::info, Indicator::warning, Indicator::critical}, indicator,
                    true);
  if (!error.empty()) return error;
  card.indicator = *indicator;

  const std::string source_path = member_path(path, "source");
  auto source = json.FindMember("source");
  if (source == json.MemberEnd()) return problem(source_path, "missing");
  if (auto error = expect_object(source->value, source_path); !error.empty()) return error;
  if (auto error = check_members(source->value, source_path, {"label", "url", "icon", "topic"}); !error.empty()) {
    return error;
  }
  if (auto error = read_string(source->value, "label", source_path, card.source.label, true); !error.empty()) {
    return error;
  }
  if (auto error = read_string(source->value, "url", source_path, card.source.url, false); !error.empty()) {
    return error;
  }
  if (auto error = read_string(source->value, "icon", source_path, card.source.icon, false); !error.empty()) {
    return error;
  }
  auto topic = source->value.FindMember("topic");
  if (topic != source->value.MemberEnd()) {
    Coding coding;
    if (auto error = read_coding(topic->value, member_path(source_path, "topic"), coding); !error.empty()) {
      return error;
    }
    card.source.topic = coding;
  }

  const Value* suggestions = nullptr;
  if (auto error = find_array(json, "suggestions", path, suggestions); !error.empty()) return error;
  if (suggestions) {
    for (rapidjson::SizeType i = 0; i < suggestions->Size(); ++i) {
      Suggestion suggestion;
      auto error = read_suggestion((*suggestions)[i], index_path(member_path(path, "suggestions"), i), suggestion);
      if (!error.empty()) return error;
      card.suggestions.push_back(std::move(suggestion));
    }
  }
  error = read_enum(json, "selectionBehavior", path, {SelectionBehavior::at_most_one, SelectionBehavior::any},
                    card.selection_behavior, false);
  if (!error.empty()) return error;

  const Value* reasons = nullptr;
  if (auto error = find_array(json, "overrideReasons", path, reasons); !error.empty()) return error;
  if (reasons) {
    for (rapidjson::SizeType i = 0; i < reasons->Size(); ++i) {
      Coding reason;
      auto error = read_coding((*reasons)[i], index_path(member_path(path, "overrideReasons"), i), reason);
      if (!error.empty()) return error;
      card.override_reasons.push_back(std::move(reason));
    }
  }
  const Value* links = nullptr;
  if (auto error = find_array(json, "links", path, links); !error.empty()) return error;
  if (links) {
    for (rapidjson::SizeType i = 0; i < links->Size(); ++i) {
      Link link;
      if (auto error = read_link((*links)[i], index_path(member_path(path, "links"), i), link); !error.empty()) {
        return error;
      }
      card.links.push_back(std::move(link));
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(Indicator indicator) {
  switch (indicator) {
    case Indicator::info: return "info";
    case Indicator::warning: return "warning";
    case Indicator::critical: return "critical";
  }
  return "?";
}

std::string_view to_string(SelectionBehavior selection_behavior) {
  switch (selection_behavior) {
    case SelectionBehavior::at_most_one: return "at-most-one";
    case SelectionBehavior::any: return "any";
  }
  return "?";
}

std::string_view to_string(ActionType type) {
  switch (type) {
    case ActionType::create: return "create";
    case ActionType::update: return "update";
    case ActionType::delete_: return "delete";
  }
  return "?";
}

std::string_view to_string(LinkType type) {
  switch (type) {
    case LinkType::absolute: return "absolute";
    case LinkType::smart: return "smart";
  }
  return "?";
}

bool Action::operator==(const Action& other) const {
  return type == other.type && description == other.description && resource == other.resource &&
         resource_id == other.resource_id;
}

std::string check_card(const Card& card) { return check_card_at(card, Path{}); }

std::string check_action(const Action& action) { return check_action_at(action, Path{}); }

std::string check_response(const Response& response) {
  const Path root;
  const Path cards_path = root.member("cards");
  for (std::size_t i = 0; i < response.cards.size(); ++i) {
    const Path path = cards_path.element(i);
    if (auto error = check_card_at(response.cards[i], path); !error.empty()) return error;
    for (std::size_t earlier = 0; earlier < i; ++earlier) {
      if (response.cards[earlier].uuid == response.cards[i].uuid) {
        return problem(path.member("uuid"), "repeats the uuid of an earlier card");
      }
    }
  }
  const Path actions_path = root.member("systemActions");
  for (std::size_t i = 0; i < response.system_actions.size(); ++i) {
    auto error = check_action_at(response.system_actions[i], actions_path.element(i));
    if (!error.empty()) return error;
  }
  return {};
}

Value to_json(const Card& card, JsonAllocator& allocator) {
  if (!check_card(card).empty()) return Value(rapidjson::kNullType);
  return card_json(card, allocator);
}

std::string checked_card_json(const Card& card) { return card_text(card); }

Value to_json(const Action& action, JsonAllocator& allocator) {
  if (!check_action(action).empty()) return Value(rapidjson::kNullType);
  return action_json(action, allocator);
}

Value to_json(const Response& response, JsonAllocator& allocator) {
  Value object(rapidjson::kObjectType);
  Value cards(rapidjson::kArrayType);
  for (const auto& card : response.cards) cards.PushBack(to_json(card, allocator), allocator);
  object.AddMember("cards", cards, allocator);
  if (!response.system_actions.empty()) {
    Value actions(rapidjson::kArrayType);
    for (const auto& action : response.system_actions) actions.PushBack(to_json(action, allocator), allocator);
    object.AddMember("systemActions", actions, allocator);
  }
  return object;
}

Value audit_json(const Card& card, JsonAllocator& allocator) {
  Value object(rapidjson::kObjectType);
  add_string(object, "card", card.uuid, allocator);
  add_string(object, "kind", card.kind, allocator);
  Value rule_ids(rapidjson::kArrayType);
  for (const auto& id : card.rule_ids) rule_ids.PushBack(string_value(id, allocator), allocator);
  object.AddMember("rule_ids", rule_ids, allocator);
  add_string(object, "protocol_version", card.protocol_version, allocator);
  Value suggestions(rapidjson::kArrayType);
  for (const auto& suggestion : card.suggestions) suggestions.PushBack(string_value(suggestion.uuid, allocator), allocator);
  object.AddMember("suggestions", suggestions, allocator);
  return object;
}

std::string from_json(const Value& json, Card& card) { return read_card(json, "", card); }

std::string from_json(const Value& json, Response& response) {
  response = Response{};
  if (auto error = expect_object(json, ""); !error.empty()) return error;
  if (auto error = check_members(json, "", {"cards", "systemActions"}); !error.empty()) return error;
  const Value* cards = nullptr;
  if (auto error = find_array(json, "cards", "", cards); !error.empty()) return error;
  if (!cards) return problem("cards", "missing (a response without decision support sends \"cards\": [])");
  for (rapidjson::SizeType i = 0; i < cards->Size(); ++i) {
    Card card;
    if (auto error = read_card((*cards)[i], index_path("cards", i), card); !error.empty()) return error;
    response.cards.push_back(std::move(card));
  }
  const Value* actions = nullptr;
  if (auto error = find_array(json, "systemActions", "", actions); !error.empty()) return error;
  if (actions) {
    for (rapidjson::SizeType i = 0; i < actions->Size(); ++i) {
      Action action;
      if (auto error = read_action((*actions)[i], index_path("systemActions", i), action); !error.empty()) {
        return error;
      }
      response.system_actions.push_back(std::move(action));
    }
  }
  return {};
}

}  // namespace icans
