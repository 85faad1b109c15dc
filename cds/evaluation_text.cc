#include "cds/evaluation_text.h"

#include <iomanip>
#include <string>

namespace icans {
namespace {

std::string grade_text(const std::optional<int>& grade) {
  return grade ? std::to_string(*grade) : "?";
}

std::string score_text(const Assessment& assessment) {
  if (assessment.tool == Tool::none) {
    return assessment.not_assessable != fhir::Concept::unknown ? "n/a" : "-";
  }
  const std::string tool = assessment.tool == Tool::ice ? "ICE " : "CAPD ";
  return tool + (assessment.score ? std::to_string(*assessment.score) : "?");
}

void write_domains(std::ostream& out, const char* name, const GradeResult& result) {
  out << "    " << name << " " << grade_text(result.grade);
  if (!result.grade) {
    out << " (cannot grade:";
    for (const auto& missing : result.missing) out << " " << missing << ";";
    out << ")";
  }
  out << "\n";
  for (const auto& domain : result.domains) {
    const bool drives = result.grade && domain.grade && *domain.grade == *result.grade;
    out << "      " << (drives ? "* " : "  ") << domain.domain << ": " << domain.reason << "  ["
        << domain.rule << "]\n";
    for (const auto& evidence : domain.evidence) {
      out << "          " << evidence.resource << " @ " << fhir::format_instant(evidence.time)
          << ": " << evidence.finding << "\n";
    }
  }
}

}  // namespace

void write_text_header(std::ostream& out, const Evaluation& first,
                       const std::vector<fhir::Warning>& data_warnings) {
  out << "Patient " << first.patient;
  if (first.age_years) out << " (age " << *first.age_years << ")";
  out << "\n";
  if (first.in_scope) {
    out << "  therapy: " << first.scope_reason << ", day 0 = " << fhir::format_instant(*first.infusion)
        << "\n";
  } else {
    out << "  not graded: " << first.scope_reason << "\n";
  }
  for (const auto& warning : data_warnings) out << "  data warning: " << fhir::to_string(warning) << "\n";
  out << "  " << std::left << std::setw(22) << "time (UTC)" << std::setw(6) << "day" << std::setw(10)
      << "score" << std::setw(14) << "ICANS now/max" << "CRS now/max\n";
}

void write_text_row(std::ostream& out, const Evaluation& evaluation) {
  const std::string day =
      evaluation.day_post_infusion ? "+" + std::to_string(*evaluation.day_post_infusion) : "-";
  out << "  " << std::left << std::setw(22) << fhir::format_instant(evaluation.at) << std::setw(6)
      << day;
  if (!evaluation.in_scope) {
    out << "not in scope: " << evaluation.scope_reason << "\n";
    return;
  }
  out << std::setw(10) << score_text(evaluation.assessment) << std::setw(14)
      << (grade_text(evaluation.icans.grade) + "/" + grade_text(evaluation.icans_worst))
      << grade_text(evaluation.crs.grade) + "/" + grade_text(evaluation.crs_worst) << "\n";
  write_domains(out, "ICANS", evaluation.icans);
  write_domains(out, "CRS", evaluation.crs);
  for (const auto& warning : evaluation.warnings) out << "    ! " << warning << "\n";
}

}  // namespace icans
