// icans-cds replay: the grading engine over FHIR files, as a timeline or at
// one instant, with the cards the CDS Hooks service would return at each.
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cards/card.h"
#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/cli/commands.h"
#include "cds/evaluate.h"
#include "cds/evaluation_json.h"
#include "cds/evaluation_text.h"
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

ProtocolLoadResult load_protocol_option(const std::string& path) {
  return path.empty() ? default_protocol() : load_protocol_file(path);
}

}  // namespace

int run_replay(int argc, char** argv) {
  po::options_description options("icans-cds replay FILE... [options]\n\n"
                                  "Grades each patient in the FHIR inputs (Bundle, resource or NDJSON)");
  std::string at_text;
  std::string format = "text";
  std::string site_map;
  std::string protocol_file;
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
     "CAPD instead of ICE below this age");
  // clang-format on
  po::options_description hidden;
  std::vector<std::string> files;
  hidden.add_options()("file", po::value(&files));
  po::positional_options_description positional;
  positional.add("file", -1);
  po::options_description all;
  all.add(options).add(hidden);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "replay: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (files.empty()) {
    std::cerr << "replay: no input files\n" << options << "\n";
    return 2;
  }
  if (format != "text" && format != "json") {
    std::cerr << "replay: --format must be text or json, not '" << format << "'\n";
    return 2;
  }
  if (auto problems = validate(config); !problems.empty()) {
    std::cerr << "replay: invalid configuration:\n" << problems << "\n";
    return 2;
  }
  // A protocol with any problem is refused before anything is graded: a
  // card built on half a protocol could give a wrong dose.
  const ProtocolLoadResult loaded = load_protocol_option(protocol_file);
  if (!loaded.protocol) {
    std::cerr << "replay: the protocol cannot be used (" << loaded.errors.size() << " problem"
              << (loaded.errors.size() == 1 ? "" : "s") << "):\n";
    for (const auto& error : loaded.errors) std::cerr << "  " << error << "\n";
    return 2;
  }
  const Protocol& protocol = *loaded.protocol;
  std::optional<fhir::Instant> at;
  if (!at_text.empty()) {
    const auto parsed = fhir::parse_instant(at_text);
    if (!parsed.range) {
      std::cerr << "replay: --at '" << at_text << "': " << parsed.error << "\n";
      return 2;
    }
    at = parsed.range->earliest;
  }

  fhir::Terminology terminology;
  if (!site_map.empty()) {
    if (auto error = terminology.load_site_map_file(site_map); !error.empty()) {
      std::cerr << "replay: " << error << "\n";
      return 2;
    }
  }
  fhir::Intake intake(terminology);
  for (const auto& file : files) {
    if (auto error = intake.add_file(file); !error.empty()) {
      std::cerr << "replay: " << error << "\n";
      return 2;
    }
  }
  const fhir::IntakeResult result = intake.finish();

  rapidjson::Document document(rapidjson::kArrayType);
  auto& allocator = document.GetAllocator();
  if (format == "text") {
    for (const auto& warning : result.warnings) {
      std::cout << "input warning: " << fhir::to_string(warning) << "\n";
    }
  }
  for (const auto& [id, record] : result.patients) {
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
    const RecommendContext context;  // patient-view, no uuid seed: stable ids across runs
    if (format == "json") {
      for (const auto& evaluation : evaluations) {
        rapidjson::Value object = to_json(evaluation, record.warnings, allocator);
        rapidjson::Value cards(rapidjson::kArrayType);
        for (const auto& card : recommend(record, evaluation, protocol, config, context)) {
          cards.PushBack(to_json(card, allocator), allocator);
        }
        object.AddMember("cards", cards, allocator);
        document.PushBack(object, allocator);
      }
      continue;
    }
    write_text_header(std::cout, evaluations.front(), record.warnings);
    for (const auto& evaluation : evaluations) {
      write_text_row(std::cout, evaluation);
      write_text_cards(std::cout, recommend(record, evaluation, protocol, config, context));
    }
    std::cout << "\n";
  }
  if (format == "json") {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    document.Accept(writer);
    std::cout << buffer.GetString() << "\n";
  }
  return 0;
}

}  // namespace icans::cli
