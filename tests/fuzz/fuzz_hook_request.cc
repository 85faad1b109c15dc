// libFuzzer target: any bytes as the body of every CDS Hooks call the service
// takes: parse_hook_request for each hook, parse_feedback, and the whole
// Service::handle POST path (prefetch checks, intake, grading, cards, the
// SQLite audit trail) for the three services and the feedback endpoint.
//
// Oracles beyond the sanitizers: the service never answers 5xx (the temp
// database does not fail, so a 500 is a bug), and every JSON answer is JSON
// our own parser accepts (valid UTF-8, nothing truncated). The FHIR server is
// a fake answering empty Bundles: fuzzed fhirServer URLs never reach a network.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cards/protocol.h"
#include "cds/hooks/feedback.h"
#include "cds/hooks/hook_request.h"
#include "cds/hooks/service.h"
#include "cds/hooks/store.h"
#include "fhir/json.h"
#include "fhir/terminology.h"
#include "fhir/time.h"

namespace {

// The final charted time of examples/axicel-icans-grade3.json, so seeds built
// from the examples are graded inside their windows.
constexpr std::string_view kNow = "2026-03-07T17:05:00Z";

// One service over one database for the whole run: created on the first
// input, removed at exit. $TMPDIR (tests/fuzz/run points it at /dev/shm)
// keeps the audit trail's fsyncs off the disk.
struct Fixture {
  std::filesystem::path database;
  std::unique_ptr<icans::Store> store;
  std::unique_ptr<icans::Service> service;
  fhir::Instant now = fhir::parse_instant(kNow).range->earliest;

  Fixture() {
    database = std::filesystem::temp_directory_path() /
               ("icans-fuzz-" + std::to_string(::getpid()) + ".db");
    remove_files();
    std::string error;
    store = icans::Store::open(database.string(), error);
    if (!store) {
      std::fprintf(stderr, "cannot open %s: %s\n", database.c_str(), error.c_str());
      std::abort();
    }
    icans::ServiceEnvironment environment;
    // A millisecond per call: card uuids derive from the hook instance and
    // the time, so libFuzzer's re-runs of one input must not be the same
    // instant (the audit trail refuses a card uuid twice).
    environment.now = [at = now]() mutable { return at++; };
    environment.log = [](std::string_view) {};
    environment.fhir_search = [](const std::string&, const std::string&, const std::string&,
                                 const icans::FhirClientLimits&) {
      icans::FhirSearchResult result;
      result.pages.push_back(R"({"resourceType":"Bundle","type":"searchset","entry":[]})");
      result.complete = true;
      result.http_status = 200;
      return result;
    };
    service = std::make_unique<icans::Service>(icans::ServiceConfig{}, *store,
                                               *icans::default_protocol().protocol,
                                               fhir::Terminology(), environment);
  }
  ~Fixture() {
    service.reset();
    store.reset();
    remove_files();
  }
  void remove_files() const {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(database.string() + suffix, ignored);
    }
  }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

void post(const std::string& path, const std::string& body) {
  icans::HttpRequest request;
  request.method = "POST";
  request.path = path;
  request.headers.emplace("content-type", "application/json");
  request.body = body;
  const icans::HttpResponse response = fixture().service->handle(request);
  if (response.status >= 500) {
    std::fprintf(stderr, "POST %s answered %d: %s\n", path.c_str(), response.status,
                 response.body.substr(0, 2000).c_str());
    __builtin_trap();
  }
  rapidjson::Document answer;
  if (auto problem = fhir::parse_json(response.body, answer, {128}); !problem.empty()) {
    std::fprintf(stderr, "POST %s answered %d with a body that is not JSON (%s)\n", path.c_str(),
                 response.status, problem.c_str());
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const char* hook : {"patient-view", "order-select", "order-sign"}) {
    rapidjson::Document document;
    icans::HookRequest request;
    icans::parse_hook_request(body, hook, document, request);
  }
  std::vector<icans::FeedbackRecord> records;
  icans::parse_feedback(body, "icans-patient-view", kNow, records);

  for (const char* service : {"icans-patient-view", "icans-order-select", "icans-order-sign"}) {
    post(std::string("/cds-services/") + service, body);
  }
  post("/cds-services/icans-patient-view/feedback", body);
  return 0;
}
