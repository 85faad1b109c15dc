#include "cds/cli/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "cds/window.h"
#include "fhir/terminology.h"

namespace icans::cli {
namespace {

// Chart geometry, in SVG user units. The score panel sits on top, the grade
// panel under it, then one lane per kind of marker, then the day axis.
constexpr double kWidth = 960;
constexpr double kLeft = 100;
constexpr double kRight = 60;
constexpr double kScoreTop = 20;
constexpr double kScoreHeight = 140;
constexpr double kGradeTop = 190;
constexpr double kGradeHeight = 110;  // grades 0-4
constexpr double kUnknownRow = 318;   // "cannot grade" sits below grade 0
constexpr double kLaneTop = 345;
constexpr double kLaneHeight = 16;
constexpr double kAxisGap = 20;

struct MarkerKind {
  const char* id;
  const char* label;
  const char* colour;
};

// Lanes top to bottom; ids are the data-kind values.
constexpr MarkerKind kMarkerKinds[] = {
    {"seizure", "seizure", "#b10026"},         {"steroid", "corticosteroid", "#6a3d9a"},
    {"tocilizumab", "tocilizumab", "#1f78b4"}, {"levetiracetam", "levetiracetam", "#33a02c"},
    {"vasopressor", "vasopressor", "#e66101"},
};
constexpr std::size_t kLaneCount = sizeof(kMarkerKinds) / sizeof(kMarkerKinds[0]);

struct Marker {
  std::size_t lane = 0;
  fhir::Instant start = 0;
  std::optional<fhir::Instant> end;  // a running infusion: drawn as a bar
  bool open = false;                 // no end charted: still running
  std::string resource;
  std::string text;
};

std::string format_number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string coordinate(double value) { return format_number(value, 1); }

std::string optional_number(const std::optional<int>& value) { return value ? std::to_string(*value) : "null"; }

std::string grade_text(const std::optional<int>& value) { return value ? std::to_string(*value) : "?"; }

double days_between(fhir::Instant from, fhir::Instant to) {
  return static_cast<double>(to - from) / static_cast<double>(fhir::kMillisPerDay);
}

std::optional<std::size_t> lane_of_drug(fhir::Concept drug) {
  switch (drug) {
    case fhir::Concept::dexamethasone:
    case fhir::Concept::methylprednisolone:
    case fhir::Concept::hydrocortisone:
    case fhir::Concept::prednisone:
      return 1;
    case fhir::Concept::tocilizumab:
      return 2;
    case fhir::Concept::levetiracetam:
      return 3;
    case fhir::Concept::norepinephrine:
    case fhir::Concept::epinephrine:
    case fhir::Concept::phenylephrine:
    case fhir::Concept::dopamine:
    case fhir::Concept::vasopressin:
      return 4;
    default:
      return std::nullopt;
  }
}

std::string dose_text(const fhir::MedicationAdministration& administration) {
  std::string text(fhir::concept_info(administration.drug).display);
  if (administration.dose) {
    text += " " +
            format_number(administration.dose->value,
                          administration.dose->value == std::floor(administration.dose->value) ? 0 : 2) +
            " " + administration.dose->unit;
  }
  if (administration.rate) {
    text += " at " + format_number(administration.rate->value, 3) + " " + administration.rate->unit;
  }
  return text;
}

std::vector<Marker> collect_markers(const fhir::PatientRecord& record) {
  std::vector<Marker> markers;
  for (const auto& observation : record.observations) {
    if (observation.meaning != fhir::Concept::seizure || observation.value.kind != fhir::Value::Kind::coded) continue;
    const fhir::Concept answer = observation.value.answer;
    if (answer != fhir::Concept::seizure_rapidly_resolving &&
        answer != fhir::Concept::seizure_prolonged_or_repetitive) {
      continue;
    }
    markers.push_back({0, observation.effective.earliest, std::nullopt, false, "Observation/" + observation.id,
                       std::string(fhir::concept_info(answer).display)});
  }
  for (const auto& administration : record.administrations) {
    if (!counts_as_given(administration)) continue;
    const auto lane = lane_of_drug(administration.drug);
    if (!lane) continue;
    Marker marker{*lane,
                  administration.start.earliest,
                  std::nullopt,
                  false,
                  "MedicationAdministration/" + administration.id,
                  dose_text(administration)};
    if (administration.is_period) {
      if (administration.end) {
        marker.end = administration.end->latest;
      } else {
        marker.open = true;
      }
    }
    markers.push_back(std::move(marker));
  }
  return markers;
}

struct Scale {
  double min_day = 0;
  double max_day = 1;
  double x(double day) const { return kLeft + (day - min_day) / (max_day - min_day) * (kWidth - kLeft - kRight); }
};

double score_y(double score, double max_score) { return kScoreTop + kScoreHeight * (1.0 - score / max_score); }
double grade_y(int grade) { return kGradeTop + kGradeHeight * (1.0 - grade / 4.0); }

struct ScorePoint {
  fhir::Instant time = 0;
  int score = 0;
  std::string resources;
};

// The distinct assessments the evaluations used, by time: an assessment
// counts once however many evaluations it was the latest for.
std::vector<ScorePoint> assessments(const std::vector<ReportPoint>& points, Tool tool) {
  std::map<fhir::Instant, ScorePoint> by_time;
  for (const auto& point : points) {
    const Assessment& assessment = point.evaluation.assessment;
    if (assessment.tool != tool || !assessment.score) continue;
    std::string resources;
    for (const auto& resource : assessment.resources) resources += (resources.empty() ? "" : " ") + resource;
    by_time[assessment.time] = {assessment.time, *assessment.score, resources};
  }
  std::vector<ScorePoint> out;
  for (auto& [time, point] : by_time) out.push_back(std::move(point));
  return out;
}

void write_score_series(std::ostream& out, const std::vector<ScorePoint>& series, const Scale& scale,
                        fhir::Instant infusion, const char* tool, double max_score) {
  if (series.empty()) return;
  const std::string name = tool;  // "ice" or "capd"
  out << "<polyline class=\"" << name << "-line\" points=\"";
  for (const auto& point : series) {
    out << coordinate(scale.x(days_between(infusion, point.time))) << "," << coordinate(score_y(point.score, max_score))
        << " ";
  }
  out << "\"/>\n";
  for (const auto& point : series) {
    const double day = days_between(infusion, point.time);
    out << "<g class=\"" << name << "-point\" data-at=\"" << fhir::format_instant(point.time) << "\" data-day=\""
        << format_number(day, 3) << "\" data-" << name << "=\"" << point.score << "\">"
        << "<title>" << (name == "ice" ? "ICE " : "CAPD ") << point.score << " at "
        << html_escape(fhir::format_instant(point.time)) << " (" << html_escape(point.resources) << ")</title>"
        << "<circle cx=\"" << coordinate(scale.x(day)) << "\" cy=\"" << coordinate(score_y(point.score, max_score))
        << "\" r=\"4\"/></g>\n";
  }
}

// A step line: each grade holds until the next evaluation. A time that
// cannot be graded breaks the line and is drawn on the "?" row.
void write_grade_series(std::ostream& out, const std::vector<ReportPoint>& points, const Scale& scale,
                        fhir::Instant infusion, const char* name, double offset,
                        std::optional<int> (*grade_of)(const Evaluation&)) {
  std::string path;
  bool drawing = false;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto grade = grade_of(points[i].evaluation);
    const double x = scale.x(days_between(infusion, points[i].evaluation.at));
    if (!grade) {
      drawing = false;
      continue;
    }
    const double y = grade_y(*grade) + offset;
    path += (drawing ? " H" + coordinate(x) + " V" : " M" + coordinate(x) + ",") + coordinate(y);
    drawing = true;
  }
  if (!path.empty()) out << "<path class=\"" << name << "-line\" d=\"" << path.substr(1) << "\"/>\n";
}

std::optional<int> icans_grade(const Evaluation& evaluation) { return evaluation.icans.grade; }
std::optional<int> crs_grade(const Evaluation& evaluation) { return evaluation.crs.grade; }

void write_eval_points(std::ostream& out, const std::vector<ReportPoint>& points, const Scale& scale,
                       fhir::Instant infusion) {
  for (const auto& point : points) {
    const Evaluation& evaluation = point.evaluation;
    const double day = days_between(infusion, evaluation.at);
    const double x = scale.x(day);
    std::optional<int> ice;
    std::optional<int> capd;
    if (evaluation.assessment.tool == Tool::ice) ice = evaluation.assessment.score;
    if (evaluation.assessment.tool == Tool::capd) capd = evaluation.assessment.score;
    out << "<g class=\"eval-point\" data-at=\"" << fhir::format_instant(evaluation.at) << "\" data-day=\""
        << format_number(day, 3) << "\" data-icans=\"" << optional_number(evaluation.icans.grade) << "\" data-crs=\""
        << optional_number(evaluation.crs.grade) << "\" data-ice=\"" << optional_number(ice) << "\" data-capd=\""
        << optional_number(capd) << "\" data-cards=\"" << point.cards.size() << "\">";
    out << "<title>" << fhir::format_instant(evaluation.at) << " (day " << format_number(day, 2) << "): ICANS "
        << grade_text(evaluation.icans.grade) << ", CRS " << grade_text(evaluation.crs.grade) << ", "
        << point.cards.size() << (point.cards.size() == 1 ? " card" : " cards") << "</title>";
    auto dot = [&](const char* name, const std::optional<int>& grade, double offset) {
      if (grade) {
        out << "<circle class=\"" << name << "-point\" cx=\"" << coordinate(x) << "\" cy=\""
            << coordinate(grade_y(*grade) + offset) << "\" r=\"3.5\"/>";
      } else {
        out << "<circle class=\"" << name << "-point unknown\" cx=\"" << coordinate(x) << "\" cy=\""
            << coordinate(kUnknownRow + offset * 2) << "\" r=\"3.5\"/>";
      }
    };
    dot("icans", evaluation.icans.grade, -2);
    dot("crs", evaluation.crs.grade, 2);
    out << "</g>\n";
  }
}

void write_markers(std::ostream& out, const std::vector<Marker>& markers, const Scale& scale, fhir::Instant infusion,
                   fhir::Instant last_time) {
  for (const auto& marker : markers) {
    const MarkerKind& kind = kMarkerKinds[marker.lane];
    const double day = days_between(infusion, marker.start);
    const double lane_y = kLaneTop + kLaneHeight * static_cast<double>(marker.lane) + kLaneHeight / 2;
    out << "<g class=\"marker\" data-kind=\"" << kind.id << "\" data-day=\"" << format_number(day, 3)
        << "\" data-resource=\"" << html_escape(marker.resource) << "\" fill=\"" << kind.colour << "\" stroke=\""
        << kind.colour << "\"><title>" << html_escape(marker.text) << " at " << fhir::format_instant(marker.start)
        << (marker.open ? " (still running)" : "") << " (" << html_escape(marker.resource) << ")</title>";
    if (marker.end || marker.open) {
      const fhir::Instant end = marker.end ? *marker.end : std::max(last_time, marker.start);
      const double x1 = scale.x(day);
      const double x2 = std::max(x1 + 2, scale.x(days_between(infusion, end)));
      out << "<rect x=\"" << coordinate(x1) << "\" y=\"" << coordinate(lane_y - 4) << "\" width=\""
          << coordinate(x2 - x1) << "\" height=\"8\" fill-opacity=\"0.5\"/>";
    } else if (marker.lane == 0) {
      const double x = scale.x(day);
      out << "<path d=\"M" << coordinate(x) << "," << coordinate(lane_y - 6) << " L" << coordinate(x + 4) << ","
          << coordinate(lane_y) << " L" << coordinate(x) << "," << coordinate(lane_y + 6) << " L" << coordinate(x - 4)
          << "," << coordinate(lane_y) << " Z\"/>";
    } else {
      out << "<circle cx=\"" << coordinate(scale.x(day)) << "\" cy=\"" << coordinate(lane_y) << "\" r=\"4\"/>";
    }
    out << "</g>\n";
  }
}

void write_axes(std::ostream& out, const Scale& scale, bool has_ice, bool has_capd) {
  const double right = kWidth - kRight;
  const double axis_y = kLaneTop + kLaneHeight * kLaneCount + 4;
  // Day grid and labels.
  const double span = scale.max_day - scale.min_day;
  const int step = span > 40 ? 7 : span > 20 ? 2 : 1;
  for (int day = static_cast<int>(std::ceil(scale.min_day)); day <= static_cast<int>(std::floor(scale.max_day));
       ++day) {
    if (day % step != 0) continue;
    const double x = scale.x(day);
    out << "<line class=\"grid\" x1=\"" << coordinate(x) << "\" y1=\"" << kScoreTop << "\" x2=\"" << coordinate(x)
        << "\" y2=\"" << coordinate(axis_y) << "\"/>";
    out << "<text class=\"tick\" x=\"" << coordinate(x) << "\" y=\"" << coordinate(axis_y + 14)
        << "\" text-anchor=\"middle\">" << day << "</text>\n";
  }
  out << "<text class=\"axis-label\" x=\"" << coordinate((kLeft + right) / 2) << "\" y=\""
      << coordinate(axis_y + kAxisGap + 12) << "\" text-anchor=\"middle\">days since infusion (day 0)</text>\n";

  // Score panel.
  out << "<rect class=\"panel\" x=\"" << kLeft << "\" y=\"" << kScoreTop << "\" width=\"" << coordinate(right - kLeft)
      << "\" height=\"" << kScoreHeight << "\"/>\n";
  if (has_ice || !has_capd) {
    for (int score = 0; score <= 10; score += 2) {
      out << "<text class=\"tick ice-tick\" x=\"" << coordinate(kLeft - 6) << "\" y=\""
          << coordinate(score_y(score, 10) + 4) << "\" text-anchor=\"end\">" << score << "</text>";
    }
    out << "<text class=\"axis-label ice-label\" transform=\"translate(14," << coordinate(kScoreTop + kScoreHeight / 2)
        << ") rotate(-90)\" text-anchor=\"middle\">ICE (0-10)</text>\n";
  }
  if (has_capd) {
    for (int score = 0; score <= 32; score += 8) {
      out << "<text class=\"tick capd-tick\" x=\"" << coordinate(right + 6) << "\" y=\""
          << coordinate(score_y(score, 32) + 4) << "\">" << score << "</text>";
    }
    out << "<text class=\"axis-label capd-label\" transform=\"translate(" << coordinate(kWidth - 10) << ","
        << coordinate(kScoreTop + kScoreHeight / 2) << ") rotate(90)\" text-anchor=\"middle\">CAPD (0-32)</text>\n";
  }

  // Grade panel.
  out << "<rect class=\"panel\" x=\"" << kLeft << "\" y=\"" << kGradeTop << "\" width=\"" << coordinate(right - kLeft)
      << "\" height=\"" << kGradeHeight << "\"/>\n";
  for (int grade = 0; grade <= 4; ++grade) {
    out << "<line class=\"grid\" x1=\"" << kLeft << "\" y1=\"" << coordinate(grade_y(grade)) << "\" x2=\""
        << coordinate(right) << "\" y2=\"" << coordinate(grade_y(grade)) << "\"/>";
    out << "<text class=\"tick\" x=\"" << coordinate(kLeft - 6) << "\" y=\"" << coordinate(grade_y(grade) + 4)
        << "\" text-anchor=\"end\">" << grade << "</text>";
  }
  out << "<text class=\"tick\" x=\"" << coordinate(kLeft - 6) << "\" y=\"" << coordinate(kUnknownRow + 4)
      << "\" text-anchor=\"end\">?</text>";
  out << "<text class=\"axis-label\" transform=\"translate(14," << coordinate(kGradeTop + kGradeHeight / 2)
      << ") rotate(-90)\" text-anchor=\"middle\">grade</text>\n";

  // Marker lanes.
  for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
    const double y = kLaneTop + kLaneHeight * static_cast<double>(lane) + kLaneHeight / 2;
    out << "<text class=\"tick lane\" x=\"" << coordinate(kLeft - 6) << "\" y=\"" << coordinate(y + 4)
        << "\" text-anchor=\"end\">" << kMarkerKinds[lane].label << "</text>";
    out << "<line class=\"lane-line\" x1=\"" << kLeft << "\" y1=\"" << coordinate(y) << "\" x2=\"" << coordinate(right)
        << "\" y2=\"" << coordinate(y) << "\"/>\n";
  }
}

void write_chart(std::ostream& out, const ReportPatient& patient, fhir::Instant infusion) {
  std::vector<ReportPoint> drawn;
  for (const auto& point : patient.points) {
    if (point.on_chart) drawn.push_back(point);
  }
  if (drawn.empty()) return;
  const auto ice = assessments(drawn, Tool::ice);
  const auto capd = assessments(drawn, Tool::capd);
  const auto markers = patient.record ? collect_markers(*patient.record) : std::vector<Marker>{};

  Scale scale;
  double min_day = 0;
  double max_day = 0;
  auto widen = [&](double day) {
    min_day = std::min(min_day, day);
    max_day = std::max(max_day, day);
  };
  for (const auto& point : drawn) widen(days_between(infusion, point.evaluation.at));
  for (const auto& point : ice) widen(days_between(infusion, point.time));
  for (const auto& point : capd) widen(days_between(infusion, point.time));
  const fhir::Instant last_time = drawn.back().evaluation.at;
  for (const auto& marker : markers) {
    widen(days_between(infusion, marker.start));
    if (marker.end) widen(days_between(infusion, *marker.end));
  }
  scale.min_day = std::floor(min_day);
  scale.max_day = std::max(scale.min_day + 1, std::ceil(max_day + 0.05));

  const double height = kLaneTop + kLaneHeight * kLaneCount + 4 + kAxisGap + 22;
  out << "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\""
      << coordinate(height) << "\" viewBox=\"0 0 " << kWidth << " " << coordinate(height)
      << "\" role=\"img\" aria-label=\"timeline of ICE/CAPD score and ICANS and CRS grades of patient "
      << html_escape(patient.id) << "\">\n";
  write_axes(out, scale, !ice.empty(), !capd.empty());
  write_score_series(out, ice, scale, infusion, "ice", 10);
  write_score_series(out, capd, scale, infusion, "capd", 32);
  write_grade_series(out, drawn, scale, infusion, "icans", -2, icans_grade);
  write_grade_series(out, drawn, scale, infusion, "crs", 2, crs_grade);
  write_eval_points(out, drawn, scale, infusion);
  write_markers(out, markers, scale, infusion, last_time);
  out << "</svg>\n";
}

void write_legend(std::ostream& out) {
  out << "<ul class=\"legend\">"
         "<li><span class=\"swatch ice\"></span>ICE score (left axis, 10 = normal)</li>"
         "<li><span class=\"swatch capd\"></span>CAPD score (right axis, higher = worse)</li>"
         "<li><span class=\"swatch icans\"></span>ICANS grade</li>"
         "<li><span class=\"swatch crs\"></span>CRS grade</li>"
         "<li>hollow point on the ? row: cannot be graded</li>";
  for (const auto& kind : kMarkerKinds) {
    out << "<li><span class=\"swatch\" style=\"background:" << kind.colour << "\"></span>" << kind.label << "</li>";
  }
  out << "</ul>\n";
}

std::string card_signature(const std::vector<ReportCard>& cards) {
  std::string signature;
  for (const auto& card : cards) signature += card.indicator + "\x1f" + card.summary + "\x1e";
  return signature;
}

void write_card(std::ostream& out, const ReportCard& card) {
  const bool known = card.indicator == "info" || card.indicator == "warning" || card.indicator == "critical";
  out << "<li class=\"card " << (known ? card.indicator : "unknown") << "\"><span class=\"indicator\">"
      << html_escape(card.indicator.empty() ? "(no indicator)" : card.indicator) << "</span> <span class=\"summary\">"
      << html_escape(card.summary) << "</span>";
  if (!card.rule.empty()) out << " <code class=\"rule\">" << html_escape(card.rule) << "</code>";
  if (!card.suggestions.empty()) {
    out << "<ul class=\"suggestions\">";
    for (const auto& label : card.suggestions) out << "<li>" << html_escape(label) << "</li>";
    out << "</ul>";
  }
  if (!card.detail.empty()) {
    out << "<details><summary>detail";
    if (!card.source.empty()) out << " (" << html_escape(card.source) << ")";
    out << "</summary><pre>" << html_escape(card.detail) << "</pre></details>";
  }
  out << "</li>\n";
}

void write_points_table(std::ostream& out, const ReportPatient& patient) {
  out << "<table class=\"points\"><thead><tr><th>time (UTC)</th><th>day</th><th>score</th><th>ICANS now/worst</th>"
         "<th>CRS now/worst</th><th>cards</th></tr></thead><tbody>\n";
  // A card list repeated from the previous point is not written again: a
  // tester looks for the points where the cards changed.
  std::string previous_signature;
  std::string written_at;
  for (const auto& point : patient.points) {
    const Evaluation& evaluation = point.evaluation;
    const std::string time = fhir::format_instant(evaluation.at);
    std::string score = "-";
    if (evaluation.assessment.tool != Tool::none) {
      score = std::string(evaluation.assessment.tool == Tool::ice ? "ICE " : "CAPD ") +
              (evaluation.assessment.score ? std::to_string(*evaluation.assessment.score) : "?");
    }
    out << "<tr class=\"point\" data-at=\"" << time << "\"><td>" << time << "</td><td>"
        << (evaluation.day_post_infusion ? std::to_string(*evaluation.day_post_infusion) : "-") << "</td><td>"
        << html_escape(score) << "</td><td>" << grade_text(evaluation.icans.grade) << "/"
        << grade_text(evaluation.icans_worst) << "</td><td>" << grade_text(evaluation.crs.grade) << "/"
        << grade_text(evaluation.crs_worst) << "</td><td>";
    for (const auto& note : point.notes) {
      out << "<p class=\"note" << (point.cards_failed ? " failed" : "") << "\">" << html_escape(note) << "</p>";
    }
    if (!evaluation.in_scope)
      out << "<p class=\"note\">not in scope: " << html_escape(evaluation.scope_reason) << "</p>";
    if (!point.cards_failed) {
      const std::string signature = card_signature(point.cards);
      if (point.cards.empty()) {
        out << "<p class=\"none\">no cards</p>";
      } else if (!written_at.empty() && signature == previous_signature) {
        out << "<p class=\"same\">same cards as at " << written_at << "</p>";
      } else {
        out << "<ul class=\"cards\">";
        for (const auto& card : point.cards) write_card(out, card);
        out << "</ul>";
        written_at = time;
      }
      if (point.cards.empty()) written_at.clear();
      previous_signature = signature;
    }
    out << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 32px; border-top: 1px solid #ccc; padding-top: 16px; }
.about { color: #555; margin: 0; }
svg.timeline { display: block; margin: 12px 0; background: #fff; }
svg .panel { fill: none; stroke: #999; }
svg .grid { stroke: #e4e4e4; }
svg .lane-line { stroke: #eee; }
svg .tick, svg .axis-label { font-size: 11px; fill: #444; }
svg .ice-line { fill: none; stroke: #444; stroke-width: 1.5; }
svg .ice-point circle { fill: #444; }
svg .capd-line { fill: none; stroke: #8c510a; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .capd-point circle { fill: #8c510a; }
svg .icans-line { fill: none; stroke: #c51b7d; stroke-width: 2; }
svg .crs-line { fill: none; stroke: #2166ac; stroke-width: 2; stroke-dasharray: 6 3; }
svg .icans-point { fill: #c51b7d; } svg .crs-point { fill: #2166ac; }
svg .unknown { fill: #fff; stroke-width: 1.5; }
svg .icans-point.unknown { stroke: #c51b7d; } svg .crs-point.unknown { stroke: #2166ac; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12px; }
.swatch { display: inline-block; width: 14px; height: 4px; margin-right: 6px; vertical-align: middle; background: #444; }
.swatch.capd { background: #8c510a; } .swatch.icans { background: #c51b7d; } .swatch.crs { background: #2166ac; }
table.points { border-collapse: collapse; width: 100%; font-size: 13px; }
table.points th, table.points td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; vertical-align: top; }
table.points td:nth-child(-n+5) { white-space: nowrap; }
ul.cards { list-style: none; margin: 0; padding: 0; }
li.card { margin: 2px 0 6px; padding-left: 8px; border-left: 4px solid #999; }
li.card.info { border-color: #4575b4; } li.card.warning { border-color: #fdae61; } li.card.critical { border-color: #d73027; }
li.card.unknown { border-color: #000; border-left-style: dashed; }
.indicator { font-weight: 600; text-transform: uppercase; font-size: 11px; }
code.rule { color: #777; font-size: 11px; }
ul.suggestions { margin: 2px 0; padding-left: 20px; color: #333; }
details pre { white-space: pre-wrap; background: #f7f7f7; padding: 6px; font-size: 12px; }
p.note { margin: 2px 0; color: #8a4b00; } p.note.failed { color: #b10026; font-weight: 600; }
p.same, p.none { margin: 2px 0; color: #777; }
)";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_report_html(const Report& report) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // No script, style or image may come from anywhere: the page must work
      // offline and cannot be made to run anything.
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      << "<title>" << html_escape(report.title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  out << "<h1>" << html_escape(report.title) << "</h1>\n";
  for (const auto& line : report.about) out << "<p class=\"about\">" << html_escape(line) << "</p>\n";
  if (report.patients.empty()) out << "<p>No patients in the inputs.</p>\n";
  for (const auto& patient : report.patients) {
    out << "<section class=\"patient\" data-patient=\"" << html_escape(patient.id) << "\">\n<h2>Patient "
        << html_escape(patient.id) << "</h2>\n";
    std::optional<fhir::Instant> infusion;
    const Evaluation* in_scope = nullptr;
    for (const auto& point : patient.points) {
      if (point.evaluation.in_scope && point.evaluation.infusion) {
        infusion = point.evaluation.infusion;
        in_scope = &point.evaluation;
        break;
      }
    }
    if (patient.points.empty()) {
      out << "<p>Nothing relevant charted.</p>\n</section>\n";
      continue;
    }
    if (in_scope) {
      out << "<p class=\"about\">" << html_escape(in_scope->scope_reason)
          << "; day 0 = " << fhir::format_instant(*infusion);
      if (in_scope->age_years) out << "; age " << *in_scope->age_years;
      out << "</p>\n";
      write_chart(out, patient, *infusion);
      write_legend(out);
    } else {
      out << "<p class=\"about\">Not in scope: " << html_escape(patient.points.front().evaluation.scope_reason)
          << ". No timeline is drawn.</p>\n";
    }
    write_points_table(out, patient);
    out << "</section>\n";
  }
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace icans::cli
