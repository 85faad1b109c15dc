#pragma once
// Which charted times fall inside a grading window, and which charted
// resources may be used for grading at all.

#include <span>
#include <string>
#include <vector>

#include "fhir/resources.h"
#include "fhir/time.h"

namespace icans {

// [start, end]: the look-back window ending at T.
struct Window {
  fhir::Instant start = 0;
  fhir::Instant end = 0;
};

Window window_before(fhir::Instant at, double hours);

// A grading window: findings charted before the cell therapy are the
// patient's baseline, never ICANS or CRS, so the window starts no earlier
// than the infusion.
Window grading_window(fhir::Instant at, double hours, fhir::Instant infusion);

enum class Placement { inside, outside, uncertain };

// A time counts only when every instant it could mean is inside the window;
// an imprecise time straddling an edge is `uncertain`, never guessed in or out.
Placement place(const fhir::TimeRange& time, const Window& window);

// Observations in record order, and the part of them a window can touch,
// found by binary search: every observation left out is `outside` the
// window. Intake sorts observations by effective.earliest (fhir/record.h); a
// list that is not sorted (a record built by hand) is searched whole. Refers
// to the observations added, which must outlive it and stay unchanged.
class ObservationTimes {
 public:
  void add(const fhir::Observation& observation);
  std::span<const fhir::Observation* const> all() const { return list_; }
  std::span<const fhir::Observation* const> near(const Window& window) const;

 private:
  std::vector<const fhir::Observation*> list_;
  bool sorted_ = true;
  fhir::Instant widest_ = 0;  // the largest latest - earliest: how imprecise a time gets
};

// True when the observation may be used for grading. Preliminary results are
// used with a warning appended to `warnings`.
bool usable_for_grading(const fhir::Observation& observation, std::vector<std::string>& warnings);
// The same answer; the warning is appended only when `warnings` is given.
bool usable_for_grading(const fhir::Observation& observation, std::vector<std::string>* warnings);

// A drug administration's effect at T: running at T (open or unfinished
// period), or finished (bolus, or period end) no more than `effect_hours`
// before T. Administrations that started after T are invisible.
bool acting_at(const fhir::MedicationAdministration& administration, fhir::Instant at,
               double effect_hours);

// True for administrations that count as given (completed, in-progress,
// stopped = partly given); on-hold and unknown are not counted as given.
bool counts_as_given(const fhir::MedicationAdministration& administration);

// "Observation/abc"
std::string reference(const char* type, const std::string& id);

}  // namespace icans
