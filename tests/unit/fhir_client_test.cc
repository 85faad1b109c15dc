#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/hooks/fhir_client.h"
#include "cds/hooks/http.h"

using namespace std::chrono_literals;
using icans::FhirClientLimits;
using icans::FhirSearchResult;
using icans::HttpRequest;
using icans::HttpResponse;
using icans::fhir_search;

namespace {

const std::string kToken = "tok-5ecret-abc.def";

// A FHIR server stand-in on a free port: `answer` maps each request (path and
// raw query) to a response; every request is recorded.
struct FakeFhirServer {
  std::function<HttpResponse(const HttpRequest&)> answer;
  std::mutex mutex;
  std::vector<HttpRequest> requests;
  std::unique_ptr<icans::HttpServer> server;
  std::thread thread;

  explicit FakeFhirServer(std::function<HttpResponse(const HttpRequest&)> answer_with)
      : answer(std::move(answer_with)) {
    icans::HttpServerOptions options;
    options.port = 0;
    std::string error;
    server = icans::HttpServer::start(
        options,
        [this](const HttpRequest& request) {
          {
            std::lock_guard<std::mutex> lock(mutex);
            requests.push_back(request);
          }
          return answer(request);
        },
        error);
    if (!server) throw std::runtime_error("cannot start fake FHIR server: " + error);
    thread = std::thread([this] { server->run(); });
  }
  ~FakeFhirServer() {
    server->stop();
    thread.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/fhir"; }
  std::size_t request_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return requests.size();
  }
};

HttpResponse fhir_json(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/fhir+json"}}, std::move(body)};
}

std::string entries(int count, const std::string& id_prefix) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    if (i) text += ", ";
    text += R"({"resource": {"resourceType": "Observation", "id": ")" + id_prefix + std::to_string(i) +
            R"(", "status": "final"}})";
  }
  return text;
}

std::string searchset(int entry_count, const std::string& id_prefix, const std::string& next_url = "") {
  std::string links = R"([{"relation": "self", "url": "http://ignored/self"})";
  if (!next_url.empty()) links += R"(, {"relation": "next", "url": ")" + next_url + R"("})";
  links += "]";
  return R"({"resourceType": "Bundle", "type": "searchset", "link": )" + links + R"(, "entry": [)" +
         entries(entry_count, id_prefix) + "]}";
}

std::string outcome(const std::string& diagnostics) {
  return R"({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "security", "diagnostics": ")" +
         diagnostics + R"("}]})";
}

std::string header(const HttpRequest& request, const std::string& name) {
  auto found = request.headers.find(name);
  return found == request.headers.end() ? std::string() : found->second;
}

// Serves page N (1-based) of `total` from /fhir/Observation?...&_page=N.
std::function<HttpResponse(const HttpRequest&)> paged(FakeFhirServer*& self, int total, int per_page) {
  return [&self, total, per_page](const HttpRequest& request) {
    int page = 1;
    auto at = request.query.find("_page=");
    if (at != std::string::npos) page = std::stoi(request.query.substr(at + 6));
    std::string next;
    if (page < total) next = self->base() + "/Observation?patient=p1&_page=" + std::to_string(page + 1);
    return fhir_json(200, searchset(per_page, "obs-" + std::to_string(page) + "-", next));
  };
}

}  // namespace

TEST_CASE("fhir_search follows same-origin next links and is complete after the last page") {
  FakeFhirServer* self = nullptr;
  FakeFhirServer server(paged(self, 3, 2));
  self = &server;

  FhirSearchResult result = fhir_search(server.base() + "/", "/Observation?patient=p1&_count=2", kToken, {});
  CHECK(result.error.empty());
  CHECK(result.complete);
  CHECK(result.http_status == 200);
  REQUIRE(result.pages.size() == 3);
  CHECK(result.pages[0].find("obs-1-0") != std::string::npos);
  CHECK(result.pages[2].find("obs-3-1") != std::string::npos);

  std::lock_guard<std::mutex> lock(server.mutex);
  REQUIRE(server.requests.size() == 3);
  CHECK(server.requests[0].path == "/fhir/Observation");  // one slash between base and query
  CHECK(server.requests[0].query == "patient=p1&_count=2");
  CHECK(server.requests[2].query == "patient=p1&_page=3");
  for (const auto& request : server.requests) {
    CHECK(header(request, "accept") == "application/fhir+json");
    CHECK(header(request, "authorization") == "Bearer " + kToken);
  }
}

TEST_CASE("fhir_search sends no Authorization header without a token") {
  FakeFhirServer server([](const HttpRequest&) { return fhir_json(200, searchset(1, "o")); });
  FhirSearchResult result = fhir_search(server.base(), "Patient?_id=p1", "", {});
  CHECK(result.complete);
  std::lock_guard<std::mutex> lock(server.mutex);
  REQUIRE(server.requests.size() == 1);
  CHECK(server.requests[0].headers.count("authorization") == 0);
}

TEST_CASE("fhir_search never follows a next link to another origin") {
  FakeFhirServer elsewhere([](const HttpRequest&) { return fhir_json(200, searchset(1, "stolen")); });
  std::string foreign = GENERATE(std::string("other-port"), std::string("other-host"), std::string("https"));
  FakeFhirServer* self = nullptr;
  FakeFhirServer server([&](const HttpRequest&) {
    std::string next;
    if (foreign == "other-port") next = elsewhere.base() + "/Observation?page=2";
    if (foreign == "other-host") next = "http://localhost:" + std::to_string(self->server->port()) + "/fhir/x";
    if (foreign == "https") next = "https://127.0.0.1:" + std::to_string(self->server->port()) + "/fhir/x";
    return fhir_json(200, searchset(1, "o", next));
  });
  self = &server;

  FhirSearchResult result = fhir_search(server.base(), "Observation?patient=p1", kToken, {});
  CHECK_FALSE(result.complete);
  CHECK(result.pages.size() == 1);
  CHECK(result.error.find("page 1: next link leads to another origin (") == 0);
  CHECK(result.error.find("), not followed") != std::string::npos);
  CHECK(result.error.find(kToken) == std::string::npos);
  CHECK(server.request_count() == 1);
  CHECK(elsewhere.request_count() == 0);
}

TEST_CASE("fhir_search rejects a relative next link") {
  FakeFhirServer server(
      [](const HttpRequest&) { return fhir_json(200, searchset(1, "o", "/fhir/Observation?page=2")); });
  FhirSearchResult result = fhir_search(server.base(), "Observation", kToken, {});
  CHECK_FALSE(result.complete);
  CHECK(result.error == "page 1: next link is unusable: URL is not absolute (no scheme://)");
  CHECK(server.request_count() == 1);
}

TEST_CASE("fhir_search reports an HTTP error status with the OperationOutcome's words, never the token") {
  FakeFhirServer server([](const HttpRequest& request) {
    // A careless server echoing the credentials it refused.
    return fhir_json(401, outcome("invalid token: " + header(request, "authorization")));
  });
  FhirSearchResult result = fhir_search(server.base(), "Observation?patient=p1", kToken, {});
  CHECK_FALSE(result.complete);
  CHECK(result.http_status == 401);
  CHECK(result.pages.empty());
  CHECK(result.error == "HTTP 401 for page 1: invalid token: Bearer [redacted]");
  CHECK(result.error.find(kToken) == std::string::npos);
}

TEST_CASE("fhir_search treats an OperationOutcome or another resource in place of a Bundle as an error") {
  SECTION("OperationOutcome with status 200") {
    FakeFhirServer server([](const HttpRequest&) { return fhir_json(200, outcome("unknown search parameter 'foo'")); });
    FhirSearchResult result = fhir_search(server.base(), "Observation?foo=1", kToken, {});
    CHECK_FALSE(result.complete);
    CHECK(result.error == "page 1 is an OperationOutcome: unknown search parameter 'foo'");
  }
  SECTION("a Patient") {
    FakeFhirServer server([](const HttpRequest&) { return fhir_json(200, R"({"resourceType": "Patient", "id": "p1"})"); });
    FhirSearchResult result = fhir_search(server.base(), "Patient?_id=p1", kToken, {});
    CHECK(result.error == "page 1 is a Patient, not a Bundle");
    CHECK(result.pages.empty());
  }
  SECTION("a Bundle that is not a searchset") {
    FakeFhirServer server(
        [](const HttpRequest&) { return fhir_json(200, R"({"resourceType": "Bundle", "type": "collection"})"); });
    FhirSearchResult result = fhir_search(server.base(), "Observation", kToken, {});
    CHECK(result.error == "page 1 is a Bundle of type 'collection', not 'searchset'");
  }
  SECTION("not JSON") {
    FakeFhirServer server([](const HttpRequest&) { return fhir_json(200, "<html>login</html>"); });
    FhirSearchResult result = fhir_search(server.base(), "Observation", kToken, {});
    CHECK(result.error.rfind("page 1 is not valid JSON: line 1, column 1:", 0) == 0);
  }
  SECTION("JSON that is not a resource") {
    FakeFhirServer server([](const HttpRequest&) { return fhir_json(200, "[1, 2]"); });
    FhirSearchResult result = fhir_search(server.base(), "Observation", kToken, {});
    CHECK(result.error == "page 1 is not a FHIR resource, not a Bundle");
  }
}

TEST_CASE("fhir_search keeps one deadline across all pages") {
  FakeFhirServer* self = nullptr;
  FakeFhirServer server([&](const HttpRequest& request) {
    std::this_thread::sleep_for(250ms);
    bool first = request.query.find("_page=2") == std::string::npos;
    return fhir_json(200, searchset(1, "o", first ? self->base() + "/Observation?_page=2" : ""));
  });
  self = &server;
  FhirClientLimits limits;
  limits.deadline = 400ms;

  auto started = std::chrono::steady_clock::now();
  FhirSearchResult result = fhir_search(server.base(), "Observation?patient=p1", kToken, limits);
  auto elapsed = std::chrono::steady_clock::now() - started;

  // Each page alone fits in 400 ms; the second one's request only had what
  // the first left over.
  CHECK_FALSE(result.complete);
  CHECK(result.error == "timeout after 400 ms (page 2)");
  CHECK(result.pages.size() == 1);
  CHECK(elapsed >= 400ms);
  CHECK(elapsed < 1000ms);
}

TEST_CASE("fhir_search stops at max_pages when the server keeps offering more") {
  FakeFhirServer* self = nullptr;
  FakeFhirServer server(paged(self, 1000, 1));
  self = &server;
  FhirClientLimits limits;
  limits.max_pages = 3;
  FhirSearchResult result = fhir_search(server.base(), "Observation?patient=p1", kToken, limits);
  CHECK_FALSE(result.complete);
  CHECK(result.pages.size() == 3);
  CHECK(result.error == "more than 3 pages (max_pages)");
  CHECK(server.request_count() == 3);
}

TEST_CASE("fhir_search stops at max_resources, counting entries over all pages") {
  FakeFhirServer* self = nullptr;
  FakeFhirServer server(paged(self, 3, 2));
  self = &server;
  FhirClientLimits limits;
  limits.max_resources = 5;
  FhirSearchResult result = fhir_search(server.base(), "Observation?patient=p1", kToken, limits);
  CHECK_FALSE(result.complete);
  CHECK(result.pages.size() == 2);  // the page that would pass the limit is not kept
  CHECK(result.error == "more than 5 resources (max_resources) by page 3");

  limits.max_resources = 6;
  result = fhir_search(server.base(), "Observation?patient=p1", kToken, limits);
  CHECK(result.complete);
  CHECK(result.pages.size() == 3);
}

TEST_CASE("fhir_search stops at max_bytes, counting bytes over all pages") {
  FakeFhirServer* self = nullptr;
  FakeFhirServer server(paged(self, 3, 2));
  self = &server;
  FhirSearchResult whole = fhir_search(server.base(), "Observation?patient=p1", kToken, {});
  REQUIRE(whole.complete);
  std::size_t total = 0;
  for (const auto& page : whole.pages) total += page.size();

  FhirClientLimits limits;
  limits.max_bytes = total - 1;
  FhirSearchResult cut = fhir_search(server.base(), "Observation?patient=p1", kToken, limits);
  CHECK_FALSE(cut.complete);
  CHECK(cut.pages.size() == 2);
  CHECK(cut.error == "more than " + std::to_string(total - 1) + " bytes (max_bytes) by page 3");

  limits.max_bytes = total;
  CHECK(fhir_search(server.base(), "Observation?patient=p1", kToken, limits).complete);
}

TEST_CASE("fhir_search reports unusable arguments and unreachable servers without the token") {
  FhirSearchResult bad_base = fhir_search("ehr.example.org/fhir", "Observation", kToken, {});
  CHECK(bad_base.error == "FHIR base URL is not absolute (no scheme://)");

  FhirSearchResult bad_token = fhir_search("http://127.0.0.1:1/fhir", "Observation", "abc\r\nX-Evil: 1", {});
  CHECK(bad_token.error == "access token contains a space or control character");

  FhirSearchResult refused = fhir_search("http://127.0.0.1:1/fhir", "Observation", kToken, {});
  CHECK_FALSE(refused.complete);
  CHECK(refused.http_status == 0);
  CHECK(refused.error == "page 1: cannot connect to 127.0.0.1:1");
}
