#pragma once
// The feedback endpoint's body (https://cds-hooks.hl7.org/2.0/#feedback):
// {"feedback": [{card, outcome, acceptedSuggestions, overrideReason,
// outcomeTimestamp}]}, parsed and checked entry by entry.
//
// Rules (CDS Hooks 2.0, with the invariants of the HL7 logical model):
// card and outcomeTimestamp (a FHIR instant) are required; outcome is
// "accepted" or "overridden"; acceptedSuggestions [{id}] is required for, and
// only meaningful with, "accepted"; overrideReason {reason: Coding,
// userComment} only with "overridden" and holds a reason, a comment or both.

#include <string>
#include <string_view>
#include <vector>

#include "cds/hooks/store.h"

namespace icans {

// Parses `body` into one FeedbackRecord per entry (service_id and
// received_at filled from the arguments). Returns an empty string on
// success, otherwise the problem naming the entry and field
// ("feedback[1].outcome: must be accepted or overridden").
std::string parse_feedback(std::string_view body, std::string_view service_id,
                           std::string_view received_at, std::vector<FeedbackRecord>& records);

// The uuids of the suggestions of a card as it was sent (`card.card_json` in
// the audit trail); `error` set when that text cannot be read.
std::vector<std::string> suggestion_uuids(const AuditRecord& card, std::string& error);

// Feedback entry `entry` (its index in the body) about a card on file whose
// suggestions were `offered`: every accepted suggestion must be one of them,
// so that the audit trail never records the acceptance of a suggestion the
// clinician was not shown. Empty when so; otherwise the problem naming the
// entry and field.
std::string check_accepted_suggestions(const FeedbackRecord& feedback, std::size_t entry,
                                       const std::vector<std::string>& offered);

}  // namespace icans
