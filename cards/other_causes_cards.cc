// ASTCT grades a finding as ICANS only when nothing else explains it: the
// card lists what to rule out, each with its latest charted value.
#include <algorithm>

#include "cards/card_builders.h"

namespace icans {

void add_other_causes_card(const CardInputs& in, std::vector<Card>& cards) {
  const OtherCauses& causes = in.protocol.other_causes;
  const Evaluation& evaluation = in.evaluation;
  if (!causes.enabled || !evaluation.icans.grade || *evaluation.icans.grade < 1) return;

  std::vector<std::string> lines;
  std::vector<std::string> names;
  for (const auto& item : causes.items) {
    if (!item.enabled) continue;
    std::string line = "**" + item.text + "**";
    for (fhir::Concept shown : item.show_latest) line += "\n  - " + latest_value_text(in, shown);
    lines.push_back(line);
    std::string name = item.id;
    std::replace(name.begin(), name.end(), '-', ' ');
    names.push_back(name);
  }
  if (lines.empty()) return;

  std::string detail;
  add_paragraph(detail, "**The protocol suggests:** rule out other causes of the neurological findings; ASTCT 2019 grades them as "
                        "ICANS only when no other cause explains them.");
  add_bullets(detail, "Check", lines);
  std::vector<std::string> acting;
  for (fhir::Concept drug : evaluation.treatment.active_sedatives) {
    acting.push_back(std::string(fhir::concept_info(drug).display));
  }
  if (!acting.empty()) {
    add_paragraph(detail, "**Sedating drugs acting at " + format_time(evaluation.at) + ":** " + join(acting, ", ") + ".");
  }

  const std::string label = icans_label(evaluation);
  const std::string sedation = acting.empty() ? "" : "; sedatives acting: " + join(acting, ", ");
  const std::string summary = fit_summary({label + ": rule out other causes (" + join(names, ", ") + ")" + sedation,
                                           label + ": rule out other causes (" + join(names, ", ") + ")",
                                           label + ": rule out other causes (see detail)"});
  cards.push_back(
      make_card(in, rule::kOtherCauses, "other-causes", Indicator::info, summary, std::move(detail), causes.sources));
}

}  // namespace icans
