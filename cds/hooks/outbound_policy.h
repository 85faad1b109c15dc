#pragma once
// Where the service may send a CDS Client's FHIR access token. A request's
// fhirServer is chosen by whoever sends the request: fetching from it blindly
// would let a caller make the service connect anywhere it can reach (cloud
// metadata at 169.254.169.254, admin ports on 127.0.0.1) and hand the EHR's
// token to a host of the caller's choosing. So a fhirServer is fetched from
// only when it matches an entry listed for the caller, compared part by part:
//
//   scheme   exactly; https unless development mode allows http
//   host     exactly (case-insensitive): no suffix or pattern matching, and
//            an IP address only when that very literal is listed, so
//            127.1, 2130706433 or [::ffff:127.0.0.1] never match 127.0.0.1
//   port     exactly; an entry without one means the scheme's (443, 80)
//   path     the entry's prefix, ending at a segment boundary
//            (/fhir admits /fhir and /fhir/r4, not /fhir-evil)
//
// A URL with user information, dot segments, percent-encoded '.', '/' or
// '\', a query or a fragment never matches. Nothing is resolved here: the
// entries name hosts the operator trusts, and so does their DNS.

#include <string>
#include <vector>

namespace icans {

struct AllowedFhirServer {
  std::string scheme;             // "https", or "http" (development mode only)
  std::string host;               // lower case; IPv6 without brackets
  int port = 0;                   // 1-65535; 0 in a parsed entry means the scheme's default
  std::string path_prefix = "/";  // starts with '/'; no trailing '/' except the root
};

// Checks and normalises an entry (lower-cases scheme and host, fills in the
// default port, drops a trailing '/' from the path prefix). Empty string on
// success, otherwise what is wrong with it.
std::string normalize_allowed_fhir_server(AllowedFhirServer& entry);

// Reads "https://ehr.example.org:8443/fhir" as an entry. Empty string on
// success, otherwise what is wrong.
std::string parse_allowed_fhir_server(const std::string& url, AllowedFhirServer& out);

// "https://ehr.example.org:443/fhir": the entry as a URL, for messages.
std::string to_string(const AllowedFhirServer& entry);

// Empty when `fhir_server` may be fetched from under `allowed`; otherwise
// why not, for the 412 answer and the log (it quotes neither the URL, which
// the caller knows, nor the list, which the caller must not learn).
// `allow_http`: development mode.
std::string check_fhir_server(const std::string& fhir_server, const std::vector<AllowedFhirServer>& allowed,
                              bool allow_http);

}  // namespace icans
