#pragma once
// UCUM unit conversion for the quantities the grading rules read.
//
// Only units listed in docs/terminology.md are understood. An unknown unit, or
// a unit of the wrong dimension (mg/dL for a temperature), is an error for that
// value: a clinical value is never converted by guesswork.

#include <optional>
#include <string>
#include <string_view>

namespace fhir {

struct Conversion {
  std::optional<double> value;
  std::string error;  // set when value is empty
};

// Converts `value` from UCUM unit `from` to UCUM unit `to`.
//
// Supported dimensions: temperature (Cel, [degF], K), mass (kg, g, mg, ug,
// [lb_av], [oz_av]), pressure (mm[Hg], kPa), gas flow (L/min, mL/min),
// fraction (%, 1), substance concentration (mmol/L, umol/L, mEq/L),
// mass concentration (g/dL, mg/dL, mg/L, ug/L, ng/mL, pg/mL, ug/mL),
// cell counts (10*3/uL, 10*9/L), dose per weight (mg/kg, ug/kg),
// dose rates (ug/kg/min, mg/kg/h, ug/min, mg/h, ug/h, U/min, U/h, U/kg/min),
// volume rate (mL/h, same dimension as L/min), and units that convert only to
// themselves: {INR}, /min (heart and breathing rates), U (units of a drug), mL.
// Temperatures below absolute zero and non-finite values are errors.
//
// Substance and mass concentrations convert into each other only when the
// analyte's molar mass (g/mol) is given; mEq/L equals mmol/L only for a
// monovalent ion, so `valence` must be given (1 for sodium) for that step.
Conversion convert_unit(double value, std::string_view from, std::string_view to,
                        double molar_mass_g_per_mol = 0, int valence = 0);

// True when `code` is a UCUM code this module understands.
bool is_known_unit(std::string_view code);

// Temperatures are compared after rounding to 0.1 °C, so 100.4 [degF] is 38.0 Cel.
// Rounds half away from zero on the decimal the double stands for (38.05 -> 38.1),
// absorbing the few-ulp error that conversions leave.
double round_to_tenth(double value);

}  // namespace fhir

namespace fhir {

// Some EHRs send only a printable unit ("°F", "mmHg") without a UCUM code.
// A short, documented list of such spellings maps to UCUM; anything else is
// not guessed. The code returned views a static table.
std::optional<std::string_view> ucum_from_display(std::string_view display);

}  // namespace fhir
