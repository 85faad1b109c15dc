#pragma once
// The JSON Web Token a CDS Client signs for every call (CDS Hooks 2.0,
// "Trusting CDS Clients"; RFC 7515, 7518, 7519): parsing the compact form,
// checking its signature with OpenSSL and its claims against a clock.
//
// Only asymmetric signatures are understood. `none` and every HMAC algorithm
// fail at parsing, before any key is looked at, so a public key can never be
// used as an HMAC secret (algorithm confusion). Every value that drives a
// decision is read strictly: a duplicate member, a wrong type, padding in
// base64url or an extra segment is an error, never a guess.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

namespace icans {

// Unpadded base64url (RFC 7515 section 2). Padding, characters outside the
// alphabet, a length that cannot occur and non-zero unused bits are refused,
// so every byte string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);

enum class JwsAlgorithm { es256, es384, rs256, rs384 };

// The algorithms this code can verify; nullopt for anything else, "none",
// "HS256" and "PS384" included. Names are case-sensitive (RFC 7515 4.1.1).
std::optional<JwsAlgorithm> jws_algorithm_from_name(std::string_view name);
const char* jws_algorithm_name(JwsAlgorithm algorithm);

struct JwtHeader {
  JwsAlgorithm alg = JwsAlgorithm::es384;
  std::string kid;  // required by CDS Hooks, never empty
  std::string jku;  // empty when absent
};

// NumericDate claims are whole seconds since 1970-01-01T00:00:00Z.
struct JwtClaims {
  std::string iss;
  std::vector<std::string> aud;  // a string claim becomes one element
  std::int64_t exp = 0;
  std::int64_t iat = 0;
  std::string jti;
  std::optional<std::string> tenant;
  std::optional<std::string> sub;   // accepted, not required (dropped before CDS Hooks 1.0)
  std::optional<std::int64_t> nbf;  // accepted, not required
};

struct Jwt {
  JwtHeader header;
  JwtClaims claims;
  std::string signing_input;  // "header.payload" exactly as received
  std::string signature;      // decoded bytes
};

// Longest token and jti accepted: bounds the work an unauthenticated caller
// can cause and the memory a remembered jti takes.
inline constexpr std::size_t kMaxJwtBytes = 16 * 1024;
inline constexpr std::size_t kMaxJtiBytes = 256;

struct JwtParse {
  std::optional<Jwt> jwt;
  std::string error;  // when jwt is empty: what is wrong, naming the part
};

// Parses a compact JWS whose payload is a CDS Hooks JWT claim set. Requires
// header alg (one of JwsAlgorithm), typ "JWT" (any case), kid, no crit; and
// claims iss, aud, exp, iat, jti with their JSON types (NumericDates integral
// and within years 1970..9999). Does not check the signature or any value
// against the configuration or the clock. Error texts quote no part of the
// token beyond short header values (alg, typ).
JwtParse parse_jwt(std::string_view compact);

// Empty when `signature` is a valid `algorithm` signature of `signing_input`
// under `key`; otherwise why not. The key must fit the algorithm: ES256 a
// P-256 key, ES384 a P-384 key, RS256/RS384 an RSA key of 2048 bits or more.
// ECDSA signatures are the raw R||S of RFC 7518 3.4 (64 or 96 bytes exactly);
// RSA signatures are PKCS#1 v1.5 and as long as the modulus.
std::string verify_jws_signature(JwsAlgorithm algorithm, EVP_PKEY* key, std::string_view signing_input,
                                 std::string_view signature);

// Empty when the claims are acceptable at `now_ms` (milliseconds since the
// epoch) for a call to `endpoint_url`; otherwise why not.
//   aud: `endpoint_url` exactly, or an array holding it;
//   exp: now < exp + skew;  iat, nbf: <= now + skew;  iat < exp;
//   exp - iat <= max_lifetime, so a remembered jti is forgotten in time.
struct ClaimsPolicy {
  std::int64_t clock_skew_seconds = 60;
  std::int64_t max_lifetime_seconds = 3600;
};
std::string check_jwt_claims(const JwtClaims& claims, std::string_view endpoint_url, std::int64_t now_ms,
                             const ClaimsPolicy& policy);

// A value from a token made safe for a log line: printable ASCII only, cut to
// `max_chars`, quoted. Tokens are attacker-controlled text.
std::string loggable(std::string_view value, std::size_t max_chars = 80);

}  // namespace icans
