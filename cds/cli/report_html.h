#pragma once
// The replay report: one self-contained HTML page (inline CSS and SVG, no
// script, font or image from anywhere else) that a tester opens offline or
// attaches to a validation record. Per patient: a timeline of the ICE/CAPD
// score and the ICANS and CRS grades over days since the infusion, markers
// for seizures and the treatments that matter, and under it the cards issued
// at each evaluation point.
//
// Every text from the inputs is escaped: a patient id or card text holding
// markup is shown as text, never run. Each plotted point carries its values
// as data attributes (data-day, data-ice, data-icans, ...) so a test can
// compare the drawing with `replay --format json`.

#include <string>
#include <vector>

#include "cds/evaluation.h"
#include "fhir/record.h"

namespace icans::cli {

// A card as the report shows it, from the engine or from a service's response.
struct ReportCard {
  std::string indicator;  // "info", "warning", "critical", or as the service sent it
  std::string summary;
  std::string detail;     // Markdown, shown as text
  std::string rule;       // source.topic.code
  std::string source;     // source.label
  std::vector<std::string> suggestions;
};

struct ReportPoint {
  Evaluation evaluation;
  std::vector<ReportCard> cards;
  // Said beside the cards: a failed request, protocol violations, a note on
  // how the cards were obtained. Empty for local replay.
  std::vector<std::string> notes;
  bool cards_failed = false;  // no cards could be obtained (the notes say why)
  // False for an order hook's answer: listed with the cards, not drawn (the
  // chart shows the patient-view timeline).
  bool on_chart = true;
};

struct ReportPatient {
  std::string id;
  const fhir::PatientRecord* record = nullptr;  // for markers; may be null
  std::vector<ReportPoint> points;              // in time order
};

struct Report {
  std::string title;
  std::vector<std::string> about;  // lines under the title: inputs, where the cards came from
  std::vector<ReportPatient> patients;
};

std::string render_report_html(const Report& report);

// Text for HTML element content and attribute values alike.
std::string html_escape(std::string_view text);

}  // namespace icans::cli
