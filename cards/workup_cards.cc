// The ICANS work-up by grade: consult, imaging, EEG, ICU, fundoscopy,
// lumbar puncture and repeat imaging, each proposed only while no matching
// order or result of its repeat interval exists.
#include <algorithm>

#include "cards/card_builders.h"

namespace icans {
namespace {

using fhir::Concept;

// "MRI brain with and without contrast" -> "MRI brain", "Electroencephalogram
// (EEG)" -> "EEG": a name short enough for the summary line.
std::string short_name(const std::string& display) {
  const auto open = display.find('(');
  const auto close = display.find(')', open == std::string::npos ? 0 : open);
  if (open != std::string::npos && close != std::string::npos && close > open + 1) {
    return display.substr(open + 1, close - open - 1);
  }
  std::string name = display;
  for (std::string_view cut : {" with ", " for "}) {
    const auto at = name.find(cut);
    if (at != std::string::npos) name = name.substr(0, at);
  }
  if (name.size() > 1 && name[0] >= 'A' && name[0] <= 'Z' && name[1] >= 'a' && name[1] <= 'z') {
    name[0] = static_cast<char>(name[0] - 'A' + 'a');
  }
  return name;
}

void add_unique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& id : from) {
    if (std::find(to.begin(), to.end(), id) == to.end()) to.push_back(id);
  }
}

}  // namespace

void add_workup_card(const CardInputs& in, std::vector<Card>& cards) {
  const Workup& workup = in.protocol.workup;
  const Evaluation& evaluation = in.evaluation;
  const auto& grade = evaluation.icans.grade;
  if (!workup.enabled || !grade || *grade < 1) return;

  std::vector<std::string> sources = workup.sources;
  std::vector<std::string> proposed_lines;
  std::vector<std::string> existing_lines;
  std::vector<std::string> waiting_lines;
  std::vector<std::string> short_names;
  std::vector<Concept> proposed;
  struct Proposal {
    std::string label;
    bool recommended;
    Action action;
    std::string key;
  };
  std::vector<Proposal> proposals;
  std::vector<std::string> errors;
  const std::string priority = *grade >= 3 ? "urgent" : "routine";
  const auto reason_code = icans_code(in.protocol, grade);
  const std::string reason_text = "ICANS grade " + std::to_string(*grade);

  for (const auto& item : workup.items) {
    if (!item.enabled || *grade < item.from_icans_grade) continue;
    const Orderable* orderable = find_orderable(in.protocol, item.orderable);
    if (!orderable) continue;
    const Orderable* alternative =
        item.alternative_orderable ? find_orderable(in.protocol, *item.alternative_orderable) : nullptr;
    if (item.persisting_hours) {
      const auto& since = evaluation.icans_at_least_since[item.from_icans_grade - 1];
      const double lasted =
          since ? double(evaluation.at - *since) / double(fhir::kMillisPerHour) : 0;
      if (!since || lasted < *item.persisting_hours) {
        waiting_lines.push_back(orderable->display + " again: once ICANS grade " + std::to_string(item.from_icans_grade) +
                                " or higher has lasted " + format_hours(*item.persisting_hours) +
                                (since ? " (since " + format_time(*since) + ", " + format_hours(lasted) + " so far)" : "") +
                                ".");
        continue;
      }
    }
    std::vector<Concept> services = {orderable->meaning};
    if (alternative) services.push_back(alternative->meaning);
    const bool already_proposed = std::any_of(services.begin(), services.end(), [&](Concept c) {
      return std::find(proposed.begin(), proposed.end(), c) != proposed.end();
    });
    if (already_proposed) continue;
    const std::string existing = existing_service(in, services, item.repeat_interval_hours);
    if (!existing.empty()) {
      existing_lines.push_back(orderable->display + ": " + existing + " (not proposed again within " +
                               format_hours(item.repeat_interval_hours) + ")");
      continue;
    }
    add_unique(sources, item.sources);
    proposed.insert(proposed.end(), services.begin(), services.end());
    std::string line = "**" + std::string(item.consider ? "Consider: " : "") + orderable->display + "**";
    if (!item.note.empty()) line += " — " + item.note;
    for (Concept shown : item.show_latest) line += "\n  - " + latest_value_text(in, shown);
    proposed_lines.push_back(line);
    short_names.push_back((item.consider ? "consider " : "") + short_name(orderable->display));

    std::string error;
    if (auto action = service_action(in, *orderable, priority, reason_text, reason_code, item.note, error)) {
      proposals.push_back({(item.consider ? "Consider: order " : "Order ") + orderable->display, !item.consider,
                           std::move(*action), item.id});
    } else {
      errors.push_back(error);
    }
    if (alternative) {
      if (auto action = service_action(in, *alternative, priority, reason_text, reason_code,
                                       "Instead of " + orderable->display + ", which is not feasible.", error)) {
        proposals.push_back({"Order " + alternative->display + " instead, if " + short_name(orderable->display) +
                                 " is not feasible",
                             false, std::move(*action), item.id + "-alternative"});
      } else {
        errors.push_back(error);
      }
    }
  }
  if (proposed_lines.empty()) return;  // everything is ordered: nothing to say

  const std::string label = icans_label(evaluation);
  std::string detail;
  add_paragraph(detail, "**The protocol suggests:** work-up for ICANS grade " + std::to_string(*grade) + ".");
  add_bullets(detail, "To order", proposed_lines);
  add_bullets(detail, "Already ordered or done", existing_lines);
  add_bullets(detail, "Later", waiting_lines);
  for (const auto& error : errors) add_paragraph(detail, "**No order attached:** " + error + ".");
  add_grade_findings(detail, "ICANS", evaluation.icans);
  add_grade_warnings(detail, evaluation, evaluation.icans);

  const std::string summary = fit_summary({label + " work-up: " + join(short_names, ", "),
                                           "ICANS grade " + std::to_string(*grade) + " work-up: " + join(short_names, ", "),
                                           "ICANS grade " + std::to_string(*grade) + " work-up: " +
                                               std::to_string(short_names.size()) + " items to order (see detail)"});
  const Indicator indicator = *grade >= 2 ? Indicator::warning : Indicator::info;
  Card card = make_card(in, rule::kIcansWorkup, "icans-workup", indicator, summary, std::move(detail), sources);
  for (auto& proposal : proposals) {
    add_suggestion(card, std::move(proposal.label), proposal.recommended, std::move(proposal.action), proposal.key);
  }
  cards.push_back(std::move(card));
}

}  // namespace icans
