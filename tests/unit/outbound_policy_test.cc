// Where a CDS Client's access token may be sent: each rule of the fhirServer
// allow-list (cds/hooks/outbound_policy.h), one test per rule.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cds/hooks/outbound_policy.h"

using icans::AllowedFhirServer;
using icans::check_fhir_server;
using icans::parse_allowed_fhir_server;

namespace {

AllowedFhirServer entry(const std::string& url) {
  AllowedFhirServer out;
  const std::string problem = parse_allowed_fhir_server(url, out);
  INFO(url << ": " << problem);
  REQUIRE(problem.empty());
  return out;
}

// Built on first use: entry() asserts, which Catch allows only inside a test.
const std::vector<AllowedFhirServer>& ehr() {
  static const std::vector<AllowedFhirServer> list{entry("https://fhir.ehr.example.org/r4")};
  return list;
}

bool allowed(const std::string& url, const std::vector<AllowedFhirServer>& list = ehr(), bool allow_http = false) {
  return check_fhir_server(url, list, allow_http).empty();
}

}  // namespace

TEST_CASE("nothing is allowed that is not listed: an empty list refuses every fhirServer", "[outbound]") {
  CHECK(check_fhir_server("https://fhir.ehr.example.org/r4", {}, false) ==
        "fhirServer is not among the FHIR servers allowed");
  CHECK_FALSE(allowed("http://127.0.0.1:8080/fhir", {}, true));
}

TEST_CASE("a listed server is allowed, at its prefix or below it", "[outbound]") {
  CHECK(allowed("https://fhir.ehr.example.org/r4"));
  CHECK(allowed("https://fhir.ehr.example.org/r4/"));
  CHECK(allowed("https://fhir.ehr.example.org/r4/tenant-a"));
}

TEST_CASE("the path prefix ends at a segment boundary", "[outbound]") {
  CHECK_FALSE(allowed("https://fhir.ehr.example.org/r4-evil"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org/r"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org/"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org/R4"));  // paths are case-sensitive
  CHECK(allowed("https://fhir.ehr.example.org/anything", {entry("https://fhir.ehr.example.org")}));
}

TEST_CASE("the host must be the listed one exactly, in any letter case", "[outbound]") {
  CHECK(allowed("https://FHIR.EHR.Example.org/r4"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org.attacker.net/r4"));
  CHECK_FALSE(allowed("https://evil-fhir.ehr.example.org/r4"));
  CHECK_FALSE(allowed("https://ehr.example.org/r4"));           // a parent domain is another host
  CHECK_FALSE(allowed("https://x.fhir.ehr.example.org/r4"));    // so is a subdomain
  CHECK_FALSE(allowed("https://fhir.ehr.example.org./r4"));     // and the absolute form
}

TEST_CASE("the port must match, and an entry without one means the scheme's default", "[outbound]") {
  CHECK(allowed("https://fhir.ehr.example.org:443/r4"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org:8443/r4"));
  const std::vector<AllowedFhirServer> local{entry("http://127.0.0.1:8080/fhir")};
  CHECK(allowed("http://127.0.0.1:8080/fhir", local, true));
  CHECK_FALSE(allowed("http://127.0.0.1:8081/fhir", local, true));  // another local port
  CHECK_FALSE(allowed("http://127.0.0.1/fhir", local, true));
}

TEST_CASE("the scheme must match, and plain http only in development mode", "[outbound]") {
  CHECK_FALSE(allowed("http://fhir.ehr.example.org/r4"));
  CHECK_FALSE(allowed("http://fhir.ehr.example.org:443/r4", ehr(), true));  // https listed, http asked
  const std::vector<AllowedFhirServer> local{entry("http://127.0.0.1:8080/fhir")};
  CHECK(check_fhir_server("http://127.0.0.1:8080/fhir", local, false) ==
        "fhirServer is not https (plain http is allowed only in development mode)");
  CHECK(allowed("http://127.0.0.1:8080/fhir", local, true));
}

TEST_CASE("an IP address matches only the very literal listed", "[outbound]") {
  const std::vector<AllowedFhirServer> local{entry("https://127.0.0.1:8443/fhir")};
  CHECK(allowed("https://127.0.0.1:8443/fhir", local));
  for (const char* other : {"https://127.1:8443/fhir", "https://2130706433:8443/fhir", "https://0x7f000001:8443/fhir",
                            "https://localhost:8443/fhir", "https://[::ffff:127.0.0.1]:8443/fhir",
                            "https://[::1]:8443/fhir", "https://127.0.0.2:8443/fhir"}) {
    INFO(other);
    CHECK_FALSE(allowed(other, local));
  }
  const std::vector<AllowedFhirServer> v6{entry("https://[fd00::5]:8443/fhir")};
  CHECK(allowed("https://[FD00::5]:8443/fhir", v6));
}

TEST_CASE("link-local and metadata addresses are refused unless listed themselves", "[outbound]") {
  const std::vector<AllowedFhirServer> many{entry("https://fhir.ehr.example.org/r4"), entry("https://10.0.0.5/fhir")};
  for (const char* url : {"http://169.254.169.254/latest/meta-data", "https://169.254.169.254/",
                          "https://[fe80::1]/fhir", "https://[fe80::1%25eth0]/fhir", "http://metadata.google.internal/"}) {
    INFO(url);
    CHECK_FALSE(allowed(url, many, true));
  }
  // Listing one is an explicit operator decision, and then it is honoured.
  CHECK(allowed("https://169.254.10.10/fhir", {entry("https://169.254.10.10/fhir")}));
}

TEST_CASE("user information, queries, fragments and ambiguous paths never match", "[outbound]") {
  CHECK(check_fhir_server("https://user:pw@fhir.ehr.example.org/r4", ehr(), false) ==
        "fhirServer: URL must not carry user information");
  CHECK_FALSE(allowed("https://fhir.ehr.example.org@evil.example.net/r4"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org/r4?x=1"));
  CHECK_FALSE(allowed("https://fhir.ehr.example.org/r4#x"));
  for (const char* url : {"https://fhir.ehr.example.org/r4/../admin", "https://fhir.ehr.example.org/r4/./x",
                          "https://fhir.ehr.example.org/r4/%2e%2e/admin", "https://fhir.ehr.example.org/r4/%2E%2e",
                          "https://fhir.ehr.example.org/r4%2f..%2fadmin", "https://fhir.ehr.example.org/r4/..%5cadmin",
                          "https://fhir.ehr.example.org/r4\\..\\admin"}) {
    INFO(url);
    CHECK(check_fhir_server(url, ehr(), false) == "fhirServer has dot segments or encoded separators in its path");
  }
  CHECK_FALSE(allowed("not a url"));
  CHECK_FALSE(allowed("ftp://fhir.ehr.example.org/r4"));
}

TEST_CASE("entries are normalised and checked when configured", "[outbound]") {
  AllowedFhirServer out;
  REQUIRE(parse_allowed_fhir_server("HTTPS://Fhir.EHR.example.org/r4/", out).empty());
  CHECK(out.scheme == "https");
  CHECK(out.host == "fhir.ehr.example.org");
  CHECK(out.port == 443);
  CHECK(out.path_prefix == "/r4");
  CHECK(to_string(out) == "https://fhir.ehr.example.org:443/r4");

  AllowedFhirServer object{"HTTP", "LocalHost", 0, ""};
  REQUIRE(icans::normalize_allowed_fhir_server(object).empty());
  CHECK(to_string(object) == "http://localhost:80");

  CHECK(parse_allowed_fhir_server("fhir.ehr.example.org", out) == "URL is not absolute (no scheme://)");
  CHECK(parse_allowed_fhir_server("https://fhir.ehr.example.org/r4?x=1", out) == "a base URL has no query or fragment");
  CHECK(parse_allowed_fhir_server("https://u@fhir.ehr.example.org", out) == "URL must not carry user information");
  AllowedFhirServer bad_scheme{"ftp", "x", 0, "/"};
  CHECK(icans::normalize_allowed_fhir_server(bad_scheme) == "scheme must be https or http");
  AllowedFhirServer bad_port{"https", "x", 70000, "/"};
  CHECK(icans::normalize_allowed_fhir_server(bad_port) == "port must be 1-65535");
  for (const char* host : {"x/y", "x:8443", "x?y", "u@x", ""}) {
    AllowedFhirServer bad_host{"https", host, 0, "/"};
    INFO(host);
    CHECK_FALSE(icans::normalize_allowed_fhir_server(bad_host).empty());
  }
  AllowedFhirServer relative{"https", "x", 0, "fhir"};
  CHECK(icans::normalize_allowed_fhir_server(relative) == "path_prefix must start with '/'");
  AllowedFhirServer dots{"https", "x", 0, "/fhir/../admin"};
  CHECK(icans::normalize_allowed_fhir_server(dots) == "path_prefix has dot segments or encoded separators");
}
