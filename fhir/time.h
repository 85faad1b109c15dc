#pragma once
// FHIR R4 date/dateTime/instant values as intervals of UTC instants.
//
// A charted time is often less precise than an instant ("2024-03-01", or a
// dateTime with no offset). Treating it as midnight UTC would move findings in
// or out of grading windows by up to a day, so every value keeps the whole span
// of instants it could mean, and the grading code decides what to do with it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhir {

// Milliseconds since 1970-01-01T00:00:00Z.
using Instant = std::int64_t;

constexpr Instant kMillisPerSecond = 1000;
constexpr Instant kMillisPerMinute = 60 * kMillisPerSecond;
constexpr Instant kMillisPerHour = 60 * kMillisPerMinute;
constexpr Instant kMillisPerDay = 24 * kMillisPerHour;

enum class TimePrecision { year, month, day, second, millisecond };

struct TimeRange {
  Instant earliest = 0;
  Instant latest = 0;  // inclusive
  TimePrecision precision = TimePrecision::second;
  // True when the text named a single instant (time of day and UTC offset present).
  bool exact() const { return earliest == latest; }
};

struct TimeParse {
  std::optional<TimeRange> range;
  std::string error;  // set when range is empty: what is wrong with the text
};

// Accepts every form of FHIR R4 date and dateTime: YYYY, YYYY-MM, YYYY-MM-DD,
// YYYY-MM-DDThh:mm:ss[.fff...](Z|(+|-)hh:mm). Validates calendar ranges (year
// 0001-9999, month, day of month incl. leap years, hour 00-23, minute, second
// 00-60). A time of day without an offset is an error, as in FHIR: guessing the
// zone could move it by up to 26 hours. Offsets must lie within -12:00..+14:00.
// Partial dates cover every UTC instant they could mean in those offsets.
// A leap second (:60) counts as the last millisecond of its minute. Fractional
// seconds beyond milliseconds are truncated.
TimeParse parse_datetime(std::string_view text);

namespace detail {
// The general parser parse_datetime falls back to for anything but a
// well-formed complete dateTime; it words every error. Exposed so that tests
// can hold the two to the same results.
TimeParse parse_datetime_general(std::string_view text);
}  // namespace detail

// As parse_datetime, but requires an exact instant (FHIR `instant`).
TimeParse parse_instant(std::string_view text);

// "2024-03-01T12:00:00Z"; milliseconds are printed only when not zero.
std::string format_instant(Instant t);

// Whole years between a birth date and t, counted as people count birthdays,
// taking the earliest possible birth instant: an imprecise birth date gives the
// greatest age it could mean (each birthday starts at local midnight in +14:00).
// Born 29 February: a year older on 1 March in other years. Negative when t is
// before the birth date.
int age_in_years(const TimeRange& birth_date, Instant t);

}  // namespace fhir
