// Recording the grades as provisional diagnoses in ICD-10-CM. ICD-10-CM
// asks for T80.82XA (complication of immune effector cellular therapy) to
// be coded first; it is a different concept from the G92.0-/D89.83- grade
// code, so it is its own Condition rather than a second coding of one.
#include "cards/card_builders.h"

namespace icans {
namespace {

struct ConditionSuggestion {
  std::string label;
  Action action;
};

std::optional<ConditionSuggestion> condition_suggestion(const CardInputs& in, const Icd10Code& code,
                                                        const std::string& text, std::optional<fhir::Instant> onset,
                                                        std::string& error) {
  ConditionDraft draft;
  draft.patient_id = in.evaluation.patient;
  draft.codings = {fhir::Coding{kIcd10CmSystem, code.code, code.display}};
  draft.text = text;
  draft.verification_status = in.protocol.documentation.verification_status;
  draft.onset = onset;
  draft.note = "Graded by icans-cds (" + in.protocol.name + " v" + in.protocol.version + ") at " +
               format_time(in.evaluation.at) + "; confirm clinically.";
  BuiltResource built = condition(draft);
  if (!built.error.empty()) {
    error = "the Condition " + code.code + " could not be built (" + built.error + ")";
    return std::nullopt;
  }
  return ConditionSuggestion{"Record " + code.code + " " + code.display + " (" + draft.verification_status + ")",
                             resource_action(ActionType::create,
                                             "Record the diagnosis " + code.code + " " + code.display, std::move(built))};
}

}  // namespace

void add_documentation_card(const CardInputs& in, std::vector<Card>& cards) {
  const Documentation& documentation = in.protocol.documentation;
  const Evaluation& evaluation = in.evaluation;
  if (!documentation.enabled) return;
  const auto icans = icans_code(in.protocol, evaluation.icans.grade);
  const auto crs = crs_code(in.protocol, evaluation.crs.grade);
  if (!icans && !crs) return;

  std::vector<ConditionSuggestion> suggestions;
  std::vector<std::string> errors;
  std::vector<std::string> lines;
  std::vector<std::string> what;
  std::string error;
  if (!documentation.coded_first.code.empty()) {
    if (auto s = condition_suggestion(in, documentation.coded_first, "Complication of immune effector cell therapy",
                                      std::nullopt, error)) {
      suggestions.push_back(std::move(*s));
    } else {
      errors.push_back(error);
    }
    lines.push_back(documentation.coded_first.code + " " + documentation.coded_first.display + " (coded first)");
  }
  if (icans) {
    const std::string text = "ICANS grade " + std::to_string(*evaluation.icans.grade) + " (ASTCT 2019)";
    if (auto s = condition_suggestion(in, *icans, text, evaluation.icans_at_least_since[0], error)) {
      suggestions.push_back(std::move(*s));
    } else {
      errors.push_back(error);
    }
    lines.push_back(icans->code + " " + icans->display + ": " + icans_label(evaluation) +
                    (evaluation.icans_at_least_since[0] ? ", since " + format_time(*evaluation.icans_at_least_since[0])
                                                        : std::string()));
    what.push_back("ICANS grade " + std::to_string(*evaluation.icans.grade) + " (" + icans->code + ")");
  }
  if (crs) {
    const std::string text = "CRS grade " + std::to_string(*evaluation.crs.grade) + " (ASTCT 2019)";
    if (auto s = condition_suggestion(in, *crs, text, std::nullopt, error)) {
      suggestions.push_back(std::move(*s));
    } else {
      errors.push_back(error);
    }
    lines.push_back(crs->code + " " + crs->display + ": " + crs_label(evaluation));
    what.push_back("CRS grade " + std::to_string(*evaluation.crs.grade) + " (" + crs->code + ")");
  }

  std::string detail;
  add_paragraph(detail, "**The protocol suggests:** record the grade as a " + documentation.verification_status +
                            " diagnosis in ICD-10-CM, with " + documentation.coded_first.code + " coded first.");
  add_bullets(detail, "Codes", lines);
  add_paragraph(detail, "Coded in ICD-10-CM only: the project's CodeSystem has no codes for ICANS or CRS grades.");
  for (const auto& problem : errors) add_paragraph(detail, "**Not attached:** " + problem + ".");

  const std::string summary =
      fit_summary({"Document " + join(what, " and ") + ", " + documentation.coded_first.code + " coded first",
                   "Document " + join(what, " and "), "Document the ICANS/CRS grade in ICD-10-CM"});
  Card card = make_card(in, rule::kDocumentation, "documentation", Indicator::info, summary, std::move(detail),
                        documentation.sources);
  for (auto& suggestion : suggestions) {
    add_suggestion(card, std::move(suggestion.label), false, std::move(suggestion.action));
  }
  cards.push_back(std::move(card));
}

}  // namespace icans
