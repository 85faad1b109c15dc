#include "cds/grading_config.h"

#include <sstream>

namespace icans {
namespace {

// A window longer than a month is almost certainly a unit mistake (minutes or
// days typed as hours), and would let stale findings set today's grade.
constexpr double kMaxWindowHours = 720;

// Outside this range the fever cut-off no longer means "fever" (ASTCT: 38.0 °C).
constexpr double kMinFeverCelsius = 37.5;
constexpr double kMaxFeverCelsius = 39.5;

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Comparisons are written so that NaN fails every check.
void check_window(const char* name, double hours, std::vector<std::string>& problems) {
  if (hours > 0 && hours <= kMaxWindowHours) return;
  problems.push_back(std::string(name) + " must be > 0 and <= " + number(kMaxWindowHours) +
                     " h (got " + number(hours) + ")");
}

void check_not_negative(const std::string& name, double value,
                        std::vector<std::string>& problems) {
  if (value >= 0) return;
  problems.push_back(name + " must be >= 0 (got " + number(value) + ")");
}

void check_positive(const char* name, double value, std::vector<std::string>& problems) {
  if (value > 0) return;
  problems.push_back(std::string(name) + " must be > 0 (got " + number(value) + ")");
}

void check_windows(const GradingConfig& config, std::vector<std::string>& problems) {
  check_window("ice_window_hours", config.ice_window_hours, problems);
  check_window("consciousness_window_hours", config.consciousness_window_hours, problems);
  check_window("motor_window_hours", config.motor_window_hours, problems);
  check_window("seizure_window_hours", config.seizure_window_hours, problems);
  check_window("imaging_window_hours", config.imaging_window_hours, problems);
  check_window("fever_window_hours", config.fever_window_hours, problems);
  check_window("hypotension_window_hours", config.hypotension_window_hours, problems);
  check_window("oxygen_window_hours", config.oxygen_window_hours, problems);
}

void check_effect_hours(const GradingConfig& config, std::vector<std::string>& problems) {
  check_not_negative("vasopressor_effect_hours", config.vasopressor_effect_hours, problems);
  for (const auto& [drug, hours] : config.sedative_effect_hours) {
    const std::string name =
        "sedative_effect_hours[" + std::string(fhir::concept_code(drug)) + "]";
    if (!fhir::is_sedative(drug)) problems.push_back(name + ": not a sedative");
    check_not_negative(name, hours, problems);
  }
}

void check_thresholds(const GradingConfig& config, std::vector<std::string>& problems) {
  check_not_negative("pediatric_cutoff_years", config.pediatric_cutoff_years, problems);
  check_positive("scope_days_after_infusion", config.scope_days_after_infusion, problems);
  if (!(config.fever_celsius >= kMinFeverCelsius && config.fever_celsius <= kMaxFeverCelsius)) {
    problems.push_back("fever_celsius must be between " + number(kMinFeverCelsius) + " and " +
                       number(kMaxFeverCelsius) + " Cel (got " + number(config.fever_celsius) +
                       ")");
  }
  check_positive("adult_systolic_below", config.adult_systolic_below, problems);
  check_positive("adult_mean_below", config.adult_mean_below, problems);
  check_positive("low_flow_cannula_max_l_min", config.low_flow_cannula_max_l_min, problems);
}

// Bands are searched in order and the first match wins, so a band out of
// order would silently shadow the ones after it.
void check_pediatric_bp(const GradingConfig& config, std::vector<std::string>& problems) {
  double previous = 0;
  for (std::size_t i = 0; i < config.pediatric_bp.size(); ++i) {
    const auto& band = config.pediatric_bp[i];
    const std::string name = "pediatric_bp[" + std::to_string(i) + "]";
    if (!(band.below_age_years > previous)) {
      problems.push_back(name + ".below_age_years must be > " + number(previous) +
                         " (bands ascending by age; got " + number(band.below_age_years) + ")");
    } else {
      previous = band.below_age_years;
    }
    if (!(band.systolic_base > 0)) {
      problems.push_back(name + ".systolic_base must be > 0 (got " + number(band.systolic_base) +
                         ")");
    }
    check_not_negative(name + ".systolic_per_year", band.systolic_per_year, problems);
    check_not_negative(name + ".mean", band.mean, problems);
  }
}

}  // namespace

std::string validate(const GradingConfig& config) {
  std::vector<std::string> problems;
  check_windows(config, problems);
  check_effect_hours(config, problems);
  check_thresholds(config, problems);
  check_pediatric_bp(config, problems);
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += '\n';
    text += problem;
  }
  return text;
}

}  // namespace icans
