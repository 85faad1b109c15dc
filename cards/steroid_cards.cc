// Corticosteroids for ICANS (by grade, with the product exceptions of grade
// 1 and the taper) and for CRS grades 3-4. One plan decides both, so a
// patient with ICANS and CRS is never offered two courses by two cards.
#include <algorithm>
#include <cmath>

#include "cards/card_builders.h"
#include "cds/treatment.h"

namespace icans {
namespace {

using fhir::Concept;

std::string product_name(Concept product) { return std::string(fhir::concept_info(product).display); }

void append_sources(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& id : from) {
    if (std::find(to.begin(), to.end(), id) == to.end()) to.push_back(id);
  }
}

Indicator icans_indicator(int grade) {
  if (grade >= 3) return Indicator::critical;
  return grade == 2 ? Indicator::warning : Indicator::info;
}

SteroidChoice icans_choice(const CardInputs& in) {
  SteroidChoice choice;
  const IcansSteroids& steroids = in.protocol.icans_steroids;
  const auto& grade = in.evaluation.icans.grade;
  if (!steroids.enabled || !grade || *grade < 1 || *grade > 4) return choice;
  const GradeRegimen& by_grade = steroids.by_grade[*grade - 1];
  if (!by_grade.enabled) return choice;
  choice.card = true;
  choice.regimen = by_grade.regimen.value_or("");
  choice.consider = by_grade.consider;
  choice.note = by_grade.note;
  choice.basis = "ICANS grade " + std::to_string(*grade);
  choice.sources = steroids.sources;
  if (*grade != 1 || !choice.regimen.empty()) return choice;

  const Evaluation& evaluation = in.evaluation;
  for (const auto& exception : steroids.grade_1_product_exceptions) {
    if (!exception.enabled) continue;
    if (std::find(exception.products.begin(), exception.products.end(), evaluation.product) ==
        exception.products.end()) {
      continue;
    }
    const auto& onset = evaluation.icans_at_least_since[0];
    std::string timing;  // why the exception applies, when it depends on the onset
    if (exception.onset_within_hours_of_infusion) {
      const double limit = *exception.onset_within_hours_of_infusion;
      if (!onset || !evaluation.infusion) {
        choice.note += " The " + product_name(evaluation.product) + " exception needs the ICANS onset time, which " +
                       "is not known: it is not applied.";
        continue;
      }
      const double hours = double(*onset - *evaluation.infusion) / double(fhir::kMillisPerHour);
      if (!(hours < limit)) {
        choice.note += " ICANS began " + format_hours(hours) + " after the infusion (" + format_time(*onset) +
                       "), not within " + format_number(limit) + " h: the " + product_name(evaluation.product) +
                       " exception does not apply.";
        continue;
      }
      timing = " ICANS began " + format_hours(hours) + " after the infusion (" + format_time(*onset) +
               "), within " + format_number(limit) + " h.";
    }
    // The grade's own note ("no corticosteroids at grade 1 except ...") would
    // contradict the exception the card now proposes.
    choice.regimen = exception.regimen;
    choice.consider = exception.consider;
    choice.note = exception.note + timing;
    choice.basis = "ICANS grade 1, exception for " + product_name(evaluation.product);
    append_sources(choice.sources, exception.sources);
    return choice;
  }
  return choice;
}

SteroidChoice crs_choice(const CardInputs& in) {
  SteroidChoice choice;
  const Crs& crs = in.protocol.crs;
  const auto& grade = in.evaluation.crs.grade;
  if (!crs.enabled || !grade || *grade < 3) return choice;
  const GradeSteroid& steroid = *grade >= 4 ? crs.grade_4 : crs.grade_3;
  if (!steroid.enabled) return choice;
  choice.card = true;
  choice.regimen = steroid.regimen;
  choice.note = steroid.note;
  choice.basis = "CRS grade " + std::to_string(*grade);
  choice.sources = crs.sources;
  return choice;
}

// Dexamethasone-equivalent mg in 24 h at the regimen's full pace: how the
// plan compares a dexamethasone and a methylprednisolone regimen.
double daily_intensity(const Protocol& protocol, const std::string& regimen_id) {
  const Regimen* regimen = find_regimen(protocol, regimen_id);
  if (!regimen) return 0;
  const Dosing& dosing = regimen->adult;
  const double mg = dosing.dose_mg ? *dosing.dose_mg : dosing.max_dose_mg.value_or(0);
  double count = 1;
  if (dosing.every && dosing.every->min_hours > 0) {
    count = std::floor(24 / dosing.every->min_hours);
    if (dosing.max_doses_per_24h) count = std::min(count, double(*dosing.max_doses_per_24h));
    if (dosing.doses) count = std::min(count, double(*dosing.doses));
  }
  return dexamethasone_equivalent_mg(regimen->drug, mg) * count;
}

bool taper_applies(const CardInputs& in) {
  const Taper& taper = in.protocol.icans_steroids.taper;
  const Evaluation& evaluation = in.evaluation;
  return in.protocol.icans_steroids.enabled && taper.enabled && evaluation.icans.grade &&
         *evaluation.icans.grade <= taper.when_grade_at_most && evaluation.icans_worst &&
         *evaluation.icans_worst >= 2 && *evaluation.icans_worst > *evaluation.icans.grade &&
         !evaluation.treatment.steroid_doses_24h.empty();
}

// The doses whose time holds back the next dose of `drug`. With the
// escalation switch on (the default), only the same drug: a dexamethasone
// dose an hour ago never delays high-dose methylprednisolone.
std::vector<Dose> spacing_doses(const CardInputs& in, Concept drug) {
  const auto& all = in.evaluation.treatment.steroid_doses_total;
  if (in.protocol.icans_steroids.escalation_not_delayed_by_recent_dexamethasone) return doses_of(all, drug);
  std::vector<Dose> result = all;
  std::sort(result.begin(), result.end(), [](const Dose& a, const Dose& b) { return a.time < b.time; });
  return result;
}

// A dexamethasone dose recent enough that, without the escalation rule, it
// would have held back a regimen of another drug.
std::string escalation_note(const CardInputs& in, const Regimen& regimen) {
  if (regimen.drug == Concept::dexamethasone ||
      !in.protocol.icans_steroids.escalation_not_delayed_by_recent_dexamethasone) {
    return {};
  }
  const auto dexamethasone = doses_of(in.evaluation.treatment.steroid_doses_24h, Concept::dexamethasone);
  if (dexamethasone.empty()) return {};
  return "Escalation is not delayed by the dexamethasone dose at " +
         time_and_age(dexamethasone.back().time, in.evaluation.at) + " (" + dexamethasone.back().resource +
         "): give the " + drug_name(regimen.drug) +
         " now (protocol: escalation_not_delayed_by_recent_dexamethasone).";
}

std::string short_block_reason(const DosePlan& plan) {
  if (!plan.dosing.dosing) {
    return plan.dosing.why_none.rfind("Age not charted", 0) == 0 ? "age not charted, no dose proposed"
                                                                 : "no pediatric dose in protocol, none proposed";
  }
  if (!plan.dose.mg) return "no weight charted, no dose proposed";
  if (plan.timing.course_complete) return "course complete, reassess";
  if (plan.timing.next) return "next dose from " + format_time(*plan.timing.next);
  return "not proposed now";
}

struct SteroidCardSpec {
  std::string_view rule_id;
  std::string_view kind;
  Indicator indicator = Indicator::info;
  std::string label;                     // "ICANS grade 3 (ICE 2)"
  std::string_view grade_name;           // "ICANS" or "CRS"
  const GradeResult* grade = nullptr;
  std::optional<Icd10Code> reason_code;
  std::optional<fhir::Instant> course_since;
  std::string covered_by;                // set: the other card orders the stronger regimen
  std::vector<std::string> extra;        // further paragraphs
};

void add_steroid_card(const CardInputs& in, const SteroidChoice& choice, const SteroidCardSpec& spec,
                      std::vector<Card>& cards) {
  std::vector<std::string> sources = choice.sources;
  std::string detail;
  std::string summary;
  std::optional<Action> action;
  std::string build_error;
  std::string order_label;
  const Regimen* regimen = choice.regimen.empty() ? nullptr : find_regimen(in.protocol, choice.regimen);

  if (!regimen) {
    summary = fit_summary({spec.label + ": supportive care, no corticosteroid per protocol",
                           spec.label + ": no corticosteroid per protocol"});
    add_paragraph(detail, "**The protocol suggests:** no corticosteroid at " + choice.basis + " under this protocol; " +
                              "supportive care and close neurological monitoring.");
    add_paragraph(detail, choice.note);
  } else {
    append_sources(sources, regimen->sources);
    const auto course = doses_of(in.evaluation.treatment.steroid_doses_total, regimen->drug, spec.course_since);
    const DosePlan plan = plan_dose(in, *regimen, course, spacing_doses(in, regimen->drug));
    const Dosing& shown = plan.dosing.dosing ? *plan.dosing.dosing : regimen->adult;
    const std::string phrase = regimen_phrase(*regimen, shown, plan.dose.mg);
    const std::string verb = choice.consider ? "consider " : "";
    if (!spec.covered_by.empty()) {
      summary = fit_summary({spec.label + ": corticosteroid covered by " + spec.covered_by,
                             spec.label + ": see the stronger corticosteroid card"});
      add_paragraph(detail, "**The protocol suggests:** " + choice.basis + " calls for " + phrase + ", but " + spec.covered_by +
                                " is the more intense regimen and covers it: no separate order here.");
    } else if (plan.orderable()) {
      summary = fit_summary({spec.label + ": " + verb + phrase, capitalized(verb + phrase) + " (" + choice.basis + ")"});
      add_paragraph(detail, "**The protocol suggests:** " + capitalized(verb) + (choice.consider ? "" : "give ") + phrase + " (" +
                                choice.basis + ").");
      std::string error;
      action = medication_action(in, plan, choice.basis, spec.reason_code, error);
      if (!action) build_error = error;
      order_label = (choice.consider ? "Consider: order " : "Order ") + phrase;
    } else if (!plan.dosing.dosing) {
      // Never put the adult dose in the summary of a card for a child (or a
      // patient of unknown age): it would read as the dose to give.
      summary = fit_summary({spec.label + ": corticosteroid indicated; " + short_block_reason(plan),
                             spec.label + ": " + short_block_reason(plan)});
      add_paragraph(detail, "**The protocol suggests:** " + choice.basis + " calls for a corticosteroid (the protocol's adult " +
                                "regimen is " + phrase + "); no dose is proposed for this patient.");
    } else {
      summary = fit_summary({spec.label + ": " + phrase + "; " + short_block_reason(plan),
                             spec.label + ": " + short_block_reason(plan)});
      add_paragraph(detail, "**The protocol suggests:** " + choice.basis + " calls for " + phrase + "; nothing to order now.");
    }
    add_paragraph(detail, choice.note);
    add_paragraph(detail, escalation_note(in, *regimen));
    add_bullets(detail, "Dose", dose_plan_lines(plan));
    if (plan.timing.course_complete) {
      const Taper& taper = in.protocol.icans_steroids.taper;
      if (taper.enabled && taper.after_regimen && *taper.after_regimen == choice.regimen) {
        std::vector<std::string> steps;
        for (const auto& id : taper.steps) {
          if (const Regimen* step = find_regimen(in.protocol, id)) steps.push_back(step->adult.instruction);
        }
        add_bullets(detail, "Then taper (protocol)", steps);
      }
    }
  }
  for (const auto& paragraph : spec.extra) add_paragraph(detail, paragraph);
  if (!build_error.empty()) add_paragraph(detail, "**No order attached:** " + build_error + ".");
  if (spec.grade) {
    add_grade_findings(detail, spec.grade_name, *spec.grade);
    add_grade_warnings(detail, in.evaluation, *spec.grade);
  }
  add_steroids_given(detail, in.evaluation);

  Card card = make_card(in, spec.rule_id, spec.kind, spec.indicator, summary, std::move(detail), sources);
  if (action) add_suggestion(card, order_label, !choice.consider, std::move(*action));
  cards.push_back(std::move(card));
}

std::string covering_phrase(const CardInputs& in, const SteroidChoice& other, std::string_view card_name) {
  const Regimen* regimen = find_regimen(in.protocol, other.regimen);
  if (!regimen) return {};
  return "the " + std::string(card_name) + " card (" + regimen_phrase(*regimen, regimen->adult) + ")";
}

// Which taper step is current: after a high-dose course the protocol's
// steps, each complete once its doses have been given after the course.
void add_taper_card(const CardInputs& in, std::vector<Card>& cards) {
  const Taper& taper = in.protocol.icans_steroids.taper;
  const Evaluation& evaluation = in.evaluation;
  std::vector<std::string> sources = taper.sources;
  std::string detail;
  add_paragraph(detail, "**The protocol suggests:** " + taper.text);
  std::string summary_step;
  std::optional<Action> action;
  std::string order_label;
  std::string build_error;
  bool recommended = false;

  const Regimen* pulse = taper.after_regimen ? find_regimen(in.protocol, *taper.after_regimen) : nullptr;
  const auto& given = evaluation.treatment.steroid_doses_total;
  std::optional<fhir::Instant> pulse_end;
  if (pulse && pulse->adult.dose_mg) {
    for (const auto& dose : doses_of(given, pulse->drug)) {
      if (dose.mg && *dose.mg >= *pulse->adult.dose_mg) pulse_end = dose.time;
    }
  }
  if (pulse && pulse_end) {
    std::vector<std::string> lines;
    bool current_found = false;
    for (const auto& id : taper.steps) {
      const Regimen* step = find_regimen(in.protocol, id);
      if (!step) continue;
      append_sources(sources, step->sources);
      std::vector<Dose> step_doses;
      for (const auto& dose : doses_of(given, step->drug, *pulse_end + 1)) {
        if (dose.mg && step->adult.dose_mg && std::fabs(*dose.mg - *step->adult.dose_mg) < 0.5) {
          step_doses.push_back(dose);
        }
      }
      const int needed = step->adult.doses.value_or(1);
      std::string line = regimen_phrase(*step, step->adult) + ": ";
      if (static_cast<int>(step_doses.size()) >= needed) {
        line += "done (" + std::to_string(step_doses.size()) + " doses)";
      } else if (!current_found) {
        current_found = true;
        if (!step_doses.empty()) {
          line += "in progress (" + std::to_string(step_doses.size()) + " of " + std::to_string(needed) + " doses)";
          summary_step = "continue " + regimen_phrase(*step, step->adult);
        } else {
          line += "**next**";
          summary_step = regimen_phrase(*step, step->adult);
          const DosePlan plan = plan_dose(in, *step, {}, doses_of(given, step->drug));
          for (const auto& reason : plan.blocked) line += " — " + reason;
          std::string error;
          action = medication_action(in, plan, "Corticosteroid taper after ICANS", std::nullopt, error);
          if (!action && !error.empty()) build_error = error;
          order_label = "Order " + regimen_phrase(*step, step->adult) + " (taper step)";
          recommended = true;
        }
      } else {
        line += "to follow";
      }
      lines.push_back(line);
    }
    add_bullets(detail, "Taper after high-dose " + drug_name(pulse->drug) +
                            " (last pulse dose " + format_time(*pulse_end) + ")",
                lines);
    if (!current_found) add_paragraph(detail, "Every taper step has been given.");
  }
  if (!build_error.empty()) add_paragraph(detail, "**No order attached:** " + build_error + ".");
  add_grade_findings(detail, "ICANS", evaluation.icans);
  add_paragraph(detail, "Worst ICANS grade since the infusion: " + std::to_string(*evaluation.icans_worst) + ".");
  add_steroids_given(detail, evaluation);

  const std::string label = "ICANS improved to grade " + std::to_string(*evaluation.icans.grade);
  const std::string summary =
      summary_step.empty()
          ? fit_summary({label + " on corticosteroids: taper as clinically appropriate", label + ": taper corticosteroids"})
          : fit_summary({label + " on corticosteroids: taper, " + summary_step, label + ": taper corticosteroids"});
  Card card = make_card(in, rule::kIcansSteroidTaper, "icans-steroid-taper", Indicator::info, summary,
                        std::move(detail), sources);
  if (action) add_suggestion(card, order_label, recommended, std::move(*action));
  cards.push_back(std::move(card));
}

}  // namespace

SteroidPlan steroid_plan(const CardInputs& in) {
  SteroidPlan plan;
  plan.taper = taper_applies(in);
  if (!plan.taper) plan.icans = icans_choice(in);
  plan.crs = crs_choice(in);
  const bool icans_orders = plan.icans.card && !plan.icans.regimen.empty();
  const bool crs_orders = plan.crs.card && !plan.crs.regimen.empty();
  if (icans_orders && crs_orders) {
    plan.owner = daily_intensity(in.protocol, plan.crs.regimen) > daily_intensity(in.protocol, plan.icans.regimen)
                     ? SteroidOwner::crs
                     : SteroidOwner::icans;
  } else if (icans_orders) {
    plan.owner = SteroidOwner::icans;
  } else if (crs_orders) {
    plan.owner = SteroidOwner::crs;
  }
  return plan;
}

void add_icans_steroid_cards(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards) {
  if (plan.taper) {
    add_taper_card(in, cards);
    return;
  }
  if (!plan.icans.card) return;
  const Evaluation& evaluation = in.evaluation;
  SteroidCardSpec spec;
  spec.rule_id = rule::kIcansSteroids;
  spec.kind = "icans-steroids";
  spec.indicator = icans_indicator(*evaluation.icans.grade);
  spec.label = icans_label(evaluation);
  spec.grade_name = "ICANS";
  spec.grade = &evaluation.icans;
  spec.reason_code = icans_code(in.protocol, evaluation.icans.grade);
  spec.course_since = evaluation.icans_at_least_since[0];
  if (plan.owner == SteroidOwner::crs && !plan.icans.regimen.empty()) {
    spec.covered_by = covering_phrase(in, plan.crs, "CRS corticosteroid");
  }
  if (evaluation.crs.grade && *evaluation.crs.grade >= 1) {
    spec.extra.push_back(crs_label(evaluation) + " coexists: see the CRS card; with ICANS, tocilizumab is given " +
                         "together with corticosteroids, never alone.");
  }
  add_steroid_card(in, plan.icans, spec, cards);
}

void add_crs_steroid_card(const CardInputs& in, const SteroidPlan& plan, std::vector<Card>& cards) {
  // When the ICANS card orders an equal or stronger regimen, the CRS card
  // says so instead of offering a second course.
  if (!plan.crs.card || plan.crs.regimen.empty() || plan.owner == SteroidOwner::icans) return;
  const Evaluation& evaluation = in.evaluation;
  SteroidCardSpec spec;
  spec.rule_id = rule::kCrsSteroids;
  spec.kind = "crs-steroids";
  spec.indicator = Indicator::critical;
  spec.label = crs_label(evaluation);
  spec.grade_name = "CRS";
  spec.grade = &evaluation.crs;
  spec.reason_code = crs_code(in.protocol, evaluation.crs.grade);
  if (plan.icans.card && !plan.icans.regimen.empty()) {
    spec.extra.push_back("This regimen also covers the corticosteroid for " + plan.icans.basis + ".");
  }
  spec.extra.push_back(in.protocol.crs.antimicrobials_reminder);
  add_steroid_card(in, plan.crs, spec, cards);
}

}  // namespace icans
