#include "cds/evaluation_json.h"

#include <string>

namespace icans {
namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

Value string_value(const std::string& text, Allocator& allocator) {
  return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

Value optional_int(const std::optional<int>& number) {
  return number ? Value(*number) : Value(rapidjson::kNullType);
}

Value time_value(fhir::Instant t, Allocator& allocator) {
  return string_value(fhir::format_instant(t), allocator);
}

Value strings(const std::vector<std::string>& items, Allocator& allocator) {
  Value array(rapidjson::kArrayType);
  for (const auto& item : items) array.PushBack(string_value(item, allocator), allocator);
  return array;
}

Value domain_json(const DomainResult& domain, Allocator& allocator) {
  Value object(rapidjson::kObjectType);
  object.AddMember("domain", string_value(domain.domain, allocator), allocator);
  object.AddMember("grade", optional_int(domain.grade), allocator);
  object.AddMember("rule", string_value(domain.rule, allocator), allocator);
  object.AddMember("reason", string_value(domain.reason, allocator), allocator);
  Value evidence(rapidjson::kArrayType);
  for (const auto& item : domain.evidence) {
    Value entry(rapidjson::kObjectType);
    entry.AddMember("resource", string_value(item.resource, allocator), allocator);
    entry.AddMember("time", time_value(item.time, allocator), allocator);
    entry.AddMember("finding", string_value(item.finding, allocator), allocator);
    evidence.PushBack(entry, allocator);
  }
  object.AddMember("evidence", evidence, allocator);
  return object;
}

Value grade_json(const GradeResult& result, Allocator& allocator, bool drivers_only) {
  Value array(rapidjson::kArrayType);
  if (drivers_only) {
    for (const auto* domain : result.drivers()) array.PushBack(domain_json(*domain, allocator), allocator);
  } else {
    for (const auto& domain : result.domains) array.PushBack(domain_json(domain, allocator), allocator);
  }
  return array;
}

Value doses_json(const std::vector<Dose>& doses, Allocator& allocator) {
  Value array(rapidjson::kArrayType);
  for (const auto& dose : doses) {
    Value entry(rapidjson::kObjectType);
    entry.AddMember("drug", string_value(std::string(fhir::concept_code(dose.drug)), allocator),
                    allocator);
    entry.AddMember("time", time_value(dose.time, allocator), allocator);
    entry.AddMember("mg", dose.mg ? Value(*dose.mg) : Value(rapidjson::kNullType), allocator);
    entry.AddMember("resource", string_value(dose.resource, allocator), allocator);
    if (dose.partial) entry.AddMember("partial", true, allocator);
    array.PushBack(entry, allocator);
  }
  return array;
}

Value concepts_json(const std::vector<fhir::Concept>& concepts, Allocator& allocator) {
  Value array(rapidjson::kArrayType);
  for (auto c : concepts) {
    array.PushBack(string_value(std::string(fhir::concept_code(c)), allocator), allocator);
  }
  return array;
}

Value treatment_json(const Treatment& treatment, Allocator& allocator) {
  Value object(rapidjson::kObjectType);
  object.AddMember("steroid_doses_24h", doses_json(treatment.steroid_doses_24h, allocator), allocator);
  object.AddMember("steroid_doses_total", static_cast<int>(treatment.steroid_doses_total.size()),
                   allocator);
  object.AddMember("dexamethasone_equivalent_mg_24h", treatment.dexamethasone_equivalent_mg_24h,
                   allocator);
  object.AddMember("dexamethasone_equivalent_mg_total", treatment.dexamethasone_equivalent_mg_total,
                   allocator);
  if (treatment.steroid_dose_unknown) object.AddMember("steroid_dose_unknown", true, allocator);
  object.AddMember("tocilizumab_doses_24h", doses_json(treatment.tocilizumab_doses_24h, allocator),
                   allocator);
  object.AddMember("tocilizumab_doses_total",
                   static_cast<int>(treatment.tocilizumab_doses_total.size()), allocator);
  object.AddMember("levetiracetam_active", treatment.levetiracetam_active, allocator);
  if (!treatment.levetiracetam_evidence.empty()) {
    object.AddMember("levetiracetam_evidence",
                     string_value(treatment.levetiracetam_evidence, allocator), allocator);
  }
  object.AddMember("running_vasopressors", concepts_json(treatment.running_vasopressors, allocator),
                   allocator);
  object.AddMember("active_sedatives", concepts_json(treatment.active_sedatives, allocator),
                   allocator);
  return object;
}

Value assessment_json(const Assessment& assessment, Allocator& allocator) {
  if (assessment.tool == Tool::none && assessment.not_assessable == fhir::Concept::unknown) {
    return Value(rapidjson::kNullType);
  }
  Value object(rapidjson::kObjectType);
  const char* tool = assessment.tool == Tool::ice ? "ICE" : assessment.tool == Tool::capd ? "CAPD" : "none";
  object.AddMember("tool", Value(rapidjson::StringRef(tool)), allocator);
  object.AddMember("score", optional_int(assessment.score), allocator);
  object.AddMember("time", time_value(assessment.time, allocator), allocator);
  object.AddMember("resources", strings(assessment.resources, allocator), allocator);
  if (!assessment.missing_items.empty()) {
    object.AddMember("missing_items", strings(assessment.missing_items, allocator), allocator);
  }
  if (assessment.not_assessable != fhir::Concept::unknown) {
    object.AddMember("not_assessable",
                     string_value(std::string(fhir::concept_code(assessment.not_assessable)), allocator),
                     allocator);
  }
  return object;
}

}  // namespace

rapidjson::Value to_json(const Evaluation& evaluation,
                         const std::vector<fhir::Warning>& data_warnings, Allocator& allocator) {
  Value object(rapidjson::kObjectType);
  object.AddMember("patient", string_value(evaluation.patient, allocator), allocator);
  object.AddMember("at", time_value(evaluation.at, allocator), allocator);
  object.AddMember("in_scope", evaluation.in_scope, allocator);
  object.AddMember("scope", string_value(evaluation.scope_reason, allocator), allocator);
  if (evaluation.in_scope) {
    object.AddMember("product",
                     string_value(std::string(fhir::concept_code(evaluation.product)), allocator),
                     allocator);
    object.AddMember("infusion", time_value(*evaluation.infusion, allocator), allocator);
  }
  object.AddMember("day_post_infusion", optional_int(evaluation.day_post_infusion), allocator);
  object.AddMember("age_years", optional_int(evaluation.age_years), allocator);

  const auto& assessment = evaluation.assessment;
  object.AddMember("ice_score",
                   optional_int(assessment.tool == Tool::ice ? assessment.score : std::nullopt),
                   allocator);
  object.AddMember("capd_score",
                   optional_int(assessment.tool == Tool::capd ? assessment.score : std::nullopt),
                   allocator);
  object.AddMember("assessment", assessment_json(assessment, allocator), allocator);
  object.AddMember("previous_score", optional_int(evaluation.previous_ice), allocator);
  object.AddMember("ice_declining", evaluation.ice_declining, allocator);

  object.AddMember("icans_grade", optional_int(evaluation.icans.grade), allocator);
  object.AddMember("crs_grade", optional_int(evaluation.crs.grade), allocator);
  object.AddMember("icans_worst_grade", optional_int(evaluation.icans_worst), allocator);
  object.AddMember("crs_worst_grade", optional_int(evaluation.crs_worst), allocator);

  Value drivers(rapidjson::kObjectType);
  drivers.AddMember("icans", grade_json(evaluation.icans, allocator, true), allocator);
  drivers.AddMember("crs", grade_json(evaluation.crs, allocator, true), allocator);
  object.AddMember("drivers", drivers, allocator);
  Value domains(rapidjson::kObjectType);
  domains.AddMember("icans", grade_json(evaluation.icans, allocator, false), allocator);
  domains.AddMember("crs", grade_json(evaluation.crs, allocator, false), allocator);
  object.AddMember("domains", domains, allocator);
  Value missing(rapidjson::kObjectType);
  missing.AddMember("icans", strings(evaluation.icans.missing, allocator), allocator);
  missing.AddMember("crs", strings(evaluation.crs.missing, allocator), allocator);
  object.AddMember("missing", missing, allocator);

  if (evaluation.in_scope) {
    object.AddMember("treatment", treatment_json(evaluation.treatment, allocator), allocator);
  }
  Value warnings = strings(evaluation.warnings, allocator);
  for (const auto& warning : data_warnings) {
    warnings.PushBack(string_value(fhir::to_string(warning), allocator), allocator);
  }
  object.AddMember("warnings", warnings, allocator);
  return object;
}

}  // namespace icans
