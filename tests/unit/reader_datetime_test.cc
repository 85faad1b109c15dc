// parse_datetime reads complete dateTimes in a straight pass and leaves the
// rest to the general parser: on every input, valid or not, the two must
// give the same range, precision and error.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fhir/time.h"

namespace {

void check_same(const std::string& text) {
  INFO("'" << text << "'");
  const fhir::TimeParse fast = fhir::parse_datetime(text);
  const fhir::TimeParse general = fhir::detail::parse_datetime_general(text);
  REQUIRE(fast.range.has_value() == general.range.has_value());
  CHECK(fast.error == general.error);
  if (fast.range) {
    CHECK(fast.range->earliest == general.range->earliest);
    CHECK(fast.range->latest == general.range->latest);
    CHECK(fast.range->precision == general.range->precision);
  }
}

std::string format(int year, int month, int day, int hour, int minute, int second,
                   const std::string& fraction, const std::string& zone) {
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour,
                minute, second);
  return text + fraction + zone;
}

}  // namespace

TEST_CASE("parse_datetime's straight pass agrees with the general parser on valid times", "[reader]") {
  std::mt19937 random(20261121);
  const auto pick = [&random](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  const std::vector<std::string> fractions = {"", ".5", ".12", ".123", ".1234567", ".000", ".999"};
  const std::vector<std::string> zones = {"Z", "+00:00", "-00:00", "+14:00", "-12:00", "+05:30",
                                          "-09:45", "+13:59", "-11:59"};
  for (int i = 0; i < 20000; ++i) {
    const int year = i % 5 == 0 ? pick(1, 9999) : pick(1999, 2030);
    check_same(format(year, pick(1, 12), pick(1, 28), pick(0, 23), pick(0, 59), pick(0, 60),
                      fractions[pick(0, static_cast<int>(fractions.size()) - 1)],
                      zones[pick(0, static_cast<int>(zones.size()) - 1)]));
  }
  for (const char* text :
       {"2024-02-29T23:59:60.5+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:60-12:00",
        "2026-03-01T08:00:00Z", "2026-03-01T08:00:00.1234567890123Z"}) {
    check_same(text);
  }
}

TEST_CASE("parse_datetime's straight pass agrees with the general parser on damaged times", "[reader]") {
  const std::vector<std::string> seeds = {
      "2026-03-01T08:00:00Z",      "2026-03-01T08:00:00.123+05:30", "2024-02-29T23:59:60-12:00",
      "2023-02-29T12:00:00Z",      "2026-03-01",                    "2026-03",
      "2026",                      "2026-03-01T08:00:00",           "0000-01-01T00:00:00Z",
      "2026-04-31T00:00:00Z",      "2026-03-01T24:00:00Z",          "2026-03-01T08:60:00Z",
      "2026-03-01T08:00:61Z",      "2026-03-01T08:00:00+14:01",     "2026-03-01T08:00:00-12:01",
      "2026-03-01T08:00:00+05:60", "2026-03-01T08:00:00.Z",         "2026-13-01T08:00:00Z",
  };
  const std::string replacements = "0159-+:.TZ z\t/";
  for (const std::string& seed : seeds) {
    check_same(seed);
    for (std::size_t at = 0; at <= seed.size(); ++at) {
      check_same(seed.substr(0, at));                                   // truncated
      if (at < seed.size()) check_same(seed.substr(0, at) + seed.substr(at + 1));  // a byte gone
      for (char c : replacements) {
        check_same(seed.substr(0, at) + c + seed.substr(at));             // a byte added
        if (at < seed.size()) {
          std::string changed = seed;
          changed[at] = c;
          check_same(changed);                                            // a byte changed
        }
      }
    }
    check_same(" " + seed);
    check_same(seed + " ");
    check_same(seed + "Z");
    check_same(seed + "00");
  }
}
