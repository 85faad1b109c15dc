#include "cds/hooks/auth.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace icans {
namespace {

AuthDecision deny(std::string reason) {
  AuthDecision decision;
  decision.reason = std::move(reason);
  return decision;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// The token of "Bearer <token>" (RFC 6750 2.1; the scheme is
// case-insensitive), or empty. Says nothing about the value it rejects.
std::string bearer_token(const std::string& value) {
  static constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() || !is_space(value[kScheme.size()])) return "";
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return "";
  auto begin = value.find_first_not_of(" \t", kScheme.size());
  auto end = value.find_last_not_of(" \t");
  if (begin == std::string::npos) return "";
  return value.substr(begin, end - begin + 1);
}

}  // namespace

std::string validate(const AuthConfig& config) {
  std::string problems;
  auto problem = [&](const std::string& text) { problems += text + "\n"; };
  if (!config.enabled) return "";
  if (config.issuers.empty()) problem("authentication is on but no issuer is trusted");
  std::set<std::string> seen;
  for (const auto& issuer : config.issuers) {
    if (issuer.iss.empty()) {
      problem("a trusted issuer has an empty iss");
      continue;
    }
    if (!seen.insert(issuer.iss).second) problem("issuer " + issuer.iss + " is configured twice");
    if (issuer.jwks_file.empty() && issuer.jku_allow.empty())
      problem("issuer " + issuer.iss + " has neither a JWKS file nor a jku allow-list: no key could verify its tokens");
    for (const auto& prefix : issuer.jku_allow) {
      HttpUrl url;
      if (auto why = parse_http_url(prefix, url); !why.empty())
        problem("issuer " + issuer.iss + ": jku allow-list entry " + prefix + ": " + why);
    }
  }
  if (config.algorithms.empty()) problem("no signing algorithm is enabled");
  for (const auto& name : config.algorithms) {
    if (!jws_algorithm_from_name(name))
      problem("algorithm " + name + " is not supported (ES256, ES384, RS256, RS384; never none or HMAC)");
  }
  if (config.clock_skew.count() < 0 || config.clock_skew.count() > 600) problem("clock skew must lie within 0..600 s");
  if (config.max_token_lifetime.count() <= 0) problem("the maximum token lifetime must be positive");
  if (config.replay_cache_max_entries == 0) problem("the replay cache must hold at least one entry");
  if (config.jwks.ttl.count() <= 0) problem("the JWKS cache TTL must be positive");
  if (config.jwks.min_refresh_interval.count() < 0) problem("the JWKS refresh interval must not be negative");
  if (config.jwks.timeout.count() <= 0) problem("the JWKS fetch timeout must be positive");
  return problems;
}

Authenticator::Authenticator(AuthConfig config, std::unique_ptr<KeyStore> keys)
    : config_(std::move(config)), keys_(std::move(keys)), replay_cache_(config_.replay_cache_max_entries) {
  for (const auto& name : config_.algorithms) algorithms_.push_back(*jws_algorithm_from_name(name));
}

std::unique_ptr<Authenticator> Authenticator::create(const AuthConfig& config, std::string& error, JwksFetch fetch) {
  error = validate(config);
  if (!error.empty()) return nullptr;
  std::vector<IssuerKeySource> sources;
  if (config.enabled) {
    for (const auto& issuer : config.issuers) {
      IssuerKeySource source{issuer.iss, std::nullopt, issuer.jku_allow};
      if (!issuer.jwks_file.empty()) {
        JwksParse loaded = load_jwks_file(issuer.jwks_file);
        if (!loaded.error.empty()) {
          error += "issuer " + issuer.iss + ": " + loaded.error + "\n";
          continue;
        }
        source.static_keys = std::move(loaded.set);
      }
      sources.push_back(std::move(source));
    }
  }
  if (!error.empty()) return nullptr;
  auto keys = std::make_unique<KeyStore>(std::move(sources), config.jwks, std::move(fetch));
  return std::unique_ptr<Authenticator>(new Authenticator(config, std::move(keys)));
}

AuthDecision Authenticator::authenticate(const HttpHeaders& headers, const std::string& endpoint_url,
                                         fhir::Instant now) {
  if (!config_.enabled) {
    AuthDecision open;
    open.allowed = true;
    return open;
  }
  auto [first, last] = headers.equal_range("authorization");
  if (first == last) return deny("no Authorization header");
  if (std::next(first) != last) return deny("more than one Authorization header");
  const std::string token = bearer_token(first->second);
  if (token.empty()) return deny("Authorization is not a Bearer token");

  JwtParse parsed = parse_jwt(token);
  if (!parsed.jwt) return deny("malformed token: " + parsed.error);
  const Jwt& jwt = *parsed.jwt;
  const JwtClaims& claims = jwt.claims;

  if (std::find(algorithms_.begin(), algorithms_.end(), jwt.header.alg) == algorithms_.end())
    return deny(std::string("alg ") + jws_algorithm_name(jwt.header.alg) + " is not enabled");
  auto issuer = std::find_if(config_.issuers.begin(), config_.issuers.end(),
                             [&](const TrustedIssuer& trusted) { return trusted.iss == claims.iss; });
  if (issuer == config_.issuers.end()) return deny("issuer " + loggable(claims.iss) + " is not trusted");

  KeyLookup lookup = keys_->find(claims.iss, jwt.header.kid, jwt.header.jku, now);
  if (!lookup.key) return deny(lookup.error);
  if (auto why = key_fits_algorithm(*lookup.key, jwt.header.alg); !why.empty())
    return deny("key " + loggable(jwt.header.kid) + " of issuer " + loggable(claims.iss) + ": " + why);
  if (auto why = verify_jws_signature(jwt.header.alg, lookup.key->key.get(), jwt.signing_input, jwt.signature);
      !why.empty())
    return deny("token of issuer " + loggable(claims.iss) + ", key " + loggable(jwt.header.kid) + ": " + why);

  ClaimsPolicy policy{config_.clock_skew.count(), config_.max_token_lifetime.count()};
  if (auto why = check_jwt_claims(claims, endpoint_url, now, policy); !why.empty())
    return deny("token of issuer " + loggable(claims.iss) + ": " + why);
  if (!issuer->tenant.empty() && claims.tenant != issuer->tenant)
    return deny("token of issuer " + loggable(claims.iss) + " has tenant " +
                (claims.tenant ? loggable(*claims.tenant) : std::string("(none)")) + ", not the configured one");

  // Accepted until exp + skew; remembered exactly that long.
  const fhir::Instant forget_at =
      claims.exp * fhir::kMillisPerSecond + policy.clock_skew_seconds * fhir::kMillisPerSecond;
  switch (replay_cache_.remember(claims.iss, claims.jti, forget_at, now)) {
    case ReplayCache::Outcome::fresh: break;
    case ReplayCache::Outcome::replayed:
      return deny("jti " + loggable(claims.jti) + " of issuer " + loggable(claims.iss) + " was used before (replay)");
    case ReplayCache::Outcome::full:
      return deny("replay cache is full (" + std::to_string(replay_cache_.max_entries()) +
                  " live tokens); raise its size or shorten token lifetimes");
  }
  AuthDecision decision;
  decision.allowed = true;
  decision.issuer = claims.iss;
  decision.tenant = claims.tenant.value_or("");
  return decision;
}

HttpResponse unauthorized_response() {
  HttpResponse response;
  response.status = 401;
  response.headers.emplace("WWW-Authenticate", "Bearer");
  response.headers.emplace("Content-Type", "application/json");
  response.body = R"({"error":"unauthorized"})";
  return response;
}

}  // namespace icans
