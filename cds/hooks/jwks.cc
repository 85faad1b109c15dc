#include "cds/hooks/jwks.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "cds/hooks/json_member.h"
#include "fhir/json.h"

namespace icans {
namespace {

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

std::shared_ptr<EVP_PKEY> adopt(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

constexpr std::size_t kMaxKeysPerSet = 64;
constexpr int kMinRsaBits = 2048;   // RFC 7518 3.3
constexpr int kMaxRsaBits = 16384;  // verifying with larger moduli only costs CPU

// The private members of EC, RSA and symmetric ("oct") JWKs (RFC 7518 6).
constexpr const char* kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

std::optional<std::string> string_member(const rapidjson::Value& object, const char* name) {
  const auto* value = member(object, name);
  if (!value || !value->IsString()) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

// Builds a public key from OSSL_PARAMs and runs OpenSSL's public-key check
// (EC: the point lies on the curve and is not the identity; RSA: the
// modulus is odd and composite, the exponent in range). Empty key on failure.
std::shared_ptr<EVP_PKEY> public_key_from(const char* type, OSSL_PARAM_BLD* builder) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  auto key = adopt(raw);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  const bool valid = check && EVP_PKEY_public_check(check.get()) == 1;
  ERR_clear_error();
  return valid ? key : nullptr;
}

std::string ec_key(const rapidjson::Value& jwk, JsonWebKey& out) {
  auto crv = string_member(jwk, "crv");
  if (!crv) return "EC key has no crv";
  std::size_t coordinate_bytes = 0;
  const char* group = nullptr;
  if (*crv == "P-256") {
    coordinate_bytes = 32;
    group = "prime256v1";
  } else if (*crv == "P-384") {
    coordinate_bytes = 48;
    group = "secp384r1";
  } else {
    return "crv " + loggable(*crv, 16) + " is not supported (P-256, P-384)";
  }
  if (out.alg) {
    auto expected = *crv == "P-256" ? JwsAlgorithm::es256 : JwsAlgorithm::es384;
    if (*out.alg != expected) return std::string("alg ") + jws_algorithm_name(*out.alg) + " does not fit crv " + *crv;
  }
  auto x_text = string_member(jwk, "x");
  auto y_text = string_member(jwk, "y");
  if (!x_text || !y_text) return "EC key lacks x or y";
  auto x = base64url_decode(*x_text);
  auto y = base64url_decode(*y_text);
  // RFC 7518 6.2.1.2: the full coordinate size, leading zeros included.
  if (!x || !y || x->size() != coordinate_bytes || y->size() != coordinate_bytes)
    return "x and y are not " + std::to_string(coordinate_bytes) + "-byte base64url values";
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return "cannot build the EC key (OpenSSL error)";
  out.key = public_key_from("EC", builder.get());
  if (!out.key) return "the point is not a valid public key on " + *crv;
  out.crv = *crv;
  return "";
}

std::string rsa_key(const rapidjson::Value& jwk, JsonWebKey& out) {
  if (out.alg && *out.alg != JwsAlgorithm::rs256 && *out.alg != JwsAlgorithm::rs384)
    return std::string("alg ") + jws_algorithm_name(*out.alg) + " does not fit an RSA key";
  auto n_text = string_member(jwk, "n");
  auto e_text = string_member(jwk, "e");
  if (!n_text || !e_text) return "RSA key lacks n or e";
  auto n_bytes = base64url_decode(*n_text);
  auto e_bytes = base64url_decode(*e_text);
  if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty()) return "n or e is not base64url";
  if (n_bytes->size() > kMaxRsaBits / 8 + 1)
    return "RSA modulus is longer than " + std::to_string(kMaxRsaBits) + " bits";
  if (e_bytes->size() > 32) return "RSA exponent is longer than 256 bits";
  std::unique_ptr<BIGNUM, BnFree> n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes->data()), static_cast<int>(n_bytes->size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes->data()), static_cast<int>(e_bytes->size()), nullptr));
  if (!n || !e) return "cannot read n or e (OpenSSL error)";
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits) return "RSA key has " + std::to_string(bits) + " bits, fewer than 2048";
  if (bits > kMaxRsaBits) return "RSA modulus is longer than " + std::to_string(kMaxRsaBits) + " bits";

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return "cannot build the RSA key (OpenSSL error)";
  out.key = public_key_from("RSA", builder.get());
  if (!out.key) return "n and e do not form a valid RSA public key";
  return "";
}

// Fills `out` from one JWK; empty on success, otherwise why the key is refused.
std::string read_key(const rapidjson::Value& jwk, JsonWebKey& out) {
  if (const auto* use = member(jwk, "use"); use && !(use->IsString() && std::string_view(use->GetString()) == "sig"))
    return "use is not \"sig\"";
  if (const auto* ops = member(jwk, "key_ops")) {
    bool verify = false;
    if (ops->IsArray())
      for (const auto& op : ops->GetArray())
        verify = verify || (op.IsString() && std::string_view(op.GetString()) == "verify");
    if (!verify) return "key_ops does not include \"verify\"";
  }
  if (const auto* alg = member(jwk, "alg")) {
    if (!alg->IsString()) return "alg is not a string";
    out.alg = jws_algorithm_from_name(alg->GetString());
    if (!out.alg) return "alg " + loggable(alg->GetString(), 16) + " is not an accepted algorithm";
  }
  auto kty = string_member(jwk, "kty");
  if (!kty) return "no kty";
  out.kty = *kty;
  if (*kty == "EC") return ec_key(jwk, out);
  if (*kty == "RSA") return rsa_key(jwk, out);
  return "kty " + loggable(*kty, 16) + " is not supported (EC, RSA)";
}

}  // namespace

std::string key_fits_algorithm(const JsonWebKey& key, JwsAlgorithm algorithm) {
  if (key.alg && *key.alg != algorithm)
    return std::string("key is for ") + jws_algorithm_name(*key.alg) + ", token is " + jws_algorithm_name(algorithm);
  switch (algorithm) {
    case JwsAlgorithm::es256:
      if (key.kty != "EC" || key.crv != "P-256") return "ES256 needs an EC P-256 key";
      break;
    case JwsAlgorithm::es384:
      if (key.kty != "EC" || key.crv != "P-384") return "ES384 needs an EC P-384 key";
      break;
    case JwsAlgorithm::rs256:
    case JwsAlgorithm::rs384:
      if (key.kty != "RSA") return std::string(jws_algorithm_name(algorithm)) + " needs an RSA key";
      break;
  }
  return "";
}

const JsonWebKey* JwkSet::find(std::string_view kid) const {
  for (const auto& key : keys)
    if (key.kid == kid) return &key;
  return nullptr;
}

JwksParse parse_jwks(std::string_view json) {
  JwksParse result;
  rapidjson::Document doc;
  if (auto problem = fhir::parse_json(json, doc, fhir::JsonLimits{16}); !problem.empty()) {
    result.error = "not JSON (" + problem + ")";
    return result;
  }
  const rapidjson::Value* keys = doc.IsObject() ? member(doc, "keys") : nullptr;
  if (!keys || !keys->IsArray()) {
    result.error = "not a JWK Set (no \"keys\" array)";
    return result;
  }
  if (keys->Size() > kMaxKeysPerSet) {
    result.error = "more than " + std::to_string(kMaxKeysPerSet) + " keys";
    return result;
  }
  std::set<std::string> kids;
  for (rapidjson::SizeType i = 0; i < keys->Size(); ++i) {
    const auto& jwk = (*keys)[i];
    const std::string position = "key " + std::to_string(i + 1);
    if (!jwk.IsObject()) {
      result.error = position + " is not a JSON object";
      return result;
    }
    for (const char* name : kPrivateMembers) {
      if (member(jwk, name)) {
        result.error =
            position + " carries private key material (\"" + name + "\"); a JWK Set must publish public keys only";
        return result;
      }
    }
    auto kid = string_member(jwk, "kid");
    if (!kid || kid->empty()) {
      // Without a kid no token can name the key; nothing to remember it by.
      continue;
    }
    if (!kids.insert(*kid).second) {
      result.error = "kid " + loggable(*kid) + " occurs twice (a kid must be unique within its set)";
      return result;
    }
    JsonWebKey key;
    key.kid = *kid;
    if (auto problem = read_key(jwk, key); !problem.empty()) {
      result.set.refused.emplace(*kid, problem);
    } else {
      result.set.keys.push_back(std::move(key));
    }
  }
  return result;
}

JwksParse load_jwks_file(const std::string& path) {
  JwksParse result;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.error = "JWKS file " + path + " cannot be read";
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  result = parse_jwks(text.str());
  if (!result.error.empty()) {
    result.error = "JWKS file " + path + ": " + result.error;
  } else if (result.set.keys.empty()) {
    std::string why;
    for (const auto& [kid, reason] : result.set.refused) why += "; kid " + loggable(kid) + ": " + reason;
    result.error = "JWKS file " + path + " holds no usable key" + why;
  }
  return result;
}

bool jku_allowed(const std::string& jku, const std::vector<std::string>& prefixes) {
  HttpUrl url;
  if (!parse_http_url(jku, url).empty()) return false;
  // Same-origin prefixes could otherwise be left by "/keys/../anything".
  const std::string& target = url.target;
  auto path = std::string_view(target).substr(0, target.find('?'));
  if (path.find("/../") != std::string_view::npos || path.find("/./") != std::string_view::npos ||
      path.ends_with("/..") || path.ends_with("/.") || path.find('%') != std::string_view::npos ||
      path.find('\\') != std::string_view::npos)
    return false;
  for (const auto& prefix_text : prefixes) {
    HttpUrl prefix;
    if (!parse_http_url(prefix_text, prefix).empty() || prefix.origin() != url.origin()) continue;
    const std::string& base = prefix.target;
    if (target == base) return true;
    if (target.size() > base.size() && target.compare(0, base.size(), base) == 0 &&
        (base.back() == '/' || target[base.size()] == '/' || target[base.size()] == '?'))
      return true;
  }
  return false;
}

struct KeyStore::IssuerState {
  IssuerKeySource source;
  std::mutex mutex;  // guards what follows; held during a fetch
  struct Fetched {
    JwkSet set;
    std::int64_t fetched_at_ms = 0;
  };
  std::map<std::string, Fetched> by_jku;
  std::optional<std::int64_t> last_fetch_ms;
};

KeyStore::KeyStore(std::vector<IssuerKeySource> issuers, JwksFetchPolicy policy, JwksFetch fetch)
    : policy_(policy), fetch_(std::move(fetch)) {
  if (!fetch_) {
    fetch_ = [policy](const std::string& url) {
      return http_get(url, HttpHeaders{{"accept", "application/json"}}, policy.timeout, policy.max_bytes);
    };
  }
  for (auto& source : issuers) {
    auto state = std::make_unique<IssuerState>();
    std::string name = source.issuer;
    state->source = std::move(source);
    issuers_[name] = std::move(state);
  }
}

KeyStore::~KeyStore() = default;

KeyStore::IssuerState* KeyStore::state_of(const std::string& issuer) const {
  auto found = issuers_.find(issuer);
  return found == issuers_.end() ? nullptr : found->second.get();
}

bool KeyStore::knows_issuer(const std::string& issuer) const {
  return state_of(issuer) != nullptr;
}

std::size_t KeyStore::fetches() const {
  std::lock_guard<std::mutex> lock(fetches_mutex_);
  return fetches_;
}

namespace {

KeyLookup key_from(const JwkSet& set, const std::string& kid, const std::string& where) {
  if (const auto* key = set.find(kid)) return {*key, ""};
  if (auto refused = set.refused.find(kid); refused != set.refused.end())
    return {std::nullopt, "key " + loggable(kid) + " in " + where + " is refused: " + refused->second};
  return {std::nullopt, "unknown kid " + loggable(kid) + " in " + where};
}

}  // namespace

KeyLookup KeyStore::find(const std::string& issuer, const std::string& kid, const std::string& jku,
                         std::int64_t now_ms) {
  IssuerState* state = state_of(issuer);
  if (!state) return {std::nullopt, "issuer " + loggable(issuer) + " is not trusted"};
  const std::string issuer_text = loggable(issuer);

  if (jku.empty()) {
    if (!state->source.static_keys)
      return {std::nullopt, "issuer " + issuer_text + " has no configured JWKS file and the token names no jku"};
    return key_from(*state->source.static_keys, kid, "the configured JWKS of " + issuer_text);
  }
  if (!jku_allowed(jku, state->source.jku_allow))
    return {std::nullopt, "jku " + loggable(jku, 200) + " is not on the allow-list of issuer " + issuer_text};

  const std::string where = "the JWKS at " + loggable(jku, 200);
  const std::int64_t ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(policy_.ttl).count();
  const std::int64_t interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(policy_.min_refresh_interval).count();

  std::lock_guard<std::mutex> lock(state->mutex);
  auto may_fetch = [&] { return !state->last_fetch_ms || now_ms - *state->last_fetch_ms >= interval_ms; };
  // One fetch; on success the set replaces what was cached for this jku.
  auto fetch = [&]() -> std::string {
    state->last_fetch_ms = now_ms;
    {
      std::lock_guard<std::mutex> count_lock(fetches_mutex_);
      ++fetches_;
    }
    HttpGetResult got = fetch_(jku);
    if (!got.error.empty()) return "fetching " + where + " failed: " + got.error;
    if (got.status != 200) return "fetching " + where + " answered HTTP " + std::to_string(got.status);
    JwksParse parsed = parse_jwks(got.body);
    if (!parsed.error.empty()) return where + " is refused: " + parsed.error;
    if (!state->by_jku.empty() && state->by_jku.size() >= policy_.max_sets_per_issuer && !state->by_jku.count(jku)) {
      auto oldest = std::min_element(state->by_jku.begin(), state->by_jku.end(), [](const auto& a, const auto& b) {
        return a.second.fetched_at_ms < b.second.fetched_at_ms;
      });
      state->by_jku.erase(oldest);
    }
    state->by_jku[jku] = IssuerState::Fetched{std::move(parsed.set), now_ms};
    return "";
  };

  bool fetched_now = false;
  auto cached = state->by_jku.find(jku);
  const bool fresh = cached != state->by_jku.end() && now_ms - cached->second.fetched_at_ms < ttl_ms;
  if (!fresh) {
    // An expired set is not used: a key the client has withdrawn must stop
    // working once the TTL has passed, even if its JWKS URL is down.
    if (!may_fetch())
      return {std::nullopt, where + " is not cached and was fetched for issuer " + issuer_text + " less than " +
                                std::to_string(policy_.min_refresh_interval.count()) + " s ago"};
    if (auto problem = fetch(); !problem.empty()) return {std::nullopt, problem};
    fetched_now = true;
  }
  KeyLookup lookup = key_from(state->by_jku.at(jku).set, kid, where);
  if (lookup.key || fetched_now) return lookup;
  // An unknown kid in a fresh set: the client may have rotated its key.
  if (!may_fetch())
    return {std::nullopt, lookup.error + " (not refetched: last fetch for issuer " + issuer_text + " less than " +
                              std::to_string(policy_.min_refresh_interval.count()) + " s ago)"};
  if (auto problem = fetch(); !problem.empty()) return {std::nullopt, lookup.error + "; refetch: " + problem};
  return key_from(state->by_jku.at(jku).set, kid, where);
}

}  // namespace icans
