#pragma once
// The public keys CDS Clients sign with: JSON Web Key Sets (RFC 7517) turned
// into OpenSSL keys, and a store that finds an issuer's key by kid.
//
// An issuer's keys come from a file named in the configuration (the
// "out-of-band" set of CDS Hooks 2.0), or from the token's `jku` URL when
// that URL lies under one of the issuer's allow-listed prefixes. A jku off the
// list is never fetched: the token header is not authenticated yet, and
// fetching whatever it names would let anyone supply the key that checks
// their own signature. Fetched sets are cached for a TTL and refetched once
// when a token names an unknown kid (the client rotated its key), at most once
// per interval per issuer so bogus kids cannot turn the service into a
// request amplifier.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "cds/hooks/http.h"
#include "cds/hooks/jwt.h"

namespace icans {

struct JsonWebKey {
  std::string kid;
  std::string kty;                  // "EC" or "RSA"
  std::string crv;                  // "P-256" or "P-384" for EC keys
  std::optional<JwsAlgorithm> alg;  // when the JWK names one
  std::shared_ptr<EVP_PKEY> key;    // public key only; shared by concurrent verifications
};

// Empty when `key` may check `algorithm` signatures; otherwise why not. A key
// that names an alg serves that alg alone; an EC key serves only its curve's.
std::string key_fits_algorithm(const JsonWebKey& key, JwsAlgorithm algorithm);

struct JwkSet {
  std::vector<JsonWebKey> keys;
  // Keys that are present but unusable (unsupported kty or crv, "use":"enc",
  // alg and crv disagreeing, a weak or invalid key), kid -> why. RFC 7517 5
  // says to ignore them; remembering why makes a token naming one
  // diagnosable.
  std::map<std::string, std::string> refused;

  const JsonWebKey* find(std::string_view kid) const;
};

struct JwksParse {
  JwkSet set;
  std::string error;  // set when the set as a whole is unusable
};

// The set is refused as a whole when it is not {"keys": [...]}, when two keys
// share a kid (CDS Hooks: unique within the set), or when any key carries
// private key material (d, p, q, ...): a client publishing its private key
// has lost it. Single keys are refused (see JwkSet::refused) otherwise.
// EC keys: crv P-256 or P-384, x and y of the curve's full size, on the curve.
// RSA keys: 2048 to 16384 bits, exponent as OpenSSL's public-key check wants.
JwksParse parse_jwks(std::string_view json);

// parse_jwks on a file's content; errors name the file. A set without a
// single usable key is an error here: a configured file is meant to work.
JwksParse load_jwks_file(const std::string& path);

// True when `jku` is an absolute http(s) URL with the same origin as one of
// `prefixes` and a path at or below that prefix's path, taken at a '/' or '?'
// boundary ("https://ehr.org/keys" allows "https://ehr.org/keys/set.json",
// not "https://ehr.org/keys-evil"). Dot segments and encoded dots are refused.
bool jku_allowed(const std::string& jku, const std::vector<std::string>& prefixes);

struct IssuerKeySource {
  std::string issuer;
  std::optional<JwkSet> static_keys;   // from the configured file, for tokens without jku
  std::vector<std::string> jku_allow;  // URL prefixes a jku may point under
};

struct JwksFetchPolicy {
  std::chrono::seconds ttl{300};                  // a fetched set is trusted this long
  std::chrono::seconds min_refresh_interval{60};  // between two fetches for one issuer
  std::chrono::milliseconds timeout{2000};        // one fetch, connect to last byte
  std::size_t max_bytes = 256 * 1024;             // a JWKS is a few KiB
  std::size_t max_sets_per_issuer = 4;            // distinct jku URLs remembered
};

// Fetches a JWKS URL; http_get with the policy's timeout and size by default.
using JwksFetch = std::function<HttpGetResult(const std::string& url)>;

struct KeyLookup {
  std::optional<JsonWebKey> key;
  std::string error;  // when key is empty: why, for the log
};

class KeyStore {
 public:
  KeyStore(std::vector<IssuerKeySource> issuers, JwksFetchPolicy policy, JwksFetch fetch = {});
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  bool knows_issuer(const std::string& issuer) const;

  // The key `kid` of `issuer` for a token whose header names `jku` (empty:
  // none) at `now_ms`. Without jku only the issuer's static keys count; with
  // one, only the set fetched from it. Safe from many threads; a fetch holds
  // up only calls for the same issuer.
  KeyLookup find(const std::string& issuer, const std::string& kid, const std::string& jku, std::int64_t now_ms);

  std::size_t fetches() const;  // attempts made, failed ones included

 private:
  struct IssuerState;
  IssuerState* state_of(const std::string& issuer) const;

  JwksFetchPolicy policy_;
  JwksFetch fetch_;
  std::map<std::string, std::unique_ptr<IssuerState>, std::less<>> issuers_;
  mutable std::mutex fetches_mutex_;
  std::size_t fetches_ = 0;
};

}  // namespace icans
