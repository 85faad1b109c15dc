#pragma once
// From an evaluation to CDS Hooks cards: what the institutional protocol
// recommends for this patient now, with the evidence and rule behind it.
//
// The same function serves `replay` and the CDS Hooks service, so a tester
// sees exactly the cards an EHR would.

#include <string>
#include <string_view>
#include <vector>

#include "cards/card.h"
#include "cards/protocol.h"
#include "cds/evaluation.h"
#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

namespace rule {
// Beside the protocol's card rules (cards/protocol.h): an in-scope patient
// whose grade cannot be determined is told what is missing, never met with
// silence. It has no protocol section: it is not a choice a site makes.
inline constexpr std::string_view kCannotGrade = "cards.cannot-grade";
}  // namespace rule

struct RecommendContext {
  // "patient-view", "order-select" or "order-sign".
  std::string hook = "patient-view";
  // The draft orders of an order hook (context.draftOrders), already read by
  // fhir/ intake. Empty for patient-view.
  std::vector<fhir::MedicationRequest> draft_medication_requests;
  std::vector<fhir::ServiceRequest> draft_service_requests;
  // order-select: the drafts the clinician is acting on ("MedicationRequest/
  // 103"), which the draft checks are about; the other drafts are context
  // (they still count as being ordered). Empty: every draft is checked, as
  // on order-sign.
  std::vector<std::string> selections;
  // Mixed into every card and suggestion uuid: the hookInstance in the
  // service, so each request's cards are unique; empty in replay, so golden
  // files stay stable.
  std::string uuid_seed;
  // Data the service could not obtain (a prefetch key missing and the FHIR
  // server unreachable); said on the cards, never silently ignored.
  std::vector<std::string> missing_data;
};

// Cards in the order a clinician should read them: critical first, then
// warning, then info. An out-of-scope patient gets none; an in-scope patient
// whose grades cannot be determined gets one info card saying what is missing.
std::vector<Card> recommend(const fhir::PatientRecord& record, const Evaluation& evaluation,
                            const Protocol& protocol, const GradingConfig& config,
                            const RecommendContext& context);

}  // namespace icans
