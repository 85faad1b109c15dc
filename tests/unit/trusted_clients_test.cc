// The --auth-issuers file (cds/hooks/trusted_clients.h): issuers, their keys,
// tenants and the FHIR servers the service may fetch from for them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cds/hooks/trusted_clients.h"

using icans::TrustedClient;

namespace {

std::string parse(const std::string& json, std::vector<TrustedClient>& out) {
  return icans::parse_trusted_clients(json, "/etc/icans", out);
}

}  // namespace

TEST_CASE("an issuer file gives each issuer its keys, tenant and FHIR servers", "[trust][config]") {
  std::vector<TrustedClient> clients;
  const std::string problems = parse(R"([
    {"iss": "https://ehr.example.org", "jwks_file": "keys/ehr.jwks.json", "tenant": "t-1",
     "jku_allow": ["https://ehr.example.org/jwks"],
     "fhir_server_allow": [{"scheme": "https", "host": "FHIR.ehr.example.org", "path_prefix": "/r4/"},
                           {"scheme": "https", "host": "10.1.2.3", "port": 8443}]},
    {"iss": "https://other.example.org", "jwks_file": "/abs/other.jwks.json"}
  ])", clients);
  REQUIRE(problems.empty());
  REQUIRE(clients.size() == 2);
  CHECK(clients[0].issuer.iss == "https://ehr.example.org");
  CHECK(clients[0].issuer.jwks_file == "/etc/icans/keys/ehr.jwks.json");  // relative to the file
  CHECK(clients[0].issuer.tenant == "t-1");
  CHECK(clients[0].issuer.jku_allow == std::vector<std::string>{"https://ehr.example.org/jwks"});
  REQUIRE(clients[0].fhir_servers.size() == 2);
  CHECK(to_string(clients[0].fhir_servers[0]) == "https://fhir.ehr.example.org:443/r4");
  CHECK(to_string(clients[0].fhir_servers[1]) == "https://10.1.2.3:8443");
  CHECK(clients[1].issuer.jwks_file == "/abs/other.jwks.json");
  CHECK(clients[1].issuer.tenant.empty());
  CHECK(clients[1].fhir_servers.empty());  // no list: no fetches for this issuer
}

TEST_CASE("every problem in an issuer file is named by its place, and nothing is half-loaded", "[trust][config]") {
  std::vector<TrustedClient> clients;
  const std::string problems = parse(R"([
    {"iss": "https://ehr.example.org", "fhir_server_alow": []},
    {"jwks_file": "k.json"},
    {"iss": "", "tenant": 5},
    {"iss": "https://x.example.org", "jku_allow": "https://x.example.org/jwks",
     "fhir_server_allow": [{"scheme": "ftp", "host": "x"}, {"host": "y"}, {"scheme": "https", "host": "z", "port": 0},
                           "https://z.example.org", {"scheme": "https", "host": "w", "path_prefix": "/a/../b"},
                           {"scheme": "https", "host": "v", "colour": "blue"}]},
    7
  ])", clients);
  CHECK(clients.empty());
  for (const char* expected : {"[0]: unknown member 'fhir_server_alow'", "[1].iss: required",
                               "[2].iss: must be a non-empty string", "[2].tenant: must be a non-empty string",
                               "[3].jku_allow: must be an array of URL prefixes",
                               "[3].fhir_server_allow[0]: scheme must be https or http",
                               "[3].fhir_server_allow[1].scheme: required",
                               "[3].fhir_server_allow[2].port: must be an integer 1-65535",
                               "[3].fhir_server_allow[3]: must be an object",
                               "[3].fhir_server_allow[4]: path_prefix has dot segments",
                               "[3].fhir_server_allow[5]: unknown member 'colour'", "[4]: must be an object"}) {
    INFO(problems);
    CHECK(problems.find(expected) != std::string::npos);
  }
}

TEST_CASE("an issuer file that is not a JSON array of issuers is refused", "[trust][config]") {
  std::vector<TrustedClient> clients;
  CHECK(parse(R"({"iss": "https://ehr.example.org"})", clients).starts_with("must be a JSON array"));
  CHECK(parse("[", clients).starts_with("not valid JSON: line 1"));
  CHECK(parse("[[[[[[[[[[[]]]]]]]]]]]", clients).find("nesting deeper") != std::string::npos);
}

TEST_CASE("load_trusted_clients names the file in every problem", "[trust][config]") {
  std::vector<TrustedClient> clients;
  CHECK(icans::load_trusted_clients("/nonexistent/issuers.json", clients) ==
        "/nonexistent/issuers.json: cannot be read");
  const auto path = std::filesystem::temp_directory_path() / ("icans-issuers-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"([{"iss": "https://a.example.org", "jwks_file": "a.jwks.json"}, {"tenant": "x"}])";
  CHECK(icans::load_trusted_clients(path.string(), clients) == path.string() + ": [1].iss: required");
  std::ofstream(path) << R"([{"iss": "https://a.example.org", "jwks_file": "a.jwks.json"}])";
  REQUIRE(icans::load_trusted_clients(path.string(), clients).empty());
  CHECK(clients.at(0).issuer.jwks_file == (path.parent_path() / "a.jwks.json").string());
  std::filesystem::remove(path);
}
