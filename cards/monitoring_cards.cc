// ICE (or CAPD) monitoring in the days ICANS is expected: a reminder when
// the last assessment is older than the protocol allows, or when a falling
// ICE or active CRS shortens the interval.
#include "cards/card_builders.h"

namespace icans {
namespace {

using fhir::Concept;

bool is_assessment(const fhir::Observation& observation) {
  return fhir::concept_info(observation.meaning).kind == fhir::ConceptKind::assessment_item ||
         observation.meaning == Concept::ice_not_assessable;
}

// The latest charted ICE/CAPD (items, total or "not assessable") at or
// before T, even outside the grading window.
std::optional<fhir::Instant> last_assessment(const CardInputs& in, std::string& resource) {
  std::optional<fhir::Instant> last;
  const Assessment& assessment = in.evaluation.assessment;
  if (assessment.tool != Tool::none) {
    last = assessment.time;
    if (!assessment.resources.empty()) resource = assessment.resources.front();
  }
  for (const auto& observation : in.record.observations) {
    if (!is_assessment(observation) || observation.effective.earliest > in.evaluation.at) continue;
    if (observation.status == fhir::ObservationStatus::entered_in_error ||
        observation.status == fhir::ObservationStatus::cancelled) {
      continue;
    }
    if (!last || observation.effective.earliest > *last) {
      last = observation.effective.earliest;
      resource = "Observation/" + observation.id;
    }
  }
  return last;
}

}  // namespace

void add_monitoring_card(const CardInputs& in, std::vector<Card>& cards) {
  const Monitoring& monitoring = in.protocol.monitoring;
  const Evaluation& evaluation = in.evaluation;
  if (!monitoring.enabled || !evaluation.day_post_infusion) return;
  const int day = *evaluation.day_post_infusion;
  if (day < monitoring.from_day || day > monitoring.to_day) return;

  const bool crs_active = evaluation.crs.grade && *evaluation.crs.grade >= 1;
  const bool shortened = evaluation.ice_declining || crs_active;
  const double every = shortened ? monitoring.ice_overdue_after_hours_if_declining_or_crs
                                 : monitoring.ice_overdue_after_hours;
  std::string why;
  if (evaluation.ice_declining) {
    why = "ICE declining (" + std::to_string(evaluation.previous_ice.value_or(0)) + " -> " +
          std::to_string(evaluation.assessment.score.value_or(0)) + ")";
  }
  if (crs_active) why += std::string(why.empty() ? "" : ", ") + crs_label(evaluation);

  std::string tool = "ICE";
  if (!evaluation.age_years) tool = "ICE/CAPD";
  else if (*evaluation.age_years < in.config.pediatric_cutoff_years) tool = "CAPD";

  std::string resource;
  const auto last = last_assessment(in, resource);
  const double age_hours = last ? double(evaluation.at - *last) / double(fhir::kMillisPerHour) : 0;
  const bool overdue = !last || age_hours > every;
  if (!overdue && !shortened) return;

  std::string detail;
  const std::string cadence = "every " + format_hours(every) + (shortened ? " while " + why : "") + ", through day " +
                              std::to_string(monitoring.to_day) + " after the infusion";
  std::string summary;
  if (!last) {
    summary = fit_summary({tool + " assessment overdue: none charted; assess now, then " + cadence,
                           tool + " assessment overdue: none charted; assess now"});
    add_paragraph(detail, "**The protocol suggests:** assess " + tool + " now: none is charted up to " + format_time(evaluation.at) +
                              " (day " + std::to_string(day) + ").");
  } else if (overdue) {
    summary = fit_summary({tool + " assessment overdue: last " + format_hours(age_hours) + " ago; assess " + cadence,
                           tool + " assessment overdue: last " + format_hours(age_hours) + " ago; assess now"});
    add_paragraph(detail, "**The protocol suggests:** assess " + tool + " now. The last assessment was at " +
                              time_and_age(*last, evaluation.at) + " (" + resource + "), longer ago than " +
                              format_hours(every) + ".");
  } else {
    const fhir::Instant next = *last + static_cast<fhir::Instant>(every * fhir::kMillisPerHour);
    summary = fit_summary({tool + " every " + format_hours(every) + " while " + why + ": next by " + format_time(next),
                           tool + " every " + format_hours(every) + ": next by " + format_time(next)});
    add_paragraph(detail, "**The protocol suggests:** assess " + tool + " " + cadence + ". Last assessment " +
                              time_and_age(*last, evaluation.at) + " (" + resource + "); next by " +
                              format_time(next) + ".");
  }
  add_paragraph(detail, "Protocol: " + tool + " at least every " + format_hours(monitoring.ice_overdue_after_hours) +
                            " from day " + std::to_string(monitoring.from_day) + " to day " +
                            std::to_string(monitoring.to_day) + "; every " +
                            format_hours(monitoring.ice_overdue_after_hours_if_declining_or_crs) +
                            " when the ICE score is falling or CRS is present.");
  if (!evaluation.assessment.missing_items.empty()) {
    add_paragraph(detail, "The latest assessment is incomplete (missing " + join(evaluation.assessment.missing_items, ", ") +
                              "): chart every item.");
  }
  cards.push_back(make_card(in, rule::kIceMonitoring, "ice-monitoring", Indicator::info, summary, std::move(detail),
                            monitoring.sources));
}

}  // namespace icans
