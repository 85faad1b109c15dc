// Seizures: levetiracetam prophylaxis by product and ICANS grade, or, once
// a seizure is charted, the critical management card in its place.
#include <algorithm>

#include "cards/card_builders.h"

namespace icans {
namespace {

using fhir::Concept;

const DomainResult* charted_seizure(const Evaluation& evaluation) {
  for (const auto& domain : evaluation.icans.domains) {
    if (domain.rule == "icans.seizure" && !domain.evidence.empty()) return &domain;
  }
  return nullptr;
}

std::string product_name(Concept product) { return std::string(fhir::concept_info(product).display); }

struct SeizureOrder {
  std::optional<Action> action;
  std::string label;
  std::vector<std::string> lines;
};

// One regimen of the management card; doses given since the seizure count.
SeizureOrder seizure_order(const CardInputs& in, const std::string& regimen_id, fhir::Instant since,
                           std::vector<std::string>& sources, std::string& build_error) {
  SeizureOrder order;
  const Regimen* regimen = find_regimen(in.protocol, regimen_id);
  if (!regimen) return order;
  for (const auto& id : regimen->sources) {
    if (std::find(sources.begin(), sources.end(), id) == sources.end()) sources.push_back(id);
  }
  const auto given = administered_doses(in, regimen->drug, since);
  const DosePlan plan = plan_dose(in, *regimen, given, given);
  order.lines = dose_plan_lines(plan);
  if (given.empty() && plan.orderable()) {
    order.lines.insert(order.lines.begin(), "None given since the seizure.");
  }
  std::string error;
  order.action = medication_action(in, plan, "Seizure with ICANS", icans_code(in.protocol, in.evaluation.icans.grade),
                                   error);
  if (!order.action && !error.empty()) build_error = error;
  const Dosing& shown = plan.dosing.dosing ? *plan.dosing.dosing : regimen->adult;
  order.label = regimen_phrase(*regimen, shown, plan.dose.mg);
  return order;
}

void add_management_card(const CardInputs& in, const DomainResult& seizure, std::vector<Card>& cards) {
  const SeizureManagement& management = in.protocol.seizure_management;
  const Evaluation& evaluation = in.evaluation;
  fhir::Instant first = seizure.evidence.front().time;
  for (const auto& evidence : seizure.evidence) first = std::min(first, evidence.time);

  std::vector<std::string> sources = management.sources;
  std::string build_error;
  SeizureOrder bolus = seizure_order(in, management.seizure_regimen, first, sources, build_error);
  SeizureOrder status = seizure_order(in, management.nonconvulsive_status_regimen, first, sources, build_error);

  std::string detail;
  add_paragraph(detail, "**Seizure charted at " + time_and_age(first, evaluation.at) +
                            ".** Treat it, protect the airway, and do not give levetiracetam prophylaxis instead: " +
                            "this card replaces the prophylaxis card.");
  add_bullets(detail, "Seizure: " + bolus.label, bolus.lines);
  add_paragraph(detail, "**" + management.nonconvulsive_status_text + "**");
  add_bullets(detail, "Non-convulsive status epilepticus: " + status.label, status.lines);
  add_paragraph(detail, "**" + management.convulsive_status_text + "**");
  if (!build_error.empty()) add_paragraph(detail, "**No order attached:** " + build_error + ".");
  add_grade_findings(detail, "ICANS", evaluation.icans);
  add_grade_warnings(detail, evaluation, evaluation.icans);

  const std::string grade = evaluation.icans.grade ? " (ICANS grade " + std::to_string(*evaluation.icans.grade) + ")" : "";
  const auto bolus_given = [&] {
    const Regimen* regimen = find_regimen(in.protocol, management.seizure_regimen);
    const auto given = regimen ? administered_doses(in, regimen->drug, first) : std::vector<Dose>{};
    return given.empty() ? std::string() : " given " + format_time(given.back().time);
  }();
  const std::string decision = bolus.action ? bolus.label
                               : !bolus_given.empty() ? bolus.label + bolus_given
                                                      : "no bolus proposed (see detail)";
  const std::string summary =
      fit_summary({"Seizure in the last 24 h" + grade + ": " + decision + "; status epilepticus: protocol, neurology, ICU",
                   "Seizure" + grade + ": " + decision + "; status epilepticus: protocol, neurology, ICU",
                   "Seizure" + grade + ": treat now, see detail"});
  Card card = make_card(in, rule::kSeizureManagement, "seizure-management", Indicator::critical, summary,
                        std::move(detail), sources);
  if (bolus.action) {
    add_suggestion(card, "Order " + bolus.label + " (seizure)", true, std::move(*bolus.action), "bolus");
  }
  if (status.action) {
    add_suggestion(card, "Non-convulsive status epilepticus: order " + status.label, false, std::move(*status.action),
                   "status");
  }
  cards.push_back(std::move(card));
}

void add_prophylaxis_card(const CardInputs& in, std::vector<Card>& cards) {
  const SeizureProphylaxis& prophylaxis = in.protocol.seizure_prophylaxis;
  const Evaluation& evaluation = in.evaluation;
  const ProphylaxisRule& product_rule = prophylaxis_rule_for(prophylaxis, evaluation.product);
  const auto& grade = evaluation.icans.grade;
  bool indicated = false;
  std::string why;
  if (product_rule.routine_from_day0) {
    indicated = evaluation.day_post_infusion && *evaluation.day_post_infusion >= 0;
    why = "routine prophylaxis from day 0 for " + product_name(evaluation.product);
  } else if (product_rule.from_icans_grade && grade && *grade >= *product_rule.from_icans_grade) {
    indicated = true;
    why = "ICANS grade " + std::to_string(*grade) + ", prophylaxis from grade " +
          std::to_string(*product_rule.from_icans_grade) + " for " + product_name(evaluation.product);
  }
  if (!indicated) return;
  std::string running = evaluation.treatment.levetiracetam_active ? evaluation.treatment.levetiracetam_evidence : "";
  if (running.empty()) running = levetiracetam_running(in, prophylaxis.active_if_dose_within_hours);
  if (!running.empty()) return;  // already on it: nothing to propose

  const Regimen* regimen = find_regimen(in.protocol, prophylaxis.regimen);
  if (!regimen) return;
  std::vector<std::string> sources = prophylaxis.sources;
  for (const auto& id : regimen->sources) {
    if (std::find(sources.begin(), sources.end(), id) == sources.end()) sources.push_back(id);
  }
  const DosePlan plan = plan_dose(in, *regimen, {}, {});
  const Dosing& shown = plan.dosing.dosing ? *plan.dosing.dosing : regimen->adult;
  const std::string phrase = regimen_phrase(*regimen, shown, plan.dose.mg);

  std::string detail;
  const std::string none_running = "No levetiracetam order is active and none was given in the last " +
                                   format_hours(prophylaxis.active_if_dose_within_hours) + ".";
  if (plan.dosing.dosing) {
    add_paragraph(detail, "**The protocol suggests:** start " + phrase + " as seizure prophylaxis (" + why + "). " + none_running);
  } else {
    add_paragraph(detail, "**The protocol suggests:** levetiracetam prophylaxis is indicated (" + why + "), but no dose is " +
                              "proposed for this patient (the protocol's adult regimen is " + phrase + "). " +
                              none_running);
  }
  add_paragraph(detail, product_rule.note);
  add_bullets(detail, "Dose", dose_plan_lines(plan));
  add_paragraph(detail, "**Kidney function:** " + latest_observation_text(in, Concept::creatinine) + ". " +
                            prophylaxis.renal_note);
  std::string error;
  auto action = medication_action(in, plan, "Seizure prophylaxis with ICANS",
                                  icans_code(in.protocol, grade), error);
  if (!error.empty()) add_paragraph(detail, "**No order attached:** " + error + ".");
  if (grade) {
    add_grade_findings(detail, "ICANS", evaluation.icans);
    add_grade_warnings(detail, evaluation, evaluation.icans);
  }

  const std::string lead = grade && *grade >= 1 ? icans_label(evaluation) : "Day " +
                           std::to_string(evaluation.day_post_infusion.value_or(0)) + " after " +
                           product_name(evaluation.product);
  const std::string summary =
      action ? fit_summary({lead + ": start " + phrase + " (seizure prophylaxis)", lead + ": start " + phrase,
                            "Start " + phrase + " (seizure prophylaxis)"})
             : fit_summary({lead + ": levetiracetam prophylaxis indicated; no dose proposed (see detail)",
                            "Levetiracetam prophylaxis indicated; no dose proposed (see detail)"});
  Card card = make_card(in, rule::kSeizureProphylaxis, "seizure-prophylaxis", Indicator::warning, summary,
                        std::move(detail), sources);
  if (action) add_suggestion(card, "Order " + phrase, true, std::move(*action));
  cards.push_back(std::move(card));
}

}  // namespace

void add_seizure_cards(const CardInputs& in, std::vector<Card>& cards) {
  const DomainResult* seizure = charted_seizure(in.evaluation);
  if (seizure && in.protocol.seizure_management.enabled) {
    add_management_card(in, *seizure, cards);
    return;
  }
  if (in.protocol.seizure_prophylaxis.enabled) add_prophylaxis_card(in, cards);
}

}  // namespace icans
