// icans-cds serve options: command line, ICANS_ environment variables and an
// INI config file, in that order of precedence, validated before start-up.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
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

// Sets an environment variable for the scope of one test.
struct ScopedEnvironment {
  std::string name;
  ScopedEnvironment(const char* variable, const char* value) : name(variable) {
    ::setenv(variable, value, 1);
  }
  ~ScopedEnvironment() { ::unsetenv(name.c_str()); }
};

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    path = std::filesystem::temp_directory_path() /
           ("icans-serve-config-" + std::to_string(::getpid()) + ".ini");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("defaults: 127.0.0.1:8080, ./icans-cds.db, 2 s fetch deadline, no CORS", "[service][config]") {
  ServiceConfig config;
  // Authentication is on by default and needs issuers (service_trust_config_test.cc).
  const auto result = parse({"--no-auth"}, config);
  REQUIRE(result.outcome == ConfigParseResult::Outcome::run);
  CHECK(config.http.host == "127.0.0.1");
  CHECK(config.http.port == 8080);
  CHECK(config.database_path == "icans-cds.db");
  CHECK(config.fetch_deadline == std::chrono::milliseconds(2000));
  CHECK(config.cors_origins.empty());
  CHECK_FALSE(config.shadow);
  CHECK(config.grading.imaging_window_hours == 72);
}

TEST_CASE("command-line options set the configuration", "[service][config]") {
  ServiceConfig config;
  const auto result = parse({"--no-auth", "--port", "0", "--threads", "2", "--db", "/tmp/x.db", "--shadow",
                             "--t-cell-engagers", "--cors-origin", "https://a.example.org",
                             "--cors-origin", "https://b.example.org,https://c.example.org",
                             "--fetch-deadline-ms", "1500", "--ice-window-hours", "12",
                             "--max-body-bytes", "65536"},
                            config);
  REQUIRE(result.outcome == ConfigParseResult::Outcome::run);
  CHECK(config.http.port == 0);
  CHECK(config.http.threads == 2);
  CHECK(config.database_path == "/tmp/x.db");
  CHECK(config.shadow);
  CHECK(config.grading.include_t_cell_engagers);
  CHECK(config.cors_origins ==
        std::vector<std::string>{"https://a.example.org", "https://b.example.org", "https://c.example.org"});
  CHECK(config.fetch_deadline == std::chrono::milliseconds(1500));
  CHECK(config.grading.ice_window_hours == 12);
  CHECK(config.http.max_body_bytes == 65536);
}

TEST_CASE("ICANS_ environment variables set options; the command line wins", "[service][config]") {
  ScopedEnvironment port("ICANS_PORT", "9000");
  ScopedEnvironment shadow("ICANS_SHADOW", "true");
  ScopedEnvironment origins("ICANS_CORS_ORIGIN", "https://a.example.org, https://b.example.org");
  ScopedEnvironment unrelated("ICANS_BINARY", "/usr/bin/true");  // not an option: ignored
  {
    ServiceConfig config;
    REQUIRE(parse({"--no-auth"}, config).outcome == ConfigParseResult::Outcome::run);
    CHECK(config.http.port == 9000);
    CHECK(config.shadow);
    CHECK(config.cors_origins == std::vector<std::string>{"https://a.example.org", "https://b.example.org"});
  }
  ServiceConfig config;
  REQUIRE(parse({"--no-auth", "--port", "9001"}, config).outcome == ConfigParseResult::Outcome::run);
  CHECK(config.http.port == 9001);
}

TEST_CASE("a config file sets options below the environment and the command line", "[service][config]") {
  TempFile file("# icans-cds serve\nport = 9100\nhost = 0.0.0.0\nfetch-deadline-ms = 1200\nshadow = true\n"
                "imaging-window-hours = 96\n");
  ScopedEnvironment port("ICANS_PORT", "9200");
  ServiceConfig config;
  const std::string path = file.path.string();
  REQUIRE(parse({"--no-auth", "--config", path.c_str(), "--host", "127.0.0.2"}, config).outcome ==
          ConfigParseResult::Outcome::run);
  CHECK(config.http.port == 9200);         // environment over file
  CHECK(config.http.host == "127.0.0.2");  // command line over file
  CHECK(config.fetch_deadline == std::chrono::milliseconds(1200));
  CHECK(config.shadow);
  CHECK(config.grading.imaging_window_hours == 96);
  {
    ScopedEnvironment from_environment("ICANS_CONFIG", path.c_str());
    ServiceConfig other;
    REQUIRE(parse({"--no-auth"}, other).outcome == ConfigParseResult::Outcome::run);
    CHECK(other.fetch_deadline == std::chrono::milliseconds(1200));
  }
}

TEST_CASE("invalid options are refused with every reason", "[service][config]") {
  ServiceConfig config;
  const auto result = parse({"--fetch-deadline-ms", "10", "--cors-origin", "https://ehr.example.org/app",
                             "--threads", "0", "--ice-window-hours", "-1",
                             "--fhir-server-allow", "ehr.example.org"},
                            config);
  REQUIRE(result.outcome == ConfigParseResult::Outcome::invalid);
  CHECK(result.text.find("--fetch-deadline-ms must be 50-4500") != std::string::npos);
  CHECK(result.text.find("--cors-origin 'https://ehr.example.org/app' is not an origin") != std::string::npos);
  CHECK(result.text.find("--threads must be 1-256") != std::string::npos);
  CHECK(result.text.find("ice_window_hours") != std::string::npos);
  CHECK(result.text.find("--fhir-server-allow 'ehr.example.org': not an absolute URL") != std::string::npos);
}

TEST_CASE("unknown options and bad values are refused", "[service][config]") {
  ServiceConfig config;
  CHECK(parse({"--prot", "8080"}, config).outcome == ConfigParseResult::Outcome::invalid);
  CHECK(parse({"--port", "eighty"}, config).outcome == ConfigParseResult::Outcome::invalid);
  TempFile file("colour = blue\n");
  const std::string path = file.path.string();
  const auto result = parse({"--config", path.c_str()}, config);
  CHECK(result.outcome == ConfigParseResult::Outcome::invalid);
  CHECK(result.text.find("colour") != std::string::npos);
  CHECK(parse({"--config", "/nonexistent/icans.ini"}, config).outcome == ConfigParseResult::Outcome::invalid);
}

TEST_CASE("--help documents every option", "[service][config]") {
  ServiceConfig config;
  const auto result = parse({"--help"}, config);
  REQUIRE(result.outcome == ConfigParseResult::Outcome::help);
  for (const char* option :
       {"--config", "--host", "--port", "--threads", "--db", "--max-body-bytes", "--tls-cert", "--tls-key",
        "--cors-origin", "--shadow", "--site-map", "--protocol", "--fetch-deadline-ms", "--fetch-max-pages",
        "--fetch-max-medication-ids",
        "--fhir-server-allow", "--fhir-server-https-only", "--prefetch-observations-count",
        "--prefetch-administrations-count", "--prefetch-service-requests-count",
        "--prefetch-diagnostic-reports-count", "--t-cell-engagers", "--pediatric-cutoff-years",
        "--ice-window-hours", "--consciousness-window-hours", "--motor-window-hours",
        "--seizure-window-hours", "--imaging-window-hours", "--fever-window-hours",
        "--hypotension-window-hours", "--oxygen-window-hours", "--vasopressor-effect-hours",
        "--fever-celsius", "--adult-systolic-below", "--adult-mean-below", "--low-flow-cannula-max-l-min"}) {
    INFO(option);
    CHECK(result.text.find(option) != std::string::npos);
  }
  CHECK(result.text.find("ICANS_PORT") != std::string::npos);
}
