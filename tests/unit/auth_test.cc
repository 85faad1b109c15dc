// CDS Client authentication end to end: real tokens signed by npm jose
// (tests/jwt/make-tokens.mjs), verified by Authenticator at the tokens' fixed
// instant; keys from a configured file or fetched from a real HttpServer
// serving a JWK Set at an allow-listed jku.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/hooks/auth.h"
#include "cds/hooks/http.h"
#include "jwt_tokens.h"

using icans::AuthConfig;
using icans::AuthDecision;
using icans::Authenticator;
using icans::HttpGetResult;
using icans::HttpHeaders;
using icans::HttpRequest;
using icans::HttpResponse;
using icans::JwksFetch;

namespace {

constexpr std::int64_t kSecond = 1000;

// Serves one JWK Set at /trusted/jwks.json and counts every request by path,
// so a test can tell exactly which URLs were fetched.
class JwksServer {
 public:
  JwksServer() {
    icans::HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    std::string error;
    server_ = icans::HttpServer::start(
        options,
        [this](const HttpRequest& request) {
          std::lock_guard<std::mutex> lock(mutex_);
          ++requests_[request.path];
          HttpResponse response;
          if (request.path != "/trusted/jwks.json") {
            response.status = 404;
            return response;
          }
          response.headers.emplace("Content-Type", "application/json");
          response.body = served_;
          return response;
        },
        error);
    if (!server_) throw std::runtime_error("cannot start the JWKS server: " + error);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~JwksServer() {
    server_->stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void serve(std::string jwks) {
    std::lock_guard<std::mutex> lock(mutex_);
    served_ = std::move(jwks);
  }
  int requests(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_[path];
  }
  int requests_elsewhere(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    int count = 0;
    for (const auto& [other, n] : requests_) count += other == path ? 0 : n;
    return count;
  }

 private:
  std::unique_ptr<icans::HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::string served_;
  std::map<std::string, int> requests_;
};

// The server must exist before the tokens: their jku URLs name its port.
struct World {
  JwksServer server;
  std::unique_ptr<icans::test::JwtFixtures> tokens = icans::test::make_jwt_fixtures(server.base_url());
};

World& world() {
  static World made;
  return made;
}

const icans::test::JwtFixtures& fixtures() {
  return *world().tokens;
}

AuthConfig test_config() {
  const auto& f = fixtures();
  AuthConfig config;
  config.enabled = true;
  config.issuers = {
      {f.issuer, f.path("issuer.jwks.json"), {}, ""},
      // No trailing slash: "/trusted-evil/..." must still be refused.
      {f.rotating_issuer, "", {f.jku_base + "/trusted"}, ""},
  };
  return config;
}

std::unique_ptr<Authenticator> make_authenticator(const AuthConfig& config, JwksFetch fetch = {}) {
  std::string error;
  auto authenticator = Authenticator::create(config, error, std::move(fetch));
  INFO(error);
  REQUIRE(authenticator);
  REQUIRE(error.empty());
  return authenticator;
}

HttpHeaders bearer(const std::string& token) {
  return {{"authorization", "Bearer " + token}};
}

AuthDecision present(Authenticator& authenticator, const std::string& token_name, std::int64_t offset_ms = 0) {
  return authenticator.authenticate(bearer(fixtures().token(token_name)), fixtures().audience,
                                    fixtures().now_ms + offset_ms);
}

// The reason is logged: it must not carry the token nor any of its segments.
void check_reason_hides_token(const AuthDecision& decision, const std::string& token) {
  CHECK(decision.reason.find(token) == std::string::npos);
  std::size_t begin = 0;
  while (begin <= token.size()) {
    auto end = token.find('.', begin);
    if (end == std::string::npos) end = token.size();
    if (end - begin >= 16) CHECK(decision.reason.find(token.substr(begin, end - begin)) == std::string::npos);
    begin = end + 1;
  }
}

HttpGetResult answer(int status, std::string body) {
  HttpGetResult result;
  result.status = status;
  result.body = std::move(body);
  return result;
}

}  // namespace

TEST_CASE("valid ES384 and RS384 tokens are accepted with their issuer and tenant") {
  auto authenticator = make_authenticator(test_config());
  for (const char* name : {"valid_es384", "valid_rs384"}) {
    INFO(name);
    AuthDecision decision = present(*authenticator, name);
    INFO(decision.reason);
    CHECK(decision.allowed);
    CHECK(decision.issuer == fixtures().issuer);
    CHECK(decision.tenant == fixtures().tenant);
    CHECK(decision.reason.empty());
  }
}

TEST_CASE("aud may be an array holding the endpoint, sub and nbf are accepted, tenant is optional") {
  auto authenticator = make_authenticator(test_config());
  AuthDecision array = present(*authenticator, "valid_aud_array");
  INFO(array.reason);
  CHECK(array.allowed);
  AuthDecision sub_nbf = present(*authenticator, "valid_sub_nbf_no_tenant");
  INFO(sub_nbf.reason);
  CHECK(sub_nbf.allowed);
  CHECK(sub_nbf.tenant.empty());
}

TEST_CASE("ES256 and RS256 are refused unless configured") {
  auto strict = make_authenticator(test_config());
  for (const char* name : {"valid_es256", "valid_rs256"}) {
    INFO(name);
    AuthDecision decision = present(*strict, name);
    CHECK_FALSE(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Contains("is not enabled"));
  }
  AuthConfig config = test_config();
  config.algorithms = {"ES384", "RS384", "ES256", "RS256"};
  auto lenient = make_authenticator(config);
  for (const char* name : {"valid_es256", "valid_rs256"}) {
    INFO(name);
    AuthDecision decision = present(*lenient, name);
    INFO(decision.reason);
    CHECK(decision.allowed);
  }
}

TEST_CASE("clock skew: 30 s past exp, or iat 30 s ahead, is accepted with the default 60 s") {
  auto authenticator = make_authenticator(test_config());
  for (const char* name : {"expired_within_skew", "iat_future_within_skew"}) {
    INFO(name);
    AuthDecision decision = present(*authenticator, name);
    INFO(decision.reason);
    CHECK(decision.allowed);
  }
  AuthConfig no_skew = test_config();
  no_skew.clock_skew = std::chrono::seconds(0);
  auto strict = make_authenticator(no_skew);
  CHECK_THAT(present(*strict, "expired_within_skew").reason, Catch::Contains("expired"));
  CHECK_THAT(present(*strict, "iat_future_within_skew").reason, Catch::Contains("issued in the future"));
}

TEST_CASE("every forged, stale or misdirected token is denied, for a stated reason that hides the token") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alg_none", "header alg 'none' is not an accepted algorithm"},
      {"hs384_confusion", "header alg 'HS384' is not an accepted algorithm"},
      {"wrong_aud", "is not this endpoint"},
      {"wrong_aud_array", "is not this endpoint"},
      {"expired", "expired at"},
      {"iat_future", "issued in the future"},
      {"nbf_future", "not valid before"},
      {"lifetime_too_long", "lifetime of 86410 s exceeds the 3600 s allowed"},
      {"unknown_iss", "issuer 'https://evil.example.org' is not trusted"},
      {"unknown_kid", "unknown kid 'not-published' in the configured JWKS"},
      {"typ_missing", "header has no typ"},
      {"kid_missing", "header has no kid"},
      {"alg_key_mismatch", "key is for RS384, token is ES384"},
      {"tampered_payload", "signature does not verify"},
      {"truncated_signature_es384", "signature is 93 bytes, not the 96 of raw R||S"},
      {"truncated_signature_rs384", "signature is 253 bytes, not the modulus length 256"},
      {"jku_on_static_issuer", "is not on the allow-list of issuer 'https://ehr.example.org'"},
  };
  for (const auto& [name, reason] : cases) {
    INFO(name);
    auto authenticator = make_authenticator(test_config());
    AuthDecision decision = present(*authenticator, name);
    CHECK_FALSE(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Contains(reason));
    CHECK(decision.issuer.empty());
    check_reason_hides_token(decision, fixtures().token(name));
  }
}

TEST_CASE("a signature cut mid-character is refused as malformed") {
  auto authenticator = make_authenticator(test_config());
  const std::string token = fixtures().token("valid_rs384");
  AuthDecision decision =
      authenticator->authenticate(bearer(token.substr(0, token.size() - 5)), fixtures().audience, fixtures().now_ms);
  CHECK_FALSE(decision.allowed);
  CHECK_THAT(decision.reason, Catch::StartsWith("malformed token"));
}

TEST_CASE("a replayed jti is denied after its first use was accepted") {
  auto authenticator = make_authenticator(test_config());
  CHECK(present(*authenticator, "valid_es384").allowed);
  AuthDecision again = present(*authenticator, "valid_es384", 5 * kSecond);
  CHECK_FALSE(again.allowed);
  CHECK_THAT(again.reason, Catch::Contains("was used before (replay)"));
  check_reason_hides_token(again, fixtures().token("valid_es384"));
  CHECK(authenticator->replay_cache().size() == 1);
}

TEST_CASE("a denied token does not use up its jti") {
  auto authenticator = make_authenticator(test_config());
  const auto headers = bearer(fixtures().token("valid_rs384"));
  AuthDecision elsewhere =
      authenticator->authenticate(headers, "https://cds.example.org/cds-services/other", fixtures().now_ms);
  CHECK_FALSE(elsewhere.allowed);
  CHECK(authenticator->replay_cache().size() == 0);
  CHECK(authenticator->authenticate(headers, fixtures().audience, fixtures().now_ms).allowed);
}

TEST_CASE("of eight threads presenting one token at once exactly one is let in") {
  auto authenticator = make_authenticator(test_config());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] { allowed += present(*authenticator, "valid_es384").allowed ? 1 : 0; });
  for (auto& thread : threads) thread.join();
  CHECK(allowed == 1);
}

TEST_CASE("a configured tenant must be the token's") {
  AuthConfig config = test_config();
  config.issuers[0].tenant = fixtures().tenant;
  auto authenticator = make_authenticator(config);
  CHECK(present(*authenticator, "valid_es384").allowed);
  AuthDecision other = present(*authenticator, "wrong_tenant");
  CHECK_FALSE(other.allowed);
  CHECK_THAT(other.reason, Catch::Contains("has tenant 'another-organisation', not the configured one"));
  AuthDecision none = present(*authenticator, "valid_sub_nbf_no_tenant");
  CHECK_FALSE(none.allowed);
  CHECK_THAT(none.reason, Catch::Contains("has tenant (none)"));
  // Without a configured tenant any tenant is accepted and reported.
  auto open = make_authenticator(test_config());
  AuthDecision reported = present(*open, "wrong_tenant");
  CHECK(reported.allowed);
  CHECK(reported.tenant == "another-organisation");
}

TEST_CASE("the Authorization header must be exactly one Bearer token") {
  auto authenticator = make_authenticator(test_config());
  const std::string token = fixtures().token("valid_es384");
  const std::int64_t now = fixtures().now_ms;
  auto with = [&](HttpHeaders headers) { return authenticator->authenticate(headers, fixtures().audience, now); };
  CHECK_THAT(with({}).reason, Catch::Equals("no Authorization header"));
  CHECK_THAT(with({{"x-authorization", "Bearer " + token}}).reason, Catch::Equals("no Authorization header"));
  CHECK_THAT(with({{"authorization", "Bearer " + token}, {"authorization", "Bearer " + token}}).reason,
             Catch::Equals("more than one Authorization header"));
  for (const std::string& value :
       std::vector<std::string>{"Basic " + token, "Bearer", "Bearer   ", "Bearer" + token, token}) {
    AuthDecision decision = with({{"authorization", value}});
    CHECK_FALSE(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Equals("Authorization is not a Bearer token"));
  }
  // The scheme is case-insensitive (RFC 7235 2.1); surrounding blanks are not part of the token.
  AuthDecision relaxed = with({{"authorization", "bEaReR  " + token + " "}});
  INFO(relaxed.reason);
  CHECK(relaxed.allowed);
}

TEST_CASE("with authentication off every request is allowed without a token") {
  std::string error;
  auto authenticator = Authenticator::create(AuthConfig{}, error);
  REQUIRE(authenticator);
  CHECK_FALSE(authenticator->enabled());
  AuthDecision decision = authenticator->authenticate({}, "https://cds.example.org/cds-services", 0);
  CHECK(decision.allowed);
  CHECK(decision.issuer.empty());
}

TEST_CASE("key rotation: a new kid at an allow-listed jku is picked up after exactly one refresh") {
  JwksServer& server = world().server;
  const std::string path = "/trusted/jwks.json";
  server.serve(fixtures().file("rotation-1.jwks.json"));
  const int before = server.requests(path);
  auto authenticator = make_authenticator(test_config());

  AuthDecision first = present(*authenticator, "rotation_1");
  INFO(first.reason);
  CHECK(first.allowed);
  CHECK(first.issuer == fixtures().rotating_issuer);
  CHECK(server.requests(path) == before + 1);

  // The client rotates its key. Within the TTL the cached set still serves.
  server.serve(fixtures().file("rotation-2.jwks.json"));
  CHECK(present(*authenticator, "rotation_1_again", 30 * kSecond).allowed);
  CHECK(server.requests(path) == before + 1);

  // A token with the new kid, more than the refresh interval (60 s) after the last fetch.
  AuthDecision rotated = present(*authenticator, "rotation_2", 61 * kSecond);
  INFO(rotated.reason);
  CHECK(rotated.allowed);
  CHECK(server.requests(path) == before + 2);
  CHECK(present(*authenticator, "rotation_2_again", 62 * kSecond).allowed);
  CHECK(server.requests(path) == before + 2);

  // Another unknown kid right after: no second refresh within the interval.
  AuthDecision unknown = present(*authenticator, "rotation_unknown", 63 * kSecond);
  CHECK_FALSE(unknown.allowed);
  CHECK_THAT(unknown.reason, Catch::Contains("unknown kid 'rotation-3'"));
  CHECK_THAT(unknown.reason, Catch::Contains("not refetched"));
  CHECK(server.requests(path) == before + 2);
  CHECK(authenticator->keys().fetches() == 2);
}

TEST_CASE("a jku off the issuer's allow-list is never fetched") {
  JwksServer& server = world().server;
  server.serve(fixtures().file("rotation-1.jwks.json"));
  const int elsewhere = server.requests_elsewhere("/trusted/jwks.json");
  auto authenticator = make_authenticator(test_config());
  for (const char* name : {"jku_off_allowlist", "jku_lookalike", "jku_dot_segments", "jku_on_static_issuer"}) {
    INFO(name);
    AuthDecision decision = present(*authenticator, name);
    CHECK_FALSE(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Contains("is not on the allow-list"));
  }
  CHECK(server.requests("/untrusted/jwks.json") == 0);
  CHECK(server.requests("/trusted-evil/jwks.json") == 0);
  CHECK(server.requests_elsewhere("/trusted/jwks.json") == elsewhere);
  CHECK(authenticator->keys().fetches() == 0);
}

TEST_CASE("a failed JWKS fetch denies, and is not retried within the refresh interval") {
  int calls = 0;
  HttpGetResult next = answer(500, "oops");
  auto authenticator = make_authenticator(test_config(), [&](const std::string& url) {
    ++calls;
    CHECK(url == fixtures().jku_base + "/trusted/jwks.json");
    return next;
  });
  AuthDecision failed = present(*authenticator, "rotation_1");
  CHECK_FALSE(failed.allowed);
  CHECK_THAT(failed.reason, Catch::Contains("answered HTTP 500"));
  CHECK(calls == 1);

  next = answer(200, fixtures().file("rotation-1.jwks.json"));
  AuthDecision waiting = present(*authenticator, "rotation_1", 30 * kSecond);
  CHECK_FALSE(waiting.allowed);
  CHECK_THAT(waiting.reason, Catch::Contains("less than 60 s ago"));
  CHECK(calls == 1);

  CHECK(present(*authenticator, "rotation_1", 60 * kSecond).allowed);
  CHECK(calls == 2);
}

TEST_CASE("a fetched set expires after its TTL and is not used stale when the refetch fails") {
  AuthConfig config = test_config();
  config.jwks.ttl = std::chrono::seconds(30);
  config.jwks.min_refresh_interval = std::chrono::seconds(10);
  int calls = 0;
  HttpGetResult next = answer(200, fixtures().file("rotation-1.jwks.json"));
  auto authenticator = make_authenticator(config, [&](const std::string&) {
    ++calls;
    return next;
  });
  CHECK(present(*authenticator, "rotation_1").allowed);
  CHECK(calls == 1);
  CHECK(present(*authenticator, "rotation_1_again", 31 * kSecond).allowed);
  CHECK(calls == 2);

  HttpGetResult unreachable;
  unreachable.error = "connection refused";
  next = unreachable;
  AuthDecision stale = present(*authenticator, "rotation_2", 62 * kSecond);
  CHECK_FALSE(stale.allowed);
  CHECK_THAT(stale.reason, Catch::Contains("failed: connection refused"));
  CHECK(calls == 3);
}

TEST_CASE("a fetched set publishing a private key is refused") {
  auto authenticator = make_authenticator(
      test_config(), [&](const std::string&) { return answer(200, fixtures().file("private.jwks.json")); });
  AuthDecision decision = present(*authenticator, "rotation_1");
  CHECK_FALSE(decision.allowed);
  CHECK_THAT(decision.reason, Catch::Contains("private key material"));
}

TEST_CASE("configuration problems are reported before the service starts") {
  AuthConfig config;
  CHECK(icans::validate(config).empty());  // off: nothing to check
  config.enabled = true;
  CHECK_THAT(icans::validate(config), Catch::Contains("no issuer is trusted"));
  config.issuers = {{"https://a.example", "", {}, ""}, {"https://a.example", "", {"ftp://keys.example/"}, ""}};
  config.algorithms = {"ES384", "HS256", "none"};
  config.clock_skew = std::chrono::seconds(-1);
  const std::string problems = icans::validate(config);
  CHECK_THAT(problems, Catch::Contains("issuer https://a.example has neither a JWKS file nor a jku allow-list"));
  CHECK_THAT(problems, Catch::Contains("issuer https://a.example is configured twice"));
  CHECK_THAT(problems, Catch::Contains("jku allow-list entry ftp://keys.example/"));
  CHECK_THAT(problems, Catch::Contains("algorithm HS256 is not supported"));
  CHECK_THAT(problems, Catch::Contains("algorithm none is not supported"));
  CHECK_THAT(problems, Catch::Contains("clock skew"));

  std::string error;
  AuthConfig missing = test_config();
  missing.issuers[0].jwks_file = "/nonexistent/ehr.jwks.json";
  CHECK_FALSE(Authenticator::create(missing, error));
  CHECK_THAT(error, Catch::Contains("/nonexistent/ehr.jwks.json cannot be read"));

  AuthConfig leaked = test_config();
  leaked.issuers[0].jwks_file = fixtures().path("private.jwks.json");
  CHECK_FALSE(Authenticator::create(leaked, error));
  CHECK_THAT(error, Catch::Contains("private key material"));
}

TEST_CASE("a denial answers a bare 401 that names no check") {
  HttpResponse response = icans::unauthorized_response();
  CHECK(response.status == 401);
  CHECK(response.body == R"({"error":"unauthorized"})");
  auto challenge = response.headers.find("WWW-Authenticate");
  REQUIRE(challenge != response.headers.end());
  CHECK(challenge->second == "Bearer");
}
