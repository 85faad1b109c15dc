// DiagnosticReport: imaging, EEG and fundoscopy results, whose coded
// conclusions carry the findings (cerebral oedema, papilloedema...).
#include "fhir/read_helpers.h"

namespace fhir::detail {
namespace {

constexpr StatusCode<ReportStatus> kStatuses[] = {
    {"registered", ReportStatus::registered},
    {"partial", ReportStatus::partial},
    {"preliminary", ReportStatus::preliminary},
    {"final", ReportStatus::final_},
    {"amended", ReportStatus::amended},
    {"corrected", ReportStatus::corrected},
    {"appended", ReportStatus::appended},
    {"cancelled", ReportStatus::cancelled},
    {"entered-in-error", ReportStatus::entered_in_error},
    {"unknown", ReportStatus::unknown},
};

}  // namespace

void read_diagnostic_report(const Json& json, ReadResource& out, ReadContext& context) {
  DiagnosticReport report;
  report.status = read_status(json, kStatuses, ReportStatus::unknown, context);
  if (report.status == ReportStatus::entered_in_error || report.status == ReportStatus::cancelled) {
    out.resource = std::move(report);
    return;
  }
  report.code = codeable_concept_member(json, "code", "code", context);
  report.service = resolve_concept(report.code, "code", context).meaning;
  report.effective = read_choice_time(json, "effective", false, context).time;
  report.issued = instant_member(json, "issued", "issued", context);
  report.conclusion = string_member(json, "conclusion", "conclusion", context).value_or("");
  report.conclusion_codes = codeable_concept_array(json, "conclusionCode", context);
  for (std::size_t i = 0; i < report.conclusion_codes.size(); ++i) {
    const Concept finding =
        resolve_concept(report.conclusion_codes[i], FieldPath("conclusionCode", i), context).meaning;
    if (finding != Concept::unknown) report.findings.push_back(finding);
  }
  out.resource = std::move(report);
}

}  // namespace fhir::detail
