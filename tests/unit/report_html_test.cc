// The replay HTML report (cds/cli/report_html.h): self-contained, escaped,
// and its drawn points carry the evaluation's values.
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cards/recommend.h"
#include "cds/cli/report_html.h"
#include "cds/evaluate.h"
#include "fhir/intake.h"

namespace {

using icans::cli::html_escape;
using icans::cli::render_report_html;
using icans::cli::Report;
using icans::cli::ReportCard;
using icans::cli::ReportPatient;
using icans::cli::ReportPoint;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Chart {
  fhir::IntakeResult intake;
  std::vector<icans::Evaluation> evaluations;
};

Chart read_example(const std::string& name, const icans::GradingConfig& config = {}) {
  Chart chart;
  fhir::Terminology terminology;
  fhir::Intake intake(terminology);
  const std::string error = intake.add_file(std::string(ICANS_SOURCE_DIR) + "/examples/" + name);
  REQUIRE(error.empty());
  chart.intake = intake.finish();
  REQUIRE(chart.intake.patients.size() == 1);
  chart.evaluations = icans::evaluate_timeline(chart.intake.patients.begin()->second, config);
  return chart;
}

Report report_of(const Chart& chart) {
  Report report;
  report.title = "test";
  const auto& [id, record] = *chart.intake.patients.begin();
  ReportPatient patient{id, &record, {}};
  for (const auto& evaluation : chart.evaluations) patient.points.push_back({evaluation, {}, {}, false});
  report.patients.push_back(std::move(patient));
  return report;
}

// The attributes of every element of `css_class`, in document order.
std::vector<std::string> elements(const std::string& html, const std::string& css_class) {
  std::vector<std::string> found;
  const std::regex pattern("<g class=\"" + css_class + "\"([^>]*)>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), pattern); it != std::sregex_iterator(); ++it) {
    found.push_back((*it)[1]);
  }
  return found;
}

std::string attribute(const std::string& attributes, const std::string& name) {
  std::smatch match;
  const std::regex pattern(" " + name + "=\"([^\"]*)\"");
  return std::regex_search(attributes, match, pattern) ? match[1].str() : "(absent)";
}

}  // namespace

TEST_CASE("html_escape escapes every character that could open markup or end an attribute") {
  CHECK(html_escape("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  CHECK(html_escape("ICE 2/10, 38.4 Cel") == "ICE 2/10, 38.4 Cel");
}

TEST_CASE("Markup in a patient id or card text is shown as text, never run") {
  Chart chart = read_example("axicel-icans-grade3.json");
  Report report = report_of(chart);
  report.title = "</title><script>alert(1)</script>";
  report.about = {"<img src=x onerror=alert(2)>"};
  report.patients[0].id = "p\"><script>alert(3)</script>";
  report.patients[0].points[0].cards.push_back(
      {"critical", "<b onclick=alert(4)>x</b>", "detail <iframe src=//evil>", "cards.x", "<svg onload=alert(5)>",
       {"<a href=javascript:alert(6)>go</a>"}});
  report.patients[0].points[0].notes.push_back("<style>body{display:none}</style>");
  const std::string html = render_report_html(report);
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "<img"));
  CHECK_FALSE(contains(html, "<iframe"));
  CHECK_FALSE(contains(html, "<b onclick"));
  CHECK_FALSE(contains(html, "<svg onload"));
  CHECK_FALSE(contains(html, "<a href"));
  CHECK(count(html, "<style>") == 1);  // the page's own
  CHECK(contains(html, "&lt;script&gt;alert(3)&lt;/script&gt;"));
  CHECK(contains(html, "data-patient=\"p&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;\""));
  CHECK(contains(html, "&lt;b onclick=alert(4)&gt;x&lt;/b&gt;"));
}

TEST_CASE("The report is self-contained: no script, no external resource, a policy that forbids loading any") {
  const std::string html = render_report_html(report_of(read_example("tisacel-crs-grade4.json")));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(contains(html, "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""));
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "<link"));
  CHECK_FALSE(contains(html, "src="));
  CHECK_FALSE(contains(html, "url("));
  CHECK_FALSE(contains(html, "@import"));
  std::string without_namespace = html;
  for (auto at = without_namespace.find("http://www.w3.org/2000/svg"); at != std::string::npos;
       at = without_namespace.find("http://www.w3.org/2000/svg")) {
    without_namespace.erase(at, 26);
  }
  CHECK_FALSE(contains(without_namespace, "http://"));
  CHECK_FALSE(contains(without_namespace, "https://"));
}

TEST_CASE("Each evaluation is one chart point carrying its day, grades and score") {
  const Chart chart = read_example("axicel-icans-grade3.json");
  const std::string html = render_report_html(report_of(chart));
  CHECK(count(html, "<svg class=\"timeline\"") == 1);
  const auto points = elements(html, "eval-point");
  REQUIRE(points.size() == chart.evaluations.size());
  const fhir::Instant infusion = *chart.evaluations.front().infusion;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const icans::Evaluation& e = chart.evaluations[i];
    INFO(fhir::format_instant(e.at));
    CHECK(attribute(points[i], "data-at") == fhir::format_instant(e.at));
    const double day = std::stod(attribute(points[i], "data-day"));
    CHECK(day == Approx(static_cast<double>(e.at - infusion) / fhir::kMillisPerDay).margin(0.0005));
    CHECK(attribute(points[i], "data-icans") == (e.icans.grade ? std::to_string(*e.icans.grade) : "null"));
    CHECK(attribute(points[i], "data-crs") == (e.crs.grade ? std::to_string(*e.crs.grade) : "null"));
  }
  // Day 5 08:00 -05:00: ICE 2, ICANS 3, CRS 0.
  bool found = false;
  for (const auto& point : points) {
    if (attribute(point, "data-at") != "2026-03-07T13:00:00Z") continue;
    found = true;
    CHECK(attribute(point, "data-icans") == "3");
    CHECK(attribute(point, "data-crs") == "0");
    CHECK(attribute(point, "data-ice") == "2");
    CHECK(attribute(point, "data-capd") == "null");
  }
  CHECK(found);
  // The first point cannot be graded: drawn on the "?" row, not at grade 0.
  CHECK(attribute(points.front(), "data-icans") == "null");
  CHECK(contains(html, "class=\"icans-point unknown\""));
}

TEST_CASE("Each ICE assessment is drawn once, at its own time, however many evaluations used it") {
  const Chart chart = read_example("axicel-icans-grade3.json");
  const std::string html = render_report_html(report_of(chart));
  std::set<fhir::Instant> assessments;
  for (const auto& e : chart.evaluations) {
    if (e.assessment.tool == icans::Tool::ice && e.assessment.score) assessments.insert(e.assessment.time);
  }
  const auto ice = elements(html, "ice-point");
  REQUIRE(ice.size() == assessments.size());
  CHECK(attribute(ice.back(), "data-ice") == "2");
  CHECK(attribute(ice.back(), "data-at") == "2026-03-07T13:00:00Z");
  CHECK(elements(html, "capd-point").empty());
  CHECK(contains(html, "ICE (0-10)"));
}

TEST_CASE("A child's CAPD is drawn on its own 0-32 axis") {
  const Chart chart = read_example("pediatric-tisacel-capd.json");
  const std::string html = render_report_html(report_of(chart));
  const auto capd = elements(html, "capd-point");
  REQUIRE_FALSE(capd.empty());
  CHECK(attribute(capd.back(), "data-capd") == "12");
  CHECK(elements(html, "ice-point").empty());
  CHECK(contains(html, "CAPD (0-32)"));
}

TEST_CASE("Seizures, corticosteroids, tocilizumab, levetiracetam and vasopressors are marked on their lanes") {
  auto kinds = [](const std::string& html) {
    std::map<std::string, int> counted;
    for (const auto& marker : elements(html, "marker")) ++counted[attribute(marker, "data-kind")];
    return counted;
  };
  const auto brexucel = kinds(render_report_html(report_of(read_example("brexucel-seizure.json"))));
  CHECK(brexucel.count("seizure") == 1);
  CHECK(brexucel.at("steroid") == 3);  // dexamethasone 07:00, 13:00, 19:00 on day 6
  CHECK(brexucel.at("levetiracetam") == 1);
  const auto crs4 = kinds(render_report_html(report_of(read_example("tisacel-crs-grade4.json"))));
  CHECK(crs4.at("tocilizumab") == 2);
  CHECK(crs4.at("vasopressor") == 2);  // norepinephrine and epinephrine, both still running
  CHECK(crs4.count("seizure") == 0);
  const std::string html = render_report_html(report_of(read_example("tisacel-crs-grade4.json")));
  CHECK(contains(html, "(still running)"));
}

TEST_CASE("Cards are listed under their point, and a repeated list says so instead of repeating it") {
  Chart chart = read_example("axicel-icans-grade3.json");
  Report report = report_of(chart);
  auto& points = report.patients[0].points;
  const ReportCard steroid{"critical", "dexamethasone 10 mg IV q6h", "why", "cards.icans-steroids", "protocol",
                           {"Order dexamethasone"}};
  points[1].cards = {steroid};
  points[2].cards = {steroid};
  points[3].cards = {};
  points[4].notes = {"request failed: HTTP 412"};
  points[4].cards_failed = true;
  const std::string html = render_report_html(report);
  CHECK(count(html, "<span class=\"summary\">dexamethasone 10 mg IV q6h</span>") == 1);
  CHECK(contains(html, "same cards as at " + fhir::format_instant(points[1].evaluation.at)));
  CHECK(contains(html, "<li>Order dexamethasone</li>"));
  CHECK(contains(html, "<p class=\"note failed\">request failed: HTTP 412</p>"));
  CHECK(contains(html, "<code class=\"rule\">cards.icans-steroids</code>"));
}

TEST_CASE("A patient never in scope gets no chart, and says why") {
  const Chart chart = read_example("sepsis-no-cell-therapy.json");
  const std::string html = render_report_html(report_of(chart));
  CHECK_FALSE(contains(html, "<svg"));
  CHECK(contains(html, "Not in scope: no immune effector cell therapy recorded"));
}

TEST_CASE("An order hook's answer is listed with its cards but not drawn as a timeline point") {
  const Chart chart = read_example("icans-without-crs-tocilizumab-draft.json");
  Report report = report_of(chart);
  ReportPoint order = report.patients[0].points.back();
  order.on_chart = false;
  order.notes = {"order-select of MedicationRequest/lc-rx-tocilizumab-draft (os)"};
  order.cards = {{"warning", "Draft tocilizumab: not for ICANS without CRS", "", "cards.crs-tocilizumab", "p", {}}};
  report.patients[0].points.push_back(order);
  const std::string html = render_report_html(report);
  CHECK(elements(html, "eval-point").size() == chart.evaluations.size());
  CHECK(count(html, "<tr class=\"point\"") == chart.evaluations.size() + 1);
  CHECK(contains(html, "order-select of MedicationRequest/lc-rx-tocilizumab-draft (os)"));
  CHECK(contains(html, "Draft tocilizumab: not for ICANS without CRS"));
}
