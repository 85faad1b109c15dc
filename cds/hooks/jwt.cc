#include "cds/hooks/jwt.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <unordered_set>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "cds/hooks/json_member.h"
#include "fhir/json.h"
#include "fhir/time.h"

namespace icans {
namespace {

int base64url_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// JSON parsers disagree on which of two equal member names wins (RFC 7515
// 4 allows either); refusing them leaves no room for a second reading.
// Checked here as well as in fhir::parse_json, whose contract does not
// promise it.
bool has_duplicate_member(const rapidjson::Value& object) {
  std::unordered_set<std::string_view> seen;
  for (const auto& member : object.GetObject()) {
    if (!seen.emplace(member.name.GetString(), member.name.GetStringLength()).second) return true;
  }
  return false;
}

std::string parse_segment(std::string_view encoded, const char* what, rapidjson::Document& doc) {
  if (encoded.empty()) return std::string(what) + " is empty";
  auto decoded = base64url_decode(encoded);
  if (!decoded) return std::string(what) + " is not unpadded base64url";
  // Claim sets are flat; a small depth limit keeps hostile nesting cheap.
  if (auto problem = fhir::parse_json(*decoded, doc, fhir::JsonLimits{16}); !problem.empty())
    return std::string(what) + " is not JSON (" + problem + ")";
  if (!doc.IsObject()) return std::string(what) + " is not a JSON object";
  if (has_duplicate_member(doc)) return std::string(what) + " has a member name twice";
  return "";
}

// Latest NumericDate accepted: 9999-12-31T23:59:59Z. Bounding it keeps every
// seconds-to-milliseconds product far from overflow.
constexpr std::int64_t kMaxNumericDate = 253402300799;

std::string read_numeric_date(const rapidjson::Value& claims, const char* name, std::optional<std::int64_t>& out) {
  const auto* value = member(claims, name);
  if (!value) return "";
  if (!value->IsNumber())
    return std::string("claim ") + name + " is a " + fhir::json_type_name(*value) + ", not a number";
  double seconds = value->IsInt64() ? static_cast<double>(value->GetInt64()) : value->GetDouble();
  if (value->IsUint64() && !value->IsInt64()) seconds = kMaxNumericDate + 1.0;
  if (!std::isfinite(seconds) || seconds != std::floor(seconds))
    return std::string("claim ") + name + " is not a whole number of seconds";
  if (seconds < 0 || seconds > static_cast<double>(kMaxNumericDate))
    return std::string("claim ") + name + " is outside 1970..9999";
  out = value->IsInt64() ? value->GetInt64() : static_cast<std::int64_t>(seconds);
  return "";
}

std::string read_string(const rapidjson::Value& object, const char* where, const char* name,
                        std::optional<std::string>& out) {
  const auto* value = member(object, name);
  if (!value) return "";
  if (!value->IsString())
    return std::string(where) + " " + name + " is a " + fhir::json_type_name(*value) + ", not a string";
  out.emplace(value->GetString(), value->GetStringLength());
  return "";
}

std::string parse_header(const rapidjson::Value& header, JwtHeader& out) {
  std::optional<std::string> alg, typ, kid, jku;
  for (auto [name, slot] : {std::pair{"alg", &alg}, {"typ", &typ}, {"kid", &kid}, {"jku", &jku}}) {
    if (auto problem = read_string(header, "header", name, *slot); !problem.empty()) return problem;
  }
  if (!alg) return "header has no alg";
  auto algorithm = jws_algorithm_from_name(*alg);
  if (!algorithm)
    return "header alg " + loggable(*alg, 16) +
           " is not an accepted algorithm (ES256, ES384, RS256, RS384; never none or HMAC)";
  if (!typ) return "header has no typ";
  if (!equals_ignoring_case(*typ, "JWT")) return "header typ " + loggable(*typ, 32) + " is not JWT";
  if (!kid || kid->empty()) return "header has no kid";
  if (kid->size() > 256) return "header kid is longer than 256 characters";
  // RFC 7515 4.1.11: an extension the recipient does not understand must be refused.
  if (member(header, "crit")) return "header has crit (no extension is understood)";
  out.alg = *algorithm;
  out.kid = *kid;
  out.jku = jku.value_or("");
  return "";
}

std::string parse_claims(const rapidjson::Value& claims, JwtClaims& out) {
  std::optional<std::string> iss, jti;
  if (auto problem = read_string(claims, "claim", "iss", iss); !problem.empty()) return problem;
  if (!iss || iss->empty()) return "claim iss is missing";
  out.iss = *iss;

  const auto* aud = member(claims, "aud");
  if (!aud) return "claim aud is missing";
  if (aud->IsString()) {
    out.aud.emplace_back(aud->GetString(), aud->GetStringLength());
  } else if (aud->IsArray() && !aud->Empty()) {
    for (const auto& entry : aud->GetArray()) {
      if (!entry.IsString())
        return "claim aud holds a " + std::string(fhir::json_type_name(entry)) + ", not only strings";
      out.aud.emplace_back(entry.GetString(), entry.GetStringLength());
    }
  } else {
    return "claim aud is neither a string nor a non-empty array of strings";
  }

  std::optional<std::int64_t> exp, iat;
  if (auto problem = read_numeric_date(claims, "exp", exp); !problem.empty()) return problem;
  if (!exp) return "claim exp is missing";
  if (auto problem = read_numeric_date(claims, "iat", iat); !problem.empty()) return problem;
  if (!iat) return "claim iat is missing";
  if (auto problem = read_numeric_date(claims, "nbf", out.nbf); !problem.empty()) return problem;
  out.exp = *exp;
  out.iat = *iat;

  if (auto problem = read_string(claims, "claim", "jti", jti); !problem.empty()) return problem;
  if (!jti || jti->empty()) return "claim jti is missing";
  if (jti->size() > kMaxJtiBytes) return "claim jti is longer than " + std::to_string(kMaxJtiBytes) + " bytes";
  out.jti = *jti;

  if (auto problem = read_string(claims, "claim", "tenant", out.tenant); !problem.empty()) return problem;
  if (auto problem = read_string(claims, "claim", "sub", out.sub); !problem.empty()) return problem;
  return "";
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// The curve of an EC key as an OpenSSL NID, NID_undef when unknown.
int ec_curve_nid(EVP_PKEY* key) {
  char name[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) != 1)
    return NID_undef;
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  return nid;
}

// RFC 7518 3.4: R and S as fixed-length big-endian integers, concatenated.
// OpenSSL verifies the DER SEQUENCE of two INTEGERs instead.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw, std::size_t coordinate_bytes) {
  if (raw.size() != 2 * coordinate_bytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<BIGNUM, BnFree> r(BN_bin2bn(bytes, static_cast<int>(coordinate_bytes), nullptr));
  std::unique_ptr<BIGNUM, BnFree> s(BN_bin2bn(bytes + coordinate_bytes, static_cast<int>(coordinate_bytes), nullptr));
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return std::nullopt;
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // owned by sig now
  s.release();
  int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) return std::nullopt;
  return der;
}

}  // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : text) {
    int value = base64url_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<JwsAlgorithm> jws_algorithm_from_name(std::string_view name) {
  if (name == "ES256") return JwsAlgorithm::es256;
  if (name == "ES384") return JwsAlgorithm::es384;
  if (name == "RS256") return JwsAlgorithm::rs256;
  if (name == "RS384") return JwsAlgorithm::rs384;
  return std::nullopt;
}

const char* jws_algorithm_name(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::es256: return "ES256";
    case JwsAlgorithm::es384: return "ES384";
    case JwsAlgorithm::rs256: return "RS256";
    case JwsAlgorithm::rs384: return "RS384";
  }
  return "?";
}

JwtParse parse_jwt(std::string_view compact) {
  JwtParse result;
  if (compact.size() > kMaxJwtBytes)
    return {std::nullopt, "token is longer than " + std::to_string(kMaxJwtBytes) + " bytes"};
  auto first_dot = compact.find('.');
  auto second_dot = first_dot == std::string_view::npos ? first_dot : compact.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || compact.find('.', second_dot + 1) != std::string_view::npos) {
    auto segments = std::count(compact.begin(), compact.end(), '.') + 1;
    return {std::nullopt, "token has " + std::to_string(segments) + " segments, not the 3 of a compact JWS"};
  }
  auto header_text = compact.substr(0, first_dot);
  auto payload_text = compact.substr(first_dot + 1, second_dot - first_dot - 1);
  auto signature_text = compact.substr(second_dot + 1);

  Jwt jwt;
  rapidjson::Document header;
  if (auto problem = parse_segment(header_text, "header", header); !problem.empty()) return {std::nullopt, problem};
  if (auto problem = parse_header(header, jwt.header); !problem.empty()) return {std::nullopt, problem};
  rapidjson::Document payload;
  if (auto problem = parse_segment(payload_text, "payload", payload); !problem.empty()) return {std::nullopt, problem};
  if (auto problem = parse_claims(payload, jwt.claims); !problem.empty()) return {std::nullopt, problem};

  if (signature_text.empty()) return {std::nullopt, "signature is empty"};
  auto signature = base64url_decode(signature_text);
  if (!signature) return {std::nullopt, "signature is not unpadded base64url"};
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(compact.substr(0, second_dot));
  result.jwt = std::move(jwt);
  return result;
}

std::string verify_jws_signature(JwsAlgorithm algorithm, EVP_PKEY* key, std::string_view signing_input,
                                 std::string_view signature) {
  if (key == nullptr) return "no key";
  const EVP_MD* digest = nullptr;
  std::string der;
  std::string_view to_verify = signature;
  const bool ecdsa = algorithm == JwsAlgorithm::es256 || algorithm == JwsAlgorithm::es384;
  if (ecdsa) {
    const bool p256 = algorithm == JwsAlgorithm::es256;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
      return std::string(jws_algorithm_name(algorithm)) + " needs an EC key";
    if (ec_curve_nid(key) != (p256 ? NID_X9_62_prime256v1 : NID_secp384r1))
      return std::string(jws_algorithm_name(algorithm)) + " needs a key on " + (p256 ? "P-256" : "P-384");
    const std::size_t coordinate_bytes = p256 ? 32 : 48;
    auto converted = ecdsa_raw_to_der(signature, coordinate_bytes);
    if (!converted)
      return "signature is " + std::to_string(signature.size()) + " bytes, not the " +
             std::to_string(2 * coordinate_bytes) + " of raw R||S";
    der = std::move(*converted);
    to_verify = der;
    digest = p256 ? EVP_sha256() : EVP_sha384();
  } else {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
      return std::string(jws_algorithm_name(algorithm)) + " needs an RSA key";
    // RFC 7518 3.3: keys of 2048 bits or larger MUST be used.
    if (EVP_PKEY_get_bits(key) < 2048) return "RSA key is shorter than 2048 bits";
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key)))
      return "signature is " + std::to_string(signature.size()) + " bytes, not the modulus length " +
             std::to_string(EVP_PKEY_get_size(key));
    digest = algorithm == JwsAlgorithm::rs256 ? EVP_sha256() : EVP_sha384();
  }

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by context
  int verified = -1;
  if (context && EVP_DigestVerifyInit(context.get(), &key_context, digest, nullptr, key) == 1 &&
      (ecdsa || EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) == 1)) {
    verified =
        EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(to_verify.data()), to_verify.size(),
                         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  }
  // The error queue is per thread and outlives this call: leave it clean for
  // the next OpenSSL user on this server thread.
  ERR_clear_error();
  if (verified == 1) return "";
  if (verified == 0) return "signature does not verify";
  return "signature could not be checked (OpenSSL error)";
}

std::string check_jwt_claims(const JwtClaims& claims, std::string_view endpoint_url, std::int64_t now_ms,
                             const ClaimsPolicy& policy) {
  if (std::find(claims.aud.begin(), claims.aud.end(), endpoint_url) == claims.aud.end())
    return "aud " + loggable(claims.aud.empty() ? std::string() : claims.aud.front()) +
           (claims.aud.size() > 1 ? " (and others)" : "") + " is not this endpoint " + loggable(endpoint_url, 200);
  const std::int64_t skew_ms = policy.clock_skew_seconds * fhir::kMillisPerSecond;
  if (now_ms >= claims.exp * fhir::kMillisPerSecond + skew_ms)
    return "expired at " + fhir::format_instant(claims.exp * fhir::kMillisPerSecond) + " (clock skew " +
           std::to_string(policy.clock_skew_seconds) + " s)";
  if (claims.iat * fhir::kMillisPerSecond > now_ms + skew_ms)
    return "issued in the future, at " + fhir::format_instant(claims.iat * fhir::kMillisPerSecond) + " (clock skew " +
           std::to_string(policy.clock_skew_seconds) + " s)";
  if (claims.nbf && *claims.nbf * fhir::kMillisPerSecond > now_ms + skew_ms)
    return "not valid before " + fhir::format_instant(*claims.nbf * fhir::kMillisPerSecond);
  if (claims.exp <= claims.iat) return "exp is not after iat";
  if (claims.exp - claims.iat > policy.max_lifetime_seconds)
    return "lifetime of " + std::to_string(claims.exp - claims.iat) + " s exceeds the " +
           std::to_string(policy.max_lifetime_seconds) + " s allowed";
  return "";
}

std::string loggable(std::string_view value, std::size_t max_chars) {
  std::string out = "'";
  for (std::size_t i = 0; i < value.size() && i < max_chars; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    out.push_back(c >= 0x20 && c < 0x7f && c != '\'' && c != '\\' ? static_cast<char>(c) : '?');
  }
  if (value.size() > max_chars) out += "...";
  return out + "'";
}

}  // namespace icans
