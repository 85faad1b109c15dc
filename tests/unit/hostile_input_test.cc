// Hostile input, through the real code paths in-process: every case of the
// bad-input corpus (tests/hostile/manifest.tsv) and the cases too large to
// commit (generated here). Each must be refused with a 4xx or read with a
// warning; none may crash, answer 5xx, echo the access token, or keep the
// service from answering the next ordinary request. The fuzz build
// (tests/fuzz/run) runs this file under AddressSanitizer, LeakSanitizer and
// UBSan as well.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cds/hooks/http.h"
#include "fhir/intake.h"
#include "fhir/json.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;
using namespace std::chrono_literals;

namespace {

// Every hostile request that carries fhirAuthorization carries this token.
constexpr std::string_view kPlantedToken = "PLANTED-SECRET-7f3a9c";
const std::string kPatientView = "/cds-services/icans-patient-view";
// The fhirServer of the hostile requests that name a legitimate one.
const std::string kAllowedServer = "https://ehr.example.org/fhir";

// A hardened deployment: tokens only over https, only to the EHR's own server.
ServiceConfig hardened_config() {
  ServiceConfig config;
  config.fhir_server_allow = {kAllowedServer};
  config.fhir_server_https_only = true;
  return config;
}

struct HostileCase {
  std::string file;
  std::string target;    // hook:<service-id>, feedback:<service-id>, intake
  std::string expected;  // an HTTP status, 2xx, 4xx, or (intake) warning
  std::string note;
};

std::string hostile_path(const std::string& file) {
  return std::string(ICANS_SOURCE_DIR) + "/tests/hostile/" + file;
}

std::vector<HostileCase> load_manifest() {
  std::ifstream in(hostile_path("manifest.tsv"));
  REQUIRE(in);
  std::vector<HostileCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#' || line.starts_with("file\t")) continue;
    std::vector<std::string> fields;
    std::istringstream columns(line);
    for (std::string field; std::getline(columns, field, '\t');) fields.push_back(field);
    INFO(line);
    REQUIRE(fields.size() == 4);
    cases.push_back({fields[0], fields[1], fields[2], fields[3]});
  }
  return cases;
}

const std::vector<HostileCase>& manifest() {
  static const std::vector<HostileCase> cases = load_manifest();
  return cases;
}

const HostileCase& manifest_case(const std::string& file) {
  for (const auto& c : manifest()) {
    if (c.file == file) return c;
  }
  FAIL("no manifest row for " << file);
  throw std::logic_error("unreachable");
}

bool status_matches(int status, const std::string& expected) {
  if (expected == "2xx") return status >= 200 && status < 300;
  if (expected == "4xx") return status >= 400 && status < 500;
  return expected == std::to_string(status);
}

// A request the service must always answer 200: every prefetch key null (the
// EHR has no data) and no fhirServer, so nothing is fetched; out of scope,
// so no cards.
std::string ordinary_request() {
  RequestBuilder builder;
  builder.patient_id = "p1";
  for (const char* key : {"patient", "observations", "administrations", "procedures",
                          "medicationRequests", "serviceRequests", "diagnosticReports"}) {
    builder.prefetch[key] = "null";
  }
  return builder.body();
}

// Like ordinary_request, with `observations` (raw text) as prefetch.observations.
std::string request_with_observations(const std::string& observations) {
  RequestBuilder builder;
  builder.patient_id = "p1";
  for (const char* key : {"patient", "administrations", "procedures", "medicationRequests",
                          "serviceRequests", "diagnosticReports"}) {
    builder.prefetch[key] = "null";
  }
  builder.prefetch["observations"] = observations;
  return builder.body();
}

bool echoes_token(const HttpResponse& response) {
  if (response.body.find(kPlantedToken) != std::string::npos) return true;
  for (const auto& [name, value] : response.headers) {
    if (value.find(kPlantedToken) != std::string::npos) return true;
  }
  return false;
}

// A refusal is {"error": "<non-empty reason>"} as JSON.
void check_refusal_body(const HttpResponse& response) {
  CHECK(header(response, "Content-Type") == "application/json");
  rapidjson::Document body;
  REQUIRE(fhir::parse_json(response.body, body).empty());
  REQUIRE(body.IsObject());
  REQUIRE(body.HasMember("error"));
  REQUIRE(body["error"].IsString());
  CHECK(body["error"].GetStringLength() > 0);
}

std::string path_of(const std::string& target) {
  const auto colon = target.find(':');
  const std::string kind = target.substr(0, colon);
  const std::string service = target.substr(colon + 1);
  return "/cds-services/" + service + (kind == "feedback" ? "/feedback" : "");
}

std::size_t warning_count(const fhir::IntakeResult& result) {
  std::size_t count = result.warnings.size();
  for (const auto& [id, record] : result.patients) count += record.warnings.size();
  return count;
}

// What fhir::Intake makes of `text`: the error, or the result.
struct IntakeOutcome {
  std::string error;
  fhir::IntakeResult result;
};

IntakeOutcome run_intake(const std::string& text, const std::string& name) {
  fhir::Terminology terminology;
  fhir::Intake intake(terminology);
  IntakeOutcome outcome;
  if (name.ends_with(".ndjson")) {
    std::istringstream lines(text);
    outcome.error = intake.add_ndjson(lines, name);
  } else {
    outcome.error = intake.add_json(text, name);
  }
  if (outcome.error.empty()) outcome.result = intake.finish();
  return outcome;
}

// Sends raw bytes, then reads until the server closes or `wait` passes
// without a byte; returns what arrived.
std::string raw_exchange(int port, const std::string& request, std::chrono::seconds wait = 5s) {
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  timeval timeout{static_cast<time_t>(wait.count()), 0};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const auto n = ::send(sock, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[4096];
  for (;;) {
    const auto n = ::recv(sock, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(sock);
  return answer;
}

// The service behind a real HttpServer on a free port.
struct ServedHarness {
  Harness harness;
  std::unique_ptr<HttpServer> server;
  std::thread thread;

  explicit ServedHarness(HttpServerOptions options) {
    options.port = 0;
    std::string error;
    server = HttpServer::start(
        options, [this](const HttpRequest& request) { return harness.handle(request); }, error);
    if (!server) throw std::runtime_error("cannot start the server: " + error);
    thread = std::thread([this] { server->run(); });
  }
  ~ServedHarness() {
    server->stop();
    thread.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }
};

std::string deeply_nested(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

}  // namespace

TEST_CASE("the hostile corpus holds at least 50 cases, each file present and each target known",
          "[hostile]") {
  CHECK(manifest().size() >= 50);
  for (const auto& c : manifest()) {
    INFO(c.file);
    CHECK(std::filesystem::exists(hostile_path(c.file)));
    const bool known_target = c.target == "intake" || c.target.starts_with("hook:icans-") ||
                              c.target.starts_with("feedback:icans-");
    CHECK(known_target);
    if (c.target == "intake") {
      CHECK((c.expected == "4xx" || c.expected == "warning"));
    } else {
      CHECK((c.expected == "2xx" || c.expected == "4xx" ||
             (c.expected.size() == 3 && std::isdigit(static_cast<unsigned char>(c.expected[0])))));
    }
  }
  // A file left out of the manifest would never be checked.
  for (const auto& entry : std::filesystem::directory_iterator(hostile_path(""))) {
    const std::string name = entry.path().filename().string();
    if (name == "manifest.tsv") continue;
    INFO(name);
    CHECK(std::any_of(manifest().begin(), manifest().end(),
                      [&](const HostileCase& c) { return c.file == name; }));
  }
}

TEST_CASE("every hostile request gets its expected answer, never a 5xx or the token, and the "
          "service keeps answering",
          "[hostile]") {
  Harness harness(hardened_config());
  const std::string ordinary = ordinary_request();
  REQUIRE(harness.handle(post(kPatientView, ordinary)).status == 200);
  std::size_t requests = 0;
  for (const auto& c : manifest()) {
    if (c.target == "intake") continue;
    ++requests;
    const std::string text = read_text(hostile_path(c.file));
    const HttpResponse response = harness.handle(post(path_of(c.target), text));
    INFO(c.file << " (" << c.note << ") -> " << response.status << " "
                << response.body.substr(0, 300));
    CHECK(status_matches(response.status, c.expected));
    CHECK(response.status < 500);
    CHECK_FALSE(echoes_token(response));
    if (response.status >= 400) check_refusal_body(response);
    // The service is not left broken by what it was just sent.
    CHECK(harness.handle(post(kPatientView, ordinary)).status == 200);
  }
  CHECK(requests >= 50);
  CHECK(harness.all_log().find(kPlantedToken) == std::string::npos);
  CHECK(harness.handle(get("/healthz")).status == 200);
  // The token went nowhere but the one allowed server.
  for (const auto& call : harness.fhir.recorded()) CHECK(call.base_url == kAllowedServer);
}

TEST_CASE("every hostile resource is refused as a whole (naming the input) or read with a warning",
          "[hostile]") {
  for (const auto& c : manifest()) {
    if (c.target != "intake") continue;
    const std::string text = read_text(hostile_path(c.file));
    const IntakeOutcome outcome = run_intake(text, c.file);
    INFO(c.file << " (" << c.note << ") -> error: " << outcome.error);
    if (c.expected == "4xx") {
      CHECK_FALSE(outcome.error.empty());
      CHECK(outcome.error.find(c.file) != std::string::npos);
    } else {
      REQUIRE(outcome.error.empty());
      CHECK(warning_count(outcome.result) > 0);
    }
  }
}

TEST_CASE("every hostile resource sent as prefetch is answered without a 5xx", "[hostile]") {
  Harness harness;
  for (const auto& c : manifest()) {
    if (c.target != "intake" || c.file.ends_with(".ndjson")) continue;
    const std::string text = read_text(hostile_path(c.file));
    const HttpResponse response =
        harness.handle(post(kPatientView, request_with_observations(text.empty() ? "{}" : text)));
    INFO(c.file << " -> " << response.status << " " << response.body.substr(0, 300));
    CHECK(response.status < 500);
    CHECK((response.status == 200 || response.status == 400));
  }
  CHECK(harness.handle(post(kPatientView, ordinary_request())).status == 200);
}

TEST_CASE("nesting 100000 levels deep is refused by every reader without recursion", "[hostile]") {
  const std::string deep = deeply_nested(100'000);
  Harness harness;
  std::string body = ordinary_request();
  body.insert(body.size() - 1, ",\"extension\":" + deep);
  const HttpResponse request = harness.handle(post(kPatientView, body));
  CHECK(request.status == 400);
  CHECK(request.body.find("nesting deeper than") != std::string::npos);
  CHECK(harness.handle(post(kPatientView + "/feedback", "{\"feedback\":" + deep + "}")).status == 400);
  CHECK_FALSE(run_intake("{\"resourceType\":\"Patient\",\"x\":" + deep + "}", "deep.json").error.empty());
  const IntakeOutcome lines = run_intake("{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n" + deep + "\n",
                                         "deep.ndjson");
  REQUIRE(lines.error.empty());
  CHECK(warning_count(lines.result) > 0);
  CHECK(harness.handle(post(kPatientView, ordinary_request())).status == 200);
}

TEST_CASE("a prefetch Bundle of 100000 entries is refused by the per-request resource limit",
          "[hostile]") {
  // 4.4 MB: within the default 8 MiB body limit, so only a count stops it.
  std::string bundle = R"({"resourceType":"Bundle","type":"searchset","entry":[)";
  for (int i = 0; i < 100'000; ++i) {
    bundle += (i ? "," : "");
    bundle += R"({"resource":{"resourceType":"Observation"}})";
  }
  bundle += "]}";
  Harness harness;
  const HttpResponse response = harness.handle(post(kPatientView, request_with_observations(bundle)));
  INFO(response.status << " " << response.body.substr(0, 300));
  CHECK(response.status == 413);
  check_refusal_body(response);
  CHECK(harness.handle(post(kPatientView, ordinary_request())).status == 200);
}

TEST_CASE("parse_json refuses a member name twice in one object, naming it and where", "[hostile][json]") {
  rapidjson::Document document;
  CHECK(fhir::parse_json(R"({"a":1,"b":{"c":1,"c":2}})", document) ==
        "line 1, column 22: member 'c' appears twice in one object");
  CHECK(fhir::parse_json(R"({"a":{"c":1},"b":{"c":2},"c":[{"c":1},{"c":2}]})", document).empty());
  // A long or unprintable name is not echoed.
  const std::string long_name(100, 'n');
  CHECK(fhir::parse_json("{\"" + long_name + "\":1,\"" + long_name + "\":2}", document)
            .ends_with(": a member name appears twice in one object"));
  // Escapes are decoded before names are compared.
  CHECK_FALSE(fhir::parse_json(R"({"id":1,"\u0069d":2})", document).empty());
}

TEST_CASE("parse_json refuses an escaped low surrogate without its high half", "[hostile][json]") {
  rapidjson::Document document;
  CHECK(fhir::parse_json(R"(["ab\udc00"])", document) ==
        "line 1, column 5: lone low surrogate escape (not a Unicode character)");
  CHECK_FALSE(fhir::parse_json(R"(["\uDFFF"])", document).empty());
  CHECK_FALSE(fhir::parse_json(R"(["\ud800"])", document).empty());  // RapidJSON's own check
  // A pair is one character (U+1F600), and an escaped backslash is no escape.
  REQUIRE(fhir::parse_json(R"(["\ud83d\ude00", "\\udc00"])", document).empty());
  CHECK(std::string(document[0].GetString()) == "\xF0\x9F\x98\x80");
  CHECK(std::string(document[1].GetString()) == "\\udc00");
}

TEST_CASE("10 MB strings are refused where a bounded field is expected, without crashing",
          "[hostile]") {
  const std::string huge(10u << 20, 'a');
  Harness harness;
  RequestBuilder builder;
  builder.patient_id = "p1";
  builder.hook_instance = huge;
  HttpResponse response = harness.handle(post(kPatientView, builder.body()));
  CHECK(response.status == 400);
  CHECK(response.body.size() < 4096);

  builder.hook_instance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";
  builder.patient_id = huge;
  response = harness.handle(post(kPatientView, builder.body()));
  CHECK(response.status == 400);
  CHECK(response.body.size() < 4096);
  builder.patient_id = "p1";

  // A 10 MB note on an Observation is not a field the engine reads: kept, no crash.
  const IntakeOutcome outcome = run_intake(
      R"({"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"note":[{"text":")" +
          huge + R"("}]})",
      "huge.json");
  CHECK(outcome.error.empty());
  CHECK(harness.handle(post(kPatientView, ordinary_request())).status == 200);
}

TEST_CASE("a refusal names the field without sending megabytes of the input back", "[hostile]") {
  const std::string huge(10u << 20, 'a');
  Harness harness;
  RequestBuilder builder;
  builder.patient_id = "p1";
  builder.hook = huge;
  HttpResponse response = harness.handle(post(kPatientView, builder.body()));
  CHECK(response.status == 400);
  CHECK(response.body.size() < 4096);
  builder.hook = "patient-view";
  builder.user_id = huge + "/1";
  response = harness.handle(post(kPatientView, builder.body()));
  CHECK(response.status == 400);
  CHECK(response.body.size() < 4096);
  builder.user_id = "Practitioner/example";
  builder.hook = "order-select";
  builder.draft_orders = R"({"resourceType":"Bundle","type":"collection","entry":[]})";
  builder.selections = {"MedicationRequest/" + huge};
  response = harness.handle(post("/cds-services/icans-order-select", builder.body()));
  CHECK(response.status == 400);
  CHECK(response.body.size() < 4096);
}

TEST_CASE("a Content-Type other than application/json is refused with 415", "[hostile]") {
  Harness harness;
  const std::string body = ordinary_request();
  for (const char* type : {"text/plain", "application/xml", "application/fhir+xml", "",
                           "application/jsonx", "application/json-patch+json",
                           "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"}) {
    INFO(type);
    const HttpResponse response = harness.handle(post(kPatientView, body, type));
    CHECK(response.status == 415);
    check_refusal_body(response);
    CHECK(harness.handle(post(kPatientView + "/feedback", "{}", type)).status == 415);
  }
  // Parameters and letter case do not matter (RFC 9110 media types).
  CHECK(harness.handle(post(kPatientView, body, "Application/JSON; charset=utf-8")).status == 200);
}

TEST_CASE("SQL in stored fields is stored literally and the tables survive", "[hostile]") {
  Harness harness;
  const HostileCase& c = manifest_case("feedback-sql-injection.json");
  const HttpResponse response = harness.handle(post(path_of(c.target), read_text(hostile_path(c.file))));
  REQUIRE(response.status == 200);
  std::string error;
  const auto stored = harness.store->feedback_for_card("x'); DROP TABLE feedback; --", error);
  REQUIRE(error.empty());
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].user_comment == "'; DELETE FROM card_audit; --");
  CHECK(stored[0].outcome == "overridden");

  // An escaped NUL is data, not the end of the string.
  const HostileCase& nul = manifest_case("feedback-card-escaped-nul.json");
  REQUIRE(harness.handle(post(path_of(nul.target), read_text(hostile_path(nul.file)))).status == 200);
  const std::string card_with_nul("abc\0def", 7);
  const auto kept = harness.store->feedback_for_card(card_with_nul, error);
  REQUIRE(error.empty());
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].card_uuid == card_with_nul);
  CHECK(harness.store->feedback_for_card("abc", error).empty());

  // hookInstance is free text that reaches the audit trail with every card.
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  builder.hook_instance = "x'); DROP TABLE card_audit; --";
  const HttpResponse cards = harness.handle(post(kPatientView, builder.body()));
  REQUIRE(cards.status == 200);
  const auto answer = parse(cards.body);
  REQUIRE(answer["cards"].Size() > 0);
  const std::string uuid = answer["cards"][0]["uuid"].GetString();
  const auto audit = harness.store->audit_for_card(uuid, error);
  REQUIRE(error.empty());
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].hook_instance == "x'); DROP TABLE card_audit; --");
  CHECK(harness.handle(get("/healthz")).status == 200);
}

TEST_CASE("a prefetched resource that cannot be read is named on the cards, not dropped silently",
          "[hostile]") {
  // A 41.5 degree fever charted with its value as a string: the intake warns
  // and leaves it out; a card graded without it must say so.
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  std::string& observations = builder.prefetch["observations"];
  const auto entries = observations.find("\"entry\":[");
  REQUIRE(entries != std::string::npos);
  observations.insert(
      entries + 9,
      R"({"resource":{"resourceType":"Observation","id":"unreadable-temperature","status":"final",)"
      R"("code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":"Patient/)" +
          chart.patient_id +
          R"("},"effectiveDateTime":"2026-03-07T16:00:00Z","valueQuantity":{"value":"41.5","unit":"Cel",)"
          R"("system":"http://unitsofmeasure.org","code":"Cel"}}},)");
  Harness harness;
  const HttpResponse response = harness.handle(post(kPatientView, builder.body()));
  REQUIRE(response.status == 200);
  REQUIRE(parse(response.body)["cards"].Size() > 0);
  CHECK(response.body.find("Observation/unreadable-temperature") != std::string::npos);
}

TEST_CASE("after the whole corpus an ordinary chart still gets its cards", "[hostile]") {
  Harness harness;
  for (const auto& c : manifest()) {
    if (c.target != "intake") harness.handle(post(path_of(c.target), read_text(hostile_path(c.file))));
  }
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  const HttpResponse response = harness.handle(post(kPatientView, builder.body()));
  REQUIRE(response.status == 200);
  CHECK(parse(response.body)["cards"].Size() > 0);
}

TEST_CASE("over HTTP an oversize body gets 413 before the service runs, and the server goes on",
          "[hostile][http]") {
  HttpServerOptions options;
  options.max_body_bytes = 64u << 10;
  ServedHarness served(options);
  std::string body = ordinary_request();
  body.insert(body.size() - 1, ",\"padding\":\"" + std::string(100u << 10, 'x') + "\"");
  const HttpGetResult refused =
      http_post(served.url(kPatientView), {{"Content-Type", "application/json"}}, body, 10s, 1u << 20);
  CHECK(refused.status == 413);
  CHECK(refused.body.find("request body larger than") != std::string::npos);
  const HttpGetResult after =
      http_post(served.url(kPatientView), {{"Content-Type", "application/json"}}, ordinary_request(), 10s,
                1u << 20);
  CHECK(after.status == 200);
  CHECK(http_get(served.url("/healthz"), {}, 10s, 1u << 20).status == 200);
  // The 413 came from the HTTP layer: the service logged only the 200 and the health check.
  CHECK(served.harness.all_log().find("\"status\":413") == std::string::npos);
}

TEST_CASE("over HTTP a header line longer than 8 KiB is refused and the server goes on",
          "[hostile][http]") {
  ServedHarness served(HttpServerOptions{});
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Long: " +
                              std::string(64u << 10, 'a') + "\r\n\r\n";
  const std::string answer = raw_exchange(served.server->port(), request);
  CHECK((answer.empty() || answer.starts_with("HTTP/1.1 4")));
  CHECK(answer.find("HTTP/1.1 200") == std::string::npos);
  CHECK(http_get(served.url("/healthz"), {}, 10s, 1u << 20).status == 200);
}

TEST_CASE("over HTTP a client that stops sending is cut off after the read timeout",
          "[hostile][http]") {
  HttpServerOptions options;
  options.read_timeout = 1s;
  ServedHarness served(options);
  const auto started = std::chrono::steady_clock::now();
  // Headers begun, never finished: the server must give up on its own.
  const std::string answer =
      raw_exchange(served.server->port(), "POST /cds-services/icans-patient-view HTTP/1.1\r\nHost: x\r\n", 8s);
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(answer.find("HTTP/1.1 200") == std::string::npos);
  CHECK(waited < 6s);
  CHECK(http_get(served.url("/healthz"), {}, 10s, 1u << 20).status == 200);
}

TEST_CASE("over HTTP a client trickling its headers a byte at a time is cut off too",
          "[hostile][http]") {
  HttpServerOptions options;
  options.read_timeout = 1s;
  ServedHarness served(options);
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(served.server->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const std::string start = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  ::send(sock, start.data(), start.size(), MSG_NOSIGNAL);
  // Each byte arrives within the read timeout; the request as a whole never
  // does. A server that only times out single reads would keep this
  // connection (and a thread) for as long as the client likes.
  const auto started = std::chrono::steady_clock::now();
  bool cut_off = false;
  while (!cut_off && std::chrono::steady_clock::now() - started < 8s) {
    std::this_thread::sleep_for(400ms);
    char byte;
    const auto peeked = ::recv(sock, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
    cut_off = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
              ::send(sock, "a", 1, MSG_NOSIGNAL) != 1;
  }
  const auto held = std::chrono::steady_clock::now() - started;
  ::close(sock);
  CHECK(cut_off);
  CHECK(held < 5s);
  CHECK(http_get(served.url("/healthz"), {}, 10s, 1u << 20).status == 200);
}
