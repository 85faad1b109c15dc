// The router with authentication on: every /cds-services call is checked
// before anything else, with real tokens signed by npm jose
// (tests/jwt/make-tokens.mjs); the fhirServer a caller names is fetched only
// from its issuer's list; per-request budgets and limits.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cds/hooks/auth.h"
#include "cds/hooks/request_limits.h"
#include "jwt_tokens.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

constexpr const char* kBase = "https://cds.example.org";
constexpr const char* kEndpoint = "/cds-services/icans-patient-view";
constexpr const char* kAllowedFhir = "https://fhir.ehr.example.org/r4";

// Tokens for the patient-view endpoint, issued at the time the Harness
// grades the axicel example (its clock is the tokens' clock too).
const icans::test::JwtFixtures& fixtures() {
  static const auto made = icans::test::make_jwt_fixtures("https://jwks.invalid", std::string(kBase) + kEndpoint,
                                                          kAxicelNow / fhir::kMillisPerSecond);
  return *made;
}

ServiceConfig trusting_config() {
  const auto& f = fixtures();
  ServiceConfig config;
  config.auth.enabled = true;
  config.auth.issuers = {{f.issuer, f.path("issuer.jwks.json"), {}, f.tenant},
                         {"https://other-ehr.example.org", f.path("issuer.jwks.json"), {}, ""}};
  config.public_base_url = kBase;
  AllowedFhirServer allowed;
  REQUIRE(parse_allowed_fhir_server(kAllowedFhir, allowed).empty());
  config.client_fhir_servers[f.issuer] = {allowed};
  config.cors_origins = {"https://ehr.example.org"};
  return config;
}

RequestBuilder axicel_request() {
  static const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  return builder;
}

HttpRequest with_token(HttpRequest request, const std::string& token) {
  request.headers.emplace("authorization", "Bearer " + token);
  return request;
}

// Each call its own hookInstance: the audit trail keys cards by it.
std::string fresh_body() {
  static int calls = 0;
  RequestBuilder builder = axicel_request();
  builder.hook_instance = "5a0c0000-0000-4000-8000-" + std::to_string(100000000000 + ++calls);
  return builder.body();
}

HttpRequest call_with(const std::string& token_name, const std::string& body = fresh_body()) {
  return with_token(post(kEndpoint, body), fixtures().token(token_name));
}

// A fresh token, signed by jose with the issuer's ES384 key, for claims the
// fixture set has no token for (another endpoint, another issuer).
std::string sign(const std::string& aud, const std::string& iss) {
  static int counter = 0;
  const auto& f = fixtures();
  const std::string command =
      icans::test::quoted_for_shell(ICANS_NODE) + " --input-type=module -e " +
      icans::test::quoted_for_shell(
          "import { SignJWT, importJWK } from 'jose'; import { readFileSync } from 'node:fs';"
          "const jwk = JSON.parse(readFileSync(process.argv[1], 'utf8'));"
          "const key = await importJWK(jwk, 'ES384');"
          "const now = Number(process.argv[4]);"
          "process.stdout.write(await new SignJWT({ tenant: process.argv[5] || undefined })"
          ".setProtectedHeader({ alg: 'ES384', kid: jwk.kid, typ: 'JWT' }).setIssuer(process.argv[3])"
          ".setAudience(process.argv[2]).setIssuedAt(now).setExpirationTime(now + 300)"
          ".setJti('service-auth-' + process.argv[6]).sign(key));") +
      " " + icans::test::quoted_for_shell(f.path("private/ehr-es384-1.jwk.json")) + " " +
      icans::test::quoted_for_shell(aud) + " " + icans::test::quoted_for_shell(iss) + " " +
      std::to_string(f.now_ms / 1000) + " " + icans::test::quoted_for_shell(iss == f.issuer ? f.tenant : "") + " " +
      std::to_string(++counter);
  // jose resolves from tests/jwt/node_modules.
  const std::string in_dir = "cd " + icans::test::quoted_for_shell(icans::test::kJwtToolDir) + " && " + command;
  FILE* pipe = ::popen(in_dir.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string token;
  char chunk[4096];
  std::size_t read = 0;
  while ((read = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) token.append(chunk, read);
  REQUIRE(::pclose(pipe) == 0);
  REQUIRE(std::count(token.begin(), token.end(), '.') == 2);
  return token;
}

std::size_t resources_in(const RequestBuilder& builder) {
  rapidjson::Document document;
  HookRequest request;
  REQUIRE(parse_hook_request(builder.body(), builder.hook, document, request).empty());
  return count_request_resources(request);
}

std::string last_log_line(Harness& harness) {
  std::lock_guard<std::mutex> lock(harness.log_mutex);
  return harness.log.empty() ? std::string() : harness.log.back();
}

}  // namespace

TEST_CASE("without a token a call is refused 401 before its body is read", "[service][auth]") {
  Harness harness(trusting_config(), kAxicelNow);
  const HttpResponse response = harness.handle(post(kEndpoint, "this is not JSON"));
  CHECK(response.status == 401);  // not 400: the body was never parsed
  CHECK(response.body == unauthorized_response().body);
  CHECK(header(response, "WWW-Authenticate") == "Bearer");
  const std::string line = last_log_line(harness);
  CHECK(line.find("\"status\":401") != std::string::npos);
  CHECK(line.find("\"note\":\"auth: no Authorization header\"") != std::string::npos);
  CHECK(harness.service->metrics().render().find("\nicans_auth_denied_total 1\n") != std::string::npos);
}

TEST_CASE("discovery, feedback and unknown service ids need a token, preflight, health and metrics do not",
          "[service][auth]") {
  Harness harness(trusting_config(), kAxicelNow);
  CHECK(harness.handle(get("/cds-services")).status == 401);
  CHECK(harness.handle(get("/cds-services/")).status == 401);
  CHECK(harness.handle(post("/cds-services/no-such-service", "{}")).status == 401);  // not 404: nothing is revealed
  CHECK(harness.handle(post("/cds-services/icans-patient-view/feedback", "{}")).status == 401);
  CHECK(harness.handle(post("/cds-services/icans-patient-view/x/y", "{}")).status == 401);
  HttpRequest head = get("/cds-services");
  head.method = "HEAD";
  CHECK(harness.handle(head).status == 401);
  HttpRequest preflight = get("/cds-services/icans-patient-view");
  preflight.method = "OPTIONS";
  preflight.headers.emplace("origin", "https://ehr.example.org");
  CHECK(harness.handle(preflight).status == 204);
  CHECK(harness.handle(get("/healthz")).status == 200);
  CHECK(harness.handle(get("/metrics")).status == 200);
  CHECK(harness.handle(get("/elsewhere")).status == 404);
}

TEST_CASE("valid ES384 and RS384 tokens let the call through, and the issuer and tenant are logged", "[service][auth]") {
  Harness harness(trusting_config(), kAxicelNow);
  for (const char* name : {"valid_es384", "valid_rs384"}) {
    INFO(name);
    const HttpResponse response = harness.handle(call_with(name));
    REQUIRE(response.status == 200);
    CHECK(parse(response.body)["cards"].Size() > 0);
    const std::string line = last_log_line(harness);
    CHECK(line.find("\"iss\":\"" + fixtures().issuer + "\"") != std::string::npos);
    CHECK(line.find("\"tenant\":\"" + fixtures().tenant + "\"") != std::string::npos);
  }
  CHECK(harness.service->metrics().render().find("\nicans_auth_denied_total 0\n") != std::string::npos);
}

TEST_CASE("every forged, stale or misdirected token gets the same bare 401, the log says why, never the token",
          "[service][auth]") {
  Harness harness(trusting_config(), kAxicelNow);
  const std::string expected = unauthorized_response().body;
  const std::vector<std::string> names{
      "alg_none",           "hs384_confusion",    "wrong_aud",         "wrong_aud_array",
      "expired",            "iat_future",         "nbf_future",        "lifetime_too_long",
      "unknown_iss",        "unknown_kid",        "typ_missing",       "kid_missing",
      "alg_key_mismatch",   "wrong_tenant",       "tampered_payload",  "truncated_signature_es384",
      "truncated_signature_rs384", "valid_es256", "valid_rs256",       "jku_on_static_issuer",
      "rotation_1",         "jku_off_allowlist"};
  for (const auto& name : names) {
    INFO(name);
    const std::string& token = fixtures().token(name);
    const HttpResponse response = harness.handle(call_with(name));
    CHECK(response.status == 401);
    CHECK(response.body == expected);
    const std::string line = last_log_line(harness);
    CHECK(line.find("\"note\":\"auth: ") != std::string::npos);
    CHECK(line.find(token) == std::string::npos);
    const std::string signature = token.substr(token.rfind('.') + 1);
    if (!signature.empty()) CHECK(line.find(signature) == std::string::npos);  // nor its signature
  }
  CHECK(harness.service->metrics().render().find("\nicans_auth_denied_total " + std::to_string(names.size()) +
                                                 "\n") != std::string::npos);
}

TEST_CASE("a token is good for one call: its replay is refused", "[service][auth]") {
  Harness harness(trusting_config(), kAxicelNow);
  CHECK(harness.handle(call_with("valid_es384")).status == 200);
  CHECK(harness.handle(call_with("valid_es384")).status == 401);
  CHECK(last_log_line(harness).find("(replay)") != std::string::npos);
}

TEST_CASE("the aud must be the public base URL plus the path called", "[service][auth]") {
  const auto& f = fixtures();
  Harness harness(trusting_config(), kAxicelNow);
  // A token for patient-view does not open order-sign, nor discovery.
  CHECK(harness.handle(with_token(post("/cds-services/icans-order-sign", "{}"), f.token("valid_es384"))).status == 401);
  CHECK(harness.handle(with_token(get("/cds-services"), f.token("valid_rs384"))).status == 401);
  CHECK(harness.handle(with_token(get("/cds-services"), sign(std::string(kBase) + "/cds-services", f.issuer))).status ==
        200);
  CHECK(harness.handle(with_token(post("/cds-services/icans-patient-view/feedback", R"({"feedback":[]})"),
                                  sign(std::string(kBase) + "/cds-services/icans-patient-view", f.issuer)))
            .status == 401);
  // A trailing '/' names the same endpoint.
  CHECK(harness.handle(with_token(get("/cds-services/"), sign(std::string(kBase) + "/cds-services", f.issuer))).status ==
        200);

  // The Host a request arrived with plays no part: behind another public URL the same token fails.
  ServiceConfig elsewhere = trusting_config();
  elsewhere.public_base_url = "https://cds.example.org:8443";
  Harness proxied(elsewhere, kAxicelNow);
  HttpRequest request = call_with("valid_rs384");
  request.headers.emplace("host", "cds.example.org");
  CHECK(proxied.handle(request).status == 401);
}

TEST_CASE("a 401 still carries the CORS headers a browser needs to read it", "[service][auth]") {
  Harness harness(trusting_config(), kAxicelNow);
  HttpRequest request = post(kEndpoint, "{}");
  request.headers.emplace("origin", "https://ehr.example.org");
  const HttpResponse response = harness.handle(request);
  CHECK(response.status == 401);
  CHECK(header(response, "Access-Control-Allow-Origin") == "https://ehr.example.org");
}

TEST_CASE("a fhirServer not on the caller's own list is never contacted", "[service][auth][outbound]") {
  const auto& f = fixtures();
  Harness harness(trusting_config(), kAxicelNow);
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.token = "SECRET-TOKEN-123";
  for (const char* url : {"https://fhir.ehr.example.org.attacker.net/r4", "https://fhir.ehr.example.org/r4-evil",
                          "https://fhir.ehr.example.org:8443/r4", "http://fhir.ehr.example.org/r4",
                          "http://169.254.169.254/latest", "https://127.0.0.1/r4"}) {
    INFO(url);
    builder.fhir_server = url;
    const HttpResponse response =
        harness.handle(with_token(post(kEndpoint, builder.body()), sign(std::string(kBase) + kEndpoint, f.issuer)));
    CHECK(response.status == 412);
    CHECK(harness.fhir.recorded().empty());
    CHECK(response.body.find("SECRET-TOKEN-123") == std::string::npos);
  }
  builder.fhir_server = "https://fhir.ehr.example.org/r4-evil";
  const auto refused =
      harness.handle(with_token(post(kEndpoint, builder.body()), sign(std::string(kBase) + kEndpoint, f.issuer)));
  CHECK(refused.body.find("fhirServer is not among the FHIR servers allowed for this client") != std::string::npos);

  // The allowed server is fetched from, with the EHR's token ...
  builder.fhir_server = kAllowedFhir;
  const HttpResponse fetched =
      harness.handle(with_token(post(kEndpoint, builder.body()), sign(std::string(kBase) + kEndpoint, f.issuer)));
  CHECK(fetched.status == 200);
  REQUIRE(harness.fhir.recorded().size() == 1);
  CHECK(harness.fhir.recorded()[0].base_url == kAllowedFhir);
  CHECK(harness.fhir.recorded()[0].token == "SECRET-TOKEN-123");

  // ... but only for the issuer that lists it.
  const HttpResponse other = harness.handle(
      with_token(post(kEndpoint, builder.body()), sign(std::string(kBase) + kEndpoint, "https://other-ehr.example.org")));
  CHECK(other.status == 412);
  CHECK(harness.fhir.recorded().size() == 1);
}

TEST_CASE("with authentication off, only --fhir-server-allow servers are fetched from when serve configures it",
          "[service][outbound]") {
  ServiceConfig config;
  config.fhir_server_allow_any = false;  // as parse_service_config leaves it
  Harness none(config, kAxicelNow);
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.fhir_server = kAllowedFhir;
  CHECK(none.handle(post(kEndpoint, builder.body())).status == 412);
  CHECK(none.fhir.recorded().empty());

  config.fhir_server_allow = {kAllowedFhir};
  Harness listed(config, kAxicelNow);
  CHECK(listed.handle(post(kEndpoint, builder.body())).status == 200);
  CHECK(listed.fhir.recorded().size() == 1);
  builder.fhir_server = "http://fhir.ehr.example.org/r4";  // http, not in development mode
  CHECK(listed.handle(post(kEndpoint, builder.body())).status == 412);
  CHECK(listed.fhir.recorded().size() == 1);
}

TEST_CASE("a request's fetch budget is split evenly between its searches", "[service][outbound]") {
  ServiceConfig config;
  config.fetch_max_bytes = 1u << 20;
  config.fetch_max_resources = 900;
  std::mutex mutex;
  std::vector<FhirClientLimits> seen;
  TempDatabase database;
  std::string error;
  auto store = Store::open(database.path.string(), error);
  REQUIRE(store);
  ServiceEnvironment environment;
  environment.now = [] { return kAxicelNow; };
  environment.log = [](std::string_view) {};
  environment.fhir_search = [&](const std::string&, const std::string&, const std::string&,
                                const FhirClientLimits& limits) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(limits);
    FhirSearchResult result;
    result.pages.push_back(R"({"resourceType":"Bundle","type":"searchset","entry":[]})");
    result.complete = true;
    return result;
  };
  Service service(config, *store, *default_protocol().protocol, fhir::Terminology(), environment);
  RequestBuilder builder = axicel_request();
  builder.prefetch.erase("observations");
  builder.prefetch.erase("administrations");
  builder.prefetch.erase("serviceRequests");
  builder.fhir_server = kAllowedFhir;
  service.handle(post(kEndpoint, builder.body()));
  REQUIRE(seen.size() == 3);
  for (const auto& limits : seen) {
    CHECK(limits.max_bytes == (1u << 20) / 3);
    CHECK(limits.max_resources == 300);
  }
}

TEST_CASE("too many resources or too deep JSON in one call are refused", "[service][limits]") {
  ServiceConfig config;
  config.max_resources_per_request = 10;
  Harness harness(config, kAxicelNow);
  const HttpResponse response = harness.handle(post(kEndpoint, axicel_request().body()));
  CHECK(response.status == 413);
  const std::size_t resources = resources_in(axicel_request());
  CHECK(resources > 10);
  CHECK(parse(response.body)["error"].GetString() ==
        "the request holds " + std::to_string(resources) +
            " FHIR resources in prefetch and draftOrders, more than the 10 allowed");

  ServiceConfig shallow;
  shallow.max_json_depth = 8;
  Harness strict(shallow, kAxicelNow);
  const HttpResponse deep = strict.handle(post(kEndpoint, axicel_request().body()));
  CHECK(deep.status == 400);
  CHECK(std::string(parse(deep.body)["error"].GetString()).find("nesting deeper than 8 levels") != std::string::npos);
}

TEST_CASE("resources are counted as Bundle entries, nested Bundles included, and single resources",
          "[service][limits]") {
  RequestBuilder builder;
  builder.patient_id = "p1";
  builder.prefetch = {
      {"patient", R"({"resourceType":"Patient","id":"p1"})"},
      {"observations", R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation"}},
                         {"resource":{"resourceType":"Bundle","entry":[{"resource":{}},{"resource":{}}]}}, {}]})"},
      {"procedures", "null"}};
  CHECK(resources_in(builder) == 4);
  builder.hook = "order-sign";
  builder.draft_orders = R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest"}}]})";
  CHECK(resources_in(builder) == 5);
}

TEST_CASE("a service whose JWKS file cannot be loaded is not built", "[service][auth]") {
  ServiceConfig config = trusting_config();
  config.auth.issuers[0].jwks_file = "/nonexistent/keys.json";
  CHECK_THROWS_AS(Harness(config, kAxicelNow), std::invalid_argument);
}
