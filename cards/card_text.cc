// How cards word numbers, times, regimens and findings, so every card family
// says the same thing the same way.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "cards/card_builders.h"

namespace icans {
namespace {

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++count;
  }
  return count;
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

std::string route_abbreviation(Route route) { return route == Route::oral ? "PO" : "IV"; }

bool whole(double value) { return std::fabs(value - std::round(value)) < 1e-9; }

std::string dose_amount(const Dosing& dosing, std::optional<double> mg) {
  if (mg) return format_mg(*mg);
  if (dosing.dose_mg) return format_mg(*dosing.dose_mg);
  if (dosing.dose_mg_per_kg) return format_number(*dosing.dose_mg_per_kg) + " mg/kg";
  return "dose not defined";
}

// "q6h", "q6-12h", "q5min", "daily"; empty for a single dose.
std::string short_interval(const Dosing& dosing) {
  if (!dosing.every) return {};
  const Interval& every = *dosing.every;
  if (every.max_hours < 1) {
    const double min_minutes = every.min_hours * 60;
    const double max_minutes = every.max_hours * 60;
    if (whole(min_minutes) && whole(max_minutes)) {
      return min_minutes == max_minutes
                 ? "q" + format_number(min_minutes) + "min"
                 : "q" + format_number(min_minutes) + "-" + format_number(max_minutes) + "min";
    }
  }
  if (every.min_hours == every.max_hours) {
    if (every.min_hours == 24) return "daily";
    return "q" + format_number(every.min_hours) + "h";
  }
  return "q" + format_number(every.min_hours) + "-" + format_number(every.max_hours) + "h";
}

bool names_a_resource(std::string_view text) {
  for (std::string_view type : {"Observation/", "MedicationAdministration/", "MedicationRequest/",
                                "Procedure/", "DiagnosticReport/", "ServiceRequest/"}) {
    if (text.find(type) != std::string_view::npos) return true;
  }
  return false;
}

void add_dose_list(std::string& markdown, std::string_view heading, const std::vector<Dose>& doses) {
  std::vector<std::string> lines;
  for (const auto& dose : doses) {
    std::string line = drug_name(dose.drug) + " " +
                       (dose.mg ? format_mg(*dose.mg) : std::string("(dose not charted in mg)")) +
                       " at " + format_time(dose.time) + " (" + dose.resource + ")";
    if (dose.partial) line += ", stopped: counted as (partly) given";
    lines.push_back(line);
  }
  add_bullets(markdown, heading, lines);
}

}  // namespace

std::string format_number(double value) {
  // What snprintf(text, 64, "%.2f") writes, cut at 63 characters as it
  // would be, without the formatting machinery: std::to_chars with a
  // precision is specified to write what printf writes with it, and 400
  // characters hold any double so.
  char text[400];
  const auto written = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 2);
  std::string result(text, std::min<std::size_t>(written.ptr - text, 63));
  while (!result.empty() && result.back() == '0') result.pop_back();
  if (!result.empty() && result.back() == '.') result.pop_back();
  return result == "-0" ? "0" : result;
}

std::string format_mg(double mg) { return format_number(mg) + " mg"; }

std::string drug_name(fhir::Concept drug) { return lower(fhir::concept_info(drug).display); }

std::string format_hours(double hours) {
  if (hours < 1) return format_number(std::round(hours * 60)) + " min";
  return format_number(std::round(hours * 10) / 10) + " h";
}

std::string format_time(fhir::Instant t) { return fhir::format_instant(t); }

std::string time_and_age(fhir::Instant t, fhir::Instant at) {
  const double hours = double(at - t) / double(fhir::kMillisPerHour);
  if (hours < 0) return format_time(t) + " (in " + format_hours(-hours) + ")";
  return format_time(t) + " (" + format_hours(hours) + " ago)";
}

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

std::string icans_label(const Evaluation& evaluation) {
  const GradeResult& icans = evaluation.icans;
  if (!icans.grade) return "ICANS cannot be graded";
  std::string label = "ICANS grade " + std::to_string(*icans.grade);
  std::vector<std::string> keys;
  for (const DomainResult* driver : icans.drivers()) {
    if ((driver->domain == "ICE" || driver->domain == "CAPD") && evaluation.assessment.score) {
      keys.push_back(driver->domain + " " + std::to_string(*evaluation.assessment.score));
    } else {
      keys.push_back(driver->domain);
    }
  }
  if (keys.empty() && evaluation.assessment.score && evaluation.assessment.tool != Tool::none) {
    keys.push_back((evaluation.assessment.tool == Tool::ice ? "ICE " : "CAPD ") +
                   std::to_string(*evaluation.assessment.score));
  }
  if (!keys.empty()) label += " (" + join(keys, ", ") + ")";
  return label;
}

std::string crs_label(const Evaluation& evaluation) {
  const GradeResult& crs = evaluation.crs;
  if (!crs.grade) return "CRS cannot be graded";
  std::string label = "CRS grade " + std::to_string(*crs.grade);
  std::vector<std::string> keys;
  for (const DomainResult* driver : crs.drivers()) {
    if (std::find(keys.begin(), keys.end(), driver->domain) == keys.end()) keys.push_back(driver->domain);
  }
  if (*crs.grade > 0 && !keys.empty()) label += " (" + join(keys, ", ") + ")";
  return label;
}

std::string regimen_phrase(const Regimen& regimen, const Dosing& dosing, std::optional<double> mg) {
  std::string phrase = drug_name(regimen.drug) + " " + dose_amount(dosing, mg) + " " +
                       route_abbreviation(regimen.route);
  const std::string interval = short_interval(dosing);
  phrase += interval.empty() ? " once" : " " + interval;
  if (dosing.doses && *dosing.doses > 1) phrase += " x" + std::to_string(*dosing.doses);
  return phrase;
}

std::string interval_phrase(const Dosing& dosing) {
  if (!dosing.every) return "once";
  const Interval& every = *dosing.every;
  if (every.max_hours < 1) {
    if (every.min_hours == every.max_hours) return "every " + format_hours(every.min_hours);
    return "every " + format_number(every.min_hours * 60) + "-" + format_number(every.max_hours * 60) + " min";
  }
  if (every.min_hours == every.max_hours) return "every " + format_number(every.min_hours) + " h";
  return "every " + format_number(every.min_hours) + "-" + format_number(every.max_hours) + " h";
}

std::string fit_summary(std::initializer_list<std::string> candidates) {
  std::string last;
  for (const auto& candidate : candidates) {
    if (code_points(candidate) <= kMaxSummaryCharacters) return candidate;
    last = candidate;
  }
  return last;  // too long: check_card rejects it and the test names it
}

void add_paragraph(std::string& markdown, std::string_view text) {
  if (text.empty()) return;
  markdown += text;
  markdown += "\n\n";
}

void add_bullets(std::string& markdown, std::string_view heading, const std::vector<std::string>& items) {
  if (items.empty()) return;
  if (!heading.empty()) {
    markdown += "**";
    markdown += heading;
    markdown += "**\n\n";
  }
  for (const auto& item : items) {
    markdown += "- ";
    markdown += item;
    markdown += '\n';
  }
  markdown += "\n";
}

void add_grade_findings(std::string& markdown, std::string_view name, const GradeResult& grade) {
  std::string heading = std::string(name) + " ";
  heading += grade.grade ? "grade " + std::to_string(*grade.grade) : std::string("cannot be graded");
  heading += " (ASTCT 2019)";
  std::vector<const DomainResult*> ordered = grade.drivers();
  for (const auto& domain : grade.domains) {
    if (std::find(ordered.begin(), ordered.end(), &domain) == ordered.end()) ordered.push_back(&domain);
  }
  const auto drivers = grade.drivers();
  std::string body;
  for (const DomainResult* domain : ordered) {
    // At grade 0 every normal domain "equals" the grade; only a real finding sets one.
    const bool drives = grade.grade && *grade.grade > 0 &&
                        std::find(drivers.begin(), drivers.end(), domain) != drivers.end();
    body += "- " + domain->domain + ": " + (domain->reason.empty() ? "not assessed" : domain->reason);
    if (drives) body += " **(sets the grade)**";
    body += " `" + domain->rule + "`\n";
    for (const auto& evidence : domain->evidence) {
      body += "  - " + evidence.finding + " at " + format_time(evidence.time) + " (" + evidence.resource + ")\n";
    }
  }
  for (const auto& missing : grade.missing) body += "- missing: " + missing + "\n";
  markdown += "**" + heading + "**\n\n" + body + "\n";
}

void add_grade_warnings(std::string& markdown, const Evaluation& evaluation, const GradeResult& grade) {
  std::vector<std::string> resources;
  for (const auto& domain : grade.domains) {
    for (const auto& evidence : domain.evidence) resources.push_back(evidence.resource);
  }
  std::vector<std::string> shown;
  for (const auto& warning : evaluation.warnings) {
    bool related = !names_a_resource(warning);
    for (const auto& resource : resources) {
      if (!resource.empty() && warning.find(resource) != std::string::npos) related = true;
    }
    if (related) shown.push_back(warning);
  }
  add_bullets(markdown, "Grading warnings", shown);
}

void add_steroids_given(std::string& markdown, const Evaluation& evaluation) {
  const Treatment& treatment = evaluation.treatment;
  if (treatment.steroid_doses_total.empty()) {
    add_paragraph(markdown, "No corticosteroid charted as given since the infusion.");
    return;
  }
  add_dose_list(markdown, "Corticosteroids given since the infusion", treatment.steroid_doses_total);
  std::string totals = "Dexamethasone equivalent: " + format_mg(treatment.dexamethasone_equivalent_mg_24h) +
                       " in the last 24 h, " + format_mg(treatment.dexamethasone_equivalent_mg_total) +
                       " since the infusion";
  if (treatment.steroid_dose_unknown) totals += " (at least: a dose was not charted in mg)";
  add_paragraph(markdown, totals + ".");
}

void add_tocilizumab_given(std::string& markdown, const Evaluation& evaluation) {
  const Treatment& treatment = evaluation.treatment;
  if (treatment.tocilizumab_doses_total.empty()) {
    add_paragraph(markdown, "No tocilizumab charted as given since the infusion.");
    return;
  }
  add_dose_list(markdown,
                "Tocilizumab given: " + std::to_string(treatment.tocilizumab_doses_total.size()) +
                    " dose(s) since the infusion, " + std::to_string(treatment.tocilizumab_doses_24h.size()) +
                    " in the last 24 h",
                treatment.tocilizumab_doses_total);
}

}  // namespace icans
