// The Service's trust decisions (service.h): who is calling, and which FHIR
// servers may be fetched from on their behalf. Kept apart from the router so
// the security rules read on their own (docs/cds-hooks.md, "Security").

#include <stdexcept>

#include "cds/hooks/service.h"

namespace icans {
namespace {

constexpr std::string_view kNotAmong = "fhirServer is not among the FHIR servers allowed";

}  // namespace

void Service::init_trust() {
  if (!environment_.authenticator) {
    std::string error;
    environment_.authenticator = Authenticator::create(config_.auth, error);
    if (!environment_.authenticator) throw std::invalid_argument("authentication configuration: " + error);
  }
  for (const auto& url : config_.fhir_server_allow) {
    // An entry that does not parse matches nothing; validate() names it.
    AllowedFhirServer entry;
    if (parse_allowed_fhir_server(url, entry).empty()) fhir_server_allow_.push_back(std::move(entry));
  }
}

// The aud a client signs is the URL it calls; behind a proxy only the
// configured public base URL says what that was. The denial reason goes to
// the log alone: every caller gets the same bare 401.
bool Service::authenticate(const HttpRequest& request, const std::string& path, fhir::Instant arrival,
                           RequestLogEntry& log, std::string& issuer) {
  const AuthDecision decision =
      environment_.authenticator->authenticate(request.headers, config_.public_base_url + path, arrival);
  if (!decision.allowed) {
    metrics_.count_auth_denied();
    log.error = "unauthorized";
    log.note = "auth: " + decision.reason;
    return false;
  }
  issuer = decision.issuer;
  log.client_issuer = decision.issuer;
  log.client_tenant = decision.tenant;
  return true;
}

std::string Service::fhir_server_refused(const std::string& url, const std::string& issuer) const {
  if (url.empty()) return {};
  const bool allow_http = config_.development && !config_.fhir_server_https_only;
  if (environment_.authenticator->enabled()) {
    static const std::vector<AllowedFhirServer> kNone;
    const auto listed = config_.client_fhir_servers.find(issuer);
    std::string why = check_fhir_server(url, listed == config_.client_fhir_servers.end() ? kNone : listed->second,
                                        allow_http);
    return why == kNotAmong ? why + " for this client" : why;
  }
  if (config_.fhir_server_allow_any && fhir_server_allow_.empty()) {
    HttpUrl parsed;
    if (config_.fhir_server_https_only && (!parse_http_url(url, parsed).empty() || parsed.scheme != "https")) {
      return "fhirServer is not https and the service is configured to send tokens only over https";
    }
    return {};
  }
  std::string why = check_fhir_server(url, fhir_server_allow_, allow_http);
  return why == kNotAmong ? "fhirServer is not among the FHIR servers this service is configured to fetch from"
                          : why;
}

}  // namespace icans
