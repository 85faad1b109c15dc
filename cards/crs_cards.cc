// CRS: tocilizumab by grade (earlier when ICANS coexists, then always with
// corticosteroids), supportive care and the infection reminder below that,
// and the warning that tocilizumab does not treat ICANS without CRS.
#include <algorithm>

#include "cards/card_builders.h"

namespace icans {
namespace {

using fhir::Concept;

bool has_icans(const Evaluation& evaluation) { return evaluation.icans.grade && *evaluation.icans.grade >= 1; }

bool checks_tocilizumab_draft(const CardInputs& in) {
  return std::any_of(in.context.draft_medication_requests.begin(), in.context.draft_medication_requests.end(),
                     [&in](const fhir::MedicationRequest& draft) {
                       return draft.drug == Concept::tocilizumab && draft_checked(in, draft);
                     });
}

bool tocilizumab_indicated(const CardInputs& in) {
  const CrsTocilizumab& tocilizumab = in.protocol.crs.tocilizumab;
  const auto& crs = in.evaluation.crs.grade;
  if (!tocilizumab.enabled || !crs) return false;
  if (*crs >= tocilizumab.from_crs_grade) return true;
  return has_icans(in.evaluation) && *crs >= tocilizumab.from_crs_grade_with_icans;
}

std::string short_block_reason(const DosePlan& plan) {
  if (!plan.dosing.dosing) {
    return plan.dosing.why_none.rfind("Age not charted", 0) == 0 ? "age not charted, no dose proposed"
                                                                 : "no pediatric dose in protocol, none proposed";
  }
  if (!plan.dose.mg) return "no weight charted, no dose proposed";
  if (plan.timing.course_complete) return "maximum doses given, no further dose";
  if (plan.timing.next) return "next dose from " + format_time(*plan.timing.next);
  return "not proposed now";
}

void add_tocilizumab_card(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards) {
  const Crs& crs = in.protocol.crs;
  const Evaluation& evaluation = in.evaluation;
  const int grade = *evaluation.crs.grade;
  const std::string label = crs_label(evaluation);
  std::vector<std::string> sources = crs.sources;
  std::string detail;
  std::string summary;
  std::optional<Action> action;
  std::string order_label;
  const bool with_icans = has_icans(evaluation);
  const std::string pairing = with_icans ? " with corticosteroids" : "";

  const Regimen* regimen = tocilizumab_indicated(in) ? find_regimen(in.protocol, crs.tocilizumab.regimen) : nullptr;
  if (regimen) {
    for (const auto& id : regimen->sources) {
      if (std::find(sources.begin(), sources.end(), id) == sources.end()) sources.push_back(id);
    }
    const auto& given = evaluation.treatment.tocilizumab_doses_total;
    const DosePlan dose = plan_dose(in, *regimen, given, given);
    const Dosing& shown = dose.dosing.dosing ? *dose.dosing.dosing : regimen->adult;
    const std::string drug = "tocilizumab " + (dose.dose.mg ? format_mg(*dose.dose.mg) : format_number(shown.dose_mg_per_kg.value_or(0)) + " mg/kg") + " IV";
    const std::string per_kg = dose.dose.mg && shown.dose_mg_per_kg ? " (" + dose.dose.explanation + ")" : "";
    if (dose.orderable()) {
      summary = fit_summary({label + ": " + drug + per_kg + pairing, label + ": " + drug + pairing});
      add_paragraph(detail, "**The protocol suggests:** give " + drug + per_kg + " now, one dose; repeat only if there is no " +
                                "improvement, as the protocol allows.");
      std::string error;
      action = medication_action(in, dose, "CRS grade " + std::to_string(grade), crs_code(in.protocol, grade), error);
      if (!action) add_paragraph(detail, "**No order attached:** " + error + ".");
      order_label = "Order " + drug + " (one dose)";
    } else {
      summary = fit_summary({label + ": tocilizumab indicated; " + short_block_reason(dose),
                             "CRS grade " + std::to_string(grade) + ": tocilizumab; " + short_block_reason(dose)});
      add_paragraph(detail, "**The protocol suggests:** tocilizumab is indicated (" + label + "), but no dose is proposed now.");
    }
    if (with_icans) {
      add_paragraph(detail, "**" + icans_label(evaluation) + " coexists:** give tocilizumab together with the " +
                                "corticosteroid of the ICANS card, never alone: tocilizumab does not treat ICANS " +
                                "and may worsen it.");
    }
    add_bullets(detail, "Dose", dose_plan_lines(dose));
  } else {
    summary = fit_summary({label + ": supportive care; rule out infection", label + ": supportive care"});
    std::string rule = "Tocilizumab from CRS grade " + std::to_string(crs.tocilizumab.from_crs_grade);
    if (crs.tocilizumab.from_crs_grade_with_icans < crs.tocilizumab.from_crs_grade) {
      rule += " (grade " + std::to_string(crs.tocilizumab.from_crs_grade_with_icans) + " when ICANS coexists)";
    }
    if (!crs.tocilizumab.enabled) rule = "Tocilizumab is switched off in this protocol";
    add_paragraph(detail, "**The protocol suggests:** supportive care (antipyretics, fluids) and close monitoring. " + rule + ".");
  }
  if (grade >= 3 && plan.owner == SteroidOwner::icans && plan.crs.card && !plan.crs.regimen.empty()) {
    if (const Regimen* steroid = find_regimen(in.protocol, plan.crs.regimen)) {
      add_paragraph(detail, "The CRS grade " + std::to_string(grade) + " corticosteroid (" +
                                regimen_phrase(*steroid, steroid->adult) + ") is covered by the ICANS " +
                                "corticosteroid card, which orders an equal or stronger regimen.");
    }
  }
  add_paragraph(detail, "**Infection:** " + crs.antimicrobials_reminder);
  add_tocilizumab_given(detail, evaluation);
  add_grade_findings(detail, "CRS", evaluation.crs);
  add_grade_warnings(detail, evaluation, evaluation.crs);

  Indicator indicator = Indicator::info;
  if (grade >= 3) indicator = Indicator::critical;
  else if (regimen) indicator = Indicator::warning;
  Card card = make_card(in, rule::kCrsTocilizumab, regimen ? "crs-tocilizumab" : "crs-supportive", indicator, summary,
                        std::move(detail), sources);
  if (action) add_suggestion(card, order_label, true, std::move(*action));
  cards.push_back(std::move(card));
}

void add_icans_without_crs_warning(const CardInputs& in, std::vector<Card>& cards) {
  const Evaluation& evaluation = in.evaluation;
  std::string detail;
  add_paragraph(detail, "**" + in.protocol.crs.tocilizumab_icans_without_crs_warning + "**");
  add_paragraph(detail, icans_label(evaluation) + " with " + crs_label(evaluation) +
                            ": the corticosteroid card gives the treatment for ICANS.");
  add_tocilizumab_given(detail, evaluation);
  add_grade_findings(detail, "CRS", evaluation.crs);
  const std::string summary =
      fit_summary({"ICANS grade " + std::to_string(*evaluation.icans.grade) +
                       " without CRS: no tocilizumab, it does not treat ICANS and may worsen it",
                   "ICANS without CRS: tocilizumab does not treat ICANS and may worsen it"});
  cards.push_back(make_card(in, rule::kCrsTocilizumab, "tocilizumab-icans-without-crs", Indicator::warning, summary,
                            std::move(detail), in.protocol.crs.sources));
}

}  // namespace

void add_crs_cards(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards) {
  const Evaluation& evaluation = in.evaluation;
  if (!in.protocol.crs.enabled || !evaluation.crs.grade) return;
  if (*evaluation.crs.grade >= 1) {
    add_tocilizumab_card(in, plan, cards);
    return;
  }
  // When the order checks look at a tocilizumab draft, their card says this
  // against the draft itself.
  const bool order_check_covers = checks_tocilizumab_draft(in);
  if (has_icans(evaluation) && !in.protocol.crs.tocilizumab_icans_without_crs_warning.empty() && !order_check_covers) {
    add_icans_without_crs_warning(in, cards);
  }
}

}  // namespace icans
