#pragma once
// The CDS Hooks 2.0 service as one function from HttpRequest to HttpResponse:
// discovery, the three service endpoints, feedback, health and metrics, CORS.
// No sockets here (cds/hooks/http.h serves it), so every rule is tested by
// calling handle() directly.
//
//   GET  /cds-services                      discovery
//   POST /cds-services/{id}                 cards for the hook's context
//   POST /cds-services/{id}/feedback        what the clinician did with a card
//   GET  /healthz                           200 when the database answers, else 503
//   GET  /metrics                           Prometheus text format 0.0.4
//   OPTIONS on any of these                 CORS preflight
//
// With authentication on, every call under /cds-services (but preflights)
// must first carry a valid CDS Client JWT, and a fhirServer is fetched from
// only when the caller's issuer lists it (service_trust.cc; docs/cds-hooks.md,
// "Security").
//
// A service call is graded at its arrival time with the same engine and card
// code `replay` uses. Every card sent is first written to the audit trail; if
// that fails, no card is sent (500).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cards/protocol.h"
#include "cds/hooks/auth.h"
#include "cds/hooks/discovery.h"
#include "cds/hooks/http.h"
#include "cds/hooks/metrics.h"
#include "cds/hooks/prefetch.h"
#include "cds/hooks/request_log.h"
#include "cds/hooks/service_config.h"
#include "cds/hooks/store.h"
#include "fhir/terminology.h"
#include "fhir/time.h"

namespace icans {

// Recorded with every card; ICANS_VERSION is project(VERSION) in CMakeLists.txt.
inline constexpr std::string_view kEngineVersion = "icans-cds " ICANS_VERSION;

// What the service reads from the world, replaceable in tests.
struct ServiceEnvironment {
  std::function<fhir::Instant()> now;          // default: the system clock
  FhirSearchFunction fhir_search;              // default: fhir_search (cds/hooks/fhir_client.h)
  std::function<void(std::string_view)> log;   // one line per call; default: stderr
  // Checks callers' JWTs; default: built from config.auth (the constructor
  // throws std::invalid_argument when that configuration is unusable).
  std::shared_ptr<Authenticator> authenticator;
};

class Service {
 public:
  // `store` must outlive the service. Throws std::logic_error when a
  // published prefetch template breaks the specification (a programming error).
  Service(ServiceConfig config, Store& store, Protocol protocol, fhir::Terminology terminology,
          ServiceEnvironment environment = {});

  // Safe to call from many threads at once.
  HttpResponse handle(const HttpRequest& request);

  const std::vector<ServiceDefinition>& services() const { return services_; }
  const Metrics& metrics() const { return metrics_; }
  // For start-up and shutdown lines in the same format as request lines.
  void log_event(std::string_view event, std::initializer_list<LogField> fields);

 private:
  struct Call;
  HttpResponse route(const HttpRequest& request, Call& call);
  HttpResponse call_service(const ServiceDefinition& service, const HttpRequest& request, Call& call);
  HttpResponse feedback(const ServiceDefinition& service, const HttpRequest& request, Call& call);
  HttpResponse health();
  HttpResponse preflight(const HttpRequest& request, std::string_view allow);
  void add_cors(const HttpRequest& request, HttpResponse& response) const;
  // Trust (service_trust.cc).
  void init_trust();
  bool authenticate(const HttpRequest& request, const std::string& path, fhir::Instant arrival,
                    RequestLogEntry& log, std::string& issuer);
  std::string fhir_server_refused(const std::string& url, const std::string& issuer) const;

  ServiceConfig config_;
  Store& store_;
  Protocol protocol_;
  fhir::Terminology terminology_;
  ServiceEnvironment environment_;
  std::vector<ServiceDefinition> services_;
  std::string discovery_body_;
  std::vector<AllowedFhirServer> fhir_server_allow_;  // config_.fhir_server_allow, parsed
  Metrics metrics_;
  LogSink log_;
};

// The {"error": message} body every refusal carries.
std::string error_body(std::string_view message);

}  // namespace icans
