// CORS for browser-based CDS Clients: nothing unless configured, exact
// origins, '*' only when given.
#include <catch2/catch.hpp>

#include <string>

#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

HttpRequest preflight(const std::string& path, const std::string& origin) {
  HttpRequest request;
  request.method = "OPTIONS";
  request.path = path;
  request.headers.emplace("origin", origin);
  request.headers.emplace("access-control-request-method", "POST");
  request.headers.emplace("access-control-request-headers", "authorization, content-type");
  return request;
}

HttpRequest with_origin(HttpRequest request, const std::string& origin) {
  request.headers.emplace("origin", origin);
  return request;
}

ServiceConfig allowing(std::vector<std::string> origins) {
  ServiceConfig config;
  config.cors_origins = std::move(origins);
  return config;
}

}  // namespace

TEST_CASE("without configured origins no CORS header is ever sent", "[service][cors]") {
  Harness harness;
  const HttpResponse options = harness.handle(preflight("/cds-services/icans-patient-view", "https://ehr.example.org"));
  CHECK(options.status == 204);
  CHECK(header(options, "Allow") == "POST, OPTIONS");
  CHECK(header(options, "Access-Control-Allow-Origin").empty());
  CHECK(header(options, "Access-Control-Allow-Methods").empty());
  const HttpResponse discovery = harness.handle(with_origin(get("/cds-services"), "https://ehr.example.org"));
  CHECK(discovery.status == 200);
  CHECK(header(discovery, "Access-Control-Allow-Origin").empty());
}

TEST_CASE("a preflight from an allowed origin is answered with methods, headers and max-age",
          "[service][cors]") {
  Harness harness(allowing({"https://ehr.example.org", "https://other.example.org"}));
  const HttpResponse response =
      harness.handle(preflight("/cds-services/icans-order-sign", "https://ehr.example.org"));
  CHECK(response.status == 204);
  CHECK(header(response, "Access-Control-Allow-Origin") == "https://ehr.example.org");
  CHECK(header(response, "Access-Control-Allow-Methods") == "GET, POST, OPTIONS");
  CHECK(header(response, "Access-Control-Allow-Headers") == "Authorization, Content-Type");
  CHECK(header(response, "Access-Control-Max-Age") == "600");
  CHECK(header(response, "Vary") == "Origin");
  CHECK(response.body.empty());
}

TEST_CASE("an origin that is not allowed gets no CORS headers", "[service][cors]") {
  Harness harness(allowing({"https://ehr.example.org"}));
  for (const std::string origin : {"https://evil.example.org", "https://ehr.example.org.evil.net",
                                   "http://ehr.example.org"}) {
    INFO(origin);
    const HttpResponse options = harness.handle(preflight("/cds-services", origin));
    CHECK(header(options, "Access-Control-Allow-Origin").empty());
    CHECK(header(options, "Access-Control-Allow-Methods").empty());
    CHECK(header(harness.handle(with_origin(get("/cds-services"), origin)), "Access-Control-Allow-Origin")
              .empty());
  }
}

TEST_CASE("actual responses, errors included, carry Allow-Origin for an allowed origin",
          "[service][cors]") {
  Harness harness(allowing({"https://ehr.example.org"}));
  const HttpResponse discovery =
      harness.handle(with_origin(get("/cds-services"), "https://ehr.example.org"));
  CHECK(header(discovery, "Access-Control-Allow-Origin") == "https://ehr.example.org");
  const HttpResponse refused = harness.handle(
      with_origin(post("/cds-services/icans-patient-view", "{}"), "https://ehr.example.org"));
  CHECK(refused.status == 400);
  CHECK(header(refused, "Access-Control-Allow-Origin") == "https://ehr.example.org");
  // A 401's WWW-Authenticate says why; a browser client may read it.
  CHECK(header(refused, "Access-Control-Expose-Headers") == "WWW-Authenticate");
}

TEST_CASE("with a list of origins every answer varies by Origin, for caches", "[service][cors]") {
  Harness harness(allowing({"https://ehr.example.org"}));
  for (const std::string origin : {"", "https://other.example.org", "https://ehr.example.org"}) {
    INFO("origin '" << origin << "'");
    HttpRequest request = get("/cds-services");
    if (!origin.empty()) request.headers.emplace("origin", origin);
    const HttpResponse response = harness.handle(request);
    CHECK(response.headers.count("Vary") == 1);
    CHECK(header(response, "Vary") == "Origin");
  }
}

TEST_CASE("'*' allows any origin, only when configured", "[service][cors]") {
  Harness harness(allowing({"*"}));
  const HttpResponse response =
      harness.handle(with_origin(get("/cds-services"), "https://anywhere.example.net"));
  CHECK(header(response, "Access-Control-Allow-Origin") == "*");
  CHECK(header(response, "Vary").empty());
  const HttpResponse options = harness.handle(preflight("/healthz", "https://anywhere.example.net"));
  CHECK(header(options, "Access-Control-Allow-Methods") == "GET, POST, OPTIONS");
  CHECK(header(options, "Allow") == "GET, OPTIONS");
}

TEST_CASE("a preflight for an unknown service is 404", "[service][cors]") {
  Harness harness(allowing({"https://ehr.example.org"}));
  CHECK(harness.handle(preflight("/cds-services/nope", "https://ehr.example.org")).status == 404);
}
