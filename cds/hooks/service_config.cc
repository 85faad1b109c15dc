#include "cds/hooks/service_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

#include "cds/hooks/hook_request.h"
#include "cds/hooks/trusted_clients.h"

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

std::vector<std::string> validate_trust(const ServiceConfig& config) {
  std::vector<std::string> problems;
  const bool https_only = !config.development;
  if (!config.public_base_url.empty()) {
    HttpUrl url;
    if (auto problem = check_base_url(config.public_base_url); !problem.empty()) {
      problems.push_back("--public-base-url: " + problem);
    } else if (parse_http_url(config.public_base_url, url); url.scheme != "https" && https_only) {
      problems.push_back("--public-base-url: plain http needs --development (CDS Hooks requires TLS)");
    } else if (config.public_base_url.ends_with('/')) {
      problems.push_back("--public-base-url must not end with '/'");
    }
  }
  if (!config.auth.enabled) {
    if (!config.auth_issuers_path.empty()) problems.push_back("--auth-issuers needs authentication on (drop --no-auth)");
    return problems;
  }
  if (config.auth.issuers.empty()) {
    problems.push_back("authentication is on (the default) but no issuer is trusted: give --auth-issuers FILE, "
                       "or --no-auth for a local demo");
  }
  if (config.public_base_url.empty()) {
    problems.push_back("--public-base-url is required with authentication: a token's aud must be the URL the "
                       "client calls, which the service cannot rebuild behind a proxy");
  }
  if (!config.fhir_server_allow.empty()) {
    problems.push_back("--fhir-server-allow applies only with --no-auth; with authentication each issuer's "
                       "fhir_server_allow in the --auth-issuers file says where the service may fetch");
  }
  std::istringstream auth_problems(validate(config.auth));
  for (std::string line; std::getline(auth_problems, line);) {
    if (line.empty() || line.find("no issuer is trusted") != std::string::npos) continue;
    problems.push_back("authentication: " + line);
  }
  for (const auto& issuer : config.auth.issuers) {
    for (const auto& prefix : issuer.jku_allow) {
      HttpUrl url;
      if (parse_http_url(prefix, url).empty() && url.scheme != "https" && https_only) {
        problems.push_back("issuer " + issuer.iss + ": jku_allow '" + prefix + "': plain http needs --development");
      }
    }
  }
  for (const auto& [iss, servers] : config.client_fhir_servers) {
    for (const auto& server : servers) {
      if (server.scheme != "https" && https_only) {
        problems.push_back("issuer " + iss + ": fhir_server_allow " + to_string(server) +
                           ": plain http needs --development");
      }
    }
  }
  return problems;
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
  // 100 ids of at most 64 characters still fit an 8 KB request line.
  if (config.fetch_max_medication_ids < 1 || config.fetch_max_medication_ids > 100) {
    problems.push_back("--fetch-max-medication-ids must be 1-100");
  }
  for (const auto& origin : config.cors_origins) {
    if (!is_origin(origin)) {
      problems.push_back("--cors-origin '" + origin +
                         "' is not an origin (scheme://host[:port], no path) or '*'");
    }
  }
  for (const auto& prefix : config.fhir_server_allow) {
    AllowedFhirServer entry;
    if (auto problem = check_base_url(prefix); !problem.empty()) {
      problems.push_back("--fhir-server-allow '" + prefix + "': " + problem);
    } else if (problem = parse_allowed_fhir_server(prefix, entry); !problem.empty()) {
      problems.push_back("--fhir-server-allow '" + prefix + "': " + problem);
    } else if (entry.scheme == "http" && !config.development) {
      problems.push_back("--fhir-server-allow '" + prefix + "': plain http needs --development");
    }
  }
  if (config.fetch_max_bytes < (64u << 10) || config.fetch_max_bytes > (std::size_t{1} << 30)) {
    problems.push_back("--fetch-max-bytes must be between 65536 and 1073741824");
  }
  if (config.fetch_max_resources < 1 || config.fetch_max_resources > 1000000) {
    problems.push_back("--fetch-max-resources must be 1-1000000");
  }
  if (http.max_header_bytes < 1024 || http.max_header_bytes > (1u << 20)) {
    problems.push_back("--max-header-bytes must be between 1024 and 1048576");
  }
  if (http.max_connections < http.threads || http.max_connections > 10000) {
    problems.push_back("--max-connections must be at least --threads and at most 10000");
  }
  if (http.read_timeout.count() < 1 || http.read_timeout.count() > 300) {
    problems.push_back("--client-timeout-s must be 1-300");
  }
  if (config.max_resources_per_request < 1 || config.max_resources_per_request > 1000000) {
    problems.push_back("--max-resources-per-request must be 1-1000000");
  }
  // Intake's content hashing reads no deeper than the JSON parser's 64.
  if (config.max_json_depth < 8 || config.max_json_depth > 64) {
    problems.push_back("--max-json-depth must be 8-64");
  }
  for (auto& problem : validate_trust(config)) problems.push_back(std::move(problem));
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
  bool no_auth = false;
  std::vector<std::string> auth_algorithms;
  long long clock_skew_s = config.auth.clock_skew.count();
  long long max_token_lifetime_s = config.auth.max_token_lifetime.count();
  long long jwks_ttl_s = config.auth.jwks.ttl.count();
  long long jwks_refresh_interval_s = config.auth.jwks.min_refresh_interval.count();
  long long client_timeout_s = config.http.read_timeout.count();
  std::size_t max_header_bytes = config.http.max_header_bytes;
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
    ("fetch-max-medication-ids",
     po::value(&config.fetch_max_medication_ids)->default_value(config.fetch_max_medication_ids),
     "Medications named only by reference that are fetched per request (1-100), in one search whose "
     "URL carries their ids (up to 65 bytes each); lower it for servers with a short URL limit")
    ("fetch-max-bytes", po::value(&config.fetch_max_bytes)->default_value(config.fetch_max_bytes),
     "bytes fetched per request, over all its searches and pages")
    ("fetch-max-resources", po::value(&config.fetch_max_resources)->default_value(config.fetch_max_resources),
     "resources kept per request, over all its searches and pages")
    ("fhir-server-allow", po::value(&fhir_server_allow)->composing(),
     "with --no-auth only: fhirServer base URL the service may fetch from (scheme, host, port and path "
     "prefix must match; repeatable or comma-separated); default: none. With authentication the "
     "--auth-issuers file lists them per issuer")
    ("fhir-server-https-only", po::bool_switch(&config.fhir_server_https_only),
     "refuse plain-http fhirServers even with --development")
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

  po::options_description trust("Trust: who may call, and HTTPS (docs/cds-hooks.md, Security)");
  trust.add_options()
    ("no-auth", po::bool_switch(&no_auth),
     "accept calls without a verified JWT (local demos only; logged as a warning at start-up)")
    ("auth-issuers", po::value(&config.auth_issuers_path),
     "JSON file of trusted CDS Clients: iss, jwks_file, jku_allow, tenant, fhir_server_allow")
    ("public-base-url", po::value(&config.public_base_url),
     "the service's URL as clients call it (e.g. https://cds.example.org); a token's aud must be "
     "this + the path called")
    ("auth-algorithms", po::value(&auth_algorithms)->composing(),
     "JWS algorithms accepted (ES256, ES384, RS256, RS384); default: ES384,RS384")
    ("auth-clock-skew-s", po::value(&clock_skew_s)->default_value(clock_skew_s),
     "clock difference tolerated for exp, iat and nbf, seconds (0-600)")
    ("auth-max-token-lifetime-s", po::value(&max_token_lifetime_s)->default_value(max_token_lifetime_s),
     "longest exp - iat accepted, seconds")
    ("auth-replay-cache-size",
     po::value(&config.auth.replay_cache_max_entries)->default_value(config.auth.replay_cache_max_entries),
     "jti values remembered until their token expires")
    ("auth-jwks-ttl-s", po::value(&jwks_ttl_s)->default_value(jwks_ttl_s),
     "how long a JWK Set fetched from a jku is trusted, seconds")
    ("auth-jwks-refresh-interval-s",
     po::value(&jwks_refresh_interval_s)->default_value(jwks_refresh_interval_s),
     "least time between two fetches of one issuer's jku (an unknown kid triggers one), seconds")
    ("development", po::bool_switch(&config.development),
     "development mode: allow plain http for fhirServer, jku and --public-base-url");

  po::options_description limits("Limits on what one client can make the service do");
  limits.add_options()
    ("max-header-bytes", po::value(&max_header_bytes)->default_value(max_header_bytes),
     "request line and headers together; larger requests get 431")
    ("max-connections", po::value(&config.http.max_connections)->default_value(config.http.max_connections),
     "connections open at once (served or waiting for a thread); at the cap the service stops "
     "accepting until one closes")
    ("client-timeout-s", po::value(&client_timeout_s)->default_value(client_timeout_s),
     "seconds a client may take to send a request (line, headers, body) and to receive the "
     "response, in total; a slower client is disconnected")
    ("max-resources-per-request",
     po::value(&config.max_resources_per_request)->default_value(config.max_resources_per_request),
     "FHIR resources in one call's prefetch and draftOrders together; more get 413")
    ("max-json-depth", po::value(&config.max_json_depth)->default_value(config.max_json_depth),
     "nesting depth of a call's JSON body (8-64)");

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
  all.add(general).add(trust).add(limits).add(fetching).add(grading);

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
  // What serve runs with: nothing fetched from a server nobody listed.
  config.fhir_server_allow_any = false;
  config.http.max_header_bytes = max_header_bytes;
  config.http.read_timeout = std::chrono::seconds(client_timeout_s);
  config.http.write_timeout = std::chrono::seconds(client_timeout_s);
  // "https://cds.example.org/" names the same base; aud is compared exactly.
  while (config.public_base_url.ends_with('/')) config.public_base_url.pop_back();
  config.auth.enabled = !no_auth;
  if (!auth_algorithms.empty()) config.auth.algorithms = split_commas(auth_algorithms);
  config.auth.clock_skew = std::chrono::seconds(clock_skew_s);
  config.auth.max_token_lifetime = std::chrono::seconds(max_token_lifetime_s);
  config.auth.jwks.ttl = std::chrono::seconds(jwks_ttl_s);
  config.auth.jwks.min_refresh_interval = std::chrono::seconds(jwks_refresh_interval_s);
  std::string issuers_problem;
  if (!config.auth_issuers_path.empty()) {
    std::vector<TrustedClient> clients;
    issuers_problem = load_trusted_clients(config.auth_issuers_path, clients);
    for (auto& client : clients) {
      config.client_fhir_servers[client.issuer.iss] = client.fhir_servers;
      config.auth.issuers.push_back(std::move(client.issuer));
    }
  }
  std::string problems = validate(config);
  if (!issuers_problem.empty()) problems = "--auth-issuers " + issuers_problem + (problems.empty() ? "" : "\n" + problems);
  if (!problems.empty()) return {ConfigParseResult::Outcome::invalid, problems};
  return result;
}

}  // namespace icans
