// Patient: who, and the birth date and gender the age-dependent rules need.
#include "fhir/read_helpers.h"

namespace fhir::detail {

void read_patient(const Json& json, ReadResource& out, ReadContext& context) {
  Patient patient;
  patient.birth_date = datetime_member(json, "birthDate", "birthDate", context);
  if (auto gender = string_member(json, "gender", "gender", context)) {
    constexpr std::string_view kGenders[] = {"male", "female", "other", "unknown"};
    bool known = false;
    for (auto code : kGenders) known = known || code == *gender;
    if (!known) context.warn("gender", "unknown gender code '" + *gender + "'; kept as charted");
    patient.gender = std::move(*gender);
  }
  out.resource = std::move(patient);
}

}  // namespace fhir::detail
