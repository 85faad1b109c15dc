#include "fhir/units.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace fhir {
namespace {

enum class Dimension {
  temperature,
  mass,
  pressure,
  volume,
  volume_flow,
  fraction,
  substance_concentration,
  equivalent_concentration,
  mass_concentration,
  number_concentration,
  dose_per_weight,
  mass_rate,
  mass_rate_per_weight,
  enzyme_units,
  unit_rate,
  unit_rate_per_weight,
  rate_per_minute,
  inr,
};

const char* name(Dimension dimension) {
  switch (dimension) {
    case Dimension::temperature: return "temperature";
    case Dimension::mass: return "mass";
    case Dimension::pressure: return "pressure";
    case Dimension::volume: return "volume";
    case Dimension::volume_flow: return "volume flow";
    case Dimension::fraction: return "fraction";
    case Dimension::substance_concentration: return "substance concentration";
    case Dimension::equivalent_concentration: return "equivalent concentration";
    case Dimension::mass_concentration: return "mass concentration";
    case Dimension::number_concentration: return "cell count";
    case Dimension::dose_per_weight: return "dose per body weight";
    case Dimension::mass_rate: return "dose rate";
    case Dimension::mass_rate_per_weight: return "dose rate per body weight";
    case Dimension::enzyme_units: return "units";
    case Dimension::unit_rate: return "units per time";
    case Dimension::unit_rate_per_weight: return "units per time per body weight";
    case Dimension::rate_per_minute: return "rate per minute";
    case Dimension::inr: return "INR";
  }
  return "?";
}

// value in the dimension's base unit = (value - zero) * factor. Only
// temperatures have a zero; the base units are Cel, g, kPa, mL, mL/min, 1,
// mmol/L, mEq/L, g/L, 10*9/L, mg/kg, ug/min, ug/kg/min, U, U/min, U/kg/min.
// Factors are the UCUM definitions: [lb_av] = 7000 [gr] = 453.59237 g,
// m[Hg] = 133.3220 kPa.
struct Unit {
  std::string_view code;
  Dimension dimension;
  double factor;
  double zero = 0;
};

constexpr double kPerHour = 1.0 / 60;  // per hour, in per minute

constexpr Unit kUnits[] = {
    {"Cel", Dimension::temperature, 1},
    {"K", Dimension::temperature, 1, 273.15},
    {"[degF]", Dimension::temperature, 5.0 / 9.0, 32},

    {"kg", Dimension::mass, 1e3},
    {"g", Dimension::mass, 1},
    {"mg", Dimension::mass, 1e-3},
    {"ug", Dimension::mass, 1e-6},
    {"[lb_av]", Dimension::mass, 453.59237},
    {"[oz_av]", Dimension::mass, 453.59237 / 16},

    {"mm[Hg]", Dimension::pressure, 0.1333220},
    {"kPa", Dimension::pressure, 1},

    {"mL", Dimension::volume, 1},

    {"L/min", Dimension::volume_flow, 1e3},
    {"mL/min", Dimension::volume_flow, 1},
    {"mL/h", Dimension::volume_flow, kPerHour},

    {"%", Dimension::fraction, 1e-2},
    {"1", Dimension::fraction, 1},

    {"mmol/L", Dimension::substance_concentration, 1},
    {"umol/L", Dimension::substance_concentration, 1e-3},
    {"mEq/L", Dimension::equivalent_concentration, 1},

    {"g/dL", Dimension::mass_concentration, 10},
    {"mg/dL", Dimension::mass_concentration, 1e-2},
    {"mg/L", Dimension::mass_concentration, 1e-3},
    {"ug/mL", Dimension::mass_concentration, 1e-3},
    {"ug/L", Dimension::mass_concentration, 1e-6},
    {"ng/mL", Dimension::mass_concentration, 1e-6},
    {"pg/mL", Dimension::mass_concentration, 1e-9},

    {"10*9/L", Dimension::number_concentration, 1},
    {"10*3/uL", Dimension::number_concentration, 1},  // 10^3 per 10^-6 L = 10^9 per L

    {"mg/kg", Dimension::dose_per_weight, 1},
    {"ug/kg", Dimension::dose_per_weight, 1e-3},

    {"ug/min", Dimension::mass_rate, 1},
    {"ug/h", Dimension::mass_rate, kPerHour},
    {"mg/h", Dimension::mass_rate, 1e3 * kPerHour},

    {"ug/kg/min", Dimension::mass_rate_per_weight, 1},
    {"mg/kg/h", Dimension::mass_rate_per_weight, 1e3 * kPerHour},

    {"U", Dimension::enzyme_units, 1},
    {"U/min", Dimension::unit_rate, 1},
    {"U/h", Dimension::unit_rate, kPerHour},
    {"U/kg/min", Dimension::unit_rate_per_weight, 1},

    {"/min", Dimension::rate_per_minute, 1},

    // An INR is a ratio to a reference thromboplastin, not a fraction: it
    // converts to nothing but itself.
    {"{INR}", Dimension::inr, 1},
};

// Every charted quantity is looked up here, usually twice: the length and
// first byte settle most comparisons without a call to memcmp.
const Unit* find_unit(std::string_view code) {
  if (code.empty()) return nullptr;  // no unit has an empty code
  for (const Unit& unit : kUnits) {
    if (unit.code.size() == code.size() && unit.code[0] == code[0] && unit.code == code) {
      return &unit;
    }
  }
  return nullptr;
}

bool is_concentration(Dimension d) {
  return d == Dimension::substance_concentration || d == Dimension::mass_concentration ||
         d == Dimension::equivalent_concentration;
}

Conversion failure(std::string what) { return {std::nullopt, std::move(what)}; }

std::string quoted(std::string_view code) { return "'" + std::string(code) + "'"; }

}  // namespace

Conversion convert_unit(double value, std::string_view from, std::string_view to,
                        double molar_mass_g_per_mol, int valence) {
  const Unit* source = find_unit(from);
  if (!source) return failure("unknown unit " + quoted(from));
  // Most charted quantities are already in the unit asked for.
  const Unit* target = to == from ? source : find_unit(to);
  if (!target) return failure("unknown unit " + quoted(to));
  if (!std::isfinite(value)) return failure("value in " + quoted(from) + " is not a finite number");

  // Named only in a failure: most conversions succeed.
  const auto step = [from, to] { return "converting " + quoted(from) + " to " + quoted(to); };
  const Dimension d_from = source->dimension;
  const Dimension d_to = target->dimension;
  if (d_from != d_to && !(is_concentration(d_from) && is_concentration(d_to))) {
    return failure("cannot convert " + quoted(from) + " (" + name(d_from) + ") to " + quoted(to) +
                   " (" + name(d_to) + ")");
  }

  double base = (value - source->zero) * source->factor;
  if (d_from == Dimension::temperature && base < -273.15) {
    char shown[32];
    std::snprintf(shown, sizeof shown, "%g", value);
    return failure("temperature " + std::string(shown) + " " + std::string(from) +
                   " is below absolute zero");
  }

  if (d_from != d_to) {
    // Between kinds of concentration, go through mmol/L: g/L -> mmol/L needs
    // the molar mass, mEq/L -> mmol/L the ion's charge (mEq = mmol x |valence|).
    const bool needs_molar_mass =
        d_from == Dimension::mass_concentration || d_to == Dimension::mass_concentration;
    const bool needs_valence = d_from == Dimension::equivalent_concentration ||
                               d_to == Dimension::equivalent_concentration;
    if (needs_molar_mass && !(molar_mass_g_per_mol > 0 && std::isfinite(molar_mass_g_per_mol))) {
      return failure(step() + " needs the analyte's molar mass (g/mol)");
    }
    if (needs_valence && valence == 0) return failure(step() + " needs the ion's valence");
    const double charge = std::abs(valence);

    double mmol_per_l = base;
    if (d_from == Dimension::mass_concentration) mmol_per_l = base * 1e3 / molar_mass_g_per_mol;
    if (d_from == Dimension::equivalent_concentration) mmol_per_l = base / charge;

    base = mmol_per_l;
    if (d_to == Dimension::mass_concentration) base = mmol_per_l * molar_mass_g_per_mol / 1e3;
    if (d_to == Dimension::equivalent_concentration) base = mmol_per_l * charge;
  }

  const double result = source == target ? value : base / target->factor + target->zero;
  if (!std::isfinite(result)) return failure(step() + " overflows");
  return {result, {}};
}

bool is_known_unit(std::string_view code) { return find_unit(code) != nullptr; }

// Rounds half away from zero on the decimal the double stands for. A double
// is rarely that decimal exactly (38.05 is stored as 38.04999...), and
// conversions add error of a few ulps (100.4 [degF] gives 37.999...), so the
// magnitude is nudged by a relative 1e-12, far below any charted precision
// and far above double rounding error, before rounding.
double round_to_tenth(double value) {
  double scaled = value * 10;
  scaled += scaled * 1e-12;
  return std::round(scaled) / 10;
}

std::optional<std::string_view> ucum_from_display(std::string_view display) {
  // The whole list; matching is exact (case and spacing as written here).
  static constexpr std::pair<std::string_view, std::string_view> kDisplays[] = {
      {"\u00B0C", "Cel"},      {"C", "Cel"},
      {"degC", "Cel"},         {"\u00B0F", "[degF]"},
      {"F", "[degF]"},         {"degF", "[degF]"},
      {"mmHg", "mm[Hg]"},      {"mm Hg", "mm[Hg]"},
      {"kg", "kg"},            {"lb", "[lb_av]"},
      {"lbs", "[lb_av]"},      {"L/min", "L/min"},
      {"l/min", "L/min"},      {"LPM", "L/min"},
      {"%", "%"},              {"mg", "mg"},
      {"mcg", "ug"},           {"\u00B5g", "ug"},
      {"bpm", "/min"},         {"beats/min", "/min"},
      {"breaths/min", "/min"},
  };
  for (const auto& [shown, code] : kDisplays) {
    if (shown == display) return code;
  }
  return std::nullopt;
}

}  // namespace fhir
