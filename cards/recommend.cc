#include "cards/recommend.h"

#include <algorithm>
#include <tuple>

#include "cards/card_builders.h"

namespace icans {
namespace {

int urgency(Indicator indicator) {
  switch (indicator) {
    case Indicator::critical: return 0;
    case Indicator::warning: return 1;
    case Indicator::info: return 2;
  }
  return 3;
}

void add_cannot_grade_card(const CardInputs& in, std::vector<Card>& cards) {
  const Evaluation& evaluation = in.evaluation;
  const bool icans_unknown = !evaluation.icans.grade;
  const bool crs_unknown = !evaluation.crs.grade;
  if (!icans_unknown && !crs_unknown) return;

  std::string detail;
  add_paragraph(detail, "**No grade is guessed.** Chart what is missing and the grade will be recalculated; until "
                        "then no treatment card rests on this grade.");
  std::vector<std::string> names;
  std::string first_missing;
  for (const auto& [name, grade, worst] :
       {std::tuple{"ICANS", &evaluation.icans, evaluation.icans_worst},
        std::tuple{"CRS", &evaluation.crs, evaluation.crs_worst}}) {
    if (grade->grade) continue;
    names.push_back(name);
    if (first_missing.empty() && !grade->missing.empty()) first_missing = grade->missing.front();
    add_bullets(detail, std::string(name) + ": missing", grade->missing.empty()
                                                              ? std::vector<std::string>{"not stated by the grading engine"}
                                                              : grade->missing);
    add_grade_findings(detail, name, *grade);
    add_paragraph(detail, std::string("Worst ") + name + " grade since the infusion: " +
                              (worst ? std::to_string(*worst) : std::string("unknown")) + ".");
  }
  add_bullets(detail, "Grading warnings", evaluation.warnings);

  const std::string what = join(names, " and ");
  const std::string summary = fit_summary({what + " cannot be graded: " + first_missing,
                                           what + " cannot be graded: data missing (see detail)"});
  cards.push_back(make_card(in, rule::kCannotGrade, "cannot-grade", Indicator::info, summary, std::move(detail), {}));
}

// A card that breaks the CDS Hooks rules would reach the EHR as null; say
// instead that something went wrong, naming the card family and the problem.
Card failed_card(const CardInputs& in, const Card& card, const std::string& problem) {
  std::string detail;
  add_paragraph(detail, "The `" + card.kind + "` card for this patient could not be produced correctly (" + problem +
                            "). Decide without it and report this to the icans-cds maintainers.");
  const std::string rule_id = card.rule_ids.empty() ? std::string(rule::kCannotGrade) : card.rule_ids.front();
  return make_card(in, rule_id, "internal-error", Indicator::warning,
                   "icans-cds could not build the " + card.kind + " card; decide without it", detail, {}, card.uuid);
}

}  // namespace

std::vector<Card> recommend(const fhir::PatientRecord& record, const Evaluation& evaluation,
                            const Protocol& protocol, const GradingConfig& config,
                            const RecommendContext& context) {
  std::vector<Card> cards;
  // Out of scope: the patient has no immune effector cell therapy (or it is
  // not graded), so no card at all; a septic patient must never get CRS advice.
  if (!evaluation.in_scope) return cards;
  // More than any patient gets (a family adds a card or two), so the cards,
  // some twenty strings and lists each, are not moved as the list grows.
  cards.reserve(16);
  const CardInputs in{record, evaluation, protocol, config, context};
  const SteroidPlan plan = steroid_plan(in);

  add_order_check_cards(in, plan, cards);
  add_seizure_cards(in, cards);
  add_icans_steroid_cards(in, plan, cards);
  add_crs_cards(in, plan, cards);
  add_crs_steroid_card(in, plan, cards);
  add_workup_card(in, cards);
  add_cannot_grade_card(in, cards);
  add_monitoring_card(in, cards);
  add_other_causes_card(in, cards);
  add_documentation_card(in, cards);

  for (auto& card : cards) {
    if (auto problem = check_card(card); !problem.empty()) card = failed_card(in, card, problem);
  }
  std::stable_sort(cards.begin(), cards.end(),
                   [](const Card& a, const Card& b) { return urgency(a.indicator) < urgency(b.indicator); });
  return cards;
}

}  // namespace icans
