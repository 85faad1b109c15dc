#include <catch2/catch.hpp>

#include <string>

#include "fhir/time.h"

using fhir::Instant;
using fhir::kMillisPerDay;
using fhir::kMillisPerHour;
using fhir::kMillisPerMinute;
using fhir::parse_datetime;
using fhir::parse_instant;
using fhir::TimePrecision;

namespace {

// Epoch milliseconds computed independently (Python's datetime).
constexpr Instant k2024_03_01_utc = 1709251200000;
constexpr Instant k2000_02_29_utc = 951782400000;

fhir::TimeRange parsed(const std::string& text) {
  const auto result = parse_datetime(text);
  INFO(text << ": " << result.error);
  REQUIRE(result.range);
  CHECK(result.error.empty());
  return *result.range;
}

std::string error_of(const std::string& text) {
  const auto result = parse_datetime(text);
  INFO(text);
  REQUIRE_FALSE(result.range);
  REQUIRE_FALSE(result.error.empty());
  return result.error;
}

Instant instant(const std::string& text) {
  const auto result = parse_instant(text);
  INFO(text << ": " << result.error);
  REQUIRE(result.range);
  return result.range->earliest;
}

}  // namespace

TEST_CASE("a UTC dateTime is the exact instant it names", "[time]") {
  const auto range = parsed("2024-03-01T00:00:00Z");
  CHECK(range.earliest == k2024_03_01_utc);
  CHECK(range.latest == k2024_03_01_utc);
  CHECK(range.exact());
  CHECK(range.precision == TimePrecision::second);
}

TEST_CASE("every offset form names the same instant once the offset is removed", "[time]") {
  const Instant noon = k2024_03_01_utc + 12 * kMillisPerHour;
  CHECK(parsed("2024-03-01T12:00:00Z").earliest == noon);
  CHECK(parsed("2024-03-01T12:00:00+00:00").earliest == noon);
  CHECK(parsed("2024-03-01T12:00:00-00:00").earliest == noon);
  CHECK(parsed("2024-03-01T13:00:00+01:00").earliest == noon);
  CHECK(parsed("2024-03-01T17:30:00+05:30").earliest == noon);
  CHECK(parsed("2024-03-01T07:00:00-05:00").earliest == noon);
  CHECK(parsed("2024-03-02T02:00:00+14:00").earliest == noon);
  CHECK(parsed("2024-03-01T00:00:00-12:00").earliest == noon);
  CHECK(parsed("2024-03-01T21:45:00+09:45").earliest == noon);
}

TEST_CASE("an offset moves the instant across midnight into the previous UTC day", "[time]") {
  CHECK(parsed("2024-03-01T01:00:00+02:00").earliest == k2024_03_01_utc - kMillisPerHour);
}

TEST_CASE("fractional seconds give millisecond precision and digits past ms are truncated",
          "[time]") {
  const auto millis = parsed("2024-03-01T00:00:00.123Z");
  CHECK(millis.earliest == k2024_03_01_utc + 123);
  CHECK(millis.exact());
  CHECK(millis.precision == TimePrecision::millisecond);
  CHECK(parsed("2024-03-01T00:00:00.5Z").earliest == k2024_03_01_utc + 500);
  CHECK(parsed("2024-03-01T00:00:00.12Z").earliest == k2024_03_01_utc + 120);
  CHECK(parsed("2024-03-01T00:00:00.123999999Z").earliest == k2024_03_01_utc + 123);
}

TEST_CASE("a date without time covers the whole day in every UTC offset", "[time]") {
  const auto day = parsed("2024-03-01");
  CHECK(day.precision == TimePrecision::day);
  CHECK_FALSE(day.exact());
  // 2024-03-01T00:00:00+14:00 .. 2024-03-01T23:59:59.999-12:00
  CHECK(day.earliest == 1709200800000);
  CHECK(day.latest == 1709380799999);
  CHECK(day.earliest == k2024_03_01_utc - 14 * kMillisPerHour);
  CHECK(day.latest == k2024_03_01_utc + kMillisPerDay + 12 * kMillisPerHour - 1);
}

TEST_CASE("a year-month covers the whole month, with February's length by leap year", "[time]") {
  const auto february = parsed("2024-02");
  CHECK(february.precision == TimePrecision::month);
  CHECK(february.earliest == 1706695200000);  // 2024-02-01T00:00:00+14:00
  CHECK(february.latest == 1709294399999);    // 2024-02-29T23:59:59.999-12:00

  const auto short_february = parsed("2023-02");
  CHECK(short_february.latest - short_february.earliest ==
        28 * kMillisPerDay + 26 * kMillisPerHour - 1);
  const auto december = parsed("2024-12");
  CHECK(december.latest - december.earliest == 31 * kMillisPerDay + 26 * kMillisPerHour - 1);
}

TEST_CASE("a year alone covers the whole year in every UTC offset", "[time]") {
  const auto year = parsed("2024");
  CHECK(year.precision == TimePrecision::year);
  CHECK(year.earliest == 1704016800000);  // 2024-01-01T00:00:00+14:00
  CHECK(year.latest == 1735732799999);    // 2024-12-31T23:59:59.999-12:00
  const auto common = parsed("2023");
  CHECK(common.latest - common.earliest == 365 * kMillisPerDay + 26 * kMillisPerHour - 1);
}

TEST_CASE("years 0001 and 9999 are the ends of the FHIR range", "[time]") {
  CHECK(parsed("0001-01-01T00:00:00Z").earliest == -62135596800000);
  CHECK(parsed("9999-12-31T23:59:59.999Z").earliest == 253402300799999);
  CHECK(error_of("0000").find("year 0000 out of range") != std::string::npos);
  CHECK(error_of("0000-01-01").find("year") != std::string::npos);
}

TEST_CASE("instants before 1970 parse and format", "[time]") {
  CHECK(parsed("1969-12-31T23:59:59.999Z").earliest == -1);
  CHECK(fhir::format_instant(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(fhir::format_instant(-62135596800000) == "0001-01-01T00:00:00Z");
}

TEST_CASE("leap years follow the Gregorian rule: 2000 and 2024 yes, 1900 and 2023 no",
          "[time]") {
  CHECK(parsed("2000-02-29").earliest == k2000_02_29_utc - 14 * kMillisPerHour);
  CHECK(parsed("2024-02-29T00:00:00Z").exact());
  CHECK(parsed("1904-02-29").precision == TimePrecision::day);
  CHECK(error_of("1900-02-29").find("day 29 out of range for 1900-02") != std::string::npos);
  CHECK(error_of("2023-02-29").find("day 29 out of range for 2023-02") != std::string::npos);
  CHECK(error_of("2100-02-29T00:00:00Z").find("day 29") != std::string::npos);
}

TEST_CASE("days past the end of their month are rejected", "[time]") {
  CHECK(error_of("2024-02-30").find("day 30 out of range for 2024-02") != std::string::npos);
  CHECK(error_of("2024-04-31").find("day 31 out of range for 2024-04") != std::string::npos);
  CHECK(error_of("2024-01-32").find("day 32 out of range") != std::string::npos);
  CHECK(error_of("2024-01-00").find("day 0 out of range") != std::string::npos);
  CHECK(parsed("2024-01-31").precision == TimePrecision::day);
  CHECK(parsed("2024-12-31").precision == TimePrecision::day);
}

TEST_CASE("months outside 01-12 are rejected by name", "[time]") {
  CHECK(error_of("2024-13").find("month 13 out of range") != std::string::npos);
  CHECK(error_of("2024-13-01").find("month 13 out of range") != std::string::npos);
  CHECK(error_of("2024-00-10").find("month 0 out of range") != std::string::npos);
}

TEST_CASE("hours run 00-23: 24:00:00 and hour 25 are not FHIR times", "[time]") {
  CHECK(error_of("2024-03-01T25:00:00Z").find("hour 25 out of range") != std::string::npos);
  CHECK(error_of("2024-03-01T24:00:00Z").find("hour 24 out of range") != std::string::npos);
  CHECK(parsed("2024-03-01T23:59:59Z").earliest ==
        k2024_03_01_utc + kMillisPerDay - fhir::kMillisPerSecond);
}

TEST_CASE("minutes run 00-59 and seconds 00-60", "[time]") {
  CHECK(error_of("2024-03-01T10:60:00Z").find("minute 60 out of range") != std::string::npos);
  CHECK(error_of("2024-03-01T10:00:61Z").find("second 61 out of range") != std::string::npos);
}

TEST_CASE("a leap second counts as the last millisecond of its minute", "[time]") {
  const auto leap = parsed("2016-12-31T23:59:60Z");
  const auto before = parsed("2016-12-31T23:59:59Z");
  const auto after = parsed("2017-01-01T00:00:00Z");
  CHECK(leap.earliest == before.earliest + 999);
  CHECK(leap.earliest < after.earliest);
  CHECK(parsed("2016-12-31T23:59:60.5Z").earliest == before.earliest + 999);
}

TEST_CASE("a time of day without a UTC offset is an error, not a guess", "[time]") {
  CHECK(error_of("2024-03-01T10:00:00").find("time without UTC offset") != std::string::npos);
  CHECK(error_of("2024-03-01T10:00:00.123").find("time without UTC offset") !=
        std::string::npos);
}

TEST_CASE("a time of day must carry seconds", "[time]") {
  CHECK(error_of("2024-03-01T10:00Z").find("without seconds") != std::string::npos);
  CHECK(error_of("2024-03-01T10:00").find("without seconds") != std::string::npos);
  CHECK(error_of("2024-03-01T10").find("missing ':' after the hour") != std::string::npos);
  CHECK_FALSE(parse_datetime("2024-03-01T").range);
}

TEST_CASE("UTC offsets outside -12:00..+14:00 or malformed are rejected", "[time]") {
  CHECK(error_of("2024-03-01T10:00:00+15:00").find("UTC offset +15:00 outside") !=
        std::string::npos);
  CHECK(error_of("2024-03-01T10:00:00+14:01").find("outside -12:00..+14:00") !=
        std::string::npos);
  CHECK(error_of("2024-03-01T10:00:00-12:30").find("UTC offset -12:30 outside") !=
        std::string::npos);
  CHECK(error_of("2024-03-01T10:00:00+05:60").find("outside") != std::string::npos);
  CHECK_FALSE(parse_datetime("2024-03-01T10:00:00+0500").range);
  CHECK_FALSE(parse_datetime("2024-03-01T10:00:00+5:00").range);
  CHECK_FALSE(parse_datetime("2024-03-01T10:00:00+05").range);
  CHECK_FALSE(parse_datetime("2024-03-01T10:00:00z").range);
  CHECK_FALSE(parse_datetime("2024-03-01T10:00:00 Z").range);
  CHECK(parsed("2024-03-01T10:00:00+14:00").exact());
  CHECK(parsed("2024-03-01T10:00:00-12:00").exact());
}

TEST_CASE("empty text, whitespace, garbage and trailing junk are errors that say so", "[time]") {
  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of(" 2024-03-01").find("whitespace") != std::string::npos);
  CHECK(error_of("2024-03-01\n").find("whitespace") != std::string::npos);
  CHECK(error_of("yesterday").find("expected 4-digit year") != std::string::npos);
  CHECK(error_of("2024-03-01T10:00:00Zjunk").find("unexpected text") != std::string::npos);
  CHECK(error_of("2024-03-01x").find("unexpected 'x'") != std::string::npos);
  CHECK_FALSE(parse_datetime("24-03-01").range);
  CHECK_FALSE(parse_datetime("20240301").range);
  CHECK_FALSE(parse_datetime("2024/03/01").range);
  CHECK_FALSE(parse_datetime("2024-3-1").range);
  CHECK_FALSE(parse_datetime("-2024").range);
  CHECK_FALSE(parse_datetime("12024").range);
  CHECK_FALSE(parse_datetime("2024-03-01T10:00:00.Z").range);
  CHECK_FALSE(parse_datetime("2024-03-01 10:00:00Z").range);
}

TEST_CASE("errors quote the offending text, bounded and printable", "[time]") {
  CHECK(error_of("2024-13").find("'2024-13'") != std::string::npos);
  const std::string noise(500, 'x');
  const std::string error = error_of(noise);
  CHECK(error.size() < 120);
  CHECK(error_of(std::string("2024\0-01", 8)).find("'2024?-01'") != std::string::npos);
}

TEST_CASE("an instant requires date, time of day and offset", "[time]") {
  CHECK(parse_instant("2024-03-01T00:00:00Z").range->earliest == k2024_03_01_utc);
  for (const char* partial : {"2024", "2024-03", "2024-03-01"}) {
    const auto result = parse_instant(partial);
    INFO(partial);
    CHECK_FALSE(result.range);
    CHECK(result.error.find("instant needs a time of day") != std::string::npos);
  }
  CHECK(parse_instant("2024-03-01T00:00:00").error.find("time without UTC offset") !=
        std::string::npos);
}

TEST_CASE("format_instant prints UTC with milliseconds only when not zero", "[time]") {
  CHECK(fhir::format_instant(k2024_03_01_utc + 12 * kMillisPerHour) == "2024-03-01T12:00:00Z");
  CHECK(fhir::format_instant(k2024_03_01_utc + 123) == "2024-03-01T00:00:00.123Z");
  CHECK(fhir::format_instant(k2024_03_01_utc + 7) == "2024-03-01T00:00:00.007Z");
  CHECK(fhir::format_instant(0) == "1970-01-01T00:00:00Z");
  CHECK(fhir::format_instant(k2000_02_29_utc + 23 * kMillisPerHour + 59 * kMillisPerMinute) ==
        "2000-02-29T23:59:00Z");
}

TEST_CASE("formatting then parsing an instant gives it back", "[time]") {
  for (const char* text :
       {"2024-03-01T12:00:00Z", "2024-02-29T23:59:59.999Z", "1999-12-31T00:00:00.001Z",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "1900-03-01T05:06:07Z"}) {
    INFO(text);
    CHECK(fhir::format_instant(instant(text)) == text);
  }
  const Instant shifted = instant("2024-03-01T17:30:00.250+05:30");
  CHECK(fhir::format_instant(shifted) == "2024-03-01T12:00:00.250Z");
  CHECK(instant(fhir::format_instant(shifted)) == shifted);
}

TEST_CASE("age becomes 12 at the first instant of the 12th birthday, not before", "[time]") {
  const auto birth = parsed("2012-03-01");
  // The birthday starts earliest at local midnight in +14:00.
  const Instant birthday = instant("2024-03-01T00:00:00+14:00");
  CHECK(fhir::age_in_years(birth, birthday) == 12);
  CHECK(fhir::age_in_years(birth, birthday - 1) == 11);
  CHECK(fhir::age_in_years(birth, instant("2024-03-01T12:00:00Z")) == 12);
  CHECK(fhir::age_in_years(birth, instant("2024-02-28T12:00:00Z")) == 11);
  CHECK(fhir::age_in_years(birth, instant("2025-02-28T09:00:00Z")) == 12);
}

TEST_CASE("an imprecise birth date counts from its earliest possible birth instant", "[time]") {
  // Born some time in 2012: counted as born on 1 January 2012.
  CHECK(fhir::age_in_years(parsed("2012"), instant("2024-01-01T12:00:00Z")) == 12);
  CHECK(fhir::age_in_years(parsed("2012"), instant("2023-12-31T00:00:00Z")) == 11);
  // Born some time in June 2012: counted as born on 1 June.
  CHECK(fhir::age_in_years(parsed("2012-06"), instant("2024-06-01T12:00:00Z")) == 12);
  CHECK(fhir::age_in_years(parsed("2012-06"), instant("2024-05-31T00:00:00Z")) == 11);
}

TEST_CASE("an exact birth instant has birthdays at the same UTC time of day", "[time]") {
  const auto birth = parsed("2012-03-01T08:00:00Z");
  CHECK(fhir::age_in_years(birth, instant("2024-03-01T08:00:00Z")) == 12);
  CHECK(fhir::age_in_years(birth, instant("2024-03-01T07:59:59.999Z")) == 11);
}

TEST_CASE("someone born on 29 February turns a year older on 1 March in common years",
          "[time]") {
  const auto birth = parsed("2012-02-29");
  // 09:00Z on 28 February is still 28 February in every offset.
  CHECK(fhir::age_in_years(birth, instant("2013-02-28T09:00:00Z")) == 0);
  CHECK(fhir::age_in_years(birth, instant("2013-03-01T00:00:00+14:00")) == 1);
  CHECK(fhir::age_in_years(birth, instant("2016-02-29T00:00:00+14:00")) == 4);
  CHECK(fhir::age_in_years(birth, instant("2016-02-28T09:00:00Z")) == 3);
}

TEST_CASE("age is zero on the day of birth and negative before it", "[time]") {
  const auto birth = parsed("2024-03-01");
  CHECK(fhir::age_in_years(birth, instant("2024-03-01T12:00:00Z")) == 0);
  CHECK(fhir::age_in_years(birth, instant("2025-02-28T09:00:00Z")) == 0);
  CHECK(fhir::age_in_years(birth, instant("2024-02-01T00:00:00Z")) < 0);
}
