#pragma once
// The --auth-issuers file: which CDS Clients may call the service, how their
// tokens are checked, and which FHIR servers the service may fetch from on
// their behalf. One JSON array, one object per issuer:
//
//   [{"iss": "https://ehr.example.org",
//     "jwks_file": "keys/ehr.jwks.json",
//     "jku_allow": ["https://ehr.example.org/.well-known/jwks"],
//     "tenant": "2ddd6c3a-8e9a-44c6-a305-52111ad302a2",
//     "fhir_server_allow": [{"scheme": "https", "host": "fhir.ehr.example.org",
//                            "port": 443, "path_prefix": "/r4"}]}]
//
// iss is required; every other member is optional (cds/hooks/auth.h says
// what each does; an issuer without fhir_server_allow gets no fetches). A
// relative jwks_file is read from the file's own directory, so a
// configuration directory can move as a whole. Unknown members are errors:
// a misspelt "fhir_server_alow" must not quietly mean "no allow-list".

#include <string>
#include <string_view>
#include <vector>

#include "cds/hooks/auth.h"
#include "cds/hooks/outbound_policy.h"

namespace icans {

struct TrustedClient {
  TrustedIssuer issuer;
  std::vector<AllowedFhirServer> fhir_servers;  // normalised (outbound_policy.h)
};

// Parses the file's text. Empty string on success, otherwise every problem,
// one per line, each naming its place ("[1].fhir_server_allow[0].port: ...").
std::string parse_trusted_clients(std::string_view json, const std::string& base_directory,
                                  std::vector<TrustedClient>& out);

// parse_trusted_clients on the file at `path`; problems name the file.
std::string load_trusted_clients(const std::string& path, std::vector<TrustedClient>& out);

}  // namespace icans
