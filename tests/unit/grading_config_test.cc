// A site's grading configuration is checked before any patient is graded.

#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "cds/grading_config.h"

namespace {

using icans::GradingConfig;
using icans::validate;
using Catch::Matchers::Contains;

int lines(const std::string& text) {
  if (text.empty()) return 0;
  int count = 1;
  for (char c : text) count += c == '\n';
  return count;
}

}  // namespace

TEST_CASE("Grading config defaults are valid") { CHECK(validate(GradingConfig{}).empty()); }

TEST_CASE("Grading config windows must be above 0 and at most 720 h") {
  GradingConfig config;
  config.fever_window_hours = 720;
  CHECK(validate(config).empty());
  config.fever_window_hours = 721;
  CHECK_THAT(validate(config), Contains("fever_window_hours must be > 0 and <= 720 h (got 721)"));
  config.fever_window_hours = 0;
  CHECK_THAT(validate(config), Contains("fever_window_hours"));
  config.fever_window_hours = 24;
  config.imaging_window_hours = -1;
  CHECK_THAT(validate(config), Contains("imaging_window_hours"));
  config.imaging_window_hours = std::nan("");
  CHECK_THAT(validate(config), Contains("imaging_window_hours"));
}

TEST_CASE("Grading config checks every window") {
  GradingConfig config;
  config.ice_window_hours = 0;
  config.consciousness_window_hours = 0;
  config.motor_window_hours = 0;
  config.seizure_window_hours = 0;
  config.imaging_window_hours = 0;
  config.fever_window_hours = 0;
  config.hypotension_window_hours = 0;
  config.oxygen_window_hours = 0;
  const std::string problems = validate(config);
  CHECK(lines(problems) == 8);
  for (const char* name : {"ice_window_hours", "consciousness_window_hours", "motor_window_hours",
                           "seizure_window_hours", "imaging_window_hours", "fever_window_hours",
                           "hypotension_window_hours", "oxygen_window_hours"}) {
    CHECK_THAT(problems, Contains(name));
  }
}

TEST_CASE("Grading config effect hours may be 0 but not negative") {
  GradingConfig config;
  config.vasopressor_effect_hours = 0;
  config.sedative_effect_hours[fhir::Concept::propofol] = 0;
  CHECK(validate(config).empty());
  config.vasopressor_effect_hours = -1;
  config.sedative_effect_hours[fhir::Concept::midazolam] = -0.5;
  const std::string problems = validate(config);
  CHECK(lines(problems) == 2);
  CHECK_THAT(problems, Contains("vasopressor_effect_hours must be >= 0 (got -1)"));
  CHECK_THAT(problems, Contains("sedative_effect_hours["));
}

TEST_CASE("Grading config sedative effect hours name only sedatives") {
  GradingConfig config;
  config.sedative_effect_hours[fhir::Concept::norepinephrine] = 2;
  CHECK_THAT(validate(config), Contains("not a sedative"));
}

TEST_CASE("Grading config fever cut-off between 37.5 and 39.5 Cel") {
  GradingConfig config;
  config.fever_celsius = 37.5;
  CHECK(validate(config).empty());
  config.fever_celsius = 39.5;
  CHECK(validate(config).empty());
  config.fever_celsius = 37.4;
  CHECK_THAT(validate(config), Contains("fever_celsius"));
  config.fever_celsius = 39.6;
  CHECK_THAT(validate(config), Contains("fever_celsius"));
  config.fever_celsius = 100.4;  // Fahrenheit typed where Celsius is meant
  CHECK_THAT(validate(config), Contains("fever_celsius"));
}

TEST_CASE("Grading config thresholds must be positive") {
  GradingConfig config;
  config.adult_systolic_below = 0;
  config.adult_mean_below = -65;
  config.low_flow_cannula_max_l_min = 0;
  const std::string problems = validate(config);
  CHECK(lines(problems) == 3);
  CHECK_THAT(problems, Contains("adult_systolic_below"));
  CHECK_THAT(problems, Contains("adult_mean_below"));
  CHECK_THAT(problems, Contains("low_flow_cannula_max_l_min"));
}

TEST_CASE("Grading config pediatric cut-off may not be negative") {
  GradingConfig config;
  config.pediatric_cutoff_years = -1;
  CHECK_THAT(validate(config), Contains("pediatric_cutoff_years"));
}

TEST_CASE("Grading config pediatric blood pressure bands ascend by age") {
  GradingConfig config;
  config.pediatric_bp = {{10, 70, 2, 0}, {1, 70, 0, 0}, {18, 90, 0, 0}};
  CHECK_THAT(validate(config), Contains("pediatric_bp[1].below_age_years"));
  config.pediatric_bp = {{1, 70, 0, 0}, {1, 70, 2, 0}};
  CHECK_THAT(validate(config), Contains("pediatric_bp[1].below_age_years"));
  config.pediatric_bp = {{1, 0, 0, 0}, {10, 70, -2, -1}};
  const std::string problems = validate(config);
  CHECK(lines(problems) == 3);
  CHECK_THAT(problems, Contains("pediatric_bp[0].systolic_base"));
  CHECK_THAT(problems, Contains("pediatric_bp[1].systolic_per_year"));
  CHECK_THAT(problems, Contains("pediatric_bp[1].mean"));
  config.pediatric_bp.clear();  // no pediatric bands: adult thresholds for everyone
  CHECK(validate(config).empty());
}

TEST_CASE("Grading config reports every problem, one per line") {
  GradingConfig config;
  config.oxygen_window_hours = 0;
  config.fever_celsius = 36;
  config.adult_systolic_below = 0;
  const std::string problems = validate(config);
  CHECK(lines(problems) == 3);
  CHECK(problems.back() != '\n');
}
