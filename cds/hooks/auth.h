#pragma once
// Who is calling: the CDS Client's signed JWT (CDS Hooks 2.0, "Trusting CDS
// Clients") checked on every request, discovery included, when
// authentication is on.
//
// A request is allowed only when all of these hold, checked in this order:
//   Authorization: Bearer <compact JWS>, exactly one such header;
//   header alg one of the configured algorithms (never none or HMAC), typ JWT, kid;
//   iss a trusted issuer; the key `kid` found for it (jwks.h) and fitting alg;
//   the signature verifies;
//   aud the endpoint URL, exp/iat/nbf within the clock skew, lifetime capped;
//   tenant the issuer's, when the configuration names one;
//   jti not seen before from that issuer (remembered only once all else held,
//   so a forged token cannot use up a genuine jti).
// A denial carries the reason for the log; the caller answers a bare 401
// (unauthorized_response) so the client learns nothing about which check failed.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "cds/hooks/http.h"
#include "cds/hooks/jwks.h"
#include "cds/hooks/jwt.h"
#include "cds/hooks/replay_cache.h"
#include "fhir/time.h"

namespace icans {

struct TrustedIssuer {
  std::string iss;                     // compared exactly with the token's iss
  std::string jwks_file;               // keys for tokens without jku; empty: none
  std::vector<std::string> jku_allow;  // URL prefixes a token's jku may point under
  std::string tenant;                  // set: tokens must carry exactly this tenant
};

struct AuthConfig {
  bool enabled = false;
  std::vector<TrustedIssuer> issuers;
  std::vector<std::string> algorithms{"ES384", "RS384"};  // CDS Hooks 2.0 recommends these two
  std::chrono::seconds clock_skew{60};                    // 0..600 s
  std::chrono::seconds max_token_lifetime{3600};          // exp - iat
  std::size_t replay_cache_max_entries = 100000;
  JwksFetchPolicy jwks;
};

// Every problem, one per line; empty when the configuration is usable. Does
// not read the JWKS files (Authenticator::create does).
std::string validate(const AuthConfig& config);

struct AuthDecision {
  bool allowed = false;
  std::string issuer;  // allowed: the token's iss
  std::string tenant;  // allowed: the token's tenant claim, empty when it has none
  // Denied: why, for the log. Never contains the token or a signature; values
  // taken from the token (iss, kid, jku, aud, jti, tenant) are quoted with loggable().
  std::string reason;
};

class Authenticator {
 public:
  // Validates `config` and loads every issuer's JWKS file. nullptr with
  // `error` set (one problem per line) when the configuration is unusable.
  // `fetch` replaces the HTTP GET of jku URLs (tests).
  static std::unique_ptr<Authenticator> create(const AuthConfig& config, std::string& error, JwksFetch fetch = {});

  // Checks the request's token for a call to `endpoint_url`, the exact URL
  // the client was told (the token's aud), e.g.
  // "https://cds.example.org/cds-services/icans-monitor". `now` is the
  // request's arrival time. When authentication is off every request is
  // allowed with an empty issuer. Safe from many threads.
  AuthDecision authenticate(const HttpHeaders& headers, const std::string& endpoint_url, fhir::Instant now);

  bool enabled() const { return config_.enabled; }
  const KeyStore& keys() const { return *keys_; }
  const ReplayCache& replay_cache() const { return replay_cache_; }

 private:
  Authenticator(AuthConfig config, std::unique_ptr<KeyStore> keys);

  AuthConfig config_;
  std::vector<JwsAlgorithm> algorithms_;
  std::unique_ptr<KeyStore> keys_;
  ReplayCache replay_cache_;
};

// The answer to every denied request: 401 with `WWW-Authenticate: Bearer`
// (RFC 6750) and a fixed JSON body, the same whatever failed.
HttpResponse unauthorized_response();

}  // namespace icans
