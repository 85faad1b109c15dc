#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "fhir/units.h"

using fhir::convert_unit;
using fhir::round_to_tenth;

namespace {

double converted(double value, const char* from, const char* to, double molar_mass = 0,
                 int valence = 0) {
  const auto result = convert_unit(value, from, to, molar_mass, valence);
  INFO(value << " " << from << " -> " << to << ": " << result.error);
  REQUIRE(result.value);
  CHECK(result.error.empty());
  return *result.value;
}

std::string refusal(double value, const char* from, const char* to, double molar_mass = 0,
                    int valence = 0) {
  const auto result = convert_unit(value, from, to, molar_mass, valence);
  INFO(value << " " << from << " -> " << to);
  REQUIRE_FALSE(result.value);
  REQUIRE_FALSE(result.error.empty());
  return result.error;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("100.4 [degF] is exactly 38.0 Cel after rounding to a tenth", "[units]") {
  const double celsius = converted(100.4, "[degF]", "Cel");
  CHECK(celsius == Approx(38.0).margin(1e-9));
  CHECK(round_to_tenth(celsius) == 38.0);
}

TEST_CASE("98.6 [degF] is 37.0 Cel and back", "[units]") {
  CHECK(round_to_tenth(converted(98.6, "[degF]", "Cel")) == 37.0);
  CHECK(converted(37.0, "Cel", "[degF]") == Approx(98.6).margin(1e-9));
  CHECK(converted(38.0, "Cel", "[degF]") == Approx(100.4).margin(1e-9));
  CHECK(converted(-40, "Cel", "[degF]") == Approx(-40).margin(1e-9));
  CHECK(converted(32, "[degF]", "Cel") == 0.0);
}

TEST_CASE("kelvin is Celsius shifted by 273.15", "[units]") {
  CHECK(converted(310.15, "K", "Cel") == Approx(37.0).margin(1e-9));
  CHECK(converted(0, "Cel", "K") == Approx(273.15).margin(1e-9));
  CHECK(converted(273.15, "K", "[degF]") == Approx(32.0).margin(1e-9));
}

TEST_CASE("a temperature below absolute zero is an error", "[units]") {
  CHECK(contains(refusal(-300, "Cel", "[degF]"), "below absolute zero"));
  CHECK(contains(refusal(-1, "K", "Cel"), "below absolute zero"));
}

TEST_CASE("round_to_tenth rounds half away from zero on the decimal value", "[units]") {
  CHECK(round_to_tenth(38.05) == 38.1);  // stored as 38.04999...
  CHECK(round_to_tenth(38.15) == 38.2);  // stored as 38.14999...
  CHECK(round_to_tenth(37.95) == 38.0);
  CHECK(round_to_tenth(0.05) == 0.1);
  CHECK(round_to_tenth(-38.05) == -38.1);
  CHECK(round_to_tenth(38.049) == 38.0);
  CHECK(round_to_tenth(38.0499999) == 38.0);
  CHECK(round_to_tenth(37.99999999999999) == 38.0);
  CHECK(round_to_tenth(38.04) == 38.0);
  CHECK(round_to_tenth(0.0) == 0.0);
  CHECK(round_to_tenth(38.1) == 38.1);
}

TEST_CASE("a converted temperature on a half tenth rounds up despite binary error", "[units]") {
  // 101.21 [degF] is 38.45 Cel exactly, but the double arithmetic gives 38.449999...
  CHECK(round_to_tenth(converted(101.21, "[degF]", "Cel")) == 38.5);
  CHECK(round_to_tenth(38.449999999999996) == 38.5);
  CHECK(round_to_tenth(converted(92.21, "[degF]", "Cel")) == 33.5);
}

TEST_CASE("masses convert by the UCUM factors, 1 [lb_av] being 0.45359237 kg exactly",
          "[units]") {
  CHECK(converted(1, "[lb_av]", "kg") == Approx(0.45359237).epsilon(1e-15));
  CHECK(converted(1, "[lb_av]", "g") == 453.59237);
  CHECK(converted(70, "kg", "[lb_av]") == Approx(154.32358352941).epsilon(1e-12));
  CHECK(converted(1, "[oz_av]", "g") == Approx(28.349523125).epsilon(1e-15));
  CHECK(converted(16, "[oz_av]", "[lb_av]") == Approx(1.0).epsilon(1e-15));
  CHECK(converted(1, "kg", "g") == 1000);
  CHECK(converted(1, "kg", "mg") == Approx(1e6));
  CHECK(converted(250, "ug", "mg") == Approx(0.25));
  CHECK(converted(2, "g", "ug") == Approx(2e6));
}

TEST_CASE("pressure converts between mm[Hg] and kPa by 133.3220 kPa per m[Hg]", "[units]") {
  CHECK(converted(120, "mm[Hg]", "kPa") == Approx(15.99864).epsilon(1e-12));
  CHECK(converted(1, "kPa", "mm[Hg]") == Approx(7.500637).epsilon(1e-6));
}

TEST_CASE("gas and fluid flows convert among L/min, mL/min and mL/h", "[units]") {
  CHECK(converted(2, "L/min", "mL/min") == Approx(2000));
  CHECK(converted(500, "mL/min", "L/min") == Approx(0.5));
  CHECK(converted(60, "mL/h", "mL/min") == Approx(1.0));
  CHECK(converted(1, "L/min", "mL/h") == Approx(60000));
}

TEST_CASE("percent and the unit 1 are the same fraction", "[units]") {
  CHECK(converted(95, "%", "1") == Approx(0.95));
  CHECK(converted(0.21, "1", "%") == Approx(21));
}

TEST_CASE("glucose 5.5 mmol/L is 99.09 mg/dL with molar mass 180.156 g/mol", "[units]") {
  CHECK(converted(5.5, "mmol/L", "mg/dL", 180.156) == Approx(99.0858).epsilon(1e-12));
  CHECK(converted(99.0858, "mg/dL", "mmol/L", 180.156) == Approx(5.5).epsilon(1e-12));
  CHECK(converted(5500, "umol/L", "g/dL", 180.156) == Approx(0.0990858).epsilon(1e-12));
}

TEST_CASE("mass and substance concentrations do not convert without a molar mass", "[units]") {
  const std::string error = refusal(5.5, "mmol/L", "mg/dL");
  CHECK(contains(error, "molar mass"));
  CHECK(contains(error, "'mmol/L'"));
  CHECK(contains(error, "'mg/dL'"));
  CHECK(contains(refusal(100, "mg/dL", "mmol/L", -180), "molar mass"));
  CHECK(contains(refusal(100, "mg/dL", "mmol/L", std::nan("")), "molar mass"));
}

TEST_CASE("sodium in mEq/L equals mmol/L with valence 1", "[units]") {
  CHECK(converted(140, "mEq/L", "mmol/L", 0, 1) == Approx(140));
  CHECK(converted(140, "mmol/L", "mEq/L", 0, 1) == Approx(140));
}

TEST_CASE("mEq/L is mmol/L times the ion's charge", "[units]") {
  CHECK(converted(5, "mEq/L", "mmol/L", 0, 2) == Approx(2.5));  // calcium
  CHECK(converted(100, "mEq/L", "mmol/L", 0, -1) == Approx(100));  // chloride
  // Calcium 5 mEq/L -> 2.5 mmol/L -> 10.0195 mg/dL (40.078 g/mol).
  CHECK(converted(5, "mEq/L", "mg/dL", 40.078, 2) == Approx(10.0195).epsilon(1e-12));
}

TEST_CASE("mEq/L does not convert to mmol/L without a valence", "[units]") {
  CHECK(contains(refusal(140, "mEq/L", "mmol/L"), "valence"));
  CHECK(contains(refusal(140, "mmol/L", "mEq/L"), "valence"));
  CHECK(contains(refusal(5, "mEq/L", "mg/dL", 40.078), "valence"));
  CHECK(contains(refusal(5, "mEq/L", "mg/dL", 0, 2), "molar mass"));
}

TEST_CASE("mass concentrations convert among each other without a molar mass", "[units]") {
  CHECK(converted(1, "g/dL", "mg/dL") == Approx(1000));
  CHECK(converted(12, "mg/dL", "mg/L") == Approx(120));
  CHECK(converted(1, "ng/mL", "ug/L") == Approx(1));
  CHECK(converted(1000, "pg/mL", "ng/mL") == Approx(1));
  CHECK(converted(1, "ug/mL", "mg/L") == Approx(1));
  CHECK(converted(88.4, "umol/L", "mmol/L") == Approx(0.0884));
}

TEST_CASE("10*3/uL and 10*9/L are the same cell count", "[units]") {
  CHECK(converted(4.5, "10*3/uL", "10*9/L") == 4.5);
  CHECK(converted(0.5, "10*9/L", "10*3/uL") == 0.5);
}

TEST_CASE("doses per weight convert between mg/kg and ug/kg", "[units]") {
  CHECK(converted(1, "mg/kg", "ug/kg") == Approx(1000));
  CHECK(converted(500, "ug/kg", "mg/kg") == Approx(0.5));
}

TEST_CASE("each dose rate converts within its own dimension", "[units]") {
  CHECK(converted(0.06, "mg/kg/h", "ug/kg/min") == Approx(1.0));
  CHECK(converted(1, "ug/kg/min", "mg/kg/h") == Approx(0.06));
  CHECK(converted(60, "ug/h", "ug/min") == Approx(1.0));
  CHECK(converted(1, "mg/h", "ug/min") == Approx(1000.0 / 60));
  CHECK(converted(1, "mg/h", "ug/h") == Approx(1000));
  CHECK(converted(60, "U/h", "U/min") == Approx(1.0));
  CHECK(converted(0.04, "U/min", "U/h") == Approx(2.4));
  CHECK(converted(0.5, "U/kg/min", "U/kg/min") == 0.5);
  CHECK(contains(refusal(1, "ug/kg/min", "ug/min"), "cannot convert"));
  CHECK(contains(refusal(1, "U/kg/min", "U/min"), "cannot convert"));
  CHECK(contains(refusal(1, "U/min", "ug/min"), "cannot convert"));
}

TEST_CASE("units that stand alone convert only to themselves", "[units]") {
  CHECK(converted(2.5, "{INR}", "{INR}") == 2.5);
  CHECK(converted(88, "/min", "/min") == 88);
  CHECK(converted(40, "U", "U") == 40);
  CHECK(converted(250, "mL", "mL") == 250);
  CHECK(contains(refusal(2.5, "{INR}", "1"), "cannot convert"));
  CHECK(contains(refusal(2.5, "{INR}", "%"), "cannot convert"));
  CHECK(contains(refusal(40, "U", "mg"), "cannot convert"));
  CHECK(contains(refusal(250, "mL", "mL/min"), "cannot convert"));
}

TEST_CASE("a conversion across dimensions is an error naming both units", "[units]") {
  const std::string error = refusal(38, "mg/dL", "Cel");
  CHECK(contains(error, "'mg/dL'"));
  CHECK(contains(error, "'Cel'"));
  CHECK(contains(error, "mass concentration"));
  CHECK(contains(error, "temperature"));
  CHECK(contains(refusal(70, "kg", "mm[Hg]"), "'kg'"));
  CHECK(contains(refusal(5, "mmol/L", "%"), "'%'"));
}

TEST_CASE("an unknown unit is an error naming it", "[units]") {
  CHECK(refusal(1, "foo", "Cel") == "unknown unit 'foo'");
  CHECK(refusal(1, "Cel", "bar") == "unknown unit 'bar'");
  CHECK(contains(refusal(1, "mmHg", "kPa"), "'mmHg'"));  // a display, not a UCUM code
  CHECK(contains(refusal(1, "cel", "Cel"), "'cel'"));    // UCUM codes are case-sensitive
  CHECK(contains(refusal(1, "", "Cel"), "unknown unit ''"));
}

TEST_CASE("NaN and infinite values are errors, and so is an overflowing result", "[units]") {
  CHECK(contains(refusal(std::nan(""), "Cel", "[degF]"), "not a finite number"));
  CHECK(contains(refusal(std::numeric_limits<double>::infinity(), "kg", "g"),
                 "not a finite number"));
  CHECK(contains(refusal(-std::numeric_limits<double>::infinity(), "kg", "kg"),
                 "not a finite number"));
  CHECK(contains(refusal(1e308, "kg", "ug"), "overflows"));
}

TEST_CASE("converting a unit to itself returns the value unchanged", "[units]") {
  CHECK(converted(100.4, "[degF]", "[degF]") == 100.4);
  CHECK(converted(0.1, "mg/dL", "mg/dL") == 0.1);
}

TEST_CASE("is_known_unit knows exactly the table's UCUM codes", "[units]") {
  for (const char* code :
       {"Cel", "[degF]", "K", "kg", "g", "mg", "ug", "[lb_av]", "[oz_av]", "mm[Hg]", "kPa",
        "L/min", "mL/min", "%", "1", "mmol/L", "umol/L", "mEq/L", "g/dL", "mg/dL", "mg/L", "ug/L",
        "ng/mL", "pg/mL", "ug/mL", "10*3/uL", "10*9/L", "mg/kg", "ug/kg", "ug/kg/min", "mg/kg/h",
        "ug/min", "mg/h", "ug/h", "U/min", "U/h", "U/kg/min", "mL/h", "{INR}", "/min", "U",
        "mL"}) {
    INFO(code);
    CHECK(fhir::is_known_unit(code));
  }
  for (const char* code : {"", "mmHg", "degF", "lb", "cel", "KG", "mcg", "L", "mg/dl", "/h"}) {
    INFO(code);
    CHECK_FALSE(fhir::is_known_unit(code));
  }
}

TEST_CASE("ucum_from_display maps only the documented spellings", "[units]") {
  const std::pair<const char*, const char*> mapped[] = {
      {"\u00B0C", "Cel"},     {"C", "Cel"},         {"degC", "Cel"},
      {"\u00B0F", "[degF]"},  {"F", "[degF]"},      {"degF", "[degF]"},
      {"mmHg", "mm[Hg]"},     {"mm Hg", "mm[Hg]"},  {"kg", "kg"},
      {"lb", "[lb_av]"},      {"lbs", "[lb_av]"},   {"L/min", "L/min"},
      {"l/min", "L/min"},     {"LPM", "L/min"},     {"%", "%"},
      {"mg", "mg"},           {"mcg", "ug"},        {"\u00B5g", "ug"},
      {"bpm", "/min"},        {"beats/min", "/min"}, {"breaths/min", "/min"},
  };
  for (const auto& [display, code] : mapped) {
    INFO(display);
    const auto ucum = fhir::ucum_from_display(display);
    REQUIRE(ucum);
    CHECK(*ucum == code);
    CHECK(fhir::is_known_unit(*ucum));
  }
  for (const char* display : {"", "Celsius", "deg C", "c", "f", "MMHG", "mm hg", "KG", "pounds",
                              "lpm", "ug", "Cel", "/min", "°C ", " kg", "mg/dL"}) {
    INFO(display);
    CHECK_FALSE(fhir::ucum_from_display(display));
  }
}
