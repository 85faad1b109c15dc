// icans-cds inspect: what the intake made of FHIR inputs, before any grading.
// An integrator's first check: are my patients, resources and codes read as I
// meant them, and what did the intake refuse or doubt?
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "cds/cli/command_line.h"
#include "cds/cli/commands.h"
#include "cds/cli/load_inputs.h"
#include "fhir/intake.h"

namespace icans::cli {
namespace {

namespace po = boost::program_options;

// A partial or zone-less birth date covers a span of instants; its middle
// always lies on the charted calendar date, cut to the charted precision.
std::string format_date(const fhir::TimeRange& date) {
  const fhir::Instant middle = date.earliest + (date.latest - date.earliest) / 2;
  const std::string text = fhir::format_instant(middle);
  switch (date.precision) {
    case fhir::TimePrecision::year:
      return text.substr(0, 4);
    case fhir::TimePrecision::month:
      return text.substr(0, 7);
    case fhir::TimePrecision::day:
      return text.substr(0, 10);
    default:
      return fhir::format_instant(date.earliest);
  }
}

std::string describe_patient(const fhir::PatientRecord& record) {
  if (!record.patient) return "no Patient resource";
  const fhir::Patient& patient = *record.patient;
  const std::string born =
      patient.birth_date ? "born " + format_date(*patient.birth_date) : "birth date not charted";
  return born + ", " + (patient.gender.empty() ? "gender not charted" : patient.gender);
}

std::string count_resources(const fhir::PatientRecord& record) {
  const std::pair<const char*, std::size_t> counts[] = {
      {"Observation", record.observations.size()},
      {"MedicationAdministration", record.administrations.size()},
      {"MedicationRequest", record.medication_requests.size()},
      {"ServiceRequest", record.service_requests.size()},
      {"DiagnosticReport", record.reports.size()},
      {"Procedure", record.procedures.size()},
  };
  std::string text;
  for (const auto& [type, count] : counts) {
    if (count == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::string(type) + " " + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

void print_warnings(std::ostream& out, const std::vector<fhir::Warning>& warnings,
                    const char* indent) {
  for (const auto& warning : warnings) out << indent << fhir::to_string(warning) << "\n";
}

void print(std::ostream& out, const fhir::IntakeResult& result) {
  if (!result.warnings.empty()) {
    out << "input warnings (" << result.warnings.size() << "):\n";
    print_warnings(out, result.warnings, "  ");
    out << "\n";
  }
  if (result.patients.empty()) out << "no patients\n";
  for (const auto& [id, record] : result.patients) {
    out << "patient " << id << " (" << describe_patient(record) << ")\n";
    out << "  resources: " << count_resources(record) << "\n";
    if (record.dropped > 0) {
      out << "  left out: " << record.dropped << " (entered-in-error, cancelled or not-done)\n";
    }
    if (!record.warnings.empty()) {
      out << "  warnings (" << record.warnings.size() << "):\n";
      print_warnings(out, record.warnings, "    ");
    }
    out << "\n";
  }
}

}  // namespace

int run_inspect(int argc, char** argv) {
  po::options_description options(
      "icans-cds inspect FILE... [options]\n\n"
      "Reads FHIR R4 inputs (Bundle or resource as .json, NDJSON as .ndjson/.jsonl) and prints,\n"
      "per patient, the birth date and gender, the resources kept, and every warning");
  std::string site_map;
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("site-map", po::value(&site_map), "site terminology map (JSON, see docs/terminology.md)");
  // clang-format on
  std::vector<std::string> files;
  po::variables_map vm;
  if (auto exit_code = parse_command_line(argc, argv, options, "inspect", vm, files)) return *exit_code;
  if (files.empty()) {
    std::cerr << "inspect: no input files\n" << options << "\n";
    return 2;
  }
  fhir::IntakeResult result;
  if (auto error = load_inputs(files, site_map, result); !error.empty()) {
    std::cerr << "inspect: " << error << "\n";
    return 2;
  }
  print(std::cout, result);
  return 0;
}

}  // namespace icans::cli
