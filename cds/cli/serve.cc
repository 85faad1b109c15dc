// icans-cds serve: the CDS Hooks 2.0 service (cds/hooks/service.h) over HTTP.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cards/protocol.h"
#include "cds/cli/commands.h"
#include "cds/hooks/auth.h"
#include "cds/hooks/http.h"
#include "cds/hooks/memory_reuse.h"
#include "cds/hooks/service.h"
#include "cds/hooks/service_config.h"
#include "cds/hooks/store.h"
#include "fhir/terminology.h"

namespace icans::cli {

int run_serve(int argc, char** argv) {
  ServiceConfig config;
  const ConfigParseResult parsed = parse_service_config(argc, argv, config);
  if (parsed.outcome == ConfigParseResult::Outcome::help) {
    std::cout << parsed.text << "\n";
    return 0;
  }
  std::vector<std::string> problems;
  if (parsed.outcome == ConfigParseResult::Outcome::invalid) problems.push_back(parsed.text);

  fhir::Terminology terminology;
  if (!config.site_map_path.empty()) {
    if (auto error = terminology.load_site_map_file(config.site_map_path); !error.empty()) {
      problems.push_back("--site-map: " + error);
    }
  }
  ProtocolLoadResult protocol =
      config.protocol_path.empty() ? default_protocol() : load_protocol_file(config.protocol_path);
  for (const auto& error : protocol.errors) problems.push_back("--protocol: " + error);
  if (!protocol.protocol && protocol.errors.empty()) problems.push_back("--protocol: not loaded");
  // Built once, here, so a JWKS file that does not load stops start-up
  // instead of failing every request.
  std::shared_ptr<Authenticator> authenticator;
  if (parsed.outcome == ConfigParseResult::Outcome::run) {
    std::string auth_error;
    authenticator = Authenticator::create(config.auth, auth_error);
    std::istringstream lines(auth_error);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) problems.push_back("--auth-issuers: " + line);
    }
  }
  if (!problems.empty()) {
    std::cerr << "serve: invalid configuration:\n";
    for (const auto& problem : problems) std::cerr << problem << "\n";
    return 2;
  }

  keep_freed_memory_for_next_requests();

  // Blocked before any thread starts, so every thread inherits the mask and
  // only the waiter below ever sees SIGTERM/SIGINT.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string error;
  std::unique_ptr<Store> store = Store::open(config.database_path, error);
  if (!store) {
    std::cerr << "serve: invalid configuration:\n--db " << config.database_path << ": " << error << "\n";
    return 2;
  }
  ServiceEnvironment environment;
  environment.authenticator = authenticator;
  auto service = std::make_unique<Service>(config, *store, std::move(*protocol.protocol),
                                           std::move(terminology), environment);
  std::unique_ptr<HttpServer> server = HttpServer::start(
      config.http, [&service](const HttpRequest& request) { return service->handle(request); },
      error);
  if (!server) {
    service->log_event("start-failed", {{"error", error}});
    return 1;
  }
  if (!config.auth.enabled) {
    service->log_event("warning", {{"message", "AUTHENTICATION IS OFF (--no-auth): every caller that reaches this "
                                               "port is served without a verified JWT. For local demos only."}});
  }
  if (config.development) {
    service->log_event("warning", {{"message", "development mode (--development): plain http is allowed for "
                                               "fhirServer, jku and the public URL. Never in production."}});
  }
  service->log_event("listening",
                     {{"host", config.http.host},
                      {"port", std::to_string(server->port()), true},
                      {"scheme", config.http.tls_certificate_file.empty() ? "http" : "https"},
                      {"database", config.database_path},
                      {"auth", config.auth.enabled ? "on" : "off"},
                      {"public_base_url", config.public_base_url},
                      {"shadow", config.shadow ? "true" : "false", true}});

  std::atomic<bool> finished{false};
  std::thread waiter([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    if (finished) return;  // woken by the main thread after run() ended on its own
    service->log_event("stopping", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
    server->stop();
  });
  server->run();  // returns once in-flight requests have finished
  finished = true;
  pthread_kill(waiter.native_handle(), SIGTERM);  // blocked everywhere: only wakes sigwait
  waiter.join();
  server.reset();
  service->log_event("stopped", {});
  service.reset();
  store.reset();  // closes the database
  return 0;
}

}  // namespace icans::cli
