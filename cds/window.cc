#include "cds/window.h"

#include <algorithm>

namespace icans {

Window window_before(fhir::Instant at, double hours) {
  return {at - static_cast<fhir::Instant>(hours * fhir::kMillisPerHour), at};
}

Window grading_window(fhir::Instant at, double hours, fhir::Instant infusion) {
  Window window = window_before(at, hours);
  if (window.start < infusion) window.start = infusion;
  return window;
}

Placement place(const fhir::TimeRange& time, const Window& window) {
  if (time.latest < window.start || time.earliest > window.end) return Placement::outside;
  if (time.earliest >= window.start && time.latest <= window.end) return Placement::inside;
  return Placement::uncertain;
}

void ObservationTimes::add(const fhir::Observation& observation) {
  const fhir::TimeRange& time = observation.effective;
  if (!list_.empty() && time.earliest < list_.back()->effective.earliest) sorted_ = false;
  widest_ = std::max(widest_, time.latest - time.earliest);
  list_.push_back(&observation);
}

std::span<const fhir::Observation* const> ObservationTimes::near(const Window& window) const {
  if (!sorted_) return list_;
  // Charted after the window's end: outside. Charted before its start less
  // the widest imprecision: ends before the start, so outside too.
  const auto first = std::lower_bound(
      list_.begin(), list_.end(), window.start - widest_,
      [](const fhir::Observation* o, fhir::Instant t) { return o->effective.earliest < t; });
  const auto last = std::upper_bound(
      first, list_.end(), window.end,
      [](fhir::Instant t, const fhir::Observation* o) { return t < o->effective.earliest; });
  return {first, last};
}

bool usable_for_grading(const fhir::Observation& observation, std::vector<std::string>& warnings) {
  return usable_for_grading(observation, &warnings);
}

bool usable_for_grading(const fhir::Observation& observation, std::vector<std::string>* warnings) {
  using S = fhir::ObservationStatus;
  switch (observation.status) {
    case S::final_:
    case S::amended:
    case S::corrected:
      return true;
    case S::preliminary:
      if (warnings) {
        warnings->push_back("Observation/" + observation.id +
                            " is preliminary; used for grading, confirm when final");
      }
      return true;
    case S::registered:  // no result yet
    case S::cancelled:
    case S::entered_in_error:
      return false;
    case S::unknown:
      if (warnings) {
        warnings->push_back("Observation/" + observation.id +
                            " has an unknown status; used for grading, check the source");
      }
      return true;
  }
  return false;
}

bool counts_as_given(const fhir::MedicationAdministration& administration) {
  using S = fhir::AdministrationStatus;
  return administration.status == S::completed || administration.status == S::in_progress ||
         administration.status == S::stopped;
}

bool acting_at(const fhir::MedicationAdministration& administration, fhir::Instant at,
               double effect_hours) {
  if (!counts_as_given(administration)) return false;
  if (administration.start.earliest > at) return false;
  const auto effect = static_cast<fhir::Instant>(effect_hours * fhir::kMillisPerHour);
  // An open period means still running; a completed or stopped one with no
  // end charted is taken as finished when it started, the earliest it could have.
  if (administration.is_period && !administration.end &&
      administration.status == fhir::AdministrationStatus::in_progress) {
    return true;
  }
  const fhir::Instant finished =
      administration.end ? administration.end->latest : administration.start.latest;
  return at <= finished + effect;
}

std::string reference(const char* type, const std::string& id) {
  return std::string(type) + "/" + id;
}

}  // namespace icans
