#include "cds/hooks/feedback.h"

#include <algorithm>

#include <rapidjson/document.h>

#include "cds/hooks/json_member.h"
#include "cds/hooks/shown_value.h"
#include "fhir/json.h"
#include "fhir/time.h"

namespace icans {
namespace {

using Json = rapidjson::Value;

std::string text(const Json& string) { return {string.GetString(), string.GetStringLength()}; }

std::string read_string(const Json& object, const char* name, const std::string& path,
                        bool required, std::string& out) {
  const Json* value = member(object, name);
  if (!value) return required ? path + ": required string is missing" : std::string();
  if (!value->IsString()) return path + ": must be a string, not " + fhir::json_type_name(*value);
  if (value->GetStringLength() == 0) return path + ": must not be empty";
  out = text(*value);
  return {};
}

std::string read_accepted(const Json& entry, const std::string& path, FeedbackRecord& record) {
  const Json* accepted = member(entry, "acceptedSuggestions");
  if (record.outcome == "overridden") {
    if (accepted) return path + ".acceptedSuggestions: only with outcome accepted";
    return {};
  }
  if (!accepted) return path + ".acceptedSuggestions: required when outcome is accepted";
  if (!accepted->IsArray()) {
    return path + ".acceptedSuggestions: must be an array, not " + fhir::json_type_name(*accepted);
  }
  if (accepted->Empty()) return path + ".acceptedSuggestions: must not be empty";
  for (rapidjson::SizeType i = 0; i < accepted->Size(); ++i) {
    const std::string item = path + ".acceptedSuggestions[" + std::to_string(i) + "]";
    const Json& suggestion = (*accepted)[i];
    if (!suggestion.IsObject()) {
      return item + ": must be an object {\"id\": ...}, not " + fhir::json_type_name(suggestion);
    }
    std::string id;
    if (auto e = read_string(suggestion, "id", item + ".id", true, id); !e.empty()) return e;
    record.accepted_suggestions.push_back(id);
  }
  return {};
}

std::string read_override(const Json& entry, const std::string& path, FeedbackRecord& record) {
  const Json* reason = member(entry, "overrideReason");
  if (!reason) return {};
  const std::string at = path + ".overrideReason";
  if (record.outcome != "overridden") return at + ": only with outcome overridden";
  if (!reason->IsObject()) return at + ": must be an object, not " + fhir::json_type_name(*reason);
  const Json* coding = member(*reason, "reason");
  if (coding) {
    if (!coding->IsObject()) {
      return at + ".reason: must be a Coding (an object), not " + fhir::json_type_name(*coding);
    }
    if (auto e = read_string(*coding, "system", at + ".reason.system", true,
                             record.override_reason_system);
        !e.empty()) {
      return e;
    }
    if (auto e = read_string(*coding, "code", at + ".reason.code", true,
                             record.override_reason_code);
        !e.empty()) {
      return e;
    }
    if (auto e = read_string(*coding, "display", at + ".reason.display", false,
                             record.override_reason_display);
        !e.empty()) {
      return e;
    }
  }
  if (auto e = read_string(*reason, "userComment", at + ".userComment", false, record.user_comment);
      !e.empty()) {
    return e;
  }
  if (!coding && record.user_comment.empty()) {
    return at + ": must hold a reason, a userComment or both";
  }
  return {};
}

}  // namespace

std::string parse_feedback(std::string_view body, std::string_view service_id,
                           std::string_view received_at, std::vector<FeedbackRecord>& records) {
  records.clear();
  rapidjson::Document document;
  if (auto error = fhir::parse_json(body, document); !error.empty()) {
    return "request body is not valid JSON: " + error;
  }
  if (!document.IsObject()) {
    return std::string("request body must be a JSON object, not ") + fhir::json_type_name(document);
  }
  const Json* feedback = member(document, "feedback");
  if (!feedback) return "feedback: required array is missing";
  if (!feedback->IsArray()) {
    return std::string("feedback: must be an array, not ") + fhir::json_type_name(*feedback);
  }
  if (feedback->Empty()) return "feedback: must not be empty";
  for (rapidjson::SizeType i = 0; i < feedback->Size(); ++i) {
    const std::string path = "feedback[" + std::to_string(i) + "]";
    const Json& entry = (*feedback)[i];
    if (!entry.IsObject()) return path + ": must be an object, not " + fhir::json_type_name(entry);
    FeedbackRecord record;
    record.service_id = std::string(service_id);
    record.received_at = std::string(received_at);
    if (auto e = read_string(entry, "card", path + ".card", true, record.card_uuid); !e.empty()) {
      return e;
    }
    if (auto e = read_string(entry, "outcome", path + ".outcome", true, record.outcome);
        !e.empty()) {
      return e;
    }
    if (record.outcome != "accepted" && record.outcome != "overridden") {
      return path + ".outcome: must be accepted or overridden";
    }
    if (auto e = read_accepted(entry, path, record); !e.empty()) return e;
    if (auto e = read_override(entry, path, record); !e.empty()) return e;
    if (auto e = read_string(entry, "outcomeTimestamp", path + ".outcomeTimestamp", true,
                             record.outcome_timestamp);
        !e.empty()) {
      return e;
    }
    if (const auto parsed = fhir::parse_instant(record.outcome_timestamp); !parsed.range) {
      return path + ".outcomeTimestamp: not a FHIR instant (" + parsed.error + ")";
    }
    records.push_back(std::move(record));
  }
  return {};
}

std::vector<std::string> suggestion_uuids(const AuditRecord& card, std::string& error) {
  std::vector<std::string> uuids;
  rapidjson::Document sent;
  if (auto problem = fhir::parse_json(card.card_json, sent); !problem.empty() || !sent.IsObject()) {
    error = "the audited text of card " + card.card_uuid + " cannot be read";
    return uuids;
  }
  if (const Json* suggestions = member(sent, "suggestions"); suggestions && suggestions->IsArray()) {
    for (const auto& suggestion : suggestions->GetArray()) {
      if (const Json* uuid = member(suggestion, "uuid"); uuid && uuid->IsString()) uuids.push_back(text(*uuid));
    }
  }
  return uuids;
}

std::string check_accepted_suggestions(const FeedbackRecord& feedback, std::size_t entry,
                                       const std::vector<std::string>& offered) {
  for (std::size_t i = 0; i < feedback.accepted_suggestions.size(); ++i) {
    const std::string& id = feedback.accepted_suggestions[i];
    if (std::find(offered.begin(), offered.end(), id) != offered.end()) continue;
    return "feedback[" + std::to_string(entry) + "].acceptedSuggestions[" + std::to_string(i) + "].id: '" +
           shown(id) + "' is not a suggestion of card " + shown(feedback.card_uuid) +
           (offered.empty() ? " (it had none)" : "");
  }
  return {};
}

}  // namespace icans
