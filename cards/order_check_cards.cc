// order-select and order-sign: the orders being drafted, checked against
// the protocol for this patient now. Tocilizumab for ICANS without CRS is
// warned against; a corticosteroid whose drug, dose or interval differs from
// the protocol's for the grade is named with both.
#include <algorithm>
#include <cmath>

#include "cards/card_builders.h"
#include "cds/window.h"

namespace icans {
namespace {

using fhir::Concept;

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

std::optional<Action> remove_draft(const fhir::MedicationRequest& draft) {
  if (!valid_id(draft.id)) return std::nullopt;
  return Action{ActionType::delete_, "Remove the draft " + drug_name(draft.drug) + " order", "",
                reference("MedicationRequest", draft.id)};
}

void tocilizumab_draft_card(const CardInputs& in, const fhir::MedicationRequest& draft, std::vector<Card>& cards) {
  const Evaluation& evaluation = in.evaluation;
  const bool icans = evaluation.icans.grade && *evaluation.icans.grade >= 1;
  const bool no_crs = evaluation.crs.grade && *evaluation.crs.grade == 0;
  if (!icans || !no_crs || in.protocol.crs.tocilizumab_icans_without_crs_warning.empty()) return;
  std::string detail;
  add_paragraph(detail, "**" + in.protocol.crs.tocilizumab_icans_without_crs_warning + "**");
  add_paragraph(detail, "Draft order " + reference("MedicationRequest", draft.id) + ": " + draft_text(draft) + ". " +
                            icans_label(evaluation) + ", " + crs_label(evaluation) + ".");
  add_grade_findings(detail, "ICANS", evaluation.icans);
  add_grade_findings(detail, "CRS", evaluation.crs);
  const std::string summary =
      fit_summary({"Draft tocilizumab: not for ICANS without CRS (ICANS grade " + std::to_string(*evaluation.icans.grade) +
                       ", CRS 0); it may worsen ICANS",
                   "Draft tocilizumab: not for ICANS without CRS; it may worsen ICANS"});
  Card card = make_card(in, rule::kCrsTocilizumab, "tocilizumab-draft-icans-without-crs", Indicator::warning, summary,
                        std::move(detail), in.protocol.crs.sources, draft.id);
  if (auto action = remove_draft(draft)) {
    add_suggestion(card, "Remove the tocilizumab draft order", true, std::move(*action));
  }
  cards.push_back(std::move(card));
}

// The corticosteroid the protocol gives now, and the card family it belongs to.
struct Expected {
  const SteroidChoice* choice = nullptr;
  std::string_view rule_id;
};

Expected expected_steroid(const SteroidPlan& plan) {
  if (plan.owner == SteroidOwner::crs) return {&plan.crs, rule::kCrsSteroids};
  if (plan.icans.card) return {&plan.icans, rule::kIcansSteroids};
  if (plan.crs.card) return {&plan.crs, rule::kCrsSteroids};
  return {};
}

void steroid_draft_card(const CardInputs& in, const SteroidPlan& plan, const fhir::MedicationRequest& draft,
                        std::vector<Card>& cards) {
  const Evaluation& evaluation = in.evaluation;
  if (plan.taper) return;  // tapering regimens vary by design
  const Expected expected = expected_steroid(plan);
  if (!expected.choice) return;  // no ICANS or CRS reason for a corticosteroid: not ours to judge
  const SteroidChoice& choice = *expected.choice;
  std::vector<std::string> differences;
  std::string protocol_text;
  std::optional<DosePlan> replacement;
  const Regimen* regimen = choice.regimen.empty() ? nullptr : find_regimen(in.protocol, choice.regimen);
  if (!regimen) {
    protocol_text = "no corticosteroid at " + choice.basis + " (supportive care)";
    differences.push_back("the protocol gives no corticosteroid at " + choice.basis);
  } else {
    const DosingChoice dosing = choose_dosing(in, *regimen);
    const Dosing& shown = dosing.dosing ? *dosing.dosing : regimen->adult;
    protocol_text = regimen_phrase(*regimen, shown) + " (" + choice.basis + ")";
    if (!dosing.dosing) differences.push_back(dosing.why_none);
    if (draft.drug != regimen->drug) {
      differences.push_back("drug: " + drug_name(draft.drug) + " instead of " + drug_name(regimen->drug));
    } else if (dosing.dosing) {
      const DoseCalculation dose = calculate_dose(shown, latest_weight(in).kg);
      if (!draft.dose || draft.dose->unit != "mg") {
        differences.push_back("the draft dose is not in mg, so it cannot be checked against " +
                              (dose.mg ? format_mg(*dose.mg) : dose.explanation));
      } else if (dose.mg && std::fabs(draft.dose->value - *dose.mg) > 0.01) {
        differences.push_back("dose: " + format_mg(draft.dose->value) + " instead of " + format_mg(*dose.mg));
      }
      const auto every = draft_every_hours(draft);
      if (every && shown.every &&
          (*every < shown.every->min_hours - 0.01 || *every > shown.every->max_hours + 0.01)) {
        differences.push_back("interval: every " + format_hours(*every) + " instead of " + interval_phrase(shown));
      }
    }
    const bool icans_side = expected.rule_id == rule::kIcansSteroids;
    const auto course = doses_of(evaluation.treatment.steroid_doses_total, regimen->drug,
                                 icans_side ? evaluation.icans_at_least_since[0] : std::nullopt);
    replacement = plan_dose(in, *regimen, course, doses_of(evaluation.treatment.steroid_doses_total, regimen->drug));
  }
  if (differences.empty()) return;  // the draft is what the protocol says

  std::string detail;
  add_paragraph(detail, "**Draft order " + reference("MedicationRequest", draft.id) + ":** " + draft_text(draft) + ".");
  add_paragraph(detail, "**Protocol:** " + protocol_text + ". " + choice.note);
  add_bullets(detail, "Differences", differences);
  if (replacement) add_bullets(detail, "Protocol dose now", dose_plan_lines(*replacement));
  const bool icans_side = expected.rule_id == rule::kIcansSteroids;
  add_grade_findings(detail, icans_side ? "ICANS" : "CRS", icans_side ? evaluation.icans : evaluation.crs);
  add_steroids_given(detail, evaluation);

  const std::string summary =
      fit_summary({"Draft " + draft_text(draft) + " differs from protocol: " + protocol_text,
                   "Draft " + drug_name(draft.drug) + " differs from protocol: " + protocol_text,
                   "Draft " + drug_name(draft.drug) + " differs from the protocol for " + choice.basis});
  Card card = make_card(in, expected.rule_id, "steroid-draft-check", Indicator::warning, summary, std::move(detail),
                        choice.sources, draft.id);
  if (replacement && replacement->orderable()) {
    std::string error;
    const auto code = icans_side ? icans_code(in.protocol, evaluation.icans.grade)
                                 : crs_code(in.protocol, evaluation.crs.grade);
    if (auto create = medication_action(in, *replacement, choice.basis, code, error, &draft)) {
      std::vector<Action> actions;
      if (auto remove = remove_draft(draft)) actions.push_back(std::move(*remove));
      actions.push_back(std::move(*create));
      add_suggestion(card, "Replace with " + regimen_phrase(*regimen, *replacement->dosing.dosing, replacement->dose.mg),
                     true, std::move(actions));
    }
  }
  cards.push_back(std::move(card));
}

}  // namespace

void add_order_check_cards(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards) {
  for (const auto& draft : in.context.draft_medication_requests) {
    if (!draft_checked(in, draft)) continue;  // patient-view, or not selected
    if (draft.drug == Concept::tocilizumab) tocilizumab_draft_card(in, draft, cards);
    if (fhir::is_corticosteroid(draft.drug)) steroid_draft_card(in, plan, draft, cards);
  }
}

}  // namespace icans
