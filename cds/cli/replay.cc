// icans-cds replay: the grading engine over FHIR files, as a timeline or at
// one instant, with the cards the CDS Hooks service would return at each;
// or the same requests sent to a live CDS service (--server); checked against
// a tester's scenario files (--expect); drawn as an HTML report (--report).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <boost/program_options.hpp>

#include "cards/card.h"
#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/cli/command_line.h"
#include "cds/cli/commands.h"
#include "cds/cli/expectations.h"
#include "cds/cli/jwt_sign.h"
#include "cds/cli/load_inputs.h"
#include "cds/cli/replay_http.h"
#include "cds/cli/report_html.h"
#include "cds/evaluate.h"
#include "cds/evaluation_json.h"
#include "cds/evaluation_text.h"
#include "cds/hooks/service.h"
#include "fhir/intake.h"

namespace icans::cli {

namespace po = boost::program_options;

namespace {

// Under the evaluation row: each card as the EHR would show it, most urgent
// first, with the buttons it offers.
void write_text_cards(std::ostream& out, const std::vector<Card>& cards) {
  for (const auto& card : cards) {
    out << "    card [" << to_string(card.indicator) << "] " << card.summary << "\n";
    for (const auto& suggestion : card.suggestions) {
      out << "        -> " << suggestion.label << (suggestion.is_recommended ? " (recommended)" : "") << "\n";
    }
  }
}

void write_pretty(std::ostream& out, const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  out << buffer.GetString() << "\n";
}

rapidjson::Value json_string(const std::string& text, rapidjson::Document::AllocatorType& allocator) {
  return rapidjson::Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

// One set of inputs graded one way: the command line's files, or one
// scenario's bundle with its options.
struct InputSet {
  std::string label;
  std::vector<std::string> files;
  std::string site_map;
  std::string protocol_file;
  GradingConfig config;
  std::optional<Protocol> protocol;
  fhir::IntakeResult intake;
  RawInputs raw;  // with --server only
};

// Empty string on success; otherwise why the set cannot be used (exit 2).
std::string load_set(InputSet& set, bool raw_needed) {
  if (auto problems = validate(set.config); !problems.empty()) {
    return "invalid configuration:\n" + problems;
  }
  // A protocol with any problem is refused before anything is graded: a
  // card built on half a protocol could give a wrong dose.
  const ProtocolLoadResult loaded =
      set.protocol_file.empty() ? default_protocol() : load_protocol_file(set.protocol_file);
  if (!loaded.protocol) {
    std::string text = "the protocol cannot be used (" + std::to_string(loaded.errors.size()) + " problem" +
                       (loaded.errors.size() == 1 ? "" : "s") + "):";
    for (const auto& error : loaded.errors) text += "\n  " + error;
    return text;
  }
  set.protocol = *loaded.protocol;
  if (auto error = load_inputs(set.files, set.site_map, set.intake); !error.empty()) return error;
  if (raw_needed) {
    if (auto error = set.raw.load(set.files); !error.empty()) return error;
  }
  return {};
}

// The evaluations replay shows for a patient: at `at`, or along the timeline.
std::vector<Evaluation> evaluations_of(const std::string& id, const fhir::PatientRecord& record,
                                       const std::optional<fhir::Instant>& at, const GradingConfig& config) {
  std::vector<Evaluation> evaluations;
  if (at) {
    evaluations.push_back(evaluate(record, *at, config));
  } else {
    evaluations = evaluate_timeline(record, config);
  }
  if (evaluations.empty()) {
    Evaluation nothing;
    nothing.patient = id;
    nothing.scope_reason = "nothing relevant charted";
    evaluations.push_back(nothing);
  }
  return evaluations;
}

// The draft orders an order hook at `at` carries: drafts charted by then.
std::vector<fhir::MedicationRequest> drafts_at(const fhir::PatientRecord& record, fhir::Instant at) {
  std::vector<fhir::MedicationRequest> drafts;
  for (const auto& request : record.medication_requests) {
    if (request.status != fhir::RequestStatus::draft) continue;
    if (request.authored_on && request.authored_on->earliest > at) continue;
    drafts.push_back(request);
  }
  return drafts;
}

ReportCard report_card(const Card& card) {
  return {std::string(to_string(card.indicator)),
          card.summary,
          card.detail,
          card.source.topic ? card.source.topic->code : "",
          card.source.label,
          [&] {
            std::vector<std::string> labels;
            for (const auto& suggestion : card.suggestions) labels.push_back(suggestion.label);
            return labels;
          }()};
}

ReportCard report_card(const ReceivedCard& card) {
  return {card.indicator, card.summary, card.detail, card.topic_code, card.source_label, card.suggestion_labels};
}

ObservedCard observed_card(const ReceivedCard& card) {
  ObservedCard observed;
  observed.rule = card.topic_code;
  observed.indicator = card.indicator;
  observed.summary = card.summary;
  observed.detail = card.detail;
  observed.suggestion_labels = card.suggestion_labels;
  return observed;
}

bool write_report(const std::string& path, const Report& report) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << render_report_html(report);
  out.close();
  if (!out) {
    std::cerr << "replay: cannot write the report to " << path << "\n";
    return false;
  }
  return true;
}

// When and by what a report was made: it may be filed as validation evidence.
std::string generated_line() {
  const fhir::Instant now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  return "Generated " + fhir::format_instant(now - now % fhir::kMillisPerSecond) + " by " +
         std::string(kEngineVersion) + " replay";
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

// --- local replay -------------------------------------------------------------------

int replay_locally(const InputSet& set, const std::optional<fhir::Instant>& at, const std::string& format,
                   const std::string& report_path) {
  const Protocol& protocol = *set.protocol;
  const RecommendContext context;  // patient-view, no uuid seed: stable ids across runs
  rapidjson::Document document(rapidjson::kArrayType);
  auto& allocator = document.GetAllocator();
  Report report;
  report.title = "icans-cds replay: " + set.label;
  report.about = {
      "Inputs: " + join(set.files, ", "),
      "Grades and cards: the local engine (icans-cds replay), protocol " + protocol.name + " " + protocol.version,
      generated_line()};
  if (format == "text") {
    for (const auto& warning : set.intake.warnings) std::cout << "input warning: " << fhir::to_string(warning) << "\n";
  }
  for (const auto& [id, record] : set.intake.patients) {
    const std::vector<Evaluation> evaluations = evaluations_of(id, record, at, set.config);
    ReportPatient* report_patient = nullptr;
    if (!report_path.empty()) {
      report.patients.push_back({id, &record, {}});
      report_patient = &report.patients.back();
    }
    if (format == "text") write_text_header(std::cout, evaluations.front(), record.warnings);
    for (const auto& evaluation : evaluations) {
      const std::vector<Card> cards = recommend(record, evaluation, protocol, set.config, context);
      if (format == "json") {
        rapidjson::Value object = to_json(evaluation, record.warnings, allocator);
        rapidjson::Value list(rapidjson::kArrayType);
        for (const auto& card : cards) list.PushBack(to_json(card, allocator), allocator);
        object.AddMember("cards", list, allocator);
        document.PushBack(object, allocator);
      } else {
        write_text_row(std::cout, evaluation);
        write_text_cards(std::cout, cards);
      }
      if (report_patient && evaluation.at != 0) {
        ReportPoint point{evaluation, {}, {}, false};
        for (const auto& card : cards) point.cards.push_back(report_card(card));
        report_patient->points.push_back(std::move(point));
      }
    }
    if (format == "text") std::cout << "\n";
  }
  if (format == "json") write_pretty(std::cout, document);
  if (!report_path.empty() && !write_report(report_path, report)) return 2;
  return 0;
}

// --- replay through a CDS service ---------------------------------------------------

void write_call_text(std::ostream& out, const CallResult& result) {
  out << "  " << fhir::format_instant(result.call.at) << " " << result.call.hook << " " << result.call.service_id;
  if (!result.call.selections.empty()) out << " (" << join(result.call.selections, ", ") << ")";
  out << ": ";
  if (!result.error.empty()) {
    out << "FAILED " << result.error << "\n";
    return;
  }
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.1f", result.milliseconds);
  out << "HTTP " << result.status << " in " << latency << " ms, " << result.cards.size()
      << (result.cards.size() == 1 ? " card" : " cards") << "\n";
  for (const auto& card : result.cards) {
    out << "    card [" << card.indicator << "] " << card.summary << "\n";
    for (const auto& label : card.suggestion_labels) out << "        -> " << label << "\n";
  }
  for (const auto& violation : result.violations) out << "    VIOLATION " << violation << "\n";
  if (result.latency_beyond_margin) {
    out << "    note: the answer took longer than the clock margin; a finding charted exactly one grading window "
           "before T may have left the service's window\n";
  }
}

rapidjson::Value call_json(const CallResult& result, rapidjson::Document::AllocatorType& allocator) {
  rapidjson::Value object(rapidjson::kObjectType);
  object.AddMember("patient", json_string(result.call.patient, allocator), allocator);
  object.AddMember("at", json_string(fhir::format_instant(result.call.at), allocator), allocator);
  object.AddMember("hook", json_string(result.call.hook, allocator), allocator);
  object.AddMember("service", json_string(result.call.service_id, allocator), allocator);
  rapidjson::Value selections(rapidjson::kArrayType);
  for (const auto& selection : result.call.selections)
    selections.PushBack(json_string(selection, allocator), allocator);
  object.AddMember("selections", selections, allocator);
  object.AddMember("url", json_string(result.url, allocator), allocator);
  object.AddMember("status", result.status, allocator);
  object.AddMember("milliseconds", std::round(result.milliseconds * 10) / 10, allocator);
  object.AddMember("time_shift_ms", static_cast<std::int64_t>(result.shift_ms), allocator);
  if (result.error.empty()) {
    object.AddMember("error", rapidjson::Value(rapidjson::kNullType), allocator);
  } else {
    object.AddMember("error", json_string(result.error, allocator), allocator);
  }
  rapidjson::Value cards(rapidjson::kArrayType);
  for (const auto& card : result.cards) {
    rapidjson::Value c(rapidjson::kObjectType);
    c.AddMember("indicator", json_string(card.indicator, allocator), allocator);
    c.AddMember("summary", json_string(card.summary, allocator), allocator);
    c.AddMember("rule", json_string(card.topic_code, allocator), allocator);
    c.AddMember("source", json_string(card.source_label, allocator), allocator);
    rapidjson::Value labels(rapidjson::kArrayType);
    for (const auto& label : card.suggestion_labels) labels.PushBack(json_string(label, allocator), allocator);
    c.AddMember("suggestions", labels, allocator);
    cards.PushBack(c, allocator);
  }
  object.AddMember("cards", cards, allocator);
  rapidjson::Value violations(rapidjson::kArrayType);
  for (const auto& violation : result.violations) violations.PushBack(json_string(violation, allocator), allocator);
  object.AddMember("violations", violations, allocator);
  return object;
}

std::string latency_summary(std::vector<double> milliseconds) {
  if (milliseconds.empty()) return "no answers";
  std::sort(milliseconds.begin(), milliseconds.end());
  auto at = [&](double q) {
    return milliseconds[std::min(milliseconds.size() - 1, static_cast<std::size_t>(q * milliseconds.size()))];
  };
  char text[128];
  std::snprintf(text, sizeof text, "median %.1f ms, p95 %.1f ms, max %.1f ms", at(0.5), at(0.95), milliseconds.back());
  return text;
}

int replay_through_service(const InputSet& set, const HttpReplayOptions& options,
                           const std::vector<DiscoveredService>& services, const std::optional<fhir::Instant>& at,
                           const std::string& format, const std::string& report_path) {
  HttpReplay replay(options, set.raw, services);
  std::vector<std::pair<HookCall, const fhir::PatientRecord*>> calls;
  std::map<std::string, std::vector<Evaluation>> evaluations_by_patient;
  std::vector<std::string> skipped;
  for (const auto& [id, record] : set.intake.patients) {
    std::vector<Evaluation> evaluations = evaluations_of(id, record, at, set.config);
    std::vector<fhir::Instant> times;
    for (const auto& evaluation : evaluations) {
      if (evaluation.at != 0) times.push_back(evaluation.at);
    }
    if (times.empty()) skipped.push_back(id);
    for (auto& call : replay.plan(record, times, at.has_value())) calls.emplace_back(std::move(call), &record);
    evaluations_by_patient[id] = std::move(evaluations);
  }
  const std::vector<CallResult> results = replay.run(calls);

  std::size_t failed = 0;
  std::size_t violations = 0;
  std::vector<double> latencies;
  for (const auto& result : results) {
    if (!result.error.empty()) ++failed;
    violations += result.violations.size();
    if (result.status != 0) latencies.push_back(result.milliseconds);
  }
  if (format == "json") {
    rapidjson::Document document(rapidjson::kArrayType);
    for (const auto& result : results)
      document.PushBack(call_json(result, document.GetAllocator()), document.GetAllocator());
    write_pretty(std::cout, document);
  } else {
    std::cout << "service " << options.server << ":";
    for (const auto& s : services) std::cout << " " << s.id << " (" << s.hook << ")";
    std::cout << "\n";
    if (options.fhir_server.empty()) {
      std::cout << (options.time_shift ? "charts shifted so that each T is the moment of sending (docs/testing.md)\n"
                                       : "charts sent at their charted times (--no-time-shift)\n");
    } else {
      std::cout << "no prefetch: the service fetches from " << options.fhir_server << "\n";
    }
    for (const auto& note : replay.notes()) std::cout << "note: " << note << "\n";
    for (const auto& warning : set.intake.warnings) std::cout << "input warning: " << fhir::to_string(warning) << "\n";
    std::string patient;
    for (const auto& result : results) {
      if (result.call.patient != patient) {
        patient = result.call.patient;
        std::cout << "patient " << patient << "\n";
      }
      write_call_text(std::cout, result);
    }
    for (const auto& id : skipped) std::cout << "patient " << id << ": nothing relevant charted; no request sent\n";
    std::cout << "summary: " << results.size() << " requests, " << results.size() - failed << " answered 200, "
              << failed << " failed; " << violations << " protocol violation" << (violations == 1 ? "" : "s")
              << "; latency " << latency_summary(latencies) << "\n";
  }

  if (!report_path.empty()) {
    Report report;
    report.title = "icans-cds replay through " + options.server + ": " + set.label;
    report.about = {"Inputs: " + join(set.files, ", "),
                    "Cards: as returned by the CDS service at " + options.server +
                        ". Grades and scores: the local engine (a CDS Hooks response carries no grades).",
                    options.time_shift && options.fhir_server.empty()
                        ? "Each request's chart was shifted so that T was the moment of sending; times in card text "
                          "are shifted times."
                        : "Times were sent as charted.",
                    generated_line()};
    for (const auto& [id, record] : set.intake.patients) {
      ReportPatient patient{id, &record, {}};
      const auto& evaluations = evaluations_by_patient[id];
      for (const auto& result : results) {
        if (result.call.patient != id) continue;
        ReportPoint point;
        auto found = std::find_if(evaluations.begin(), evaluations.end(),
                                  [&](const Evaluation& e) { return e.at == result.call.at; });
        point.evaluation = found != evaluations.end() ? *found : evaluate(record, result.call.at, set.config);
        if (result.call.hook != "patient-view") {
          point.on_chart = false;
          point.notes.push_back(result.call.hook + " of " + join(result.call.selections, ", ") + " (" +
                                result.call.service_id + ")");
        }
        if (!result.error.empty()) {
          point.cards_failed = true;
          point.notes.push_back("request failed: " + result.error);
        }
        for (const auto& violation : result.violations) point.notes.push_back("protocol violation: " + violation);
        for (const auto& card : result.cards) point.cards.push_back(report_card(card));
        patient.points.push_back(std::move(point));
      }
      std::stable_sort(patient.points.begin(), patient.points.end(),
                       [](const ReportPoint& a, const ReportPoint& b) { return a.evaluation.at < b.evaluation.at; });
      report.patients.push_back(std::move(patient));
    }
    if (!write_report(report_path, report)) return 2;
  }
  return failed > 0 || violations > 0 ? 1 : 0;
}

// --- expectations -------------------------------------------------------------------------

struct ExpectationOutcome {
  std::string scenario;
  const Expectation* expectation = nullptr;
  std::vector<CheckResult> checks;
  Verdict verdict = Verdict::pass;
};

Observed observe_locally(const InputSet& set, const fhir::PatientRecord& record, const Expectation& expectation) {
  const Evaluation evaluation = evaluate(record, expectation.at, set.config);
  RecommendContext context;
  context.hook = expectation.hook;
  if (expectation.hook != "patient-view") {
    context.draft_medication_requests = drafts_at(record, expectation.at);
    if (context.draft_medication_requests.empty()) {
      Observed observed = observe(evaluation, record.warnings, {});
      observed.cards_error = "no draft MedicationRequest charted by T for " + expectation.hook;
      return observed;
    }
  }
  return observe(evaluation, record.warnings, recommend(record, evaluation, *set.protocol, set.config, context));
}

Observed observe_through_service(const HttpReplay& replay, const fhir::PatientRecord& record,
                                 const Expectation& expectation, std::vector<std::string>& violations) {
  Observed observed;
  observed.grades_known = false;
  observed.kinds_known = false;
  auto service = std::find_if(replay.services().begin(), replay.services().end(),
                              [&](const DiscoveredService& s) { return s.hook == expectation.hook; });
  if (service == replay.services().end()) {
    observed.cards_error = "the service offers no " + expectation.hook + " service";
    return observed;
  }
  HookCall call{record.patient_id, expectation.at, expectation.hook, service->id, {}};
  if (expectation.hook != "patient-view") {
    for (const auto& draft : drafts_at(record, expectation.at))
      call.selections.push_back("MedicationRequest/" + draft.id);
    if (call.selections.empty()) {
      observed.cards_error = "no draft MedicationRequest charted by T for " + expectation.hook;
      return observed;
    }
  }
  const CallResult result = replay.send(call, record);
  if (!result.error.empty()) {
    observed.cards_error = result.error;
    return observed;
  }
  for (const auto& card : result.cards) observed.cards.push_back(observed_card(card));
  violations = result.violations;
  return observed;
}

std::vector<ExpectationOutcome> check_scenario(const Scenario& scenario, const InputSet& set,
                                               const HttpReplay* replay) {
  std::vector<ExpectationOutcome> outcomes;
  for (const auto& expectation : scenario.expectations) {
    ExpectationOutcome outcome{scenario.path, &expectation, {}, Verdict::pass};
    const fhir::PatientRecord* record = nullptr;
    if (!expectation.patient.empty()) {
      if (auto found = set.intake.patients.find(expectation.patient); found != set.intake.patients.end()) {
        record = &found->second;
      }
    } else if (set.intake.patients.size() == 1) {
      record = &set.intake.patients.begin()->second;
    }
    if (!record) {
      const std::string wanted =
          expectation.patient.empty()
              ? "(patient not named, and the inputs hold " + std::to_string(set.intake.patients.size()) + " patients)"
              : "Patient/" + expectation.patient;
      outcome.checks.push_back({"patient", Verdict::fail, wanted, "not in the inputs"});
    } else if (replay) {
      std::vector<std::string> violations;
      outcome.checks =
          check_expectation(expectation, observe_through_service(*replay, *record, expectation, violations));
      if (!violations.empty()) {
        outcome.checks.push_back(
            {"response follows CDS Hooks 2.0", Verdict::fail, "no protocol violations", join(violations, "; ")});
      }
    } else {
      outcome.checks = check_expectation(expectation, observe_locally(set, *record, expectation));
    }
    outcome.verdict = overall(outcome.checks);
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

void write_outcomes_text(std::ostream& out, const Scenario& scenario, const std::vector<ExpectationOutcome>& outcomes) {
  out << scenario.path;
  if (!scenario.description.empty()) out << ": " << scenario.description;
  out << "\n";
  for (const auto& outcome : outcomes) {
    const Expectation& e = *outcome.expectation;
    out << "  " << to_string(outcome.verdict) << " " << e.where << " "
        << (e.patient.empty() ? "(the patient)" : e.patient) << " at " << e.at_text << " (" << e.hook << ")";
    if (!e.note.empty()) out << ": " << e.note;
    out << "\n";
    for (const auto& check : outcome.checks) {
      out << "    " << to_string(check.verdict) << " " << check.what << ": expected " << check.expected << ", "
          << (check.verdict == Verdict::skip ? "" : "actual ") << check.actual << "\n";
    }
  }
}

rapidjson::Value outcome_json(const ExpectationOutcome& outcome, rapidjson::Document::AllocatorType& allocator) {
  rapidjson::Value object(rapidjson::kObjectType);
  object.AddMember("scenario", json_string(outcome.scenario, allocator), allocator);
  object.AddMember("expectation", json_string(outcome.expectation->where, allocator), allocator);
  object.AddMember("patient", json_string(outcome.expectation->patient, allocator), allocator);
  object.AddMember("at", json_string(outcome.expectation->at_text, allocator), allocator);
  object.AddMember("hook", json_string(outcome.expectation->hook, allocator), allocator);
  object.AddMember("verdict", json_string(std::string(to_string(outcome.verdict)), allocator), allocator);
  rapidjson::Value checks(rapidjson::kArrayType);
  for (const auto& check : outcome.checks) {
    rapidjson::Value c(rapidjson::kObjectType);
    c.AddMember("what", json_string(check.what, allocator), allocator);
    c.AddMember("verdict", json_string(std::string(to_string(check.verdict)), allocator), allocator);
    c.AddMember("expected", json_string(check.expected, allocator), allocator);
    c.AddMember("actual", json_string(check.actual, allocator), allocator);
    checks.PushBack(c, allocator);
  }
  object.AddMember("checks", checks, allocator);
  return object;
}

}  // namespace

int run_replay(int argc, char** argv) {
  po::options_description options(
      "icans-cds replay FILE... [options]\n"
      "icans-cds replay --expect SCENARIO... [options]\n\n"
      "Grades each patient in the FHIR inputs (Bundle, resource or NDJSON), locally or\n"
      "through a live CDS Hooks service; checks scenario files; draws an HTML report\n"
      "(docs/testing.md)");
  std::string at_text;
  std::string format = "text";
  std::string site_map;
  std::string protocol_file;
  std::vector<std::string> scenario_files;
  std::string report_path;
  HttpReplayOptions http;
  int timeout_ms = 10000;
  long clock_margin_ms = 2000;
  bool no_time_shift = false;
  JwtOptions jwt;
  GradingConfig config;
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("at", po::value(&at_text), "evaluate once at this FHIR instant (e.g. 2026-03-05T08:00:00Z); "
                                "default: at every time something relevant was charted")
    ("format", po::value(&format)->default_value("text"), "text or json")
    ("site-map", po::value(&site_map), "site terminology map (JSON, see docs/terminology.md)")
    ("protocol", po::value(&protocol_file), "institutional protocol for the cards (JSON, see docs/protocol.md); "
                                            "default: the protocol compiled in (cards/default_protocol.json)")
    ("t-cell-engagers", po::bool_switch(&config.include_t_cell_engagers),
     "also grade patients whose only immune effector therapy is a T-cell engager")
    ("pediatric-cutoff-years", po::value(&config.pediatric_cutoff_years)->default_value(12),
     "CAPD instead of ICE below this age")
    ("expect", po::value(&scenario_files)->composing(),
     "check the expectations of this scenario file (repeatable; docs/testing.md); exit 1 when any fails")
    ("report", po::value(&report_path), "write a self-contained HTML report (timeline and cards per patient) to this file")
    ("server", po::value(&http.server), "replay through the CDS Hooks service at this base URL "
                                        "(discovery at URL/cds-services) instead of the local engine")
    ("fhir-server", po::value(&http.fhir_server), "with --server: send this fhirServer instead of prefetch")
    ("fhir-token", po::value(&http.fhir_token), "with --fhir-server: the access token sent as fhirAuthorization")
    ("concurrency", po::value(&http.concurrency)->default_value(1), "with --server: requests in flight at once (1-64)")
    ("timeout-ms", po::value(&timeout_ms)->default_value(10000), "with --server: per request, in milliseconds")
    ("no-time-shift", po::bool_switch(&no_time_shift), "with --server: send charted times as they are "
                                                       "(the service grades at its own clock)")
    ("clock-margin-ms", po::value(&clock_margin_ms)->default_value(2000),
     "with --server: latency and clock difference the time shift absorbs (docs/testing.md)")
    ("jwt-key", po::value(&jwt.key_file), "with --server: PEM private key (EC P-384 or RSA) to sign a bearer JWT "
                                          "for each request (ES384 or RS384)")
    ("jwt-issuer", po::value(&jwt.issuer), "with --jwt-key: the iss claim")
    ("jwt-kid", po::value(&jwt.kid), "with --jwt-key: the kid header (the key's id in the issuer's JWK Set)");
  // clang-format on
  std::vector<std::string> files;
  po::variables_map vm;
  if (auto exit_code = parse_command_line(argc, argv, options, "replay", vm, files)) return *exit_code;
  const bool expect_mode = !scenario_files.empty();
  if (expect_mode && !files.empty()) {
    std::cerr << "replay: with --expect the inputs are the scenarios' bundles; give no FILE\n";
    return 2;
  }
  if (expect_mode && !report_path.empty()) {
    std::cerr << "replay: --report draws FILE inputs; run 'icans-cds replay BUNDLE --report out.html' for a scenario's "
                 "bundle\n";
    return 2;
  }
  if (expect_mode && !at_text.empty()) {
    std::cerr << "replay: with --expect each expectation names its own time; --at is not used\n";
    return 2;
  }
  if (!expect_mode && files.empty()) {
    std::cerr << "replay: no input files\n" << options << "\n";
    return 2;
  }
  if (format != "text" && format != "json") {
    std::cerr << "replay: --format must be text or json, not '" << format << "'\n";
    return 2;
  }
  const bool through_service = !http.server.empty();
  for (const char* option : {"fhir-server", "fhir-token", "jwt-key", "jwt-issuer", "jwt-kid", "concurrency",
                             "timeout-ms", "no-time-shift", "clock-margin-ms"}) {
    if (!through_service && vm.count(option) && !vm[option].defaulted()) {
      std::cerr << "replay: --" << option << " needs --server\n";
      return 2;
    }
  }
  if (!http.fhir_token.empty() && http.fhir_server.empty()) {
    std::cerr << "replay: --fhir-token needs --fhir-server\n";
    return 2;
  }
  if (http.concurrency < 1 || http.concurrency > 64) {
    std::cerr << "replay: --concurrency must be from 1 to 64\n";
    return 2;
  }
  if (timeout_ms < 1 || clock_margin_ms < 0) {
    std::cerr << "replay: --timeout-ms must be positive and --clock-margin-ms not negative\n";
    return 2;
  }
  http.timeout = std::chrono::milliseconds(timeout_ms);
  http.clock_margin_ms = clock_margin_ms;
  http.time_shift = !no_time_shift;
  if (!jwt.key_file.empty() || !jwt.issuer.empty() || !jwt.kid.empty()) {
    auto signer = std::make_shared<JwtSigner>();
    if (auto error = signer->load(jwt); !error.empty()) {
      std::cerr << "replay: " << error << "\n";
      return 2;
    }
    http.authorization = [signer](const std::string& url, std::string& error) {
      const std::string token = signer->sign(url, error);
      return error.empty() ? "Bearer " + token : std::string();
    };
  }
  std::optional<fhir::Instant> at;
  if (!at_text.empty()) {
    const auto parsed = fhir::parse_instant(at_text);
    if (!parsed.range) {
      std::cerr << "replay: --at '" << at_text << "': " << parsed.error << "\n";
      return 2;
    }
    at = parsed.range->earliest;
  }

  std::vector<DiscoveredService> services;
  if (through_service) {
    if (auto error = HttpReplay::discover(http, services); !error.empty()) {
      std::cerr << "replay: " << error << "\n";
      return 2;
    }
  }

  if (!expect_mode) {
    InputSet set;
    set.label = join(files, " ");
    set.files = files;
    set.site_map = site_map;
    set.protocol_file = protocol_file;
    set.config = config;
    if (auto error = load_set(set, through_service); !error.empty()) {
      std::cerr << "replay: " << error << "\n";
      return 2;
    }
    if (through_service) return replay_through_service(set, http, services, at, format, report_path);
    return replay_locally(set, at, format, report_path);
  }

  // Every scenario is read before anything runs: a typo in the last file
  // should not surface after minutes of requests.
  std::vector<Scenario> scenarios(scenario_files.size());
  for (std::size_t i = 0; i < scenario_files.size(); ++i) {
    if (auto error = load_scenario(scenario_files[i], scenarios[i]); !error.empty()) {
      std::cerr << "replay: " << error << "\n";
      return 2;
    }
  }
  rapidjson::Document document(rapidjson::kArrayType);
  std::size_t counts[3] = {0, 0, 0};        // expectations: pass, fail, skip
  std::size_t check_counts[3] = {0, 0, 0};  // checks
  for (const auto& scenario : scenarios) {
    InputSet set;
    set.label = scenario.path;
    set.files = scenario.bundles;
    set.site_map = scenario.options.site_map.empty() ? site_map : scenario.options.site_map;
    set.protocol_file = scenario.options.protocol.empty() ? protocol_file : scenario.options.protocol;
    set.config = config;
    if (scenario.options.t_cell_engagers) set.config.include_t_cell_engagers = *scenario.options.t_cell_engagers;
    if (scenario.options.pediatric_cutoff_years)
      set.config.pediatric_cutoff_years = *scenario.options.pediatric_cutoff_years;
    if (auto error = load_set(set, through_service); !error.empty()) {
      std::cerr << "replay: " << scenario.path << ": " << error << "\n";
      return 2;
    }
    std::optional<HttpReplay> replay;
    if (through_service) replay.emplace(http, set.raw, services);
    const auto outcomes = check_scenario(scenario, set, replay ? &*replay : nullptr);
    for (const auto& outcome : outcomes) {
      ++counts[static_cast<int>(outcome.verdict)];
      for (const auto& check : outcome.checks) ++check_counts[static_cast<int>(check.verdict)];
      if (format == "json") document.PushBack(outcome_json(outcome, document.GetAllocator()), document.GetAllocator());
    }
    if (format == "text") {
      if (through_service && (scenario.options.t_cell_engagers || !scenario.options.site_map.empty() ||
                              scenario.options.pediatric_cutoff_years || !scenario.options.protocol.empty())) {
        std::cout << scenario.path << ": note: the scenario's options apply to local evaluation only; the service at "
                  << http.server << " uses its own configuration\n";
      }
      write_outcomes_text(std::cout, scenario, outcomes);
    }
  }
  if (format == "json") {
    write_pretty(std::cout, document);
  } else {
    std::cout << "expectations: " << counts[0] << " passed, " << counts[1] << " failed, " << counts[2]
              << " not checkable; checks: " << check_counts[0] << " passed, " << check_counts[1] << " failed, "
              << check_counts[2] << " skipped\n";
  }
  return counts[1] > 0 ? 1 : 0;
}

}  // namespace icans::cli
