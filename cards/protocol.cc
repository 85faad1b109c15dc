#include "cards/protocol.h"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace icans {
namespace {

// Far larger than any protocol; a bigger file is a wrong path, not a protocol.
constexpr std::streamoff kMaxProtocolFileBytes = 4 * 1024 * 1024;

std::string format_amount(double value) {
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

}  // namespace

RouteCode route_code(Route route) {
  switch (route) {
    case Route::intravenous:
      return {"47625008", "Intravenous route"};
    case Route::oral:
      return {"26643006", "Oral route"};
  }
  return {"", ""};
}

std::string_view route_name(Route route) {
  switch (route) {
    case Route::intravenous:
      return "intravenous";
    case Route::oral:
      return "oral";
  }
  return "";
}

DoseCalculation calculate_dose(const Dosing& dosing, std::optional<double> weight_kg) {
  DoseCalculation result;
  if (dosing.dose_mg) {
    result.mg = *dosing.dose_mg;
    result.explanation = format_amount(*dosing.dose_mg) + " mg";
  } else if (dosing.dose_mg_per_kg) {
    double per_kg = *dosing.dose_mg_per_kg;
    if (!weight_kg || !std::isfinite(*weight_kg) || *weight_kg <= 0) {
      result.explanation = "weight-based dose (" + format_amount(per_kg) +
                           " mg/kg): no usable body weight, so no dose is computed";
      return result;
    }
    for (const auto& band : dosing.weight_bands) {
      if (*weight_kg < band.below_kg) {
        per_kg = band.dose_mg_per_kg;
        break;
      }
    }
    result.mg = per_kg * *weight_kg;
    result.explanation = format_amount(per_kg) + " mg/kg x " + format_amount(*weight_kg) +
                         " kg = " + format_amount(*result.mg) + " mg";
  } else {
    result.explanation = "the regimen defines no dose";
    return result;
  }
  if (dosing.max_dose_mg && *result.mg > *dosing.max_dose_mg) {
    result.mg = *dosing.max_dose_mg;
    result.capped = true;
    result.explanation += ", capped at " + format_amount(*dosing.max_dose_mg) + " mg";
  }
  return result;
}

const ProphylaxisRule& prophylaxis_rule_for(const SeizureProphylaxis& prophylaxis,
                                            fhir::Concept product) {
  for (const auto& rule : prophylaxis.product_rules) {
    for (auto listed : rule.products) {
      if (listed == product) return rule;
    }
  }
  return prophylaxis.all_products;
}

const Regimen* find_regimen(const Protocol& protocol, std::string_view id) {
  const auto found = protocol.regimens.find(std::string(id));
  return found == protocol.regimens.end() ? nullptr : &found->second;
}

const Orderable* find_orderable(const Protocol& protocol, std::string_view id) {
  const auto found = protocol.orderables.find(std::string(id));
  return found == protocol.orderables.end() ? nullptr : &found->second;
}

std::string rule_url(const Protocol& protocol, std::string_view rule_id) {
  if (protocol.documentation_url.empty()) return {};
  return protocol.documentation_url + "#" + std::string(rule_id);
}

ProtocolLoadResult load_protocol_file(const std::string& path) {
  ProtocolLoadResult result;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    result.errors.push_back(path + ": cannot open the protocol file");
    return result;
  }
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0 || size > kMaxProtocolFileBytes) {
    result.errors.push_back(path + ": not a protocol file (size " + std::to_string(size) +
                            " bytes, at most " + std::to_string(kMaxProtocolFileBytes) + ")");
    return result;
  }
  file.seekg(0, std::ios::beg);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!file.read(text.data(), size)) {
    result.errors.push_back(path + ": cannot read the protocol file");
    return result;
  }
  return load_protocol(text, path);
}

ProtocolLoadResult default_protocol() {
  return load_protocol(default_protocol_json(), "default protocol (cards/default_protocol.json)");
}

}  // namespace icans
