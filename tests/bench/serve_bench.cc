// icans-bench: how much of a patient-view call is the service's own work.
//
// Builds a realistic patient-view request (10 days after a CAR-T infusion:
// 4-hourly vital signs and 8-hourly ICE and consciousness assessments in the
// prefetch, a few hundred KB), then measures in one run:
//   (a) parsing the body with RapidJSON, nothing else: the floor;
//   (b) the whole router in-process: parse, validate, intake, evaluate,
//       recommend, audit to SQLite, serialise;
//   (c) the same over HTTP against a real HttpServer on 127.0.0.1: a new
//       connection per request, one kept-alive connection, and C clients.
// and prints p50/p99 latency, throughput, and (b)/(a). Not a test: numbers
// depend on the machine (docs/benchmark.md).
//
//   icans-bench [--iterations N] [--days D] [--clients C] [--http 0|1]
//               [--write-request FILE]
//
// --http 0 leaves out (c): for valgrind --tool=callgrind, whose instruction
// counts are the stable measure on a shared machine. --write-request writes
// the generated request body and measures nothing.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/protocol.h"
#include "cds/hooks/http.h"
#include "cds/hooks/memory_reuse.h"
#include "cds/hooks/service.h"
#include "cds/hooks/store.h"
#include "fhir/json.h"
#include "fhir/terminology.h"
#include "fhir/time.h"

namespace {

using namespace icans;
using Clock = std::chrono::steady_clock;
using rapidjson::Value;

constexpr const char* kPatient = "bench-patient";

// The evaluation instant; the chart ends just before it.
const fhir::Instant kNow = fhir::parse_instant("2026-03-12T12:00:00Z").range->earliest;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string write(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// Resources of the shipped axicel example serve as templates, so the
// generated chart is coded exactly as the examples are.
struct Templates {
  rapidjson::Document example;
  std::map<std::string, const Value*> observation_by_code;
  const Value* patient = nullptr;
  const Value* procedure = nullptr;

  explicit Templates(const std::string& path) {
    if (auto error = fhir::parse_json(read_text(path), example); !error.empty()) {
      std::cerr << "icans-bench: " << path << ": " << error << "\n";
      std::exit(2);
    }
    for (const auto& entry : example["entry"].GetArray()) {
      const Value& resource = entry["resource"];
      const std::string type = resource["resourceType"].GetString();
      if (type == "Patient") patient = &resource;
      if (type == "Procedure") procedure = &resource;
      if (type == "Observation") {
        observation_by_code.emplace(resource["code"]["coding"][0]["code"].GetString(), &resource);
      }
    }
  }
};

void set_string(Value& object, const char* name, const std::string& text,
                rapidjson::Document::AllocatorType& a) {
  object.RemoveMember(name);
  object.AddMember(Value(name, a), Value(text.c_str(), a), a);
}

void set_subject(Value& resource, rapidjson::Document::AllocatorType& a) {
  resource.RemoveMember("subject");
  Value subject(rapidjson::kObjectType);
  subject.AddMember("reference", Value((std::string("Patient/") + kPatient).c_str(), a), a);
  resource.AddMember("subject", subject, a);
}

// The patient-view request body.
std::string make_request(const Templates& templates, int days) {
  rapidjson::Document request(rapidjson::kObjectType);
  auto& a = request.GetAllocator();
  request.AddMember("hook", "patient-view", a);
  request.AddMember("hookInstance", "00000000-0000-4000-8000-000000000000", a);
  Value context(rapidjson::kObjectType);
  context.AddMember("userId", "Practitioner/bench", a);
  context.AddMember("patientId", Value(kPatient, a), a);
  request.AddMember("context", context, a);

  const fhir::Instant day0 = kNow - days * fhir::kMillisPerDay;
  Value prefetch(rapidjson::kObjectType);
  Value patient(*templates.patient, a);
  set_string(patient, "id", kPatient, a);
  prefetch.AddMember("patient", patient, a);

  auto bundle = [&a]() {
    Value b(rapidjson::kObjectType);
    b.AddMember("resourceType", "Bundle", a);
    b.AddMember("type", "searchset", a);
    b.AddMember("entry", Value(rapidjson::kArrayType), a);
    return b;
  };
  auto add = [&a](Value& b, Value resource) {
    Value entry(rapidjson::kObjectType);
    entry.AddMember("resource", resource, a);
    b["entry"].PushBack(entry, a);
  };

  Value observations = bundle();
  int id = 0;
  const auto observe = [&](const char* code, fhir::Instant at, auto&& adjust) {
    const auto found = templates.observation_by_code.find(code);
    if (found == templates.observation_by_code.end()) return;
    Value observation(*found->second, a);
    set_string(observation, "id", "bench-obs-" + std::to_string(++id), a);
    set_subject(observation, a);
    set_string(observation, "effectiveDateTime", fhir::format_instant(at), a);
    adjust(observation);
    add(observations, std::move(observation));
  };
  const auto none = [](Value&) {};
  // Charting every 4 h from day 0 on; written newest first, as the
  // template's _sort=-date asks.
  std::vector<fhir::Instant> times;
  for (fhir::Instant at = day0 + 2 * fhir::kMillisPerHour; at < kNow; at += 4 * fhir::kMillisPerHour) {
    times.push_back(at);
  }
  for (auto it = times.rbegin(); it != times.rend(); ++it) {
    const fhir::Instant at = *it;
    const auto step = (at - day0) / (4 * fhir::kMillisPerHour);  // 0, 1, 2, ...
    observe("8310-5", at, none);
    observe("85354-9", at, none);
    observe("59408-5", at, none);
    observe("oxygen-delivery", at, none);
    if (step % 2 == 0) {  // every 8 h
      // ICE 10 for a week, then falling: the last days carry ICANS cards.
      const int ice = at > kNow - fhir::kMillisPerDay ? 3 : at > kNow - 3 * fhir::kMillisPerDay ? 7 : 10;
      observe("ice-total", at, [&](Value& o) {
        o.RemoveMember("valueInteger");
        o.AddMember("valueInteger", ice, a);
      });
      observe("level-of-consciousness", at, none);
    }
    if (step % 6 == 1) {  // morning labs, daily
      for (const char* lab : {"2951-2", "2160-0", "777-3", "1988-5", "2345-7", "6301-6"}) observe(lab, at, none);
    }
  }
  Value procedures = bundle();
  Value infusion(*templates.procedure, a);
  set_string(infusion, "id", "bench-infusion", a);
  set_subject(infusion, a);
  infusion.RemoveMember("performedPeriod");
  set_string(infusion, "performedDateTime", fhir::format_instant(day0), a);
  add(procedures, std::move(infusion));

  const std::size_t observation_count = observations["entry"].Size();
  prefetch.AddMember("observations", observations, a);
  prefetch.AddMember("administrations", bundle(), a);
  prefetch.AddMember("procedures", procedures, a);
  prefetch.AddMember("medicationRequests", bundle(), a);
  prefetch.AddMember("serviceRequests", bundle(), a);
  prefetch.AddMember("diagnosticReports", bundle(), a);
  request.AddMember("prefetch", prefetch, a);
  std::cerr << "request: " << observation_count << " observations over " << days << " days\n";
  return write(request);
}

// Each call needs its own hookInstance: card uuids derive from it and the
// audit trail keeps one row per card uuid.
std::string with_hook_instance(const std::string& body, int n) {
  std::string out = body;
  char uuid[37];
  std::snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", n);
  const std::string placeholder = "00000000-0000-4000-8000-000000000000";
  out.replace(out.find(placeholder), placeholder.size(), uuid);
  return out;
}

struct Stats {
  double p50_ms = 0;
  double p99_ms = 0;
  double mean_ms = 0;
  double per_second = 0;
};

Stats summarise(std::vector<double> ms, double wall_seconds) {
  std::sort(ms.begin(), ms.end());
  Stats s;
  const auto at = [&ms](double q) {
    return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))];
  };
  s.p50_ms = at(0.50);
  s.p99_ms = at(0.99);
  double sum = 0;
  for (double v : ms) sum += v;
  s.mean_ms = sum / static_cast<double>(ms.size());
  s.per_second = static_cast<double>(ms.size()) / wall_seconds;
  return s;
}

void print(const char* name, const Stats& s) {
  std::printf("%-34s p50 %9.3f ms   p99 %9.3f ms   mean %9.3f ms   %9.1f req/s\n", name, s.p50_ms,
              s.p99_ms, s.mean_ms, s.per_second);
}

// (a), kept out of line so that callgrind can count it alone
// (--toggle-collect='*parse_only*').
[[gnu::noinline]] bool parse_only(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  return !document.HasParseError();
}

// (a) the other way RapidJSON parses, in place in a copy of the text (the
// copy counted, as the service must make one too: the body is not its to
// change). The service's own parse of the request is this kind since
// session 5, so the target is also shown against it.
[[gnu::noinline]] bool parse_in_situ_only(const std::string& body) {
  std::string copy = body;
  rapidjson::Document document;
  document.ParseInsitu(copy.data());
  return !document.HasParseError();
}

double since_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 200;
  int days = 10;
  int clients = 2;
  bool with_http = true;
  std::string request_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--iterations") iterations = std::max(10, value);
    else if (flag == "--days") days = std::clamp(value, 1, 60);
    else if (flag == "--clients") clients = std::clamp(value, 1, 64);
    else if (flag == "--http") with_http = value != 0;
    else if (flag == "--write-request") request_path = argv[i + 1];
    else {
      std::cerr << "usage: icans-bench [--iterations N] [--days D] [--clients C] [--http 0|1]"
                   " [--write-request FILE]\n";
      return 2;
    }
  }
  // As `icans-cds serve` does at start-up: the service measured is the one deployed.
  keep_freed_memory_for_next_requests();
  const Templates templates(std::string(ICANS_SOURCE_DIR) + "/examples/axicel-icans-grade3.json");
  const std::string body = make_request(templates, days);
  std::cerr << "request body: " << body.size() / 1024 << " KiB\n";
  if (!request_path.empty()) {
    std::ofstream(request_path, std::ios::binary) << body;
    return 0;
  }

  // The service as deployed writes its audit trail to a file with
  // synchronous=FULL: each response with cards waits for an fsync. The same
  // service over an in-memory database does every SQLite insert but no disk
  // I/O, which separates the cost of durability from the rest.
  const auto database = std::filesystem::temp_directory_path() /
                        ("icans-bench-" + std::to_string(::getpid()) + ".db");
  std::string error;
  auto store = Store::open(database.string(), error);
  auto memory_store = store ? Store::open(":memory:", error) : nullptr;
  if (!store || !memory_store) {
    std::cerr << "icans-bench: " << error << "\n";
    return 1;
  }
  ServiceEnvironment environment;
  environment.now = [] { return kNow; };
  environment.log = [](std::string_view) {};  // logging is not what is measured
  Service service(ServiceConfig{}, *store, *default_protocol().protocol, fhir::Terminology(), environment);
  Service memory_service(ServiceConfig{}, *memory_store, *default_protocol().protocol, fhir::Terminology(),
                         environment);

  int serial = 0;
  const auto call = [&](Service& s) {
    HttpRequest request{"POST", "/cds-services/icans-patient-view", "", {{"content-type", "application/json"}},
                        with_hook_instance(body, ++serial), ""};
    const auto t = Clock::now();
    const HttpResponse response = s.handle(request);
    const double elapsed = since_ms(t);
    if (response.status != 200) {
      std::cerr << "icans-bench: status " << response.status << ": " << response.body.substr(0, 300) << "\n";
      std::exit(1);
    }
    return std::make_pair(elapsed, response.body);
  };

  // A check that the request is graded and answered with cards at all, and
  // the same way whichever store is behind the service.
  {
    const std::string answer = call(service).second;
    rapidjson::Document cards;
    fhir::parse_json(answer, cards);
    if (!cards.IsObject() || !cards.HasMember("cards") || cards["cards"].Empty()) {
      std::cerr << "icans-bench: the request was not answered with cards: " << answer.substr(0, 300) << "\n";
      return 1;
    }
    std::cerr << "cards per response: " << cards["cards"].Size() << "\n";
  }

  // (a) and (b) interleaved, one of each per round: on a shared machine the
  // three see the same background load, so their ratios hold even when the
  // absolute numbers drift.
  std::vector<double> parse_ms, in_situ_ms, router_ms, memory_ms;
  for (int i = 0; i < iterations; ++i) {
    auto t = Clock::now();
    if (!parse_only(body)) return 1;
    parse_ms.push_back(since_ms(t));
    t = Clock::now();
    if (!parse_in_situ_only(body)) return 1;
    in_situ_ms.push_back(since_ms(t));
    memory_ms.push_back(call(memory_service).first);
    router_ms.push_back(call(service).first);
  }
  const auto busy_seconds = [](const std::vector<double>& ms) {
    double sum = 0;
    for (double v : ms) sum += v;
    return sum / 1000;
  };
  const Stats parse = summarise(parse_ms, busy_seconds(parse_ms));
  const Stats in_situ = summarise(in_situ_ms, busy_seconds(in_situ_ms));
  const Stats router = summarise(router_ms, busy_seconds(router_ms));
  const Stats memory = summarise(memory_ms, busy_seconds(memory_ms));

  std::printf("icans-bench: patient-view, %d days of charting, %zu KiB body, %d iterations, %u hardware threads\n",
              days, body.size() / 1024, iterations, std::thread::hardware_concurrency());
  print("(a) RapidJSON parse only", parse);
  print("(a) RapidJSON in situ (with copy)", in_situ);
  print("(b) router, in-memory audit store", memory);
  print("(b) router, audit file (FULL sync)", router);

  if (with_http) {
    // (c) Over HTTP, one client, then `clients` at once.
    HttpServerOptions options;
    options.port = 0;
    options.threads = std::max(2, clients);
    auto server =
        HttpServer::start(options, [&service](const HttpRequest& r) { return service.handle(r); }, error);
    if (!server) {
      std::cerr << "icans-bench: " << error << "\n";
      return 1;
    }
    std::thread serving([&server] { server->run(); });
    const int port = server->port();
    const auto http_run = [&](int count, std::vector<double>& ms, std::mutex& mutex, int first,
                              bool keep_alive) {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(keep_alive);
      client.set_tcp_nodelay(true);  // as an EHR's HTTP stack would; see docs/benchmark.md
      for (int i = 0; i < count; ++i) {
        const std::string request = with_hook_instance(body, first + i);
        const auto t = Clock::now();
        auto response = client.Post("/cds-services/icans-patient-view", request, "application/json");
        const double elapsed = since_ms(t);
        if (!response || response->status != 200) {
          std::cerr << "icans-bench: HTTP request failed\n";
          std::exit(1);
        }
        std::lock_guard<std::mutex> lock(mutex);
        ms.push_back(elapsed);
      }
    };
    std::mutex mutex;
    std::vector<double> http_ms;
    auto start = Clock::now();
    http_run(iterations, http_ms, mutex, serial + 1, false);
    serial += iterations;
    const Stats http = summarise(http_ms, since_ms(start) / 1000);
    std::vector<double> kept_ms;
    start = Clock::now();
    http_run(iterations, kept_ms, mutex, serial + 1, true);
    serial += iterations;
    const Stats kept = summarise(kept_ms, since_ms(start) / 1000);

    std::vector<double> concurrent_ms;
    start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back(http_run, iterations / clients, std::ref(concurrent_ms), std::ref(mutex),
                           serial + 1 + c * iterations, false);
    }
    for (auto& t : threads) t.join();
    const Stats concurrent = summarise(concurrent_ms, since_ms(start) / 1000);
    server->stop();
    serving.join();

    print("(c) HTTP, 1 client", http);
    print("(c) HTTP, 1 client, keep-alive", kept);
    const std::string label = "(c) HTTP, " + std::to_string(clients) + " clients";
    print(label.c_str(), concurrent);
    std::printf("(c)/(b) p50 ratio, new connection: %.2f\n", http.p50_ms / router.p50_ms);
  }
  std::printf("(b)/(a) p50 ratio: %.2f with the audit file, %.2f with the in-memory store\n",
              router.p50_ms / parse.p50_ms, memory.p50_ms / parse.p50_ms);
  // The overhead of serving, beyond the parse every JSON service pays.
  std::printf("((b)-(a))/(a) p50 ratio: %.2f with the audit file, %.2f with the in-memory store\n",
              (router.p50_ms - parse.p50_ms) / parse.p50_ms,
              (memory.p50_ms - parse.p50_ms) / parse.p50_ms);
  std::printf("((b)-(a))/(a) p50 ratio against the in-situ parse: %.2f with the audit file, %.2f in memory\n",
              (router.p50_ms - in_situ.p50_ms) / in_situ.p50_ms, (memory.p50_ms - in_situ.p50_ms) / in_situ.p50_ms);
  std::printf("durability (audit file minus in-memory store), p50: %.3f ms\n", router.p50_ms - memory.p50_ms);
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    std::filesystem::remove(database.string() + suffix, ignored);
  }
  return 0;
}
