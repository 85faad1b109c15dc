// icans-cds serve's trust and limit options: authentication on by default,
// the --auth-issuers file, the public URL, development mode, and the
// inbound and outbound limits.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cds/hooks/service_config.h"

using namespace icans;

namespace {

ConfigParseResult parse(std::vector<const char*> arguments, ServiceConfig& config) {
  arguments.insert(arguments.begin(), "serve");
  return parse_service_config(static_cast<int>(arguments.size()), arguments.data(), config);
}

bool mentions(const ConfigParseResult& result, const std::string& text) {
  INFO(result.text);
  return result.text.find(text) != std::string::npos;
}

// A directory with an issuer file and the JWKS file it names.
struct IssuerFiles {
  std::filesystem::path dir;
  explicit IssuerFiles(const std::string& issuers_json) {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("icans-trust-config-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "issuers.json") << issuers_json;
  }
  ~IssuerFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::string path() const { return (dir / "issuers.json").string(); }
};

const char* const kHttpsIssuer = R"([{"iss": "https://ehr.example.org", "jwks_file": "ehr.jwks.json",
  "jku_allow": ["https://ehr.example.org/jwks"],
  "fhir_server_allow": [{"scheme": "https", "host": "fhir.ehr.example.org", "path_prefix": "/r4"}]}])";

}  // namespace

TEST_CASE("authentication is on by default: serve refuses to start without trusted issuers", "[trust][config]") {
  ServiceConfig config;
  const auto result = parse({}, config);
  CHECK(result.outcome == ConfigParseResult::Outcome::invalid);
  CHECK(config.auth.enabled);
  CHECK(mentions(result, "authentication is on (the default) but no issuer is trusted"));
  CHECK(mentions(result, "--public-base-url is required with authentication"));
}

TEST_CASE("no-auth turns authentication off, and serve then fetches from no FHIR server unless listed",
          "[trust][config]") {
  ServiceConfig config;
  REQUIRE(parse({"--no-auth"}, config).outcome == ConfigParseResult::Outcome::run);
  CHECK_FALSE(config.auth.enabled);
  CHECK_FALSE(config.fhir_server_allow_any);  // unlike ServiceConfig{}
  CHECK(config.fhir_server_allow.empty());
  CHECK_FALSE(config.development);
}

TEST_CASE("the issuer file gives issuers and their FHIR servers, and the public URL loses a trailing '/'",
          "[trust][config]") {
  IssuerFiles files(kHttpsIssuer);
  ServiceConfig config;
  const std::string path = files.path();
  const auto result = parse({"--auth-issuers", path.c_str(), "--public-base-url", "https://cds.example.org/icans/",
                             "--auth-algorithms", "ES384", "--auth-clock-skew-s", "30",
                             "--auth-max-token-lifetime-s", "600", "--auth-replay-cache-size", "500",
                             "--auth-jwks-ttl-s", "120", "--auth-jwks-refresh-interval-s", "5"},
                            config);
  INFO(result.text);
  REQUIRE(result.outcome == ConfigParseResult::Outcome::run);
  CHECK(config.auth.enabled);
  REQUIRE(config.auth.issuers.size() == 1);
  CHECK(config.auth.issuers[0].iss == "https://ehr.example.org");
  CHECK(config.auth.issuers[0].jwks_file == (files.dir / "ehr.jwks.json").string());
  REQUIRE(config.client_fhir_servers.at("https://ehr.example.org").size() == 1);
  CHECK(to_string(config.client_fhir_servers.at("https://ehr.example.org")[0]) == "https://fhir.ehr.example.org:443/r4");
  CHECK(config.public_base_url == "https://cds.example.org/icans");
  CHECK(config.auth.algorithms == std::vector<std::string>{"ES384"});
  CHECK(config.auth.clock_skew == std::chrono::seconds(30));
  CHECK(config.auth.max_token_lifetime == std::chrono::seconds(600));
  CHECK(config.auth.replay_cache_max_entries == 500);
  CHECK(config.auth.jwks.ttl == std::chrono::seconds(120));
  CHECK(config.auth.jwks.min_refresh_interval == std::chrono::seconds(5));
}

TEST_CASE("a broken issuer file stops start-up naming the file and the place", "[trust][config]") {
  IssuerFiles files(R"([{"iss": "https://ehr.example.org", "fhir_server_allow": [{"host": "x"}]}])");
  ServiceConfig config;
  const std::string path = files.path();
  const auto result = parse({"--auth-issuers", path.c_str(), "--public-base-url", "https://cds.example.org"}, config);
  CHECK(result.outcome == ConfigParseResult::Outcome::invalid);
  CHECK(mentions(result, "--auth-issuers " + path + ": [0].fhir_server_allow[0].scheme: required"));
}

TEST_CASE("outside development mode every URL the service trusts or calls must be https", "[trust][config]") {
  IssuerFiles files(R"([{"iss": "https://ehr.example.org", "jku_allow": ["http://ehr.example.org/jwks"],
    "fhir_server_allow": [{"scheme": "http", "host": "127.0.0.1", "port": 8080}]}])");
  const std::string path = files.path();
  ServiceConfig config;
  const auto result = parse({"--auth-issuers", path.c_str(), "--public-base-url", "http://127.0.0.1:8080"}, config);
  CHECK(result.outcome == ConfigParseResult::Outcome::invalid);
  CHECK(mentions(result, "--public-base-url: plain http needs --development"));
  CHECK(mentions(result, "jku_allow 'http://ehr.example.org/jwks': plain http needs --development"));
  CHECK(mentions(result, "fhir_server_allow http://127.0.0.1:8080: plain http needs --development"));

  ServiceConfig development;
  const auto allowed = parse({"--auth-issuers", path.c_str(), "--public-base-url", "http://127.0.0.1:8080",
                              "--development"},
                             development);
  INFO(allowed.text);
  CHECK(allowed.outcome == ConfigParseResult::Outcome::run);
  CHECK(development.development);

  ServiceConfig no_auth;
  CHECK(mentions(parse({"--no-auth", "--fhir-server-allow", "http://127.0.0.1:8080/fhir"}, no_auth),
                 "--fhir-server-allow 'http://127.0.0.1:8080/fhir': plain http needs --development"));
}

TEST_CASE("fhir-server-allow belongs to no-auth, auth-issuers to authentication", "[trust][config]") {
  IssuerFiles files(kHttpsIssuer);
  const std::string path = files.path();
  ServiceConfig config;
  CHECK(mentions(parse({"--auth-issuers", path.c_str(), "--public-base-url", "https://cds.example.org",
                        "--fhir-server-allow", "https://fhir.example.org"},
                       config),
                 "--fhir-server-allow applies only with --no-auth"));
  ServiceConfig open;
  CHECK(mentions(parse({"--no-auth", "--auth-issuers", path.c_str()}, open),
                 "--auth-issuers needs authentication on (drop --no-auth)"));
  ServiceConfig listed;
  REQUIRE(parse({"--no-auth", "--fhir-server-allow", "https://fhir.example.org/r4"}, listed).outcome ==
          ConfigParseResult::Outcome::run);
  CHECK(listed.fhir_server_allow == std::vector<std::string>{"https://fhir.example.org/r4"});
}

TEST_CASE("authentication settings are checked", "[trust][config]") {
  IssuerFiles files(kHttpsIssuer);
  const std::string path = files.path();
  ServiceConfig config;
  const auto result = parse({"--auth-issuers", path.c_str(), "--public-base-url", "https://cds.example.org/?x=1",
                             "--auth-algorithms", "HS256,none", "--auth-clock-skew-s", "601",
                             "--auth-replay-cache-size", "0"},
                            config);
  CHECK(result.outcome == ConfigParseResult::Outcome::invalid);
  CHECK(mentions(result, "--public-base-url: a base URL has no query or fragment"));
  CHECK(mentions(result, "authentication: algorithm HS256 is not supported"));
  CHECK(mentions(result, "authentication: algorithm none is not supported"));
  CHECK(mentions(result, "authentication: clock skew must lie within 0..600 s"));
  CHECK(mentions(result, "authentication: the replay cache must hold at least one entry"));
}

TEST_CASE("inbound and outbound limits are options with checked ranges", "[trust][config]") {
  ServiceConfig config;
  REQUIRE(parse({"--no-auth", "--max-header-bytes", "4096", "--max-connections", "16", "--client-timeout-s", "3",
                 "--max-resources-per-request", "100", "--max-json-depth", "20", "--fetch-max-bytes", "1048576",
                 "--fetch-max-resources", "300", "--fetch-max-pages", "3"},
                config)
              .outcome == ConfigParseResult::Outcome::run);
  CHECK(config.http.max_header_bytes == 4096);
  CHECK(config.http.max_connections == 16);
  CHECK(config.http.read_timeout == std::chrono::seconds(3));
  CHECK(config.http.write_timeout == std::chrono::seconds(3));
  CHECK(config.max_resources_per_request == 100);
  CHECK(config.max_json_depth == 20);
  CHECK(config.fetch_max_bytes == 1048576);
  CHECK(config.fetch_max_resources == 300);
  CHECK(config.fetch_max_pages == 3);

  ServiceConfig bad;
  const auto result = parse({"--no-auth", "--max-header-bytes", "10", "--threads", "8", "--max-connections", "4",
                             "--client-timeout-s", "0", "--max-resources-per-request", "0", "--max-json-depth", "65",
                             "--fetch-max-bytes", "10", "--fetch-max-resources", "0"},
                            bad);
  CHECK(result.outcome == ConfigParseResult::Outcome::invalid);
  for (const char* expected : {"--max-header-bytes must be between 1024 and 1048576",
                               "--max-connections must be at least --threads", "--client-timeout-s must be 1-300",
                               "--max-resources-per-request must be 1-1000000", "--max-json-depth must be 8-64",
                               "--fetch-max-bytes must be between 65536", "--fetch-max-resources must be 1-1000000"}) {
    CHECK(mentions(result, expected));
  }
}

TEST_CASE("help documents every trust and limit option", "[trust][config]") {
  ServiceConfig config;
  const auto result = parse({"--help"}, config);
  REQUIRE(result.outcome == ConfigParseResult::Outcome::help);
  for (const char* option :
       {"--no-auth", "--auth-issuers", "--public-base-url", "--auth-algorithms", "--auth-clock-skew-s",
        "--auth-max-token-lifetime-s", "--auth-replay-cache-size", "--auth-jwks-ttl-s", "--auth-jwks-refresh-interval-s",
        "--development", "--max-header-bytes", "--max-connections", "--client-timeout-s", "--max-resources-per-request",
        "--max-json-depth", "--fetch-max-bytes", "--fetch-max-resources", "--tls-cert", "--tls-key"}) {
    INFO(option);
    CHECK(result.text.find(option) != std::string::npos);
  }
}
