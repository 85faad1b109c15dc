#include "fhir/time.h"

#include <cstdio>
#include <cstdlib>

namespace fhir {
namespace {

// Real-world UTC offsets span -12:00 to +14:00. An unknown offset is taken to
// be any of them, so a date covers its whole day as seen anywhere on Earth.
constexpr Instant kEarliestOffset = 14 * kMillisPerHour;  // east of UTC: day starts earliest
constexpr Instant kLatestOffset = 12 * kMillisPerHour;    // west of UTC: day ends latest

constexpr bool is_leap_year(int year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr int days_in_month(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Howard Hinnant's days_from_civil: proleptic Gregorian calendar, no time
// zone database and no locale, so results never depend on the machine.
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct CivilDate {
  std::int64_t year;
  int month;
  int day;
};

constexpr CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

// Floor division, so instants before 1970 still split into day and time of day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The text is quoted in errors, but bounded and printable: it may be anything.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  out += text.size() > kMaxShown ? "...'" : "'";
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  TimeParse parse() {
    if (text_.empty()) return fail("empty date/time");
    if (is_space(text_.front()) || is_space(text_.back())) {
      return fail("leading or trailing whitespace");
    }

    int year = 0;
    if (!digits(4, "year (YYYY)", year)) return failure_;
    if (year < 1) return fail("year 0000 out of range (0001-9999)");
    if (at_end()) return span_of_days(days_from_civil(year, 1, 1),
                                      days_from_civil(year + 1, 1, 1), TimePrecision::year);

    int month = 0;
    if (!expect('-', "'-' after the year") || !digits(2, "month (MM)", month)) return failure_;
    if (month < 1 || month > 12) return fail("month " + std::to_string(month) + " out of range");
    if (at_end()) {
      const std::int64_t first = days_from_civil(year, month, 1);
      return span_of_days(first, first + days_in_month(year, month), TimePrecision::month);
    }

    int day = 0;
    if (!expect('-', "'-' after the month") || !digits(2, "day (DD)", day)) return failure_;
    if (day < 1 || day > days_in_month(year, month)) {
      return fail("day " + std::to_string(day) + " out of range for " + padded(year, 4) +
                  "-" + two_digits(month));
    }
    const std::int64_t days = days_from_civil(year, month, day);
    if (at_end()) return span_of_days(days, days + 1, TimePrecision::day);

    int hour = 0, minute = 0, second = 0;
    if (!expect('T', "'T' before the time of day") || !digits(2, "hour (hh)", hour)) {
      return failure_;
    }
    // FHIR's regex allows hours 00-23 only: "24:00:00" is not a dateTime.
    if (hour > 23) return fail("hour " + std::to_string(hour) + " out of range (00-23)");
    if (!expect(':', "':' after the hour") || !digits(2, "minute (mm)", minute)) return failure_;
    if (minute > 59) return fail("minute " + std::to_string(minute) + " out of range (00-59)");
    if (peek() != ':') return fail("time of day without seconds (FHIR requires hh:mm:ss)");
    ++pos_;
    if (!digits(2, "second (ss)", second)) return failure_;
    if (second > 60) return fail("second " + std::to_string(second) + " out of range (00-60)");

    Instant millis = 0;
    TimePrecision precision = TimePrecision::second;
    if (peek() == '.') {
      ++pos_;
      const std::size_t start = pos_;
      while (!at_end() && is_digit(peek())) {
        // Digits beyond milliseconds are truncated, as the header promises.
        if (pos_ - start < 3) millis = millis * 10 + (peek() - '0');
        ++pos_;
      }
      if (pos_ == start) return fail("'.' without fraction digits");
      for (std::size_t n = pos_ - start; n < 3; ++n) millis *= 10;
      precision = TimePrecision::millisecond;
    }
    // A leap second (FHIR allows ss = 60) is kept inside the minute it was
    // charted in, as its last millisecond, so it never moves into the next
    // minute, hour or day.
    if (second == 60) {
      second = 59;
      millis = kMillisPerSecond - 1;
    }

    if (at_end()) return fail("time without UTC offset (FHIR requires Z or +hh:mm/-hh:mm)");
    Instant offset = 0;
    if (peek() == 'Z') {
      ++pos_;
    } else if (peek() == '+' || peek() == '-') {
      const bool east = peek() == '+';
      ++pos_;
      int offset_hours = 0, offset_minutes = 0;
      if (!digits(2, "offset hours (hh)", offset_hours) ||
          !expect(':', "':' in the UTC offset") ||
          !digits(2, "offset minutes (mm)", offset_minutes)) {
        return failure_;
      }
      const int total = offset_hours * 60 + offset_minutes;
      if (offset_minutes > 59 || (east && total > 14 * 60) || (!east && total > 12 * 60)) {
        return fail(std::string("UTC offset ") + (east ? '+' : '-') + two_digits(offset_hours) +
                    ":" + two_digits(offset_minutes) + " outside -12:00..+14:00");
      }
      offset = (east ? 1 : -1) * total * kMillisPerMinute;
    } else {
      return fail(std::string("unexpected '") + printable(peek()) +
                  "' where the UTC offset belongs (Z, +hh:mm or -hh:mm)");
    }
    if (!at_end()) return trailing();

    const Instant local = days * kMillisPerDay + hour * kMillisPerHour +
                          minute * kMillisPerMinute + second * kMillisPerSecond + millis;
    const Instant t = local - offset;
    return {TimeRange{t, t, precision}, {}};
  }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }
  static char printable(char c) { return (c >= 0x20 && c < 0x7f) ? c : '?'; }
  static std::string padded(int n, int width) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%0*d", width, n);
    return buffer;
  }
  static std::string two_digits(int n) { return padded(n, 2); }

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  TimeParse fail(std::string what) {
    failure_ = {std::nullopt, what + " in " + quoted(text_)};
    return failure_;
  }

  TimeParse trailing() {
    return fail("unexpected text at position " + std::to_string(pos_));
  }

  bool expect(char c, const char* what) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    // Only a separator that is not there at all is "missing"; any other
    // character is junk after a complete value.
    if (at_end()) {
      fail(std::string("missing ") + what);
    } else {
      fail(std::string("unexpected '") + printable(peek()) + "' at position " +
           std::to_string(pos_) + ", expected " + what);
    }
    return false;
  }

  bool digits(std::size_t count, const char* what, int& value) {
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (!is_digit(peek())) {
        fail(std::string("expected ") + std::to_string(count) + "-digit " + what +
             " at position " + std::to_string(pos_ - i));
        return false;
      }
      value = value * 10 + (peek() - '0');
      ++pos_;
    }
    return true;
  }

  // Days [first, end) as seen from every UTC offset: from the first midnight
  // at +14:00 to the last millisecond before the end midnight at -12:00.
  static TimeParse span_of_days(std::int64_t first, std::int64_t end, TimePrecision precision) {
    return {TimeRange{first * kMillisPerDay - kEarliestOffset,
                      end * kMillisPerDay + kLatestOffset - 1, precision},
            {}};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  TimeParse failure_;
};

// days_from_civil for years 1 to 9999, in unsigned arithmetic: no negative
// eras to round, and inlined, as the general one (called from several
// places) is not. Checked against it at compile time below and in
// reader_datetime_test (through parse_datetime_general).
constexpr std::int64_t days_from_positive_civil(int year, int month, int day) {
  const unsigned y = static_cast<unsigned>(year) - (month <= 2);
  const unsigned era = y / 400;
  const unsigned yoe = y - era * 400;
  const unsigned m = static_cast<unsigned>(month);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

static_assert(days_from_positive_civil(1970, 1, 1) == days_from_civil(1970, 1, 1));
static_assert(days_from_positive_civil(1, 1, 1) == days_from_civil(1, 1, 1));
static_assert(days_from_positive_civil(2000, 2, 29) == days_from_civil(2000, 2, 29));
static_assert(days_from_positive_civil(2000, 3, 1) == days_from_civil(2000, 3, 1));
static_assert(days_from_positive_civil(9999, 12, 31) == days_from_civil(9999, 12, 31));

// `count` digits at `at` as a number, or -1 if any is not a digit. A
// function of its own: as a lambda it was not inlined, and every charted
// time is read through here.
inline int digits_at(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
    if (digit > 9) return -1;
    value = value * 10 + static_cast<int>(digit);
  }
  return value;
}

// Nearly every charted time is a complete dateTime, "YYYY-MM-DDThh:mm:ss",
// a fraction or not, then Z or an offset: those are read here in one
// straight pass. Anything else, and anything out of range, is left to the
// general parser (nullopt), which also words the error.
std::optional<TimeRange> parse_complete_datetime(std::string_view text) {
  if (text.size() < 20) return std::nullopt;
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const int year = digits_at(text, 0, 4), month = digits_at(text, 5, 2),
            day = digits_at(text, 8, 2), hour = digits_at(text, 11, 2),
            minute = digits_at(text, 14, 2);
  int second = digits_at(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  Instant millis = 0;
  TimePrecision precision = TimePrecision::second;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
    precision = TimePrecision::millisecond;
  }
  if (second == 60) {  // a leap second: the last millisecond of its minute
    second = 59;
    millis = kMillisPerSecond - 1;
  }
  if (pos == text.size()) return std::nullopt;
  Instant offset = 0;
  if (text[pos] == 'Z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const bool east = text[pos] == '+';
    if (text.size() - pos < 6 || text[pos + 3] != ':') return std::nullopt;
    const int offset_hours = digits_at(text, pos + 1, 2);
    const int offset_minutes = digits_at(text, pos + 4, 2);
    if (offset_hours < 0 || offset_minutes < 0) return std::nullopt;
    pos += 6;
    const int total = offset_hours * 60 + offset_minutes;
    if (offset_minutes > 59 || (east && total > 14 * 60) || (!east && total > 12 * 60)) {
      return std::nullopt;
    }
    offset = (east ? 1 : -1) * total * kMillisPerMinute;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const Instant local = days_from_positive_civil(year, month, day) * kMillisPerDay +
                        hour * kMillisPerHour + minute * kMillisPerMinute +
                        second * kMillisPerSecond + millis;
  const Instant t = local - offset;
  return TimeRange{t, t, precision};
}

}  // namespace

namespace detail {
TimeParse parse_datetime_general(std::string_view text) { return Parser(text).parse(); }
}  // namespace detail

TimeParse parse_datetime(std::string_view text) {
  if (auto range = parse_complete_datetime(text)) return {range, {}};
  return detail::parse_datetime_general(text);
}

TimeParse parse_instant(std::string_view text) {
  TimeParse parsed = parse_datetime(text);
  if (parsed.range && !parsed.range->exact()) {
    return {std::nullopt, "an instant needs a time of day and UTC offset, not only a date, in " +
                              quoted(text)};
  }
  return parsed;
}

std::string format_instant(Instant t) {
  const std::int64_t days = floor_div(t, kMillisPerDay);
  const Instant in_day = t - days * kMillisPerDay;
  const CivilDate date = civil_from_days(days);
  const int hour = static_cast<int>(in_day / kMillisPerHour);
  const int minute = static_cast<int>(in_day / kMillisPerMinute % 60);
  const int second = static_cast<int>(in_day / kMillisPerSecond % 60);
  const int millis = static_cast<int>(in_day % kMillisPerSecond);
  if (date.year >= 0 && date.year <= 9999) {
    // Written digit by digit: cards, warnings and the audit trail print many
    // instants per request, and snprintf was a measurable part of a response.
    char text[] = "0000-00-00T00:00:00.000Z";
    const auto put = [&text](std::size_t at, long long value, int digits) {
      for (int i = digits - 1; i >= 0; --i, value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, date.year, 4);
    put(5, date.month, 2);
    put(8, date.day, 2);
    put(11, hour, 2);
    put(14, minute, 2);
    put(17, second, 2);
    if (millis == 0) {
      text[19] = 'Z';
      return std::string(text, 20);
    }
    put(20, millis, 3);
    return std::string(text, sizeof text - 1);
  }
  char buffer[64];
  if (millis != 0) {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(date.year), date.month, date.day, hour, minute, second,
                  millis);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                  static_cast<long long>(date.year), date.month, date.day, hour, minute, second);
  }
  return buffer;
}

// Birthdays are counted on the calendar date as charted. A birth date without
// a time is read in the earliest offset (+14:00), so each birthday begins at
// its earliest possible instant; an exact birth instant has its birthdays at
// the same UTC time of day. Someone born on 29 February turns a year older on
// 1 March in years without that day (the common legal convention; 28 February
// would make them older a day sooner).
int age_in_years(const TimeRange& birth_date, Instant t) {
  const bool date_only = birth_date.precision == TimePrecision::year ||
                         birth_date.precision == TimePrecision::month ||
                         birth_date.precision == TimePrecision::day;
  const Instant shift = date_only ? kEarliestOffset : 0;

  const Instant birth_local = birth_date.earliest + shift;
  const std::int64_t birth_days = floor_div(birth_local, kMillisPerDay);
  const Instant birth_time_of_day = birth_local - birth_days * kMillisPerDay;
  const CivilDate birth = civil_from_days(birth_days);

  const Instant t_local = t + shift;
  const CivilDate now = civil_from_days(floor_div(t_local, kMillisPerDay));

  const auto birthday = [&](std::int64_t year) {
    const bool feb29 = birth.month == 2 && birth.day == 29;
    const std::int64_t days = feb29 && !is_leap_year(static_cast<int>(year))
                                  ? days_from_civil(year, 3, 1)
                                  : days_from_civil(year, birth.month, birth.day);
    return days * kMillisPerDay + birth_time_of_day;
  };

  std::int64_t years = now.year - birth.year;
  if (t_local < birthday(now.year)) --years;
  return static_cast<int>(years);
}

}  // namespace fhir
