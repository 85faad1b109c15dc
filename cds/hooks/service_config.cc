#include "cds/hooks/service_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

#include "cds/hooks/hook_request.h"

namespace icans {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kEnvironmentPrefix = "ICANS_";

bool is_origin(const std::string& origin) {
  if (origin == "*") return true;
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) return false;
  const std::string scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const std::string host = origin.substr(scheme_end + 3);
  // An origin is scheme://host[:port]: no path, not even a trailing '/'
  // (browsers send it so, and the comparison is exact).
  return !host.empty() && host.find_first_of("/?#@ ") == std::string::npos;
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::stringstream stream(value);
    std::string item;
    while (std::getline(stream, item, ',')) {
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

}  // namespace

std::string validate(const ServiceConfig& config) {
  std::vector<std::string> problems;
  const auto& http = config.http;
  if (http.host.empty()) problems.push_back("--host must not be empty");
  if (http.port < 0 || http.port > 65535) problems.push_back("--port must be 0-65535");
  if (http.threads < 1 || http.threads > 256) problems.push_back("--threads must be 1-256");
  if (http.max_body_bytes < 1024 || http.max_body_bytes > (std::size_t{1} << 30)) {
    problems.push_back("--max-body-bytes must be between 1024 and 1073741824");
  }
  if (http.tls_certificate_file.empty() != http.tls_private_key_file.empty()) {
    problems.push_back("--tls-cert and --tls-key go together");
  }
  if (config.database_path.empty()) problems.push_back("--db must not be empty");
  // Above ~4.5 s the EHR has usually given up waiting; below 50 ms no
  // network fetch can succeed.
  if (config.fetch_deadline.count() < 50 || config.fetch_deadline.count() > 4500) {
    problems.push_back("--fetch-deadline-ms must be 50-4500");
  }
  if (config.fetch_max_pages < 1 || config.fetch_max_pages > 1000) {
    problems.push_back("--fetch-max-pages must be 1-1000");
  }
  for (const auto& origin : config.cors_origins) {
    if (!is_origin(origin)) {
      problems.push_back("--cors-origin '" + origin +
                         "' is not an origin (scheme://host[:port], no path) or '*'");
    }
  }
  for (const auto& prefix : config.fhir_server_allow) {
    if (auto problem = check_base_url(prefix); !problem.empty()) {
      problems.push_back("--fhir-server-allow '" + prefix + "': " + problem);
    }
  }
  const auto& sizes = config.prefetch_sizes;
  for (auto [name, value] : {std::pair{"--prefetch-observations-count", sizes.observations},
                             {"--prefetch-administrations-count", sizes.administrations},
                             {"--prefetch-service-requests-count", sizes.service_requests},
                             {"--prefetch-diagnostic-reports-count", sizes.diagnostic_reports}}) {
    if (value < 1 || value > 10000) problems.push_back(std::string(name) + " must be 1-10000");
  }
  if (auto grading = validate(config.grading); !grading.empty()) problems.push_back(grading);
  std::string text;
  for (const auto& problem : problems) text += (text.empty() ? "" : "\n") + problem;
  return text;
}

ConfigParseResult parse_service_config(int argc, const char* const argv[], ServiceConfig& config) {
  ConfigParseResult result;
  std::string config_file;
  long long fetch_deadline_ms = config.fetch_deadline.count();
  std::size_t max_body_bytes = config.http.max_body_bytes;
  std::vector<std::string> cors_origins;
  std::vector<std::string> fhir_server_allow;
  GradingConfig& g = config.grading;
  auto& sizes = config.prefetch_sizes;

  po::options_description general(
      "icans-cds serve [options]\n\n"
      "Serves the CDS Hooks 2.0 services icans-patient-view, icans-order-select and\n"
      "icans-order-sign (docs/cds-hooks.md). Every option can also be set by an\n"
      "environment variable (ICANS_ + name in upper case, '-' as '_', e.g. ICANS_PORT)\n"
      "or in the --config file (name = value); the command line wins, then the\n"
      "environment, then the file.\n\nService");
  // clang-format off
  general.add_options()
    ("help,h", "show this help")
    ("config", po::value(&config_file), "read options from this INI file (name = value)")
    ("host", po::value(&config.http.host)->default_value(config.http.host), "address to listen on")
    ("port", po::value(&config.http.port)->default_value(config.http.port),
     "TCP port; 0 picks a free one (the start-up log line names it)")
    ("threads", po::value(&config.http.threads)->default_value(config.http.threads),
     "requests served at once")
    ("db", po::value(&config.database_path)->default_value(config.database_path),
     "SQLite database of issued cards (audit) and feedback")
    ("max-body-bytes", po::value(&max_body_bytes)->default_value(max_body_bytes),
     "larger request bodies are refused with 413")
    ("tls-cert", po::value(&config.http.tls_certificate_file), "PEM certificate: serve HTTPS")
    ("tls-key", po::value(&config.http.tls_private_key_file), "PEM private key for --tls-cert")
    ("cors-origin", po::value(&cors_origins)->composing(),
     "browser origin allowed to call (repeatable or comma-separated; '*' for any); "
     "default: none")
    ("shadow", po::bool_switch(&config.shadow),
     "shadow mode: compute and audit cards but answer with none")
    ("site-map", po::value(&config.site_map_path),
     "site terminology map (JSON, docs/terminology.md)")
    ("protocol", po::value(&config.protocol_path),
     "institutional protocol file (JSON, docs/protocol.md); default: the one compiled in");

  po::options_description fetching("Fetching from the EHR's FHIR server");
  fetching.add_options()
    ("fetch-deadline-ms", po::value(&fetch_deadline_ms)->default_value(fetch_deadline_ms),
     "all FHIR server fetches of one request together, in milliseconds (50-4500)")
    ("fetch-max-pages", po::value(&config.fetch_max_pages)->default_value(config.fetch_max_pages),
     "Bundle pages followed per search")
    ("fhir-server-allow", po::value(&fhir_server_allow)->composing(),
     "fhirServer base URL prefix the service may fetch from (repeatable or "
     "comma-separated); default: any")
    ("fhir-server-https-only", po::bool_switch(&config.fhir_server_https_only),
     "never send an access token to a fhirServer that is not https")
    ("prefetch-observations-count", po::value(&sizes.observations)->default_value(sizes.observations),
     "_count of the observations prefetch template")
    ("prefetch-administrations-count",
     po::value(&sizes.administrations)->default_value(sizes.administrations),
     "_count of the administrations prefetch template")
    ("prefetch-service-requests-count",
     po::value(&sizes.service_requests)->default_value(sizes.service_requests),
     "_count of the serviceRequests prefetch template")
    ("prefetch-diagnostic-reports-count",
     po::value(&sizes.diagnostic_reports)->default_value(sizes.diagnostic_reports),
     "_count of the diagnosticReports prefetch template");

  po::options_description grading("Grading (docs/clinical-rules.md)");
  grading.add_options()
    ("t-cell-engagers", po::bool_switch(&g.include_t_cell_engagers),
     "also grade patients whose only immune effector therapy is a T-cell engager")
    ("pediatric-cutoff-years", po::value(&g.pediatric_cutoff_years)->default_value(g.pediatric_cutoff_years),
     "CAPD instead of ICE below this age")
    ("ice-window-hours", po::value(&g.ice_window_hours)->default_value(g.ice_window_hours),
     "look-back for ICE/CAPD")
    ("consciousness-window-hours",
     po::value(&g.consciousness_window_hours)->default_value(g.consciousness_window_hours),
     "look-back for the level of consciousness")
    ("motor-window-hours", po::value(&g.motor_window_hours)->default_value(g.motor_window_hours),
     "look-back for motor findings")
    ("seizure-window-hours", po::value(&g.seizure_window_hours)->default_value(g.seizure_window_hours),
     "look-back for seizures")
    ("imaging-window-hours", po::value(&g.imaging_window_hours)->default_value(g.imaging_window_hours),
     "look-back for cerebral oedema and papilloedema")
    ("fever-window-hours", po::value(&g.fever_window_hours)->default_value(g.fever_window_hours),
     "look-back for fever")
    ("hypotension-window-hours",
     po::value(&g.hypotension_window_hours)->default_value(g.hypotension_window_hours),
     "look-back for hypotension")
    ("oxygen-window-hours", po::value(&g.oxygen_window_hours)->default_value(g.oxygen_window_hours),
     "look-back for oxygen support")
    ("vasopressor-effect-hours",
     po::value(&g.vasopressor_effect_hours)->default_value(g.vasopressor_effect_hours),
     "how long a vasopressor counts after it stopped")
    ("fever-celsius", po::value(&g.fever_celsius)->default_value(g.fever_celsius),
     "fever threshold, Cel")
    ("adult-systolic-below", po::value(&g.adult_systolic_below)->default_value(g.adult_systolic_below),
     "adult hypotension: systolic below, mm[Hg]")
    ("adult-mean-below", po::value(&g.adult_mean_below)->default_value(g.adult_mean_below),
     "adult hypotension: mean arterial pressure below, mm[Hg]")
    ("low-flow-cannula-max-l-min",
     po::value(&g.low_flow_cannula_max_l_min)->default_value(g.low_flow_cannula_max_l_min),
     "nasal cannula above this flow is high-flow, L/min");
  // clang-format on
  po::options_description all;
  all.add(general).add(fetching).add(grading);

  std::vector<std::string> names;
  for (const auto& option : all.options()) names.push_back(option->long_name());
  auto environment_name = [&names](const std::string& variable) -> std::string {
    if (!variable.starts_with(kEnvironmentPrefix)) return {};
    std::string name = variable.substr(kEnvironmentPrefix.size());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
      return c == '_' ? '-' : static_cast<char>(std::tolower(c));
    });
    // Other ICANS_ variables (the test harness sets some) are not options.
    if (name == "help" || std::find(names.begin(), names.end(), name) == names.end()) return {};
    return name;
  };

  po::variables_map vm;
  try {
    // No abbreviations: "--prot" must not quietly mean "--protocol".
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(argc, argv).options(all).style(style).run(), vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << all;
      return {ConfigParseResult::Outcome::help, help.str()};
    }
    po::store(po::parse_environment(all, environment_name), vm);
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) return {ConfigParseResult::Outcome::invalid, "--config " + path + ": cannot be read"};
      po::store(po::parse_config_file(file, all), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return {ConfigParseResult::Outcome::invalid, e.what()};
  }
  config.fetch_deadline = std::chrono::milliseconds(fetch_deadline_ms);
  config.http.max_body_bytes = max_body_bytes;
  config.cors_origins = split_commas(cors_origins);
  config.fhir_server_allow = split_commas(fhir_server_allow);
  if (auto problems = validate(config); !problems.empty()) {
    return {ConfigParseResult::Outcome::invalid, problems};
  }
  return result;
}

}  // namespace icans
