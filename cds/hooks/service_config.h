#pragma once
// Everything `icans-cds serve` can be told, and where it can be told it:
// the command line, then environment variables (ICANS_ + the option name in
// upper case with '_' for '-', e.g. ICANS_PORT, ICANS_FETCH_DEADLINE_MS), then
// a config file (--config FILE, INI syntax of Boost.Program_options), then the
// defaults. The first source that sets an option wins.
//
// Options that take a list (--cors-origin, --fhir-server-allow) may repeat
// and also accept comma-separated values, so one environment variable can
// carry several.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "cds/grading_config.h"
#include "cds/hooks/discovery.h"
#include "cds/hooks/http.h"

namespace icans {

struct ServiceConfig {
  HttpServerOptions http;  // host 127.0.0.1, port 8080 (0: any free port), threads, body limit, TLS
  std::string database_path = "icans-cds.db";
  std::string site_map_path;  // empty: built-in codes only
  std::string protocol_path;  // empty: the protocol compiled in
  GradingConfig grading;
  PrefetchSizes prefetch_sizes;
  // All FHIR server fetches of one request together; the EHR is waiting, and
  // CDS Hooks asks for answers "on the order of 500 ms".
  std::chrono::milliseconds fetch_deadline{2000};
  std::size_t fetch_max_pages = 10;  // per search
  // Origins allowed to call from a browser ("https://ehr.example.org"); "*"
  // only when given explicitly. Empty: no CORS headers at all.
  std::vector<std::string> cors_origins;
  // Base URL prefixes the service may fetch from; empty: any fhirServer the
  // request names. The access token goes wherever fhirServer points.
  std::vector<std::string> fhir_server_allow;
  bool fhir_server_https_only = false;  // refuse to send a token over plain http
  bool shadow = false;  // cards computed and audited but not sent
};

// Every problem, one per line; empty when the configuration is usable.
std::string validate(const ServiceConfig& config);

struct ConfigParseResult {
  enum class Outcome { run, help, invalid };
  Outcome outcome = Outcome::run;
  std::string text;  // help: the help text; invalid: the problems, one per line
};

// Fills `config` from argv (argv[0] is the subcommand name), the environment
// and the config file, then validates it.
ConfigParseResult parse_service_config(int argc, const char* const argv[], ServiceConfig& config);

}  // namespace icans
