#pragma once
// Internal to cards/: what the card families of recommend() share. The
// contract is cards/recommend.h; nothing outside cards/ includes this file.
//
// Every number a card states comes from the protocol or the record, never
// from a constant here: these helpers only find, compute and format.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cards/card.h"
#include "cards/fhir_resources.h"
#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/evaluation.h"
#include "cds/grading_config.h"
#include "fhir/record.h"

namespace icans {

// What every card family reads; built once per recommend() call.
struct CardInputs {
  const fhir::PatientRecord& record;
  const Evaluation& evaluation;
  const Protocol& protocol;
  const GradingConfig& config;
  const RecommendContext& context;
};

// ---- text (card_text.cc) ------------------------------------------------------

std::string format_number(double value);  // "10", "547.2", "0.5": at most one decimal
std::string format_mg(double mg);         // "547.2 mg"
std::string drug_name(fhir::Concept drug);  // "dexamethasone"
std::string format_hours(double hours);   // "6 h", "1.5 h", "40 min"
std::string format_time(fhir::Instant t);
std::string time_and_age(fhir::Instant t, fhir::Instant at);  // "2026-03-07T09:00:00Z (3 h ago)"
std::string capitalized(std::string text);
std::string join(const std::vector<std::string>& items, std::string_view separator);

// "ICANS grade 3 (ICE 2)", "ICANS grade 4 (seizure)", "CRS grade 2 (hypotension)".
std::string icans_label(const Evaluation& evaluation);
std::string crs_label(const Evaluation& evaluation);

// "dexamethasone 10 mg IV q6h", "methylprednisolone 1000 mg IV daily x3",
// "tocilizumab 8 mg/kg IV q8h"; `mg` replaces a weight-based dose when known.
std::string regimen_phrase(const Regimen& regimen, const Dosing& dosing,
                           std::optional<double> mg = std::nullopt);
std::string interval_phrase(const Dosing& dosing);  // "every 6-12 h", "once"

// The first candidate short enough for a CDS Hooks summary. The last one must
// always fit; a summary is chosen, never cut.
std::string fit_summary(std::initializer_list<std::string> candidates);

// Markdown pieces; each ends with a blank line.
void add_paragraph(std::string& markdown, std::string_view text);
void add_bullets(std::string& markdown, std::string_view heading, const std::vector<std::string>& items);
// Every domain the grade considered, drivers first, with each piece of
// evidence, its time and resource.
void add_grade_findings(std::string& markdown, std::string_view name, const GradeResult& grade);
// Grading warnings that name a resource the grade rests on (a preliminary
// ICE, a seizure without duration), so the card never hides them.
void add_grade_warnings(std::string& markdown, const Evaluation& evaluation, const GradeResult& grade);
// The doses counted so far, as the evaluation summarised them.
void add_steroids_given(std::string& markdown, const Evaluation& evaluation);
void add_tocilizumab_given(std::string& markdown, const Evaluation& evaluation);

// ---- card skeleton (card_common.cc) ---------------------------------------------

// A card with uuid, source, override reasons and audit fields set. `detail`
// gets the rule, its sources, the protocol version and any data the service
// could not obtain appended, so no card reaches the EHR without them.
Card make_card(const CardInputs& in, std::string_view rule_id, std::string_view kind,
               Indicator indicator, std::string summary, std::string detail,
               const std::vector<std::string>& source_ids, std::string_view uuid_key = "");

// A create or update action carrying a built resource (no error) with its
// DOM, so that the card's checks and writes never parse it again: the
// builder's when it kept one, else parsed here once.
Action resource_action(ActionType type, std::string description, BuiltResource built);

// Adds a suggestion (uuid derived from the card's) and sets selectionBehavior
// to "any" unless the caller chose one.
void add_suggestion(Card& card, std::string label, bool recommended, std::vector<Action> actions,
                    std::string_view key = "");
// The same with one action, moved in: a braced list would copy it, resource
// text and all.
void add_suggestion(Card& card, std::string label, bool recommended, Action action, std::string_view key = "");

// ---- facts from the record (card_facts.cc) -------------------------------------

// The latest usable observation of `meaning` charted at or before T.
const fhir::Observation* latest_observation(const CardInputs& in, fhir::Concept meaning);
std::string value_text(const fhir::Observation& observation);  // "137 mmol/L"
// "Sodium 137 mmol/L at ... (Observation/x)", or "Sodium: not charted".
std::string latest_observation_text(const CardInputs& in, fhir::Concept meaning);
// A drug's latest administration at or before T, with dose or rate.
std::string latest_administration_text(const CardInputs& in, fhir::Concept drug);
std::string latest_value_text(const CardInputs& in, fhir::Concept meaning);  // either of the above

struct Weight {
  std::optional<double> kg;
  std::string text;  // "80 kg at ... (Observation/w1)" or why there is none
};
Weight latest_weight(const CardInputs& in);

// An order or result for one of `services` that makes proposing it again
// pointless: an active or completed ServiceRequest authored within `hours`
// before T (an active one without a date counts), a DiagnosticReport within
// `hours`, or a draft of this order hook. Empty when there is none.
std::string existing_service(const CardInputs& in, const std::vector<fhir::Concept>& services,
                             double hours);

// A drug's doses from `doses` given at or after `since` (all when empty), by time.
std::vector<Dose> doses_of(const std::vector<Dose>& doses, fhir::Concept drug,
                           std::optional<fhir::Instant> since = std::nullopt);

// Administrations of `drug` given at or after `since` and by T, by time, in
// the form the evaluation counts doses (a drug Treatment does not track).
std::vector<Dose> administered_doses(const CardInputs& in, fhir::Concept drug, fhir::Instant since);

// A draft MedicationRequest's drug, dose and interval as charted:
// "dexamethasone 10 mg every 6 h"; its interval in hours when structured.
std::string draft_text(const fhir::MedicationRequest& draft);
std::optional<double> draft_every_hours(const fhir::MedicationRequest& draft);

// Whether the order checks look at `draft`: on order-sign every draft, on
// order-select the selected ones (CDS Hooks: "decision support should focus
// on the 'selected' orders"; the others are context), never on patient-view.
bool draft_checked(const CardInputs& in, const fhir::MedicationRequest& draft);

// A draft of this order hook (context.draftOrders) for `drug`, other than
// `except`: "dexamethasone is being ordered now (draft MedicationRequest/d1:
// dexamethasone 10 mg every 6 h)". For a corticosteroid any corticosteroid
// draft counts: a second course beside one being signed is never meant.
// Empty when there is none.
std::string drafted_medication(const CardInputs& in, fhir::Concept drug,
                               const fhir::MedicationRequest* except = nullptr);

// Levetiracetam counts as running on an active order, a dose within
// `hours`, or a draft being ordered now.
std::string levetiracetam_running(const CardInputs& in, double hours);

// ---- orders (card_orders.cc) -------------------------------------------------

// Which dosing applies to this patient: adult, pediatric, or none with the
// reason (a child and the protocol defines no pediatric dose; age unknown).
struct DosingChoice {
  const Dosing* dosing = nullptr;
  bool pediatric = false;
  std::string why_none;
};
DosingChoice choose_dosing(const CardInputs& in, const Regimen& regimen);

// Whether the next dose of a course may be given now.
struct DoseTiming {
  bool due = true;
  int given = 0;                      // doses of the course given so far
  bool course_complete = false;       // max_doses_total / doses reached, or a single dose given
  std::optional<fhir::Instant> next;  // earliest time of the next dose when not due
  std::string text;                   // what was given and when the next is due
};
// `course` holds the doses of this course (they count against doses,
// max_doses_total and max_doses_per_24h); `spacing` the doses whose time
// holds the next one back by the interval's lower bound.
DoseTiming dose_timing(const Dosing& dosing, const std::vector<Dose>& course,
                       const std::vector<Dose>& spacing, fhir::Instant at, std::string_view drug);

// Everything needed to order one dose of a regimen now, or why not.
struct DosePlan {
  const Regimen* regimen = nullptr;
  DosingChoice dosing;
  DoseCalculation dose;
  Weight weight;
  DoseTiming timing;
  std::vector<std::string> blocked;  // reasons no order is proposed; empty: order it
  bool orderable() const { return blocked.empty() && dose.mg.has_value(); }
};
DosePlan plan_dose(const CardInputs& in, const Regimen& regimen, const std::vector<Dose>& course,
                   const std::vector<Dose>& spacing);

// Lines describing the plan for the card detail (dose, its calculation,
// timing, why nothing is ordered).
std::vector<std::string> dose_plan_lines(const DosePlan& plan);

// A create action for a draft MedicationRequest of the plan's dose; empty with
// `error` set when the resource cannot be built, or when the order hook's
// drafts already hold this drug (drafted_medication; `replacing`, the draft
// the suggestion removes, aside): a suggestion accepted while signing must
// not add a second order of what is being signed. The card says why.
std::optional<Action> medication_action(const CardInputs& in, const DosePlan& plan,
                                        const std::string& reason_text,
                                        const std::optional<Icd10Code>& reason_code,
                                        std::string& error,
                                        const fhir::MedicationRequest* replacing = nullptr);
std::optional<Action> service_action(const CardInputs& in, const Orderable& orderable,
                                     const std::string& priority, const std::string& reason_text,
                                     const std::optional<Icd10Code>& reason_code,
                                     const std::string& note, std::string& error);

// The ICD-10-CM code the protocol gives for an ICANS or CRS grade (1-4).
std::optional<Icd10Code> icans_code(const Protocol& protocol, std::optional<int> grade);
std::optional<Icd10Code> crs_code(const Protocol& protocol, std::optional<int> grade);

// ---- corticosteroids shared by ICANS and CRS (steroid_cards.cc) ---------------------

struct SteroidChoice {
  bool card = false;             // a card for this grade at all
  std::string regimen;           // empty: no corticosteroid
  bool consider = false;
  std::string note;
  std::vector<std::string> sources;
  std::string basis;             // "ICANS grade 3", "grade 1 exception for ..."
};

// The ICANS and CRS corticosteroid choices, and which side orders: when both
// call for one, only the more intense regimen (dexamethasone-equivalent per
// 24 h) is ordered, so the patient never gets two courses from two cards.
enum class SteroidOwner { none, icans, crs };
struct SteroidPlan {
  SteroidChoice icans;
  SteroidChoice crs;
  bool taper = false;  // ICANS improved on corticosteroids: the taper card replaces the grade card
  SteroidOwner owner = SteroidOwner::none;
};
SteroidPlan steroid_plan(const CardInputs& in);

// ---- the card families ------------------------------------------------------------

void add_icans_steroid_cards(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards);
void add_crs_steroid_card(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards);
void add_seizure_cards(const CardInputs& in, std::vector<Card>& cards);
void add_workup_card(const CardInputs& in, std::vector<Card>& cards);
void add_crs_cards(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards);
void add_order_check_cards(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards);
void add_monitoring_card(const CardInputs& in, std::vector<Card>& cards);
void add_other_causes_card(const CardInputs& in, std::vector<Card>& cards);
void add_documentation_card(const CardInputs& in, std::vector<Card>& cards);

}  // namespace icans
