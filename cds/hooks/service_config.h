#pragma once
// Everything `icans-cds serve` can be told, and where it can be told it:
// the command line, then environment variables (ICANS_ + the option name in
// upper case with '_' for '-', e.g. ICANS_PORT, ICANS_FETCH_DEADLINE_MS), then
// a config file (--config FILE, INI syntax of Boost.Program_options), then the
// defaults. The first source that sets an option wins.
//
// Options that take a list (--cors-origin, --fhir-server-allow,
// --auth-algorithms) may repeat and also accept comma-separated values, so
// one environment variable can carry several.
//
// Two sets of defaults: a ServiceConfig{} is the open configuration the unit
// tests embed (authentication off, any fhirServer, http allowed), while
// parse_service_config, which `serve` uses, starts from the deployment
// defaults: authentication on, no fetch from a FHIR server that is not
// listed, https only (docs/cds-hooks.md, "Security").

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "cds/grading_config.h"
#include "cds/hooks/auth.h"
#include "cds/hooks/discovery.h"
#include "cds/hooks/http.h"
#include "cds/hooks/medication_references.h"
#include "cds/hooks/outbound_policy.h"

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
  // Medications named only by reference, fetched in one search whose URL
  // carries their ids (medication_references.h): a server or proxy with a
  // shorter request-line limit than 8 KB needs fewer.
  std::size_t fetch_max_medication_ids = kMaxMedicationReferenceIds;
  // Origins allowed to call from a browser ("https://ehr.example.org"); "*"
  // only when given explicitly. Empty: no CORS headers at all.
  std::vector<std::string> cors_origins;
  // Per request, split evenly between its concurrent searches, so the
  // request as a whole never goes beyond them.
  std::size_t fetch_max_bytes = 64u << 20;
  std::size_t fetch_max_resources = 50000;
  // With authentication off there is no issuer whose allow-list could apply:
  // these base URLs (outbound_policy.h) are the FHIR servers the service may
  // fetch from. Empty: none, unless fhir_server_allow_any.
  std::vector<std::string> fhir_server_allow;
  bool fhir_server_allow_any = true;    // ServiceConfig{} only; serve never sets it
  bool fhir_server_https_only = false;  // refuse plain http even in development mode
  bool shadow = false;  // cards computed and audited but not sent

  // Trust (CDS Hooks 2.0 "Trusting CDS Clients"). With authentication on,
  // every call to /cds-services... carries a JWT whose aud is
  // public_base_url + the path called, and the fhirServer it names must be on
  // its issuer's list in client_fhir_servers (iss -> servers; absent: none).
  AuthConfig auth;
  std::string auth_issuers_path;  // where auth.issuers came from, for messages
  std::map<std::string, std::vector<AllowedFhirServer>> client_fhir_servers;
  // The URL clients call, as they see it ("https://cds.example.org", or with
  // a path prefix a proxy strips); behind a proxy the Host header cannot
  // rebuild it. No trailing '/'.
  std::string public_base_url;
  // Allows http for fhirServer, jku and the public URL. Never the default.
  bool development = false;

  // Inbound limits besides http's (body, headers, connections, timeouts).
  std::size_t max_resources_per_request = 50000;  // prefetch and draftOrders together
  std::size_t max_json_depth = 64;                // of a service call's body; 8-64
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
