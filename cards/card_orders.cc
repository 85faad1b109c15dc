// From a protocol regimen to a dose for this patient now, and to the draft
// FHIR order a suggestion carries. A dose that cannot be computed honestly
// (no weight, no pediatric dose, not yet due) is not proposed, and the card
// says why.
#include <algorithm>
#include <cmath>

#include "cards/card_builders.h"

namespace icans {
namespace {

using fhir::Concept;

// The RxNorm ingredient code of a drug, so any receiving system recognises
// the drug whatever orderable the site uses. The built-in table lists
// ingredients before clinical drugs, so the first RxNorm code is the ingredient.
fhir::Coding ingredient_coding(Concept drug) {
  // entries() copies the table: once, not at every order.
  static const std::vector<fhir::Terminology::Entry> entries = fhir::Terminology().entries();
  for (const auto& entry : entries) {
    if (entry.meaning == drug && entry.system == fhir::kRxNorm && !entry.from_site_map) {
      return {entry.system, entry.code, drug_name(drug)};
    }
  }
  return {};
}

bool whole_hours(double hours) { return hours >= 1 && std::fabs(hours - std::round(hours)) < 1e-9; }

double rounded_mg(double mg) { return std::round(mg * 100) / 100; }

std::optional<int> course_length(const Dosing& dosing) {
  std::optional<int> length = dosing.doses;
  if (dosing.max_doses_total && (!length || *dosing.max_doses_total < *length)) length = dosing.max_doses_total;
  return length;
}

}  // namespace

DosingChoice choose_dosing(const CardInputs& in, const Regimen& regimen) {
  DosingChoice choice;
  const auto& age = in.evaluation.age_years;
  const std::string cutoff = format_number(in.config.pediatric_cutoff_years);
  if (!age) {
    choice.why_none = "Age not charted (no birth date): adult and pediatric dosing (cut-off " + cutoff +
                      " years) cannot be told apart, so no dose is proposed.";
    return choice;
  }
  if (*age < in.config.pediatric_cutoff_years) {
    if (!regimen.pediatric) {
      choice.why_none = "The patient is " + std::to_string(*age) + " years old (under the pediatric cut-off of " +
                        cutoff + " years) and the protocol defines no pediatric dose of " + drug_name(regimen.drug) +
                        " for this regimen: none is proposed. Dose with the pediatric team.";
      return choice;
    }
    choice.dosing = &*regimen.pediatric;
    choice.pediatric = true;
    return choice;
  }
  choice.dosing = &regimen.adult;
  return choice;
}

namespace {

// How many of the regimen's doses one charted dose counts for: lorazepam
// 2 mg at once is 4 of the 0.5 mg doses, so the 2 mg cap is reached.
int dose_units(const Dosing& dosing, const Dose& dose) {
  if (!dose.mg || !dosing.dose_mg || *dosing.dose_mg <= 0) return 1;
  return std::max(1, static_cast<int>(std::floor(*dose.mg / *dosing.dose_mg + 1e-6)));
}

}  // namespace

DoseTiming dose_timing(const Dosing& dosing, const std::vector<Dose>& course, const std::vector<Dose>& spacing,
                       fhir::Instant at, std::string_view drug) {
  DoseTiming timing;
  for (const auto& dose : course) timing.given += dose_units(dosing, dose);
  const std::string name(drug);
  if (!course.empty()) {
    const Dose& last = course.back();
    const std::string count = dosing.dose_mg ? std::to_string(timing.given) + " dose(s) of " +
                                                   format_mg(*dosing.dose_mg) + " or the equivalent"
                                             : std::to_string(course.size()) + " dose(s)";
    timing.text = "Last " + name + " dose of this course: " +
                  (last.mg ? format_mg(*last.mg) : std::string("dose not charted in mg")) + " at " +
                  time_and_age(last.time, at) + " (" + last.resource + "); " + count + " in this course.";
  }
  const auto length = course_length(dosing);
  if (length && timing.given >= *length) {
    timing.due = false;
    timing.course_complete = true;
    timing.text += " The course is complete (" + std::to_string(timing.given) + " of at most " +
                   std::to_string(*length) + " doses): reassess; no further dose is proposed.";
    return timing;
  }
  if (!dosing.every && !course.empty()) {
    timing.due = false;
    timing.course_complete = true;
    timing.text += " This is a single dose and it has been given: reassess before any further dose.";
    return timing;
  }
  std::optional<fhir::Instant> next;
  std::string held_by;
  if (dosing.every && !spacing.empty()) {
    const Dose& last = *std::max_element(spacing.begin(), spacing.end(),
                                         [](const Dose& a, const Dose& b) { return a.time < b.time; });
    next = last.time + static_cast<fhir::Instant>(dosing.every->min_hours * fhir::kMillisPerHour);
    held_by = interval_phrase(dosing);
    if (dosing.every->min_hours != dosing.every->max_hours) {
      held_by += ": not before the lower bound, " + format_hours(dosing.every->min_hours) + " after the last " +
                 drug_name(last.drug) + " dose at " + format_time(last.time);
    } else {
      held_by += " after the last " + drug_name(last.drug) + " dose at " + format_time(last.time);
    }
  }
  if (dosing.max_doses_per_24h) {
    std::vector<fhir::Instant> in_day;
    for (const auto& dose : course) {
      if (dose.time <= at - fhir::kMillisPerDay || dose.time > at) continue;
      for (int unit = dose_units(dosing, dose); unit > 0; --unit) in_day.push_back(dose.time);
    }
    std::sort(in_day.begin(), in_day.end());
    const auto cap = static_cast<std::size_t>(*dosing.max_doses_per_24h);
    if (in_day.size() >= cap) {
      const fhir::Instant frees = in_day[in_day.size() - cap] + fhir::kMillisPerDay;
      if (!next || frees > *next) {
        next = frees;
        held_by = std::to_string(in_day.size()) + " doses in the last 24 h, at most " + std::to_string(cap);
      }
    }
  }
  if (next && *next > at) {
    timing.due = false;
    timing.next = next;
    timing.text += " Next dose not before " + time_and_age(*next, at) + ": " + held_by + ".";
  } else if (!course.empty() || !spacing.empty()) {
    timing.text += " The next dose is due now";
    if (!held_by.empty()) timing.text += " (" + held_by + ")";
    timing.text += ".";
  }
  return timing;
}

DosePlan plan_dose(const CardInputs& in, const Regimen& regimen, const std::vector<Dose>& course,
                   const std::vector<Dose>& spacing) {
  DosePlan plan;
  plan.regimen = &regimen;
  plan.dosing = choose_dosing(in, regimen);
  if (!plan.dosing.dosing) {
    plan.blocked.push_back(plan.dosing.why_none);
    return plan;
  }
  const Dosing& dosing = *plan.dosing.dosing;
  if (dosing.dose_mg_per_kg) plan.weight = latest_weight(in);
  plan.dose = calculate_dose(dosing, plan.weight.kg);
  if (!plan.dose.mg) {
    plan.blocked.push_back("No dose is proposed: " + plan.dose.explanation + " (" + plan.weight.text +
                           "). Chart a body weight in kg to get a dose.");
  }
  plan.timing = dose_timing(dosing, course, spacing, in.evaluation.at, drug_name(regimen.drug));
  if (plan.timing.course_complete) {
    plan.blocked.push_back("Course complete: no further dose is proposed.");
  } else if (!plan.timing.due) {
    plan.blocked.push_back("Not due yet: no dose is proposed now" +
                           (plan.timing.next ? "; next from " + format_time(*plan.timing.next) : std::string()) + ".");
  }
  return plan;
}

std::vector<std::string> dose_plan_lines(const DosePlan& plan) {
  std::vector<std::string> lines;
  if (!plan.regimen) return lines;
  if (plan.dosing.dosing) {
    const Dosing& dosing = *plan.dosing.dosing;
    std::string line = "Regimen: " + regimen_phrase(*plan.regimen, dosing, plan.dose.mg);
    if (plan.dosing.pediatric) line += " (pediatric dosing)";
    if (dosing.dose_mg_per_kg && plan.dose.mg) line += ": " + plan.dose.explanation + ", weight " + plan.weight.text;
    lines.push_back(line);
    lines.push_back("Protocol: " + dosing.instruction);
  }
  if (!plan.timing.text.empty()) lines.push_back(plan.timing.text);
  for (const auto& reason : plan.blocked) lines.push_back("**" + reason + "**");
  return lines;
}

std::optional<Icd10Code> icans_code(const Protocol& protocol, std::optional<int> grade) {
  if (!grade || *grade < 1 || *grade > 4) return std::nullopt;
  const Icd10Code& code = protocol.documentation.icans_by_grade[*grade - 1];
  if (code.code.empty()) return std::nullopt;
  return code;
}

std::optional<Icd10Code> crs_code(const Protocol& protocol, std::optional<int> grade) {
  if (!grade || *grade < 1 || *grade > 4) return std::nullopt;
  const Icd10Code& code = protocol.documentation.crs_by_grade[*grade - 1];
  if (code.code.empty()) return std::nullopt;
  return code;
}

namespace {

std::optional<ReasonDraft> reason_for(const std::string& text, const std::optional<Icd10Code>& code) {
  if (text.empty() && !code) return std::nullopt;
  ReasonDraft reason;
  reason.text = text;
  if (code) reason.coding = {kIcd10CmSystem, code->code, code->display};
  return reason;
}

std::string proposed_by(const CardInputs& in) {
  return "Proposed by icans-cds (" + in.protocol.name + " v" + in.protocol.version + ") for the evaluation at " +
         format_time(in.evaluation.at);
}

}  // namespace

std::optional<Action> medication_action(const CardInputs& in, const DosePlan& plan, const std::string& reason_text,
                                        const std::optional<Icd10Code>& reason_code, std::string& error,
                                        const fhir::MedicationRequest* replacing) {
  if (!plan.orderable() || !plan.dosing.dosing) return std::nullopt;
  const Regimen& regimen = *plan.regimen;
  if (auto drafted = drafted_medication(in, regimen.drug, replacing); !drafted.empty()) {
    error = drafted + "; a second order is not proposed";
    return std::nullopt;
  }
  const Dosing& dosing = *plan.dosing.dosing;
  MedicationRequestDraft draft;
  draft.patient_id = in.evaluation.patient;
  draft.ingredient = ingredient_coding(regimen.drug);
  if (const Orderable* orderable = find_orderable(in.protocol, regimen.orderable)) {
    const bool same_as_ingredient =
        orderable->system == draft.ingredient.system && orderable->code == draft.ingredient.code;
    if (!same_as_ingredient) draft.orderable = {orderable->system, orderable->code, orderable->display};
  }
  draft.dose_value = rounded_mg(*plan.dose.mg);
  draft.dose_unit = {"mg", "mg"};
  const RouteCode route = route_code(regimen.route);
  draft.route = {std::string(fhir::kSnomed), std::string(route.code), std::string(route.display)};
  // Structured timing only where it cannot mislead: a fixed whole-hour
  // interval that runs until stopped (dexamethasone q6h, levetiracetam q12h)
  // or a defined course (methylprednisolone daily x3). A range (q6-12h), a
  // minute interval or a dose repeated only "if no improvement" under a total
  // cap (tocilizumab) is ordered as one dose; the text carries the rest, so a
  // pump never repeats what needs a clinician's decision.
  if (dosing.every && dosing.every->min_hours == dosing.every->max_hours && whole_hours(dosing.every->min_hours)) {
    const int every = static_cast<int>(std::round(dosing.every->min_hours));
    if (dosing.doses) {
      draft.every_hours = every;
      draft.max_doses = std::max(1, *dosing.doses - plan.timing.given);
    } else if (!dosing.max_doses_total) {
      draft.every_hours = every;
    }
  }
  std::string text;
  if (dosing.dose_mg_per_kg) {
    text = capitalized(drug_name(regimen.drug)) + " " + format_mg(draft.dose_value) + " " +
           (regimen.route == Route::oral ? "PO" : "IV") + " (" + plan.dose.explanation + "), this dose. ";
  }
  draft.text = text + dosing.instruction;
  draft.reason = reason_for(reason_text, reason_code);
  draft.note = proposed_by(in) + ".";
  if (dosing.dose_mg_per_kg) draft.note += " " + capitalized(plan.dose.explanation) + ", weight " + plan.weight.text + ".";
  BuiltResource built = medication_request(draft);
  if (!built.error.empty()) {
    error = "the draft " + drug_name(regimen.drug) + " order could not be built (" + built.error + ")";
    return std::nullopt;
  }
  return resource_action(ActionType::create,
                         "Draft order: " + regimen_phrase(regimen, dosing, draft.dose_value), std::move(built));
}

std::optional<Action> service_action(const CardInputs& in, const Orderable& orderable, const std::string& priority,
                                     const std::string& reason_text, const std::optional<Icd10Code>& reason_code,
                                     const std::string& note, std::string& error) {
  ServiceRequestDraft draft;
  draft.patient_id = in.evaluation.patient;
  draft.code = {orderable.system, orderable.code, orderable.display};
  draft.text = orderable.display;
  draft.priority = priority;
  draft.reason = reason_for(reason_text, reason_code);
  draft.note = note.empty() ? proposed_by(in) + "." : note + " " + proposed_by(in) + ".";
  BuiltResource built = service_request(draft);
  if (!built.error.empty()) {
    error = "the draft order for " + orderable.display + " could not be built (" + built.error + ")";
    return std::nullopt;
  }
  return resource_action(ActionType::create, "Draft order: " + orderable.display, std::move(built));
}

}  // namespace icans
