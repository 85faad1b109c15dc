// The parts of CDS Client authentication that need no server: base64url,
// JWS parsing, OpenSSL signature checks against tokens signed by npm jose,
// JWK Set import, claim checks at a fixed instant, the replay cache and the
// jku allow-list.

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cds/hooks/jwks.h"
#include "cds/hooks/jwt.h"
#include "cds/hooks/replay_cache.h"
#include "jwt_tokens.h"

using icans::base64url_decode;
using icans::base64url_encode;
using icans::check_jwt_claims;
using icans::ClaimsPolicy;
using icans::JsonWebKey;
using icans::JwsAlgorithm;
using icans::JwtClaims;
using icans::parse_jwks;
using icans::parse_jwt;
using icans::ReplayCache;
using icans::verify_jws_signature;

namespace {

const icans::test::JwtFixtures& fixtures() {
  // Port 9 (discard): these tests never fetch a jku.
  static std::unique_ptr<icans::test::JwtFixtures> made;
  if (!made) made = icans::test::make_jwt_fixtures("http://127.0.0.1:9");
  return *made;
}

JsonWebKey issuer_key(const std::string& kid) {
  auto parsed = parse_jwks(fixtures().file("issuer.jwks.json"));
  REQUIRE(parsed.error.empty());
  const JsonWebKey* key = parsed.set.find(kid);
  REQUIRE(key != nullptr);
  return *key;
}

// Parses and verifies a token with the key `kid` of issuer.jwks.json.
std::string verify(const std::string& token, const std::string& kid) {
  auto parsed = parse_jwt(token);
  if (!parsed.jwt) return "parse: " + parsed.error;
  JsonWebKey key = issuer_key(kid);
  return verify_jws_signature(parsed.jwt->header.alg, key.key.get(), parsed.jwt->signing_input, parsed.jwt->signature);
}

std::string hand_token(const std::string& header, const std::string& payload, const std::string& signature = "c2ln") {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + signature;
}

const std::string kHeader = R"({"alg":"ES384","typ":"JWT","kid":"k1"})";
const std::string kPayload =
    R"({"iss":"https://ehr.example.org","aud":"https://cds.example.org/cds-services/icans-monitor",)"
    R"("exp":1767225890,"iat":1767225590,"jti":"j-1"})";

std::string parse_error(const std::string& header, const std::string& payload) {
  auto parsed = parse_jwt(hand_token(header, payload));
  return parsed.jwt ? std::string() : parsed.error;
}

// issuer.jwks.json with its first key (ES384) edited.
std::string edited_first_key(const std::function<void(rapidjson::Value&, rapidjson::Document::AllocatorType&)>& edit) {
  rapidjson::Document doc;
  const std::string text = fixtures().file("issuer.jwks.json");
  doc.Parse(text.c_str());
  REQUIRE(doc.IsObject());
  rapidjson::Value& keys = doc["keys"];
  edit(keys[0], doc.GetAllocator());
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc.Accept(writer);
  return out.GetString();
}

void set_string(rapidjson::Value& object, const char* name, const std::string& value,
                rapidjson::Document::AllocatorType& allocator) {
  object.RemoveMember(name);
  object.AddMember(rapidjson::Value(name, allocator), rapidjson::Value(value.c_str(), allocator), allocator);
}

JwtClaims claims_at(std::int64_t iat, std::int64_t exp) {
  JwtClaims claims;
  claims.iss = "https://ehr.example.org";
  claims.aud = {"https://cds.example.org/cds-services/icans-monitor"};
  claims.iat = iat;
  claims.exp = exp;
  claims.jti = "j";
  return claims;
}

const std::string kEndpoint = "https://cds.example.org/cds-services/icans-monitor";

}  // namespace

TEST_CASE("base64url decodes the unpadded URL-safe alphabet and round-trips every length") {
  CHECK(base64url_decode("") == std::string());
  CHECK(base64url_decode("Zg") == std::string("f"));
  CHECK(base64url_decode("Zm8") == std::string("fo"));
  CHECK(base64url_decode("Zm9v") == std::string("foo"));
  CHECK(base64url_decode("-_8") == std::string("\xfb\xff"));
  std::string bytes;
  for (int length = 0; length < 40; ++length) {
    CHECK(base64url_decode(base64url_encode(bytes)) == bytes);
    bytes.push_back(static_cast<char>(length * 37 + 200));
  }
}

TEST_CASE("base64url refuses padding, the +/ alphabet, impossible lengths and non-zero unused bits") {
  for (const char* text : {"Zg==", "Zm8=", "Zm+v", "Zm/v", "Zm9 v", "Zm9\n", "Z", "Zm9vY", "Zh", "Zm9"}) {
    INFO(text);
    CHECK_FALSE(base64url_decode(text).has_value());
  }
}

TEST_CASE("parse_jwt reads the header and claims of a jose-signed ES384 token") {
  auto parsed = parse_jwt(fixtures().token("valid_es384"));
  REQUIRE(parsed.error.empty());
  REQUIRE(parsed.jwt);
  const auto& jwt = *parsed.jwt;
  CHECK(jwt.header.alg == JwsAlgorithm::es384);
  CHECK(jwt.header.kid == "ehr-es384-1");
  CHECK(jwt.header.jku.empty());
  CHECK(jwt.claims.iss == fixtures().issuer);
  CHECK(jwt.claims.aud == std::vector<std::string>{fixtures().audience});
  CHECK(jwt.claims.iat * 1000 == fixtures().now_ms - 10000);
  CHECK(jwt.claims.exp * 1000 == fixtures().now_ms + 290000);
  CHECK(jwt.claims.jti.size() == 36);  // a UUID
  CHECK(jwt.claims.tenant == fixtures().tenant);
  CHECK_FALSE(jwt.claims.sub);
  CHECK(jwt.signature.size() == 96);
  CHECK(fixtures().token("valid_es384").rfind(jwt.signing_input + ".", 0) == 0);
}

TEST_CASE("parse_jwt reads aud arrays, sub and nbf, and an absent tenant") {
  auto parsed = parse_jwt(fixtures().token("valid_sub_nbf_no_tenant"));
  REQUIRE(parsed.jwt);
  CHECK(parsed.jwt->claims.sub == fixtures().issuer);
  CHECK(parsed.jwt->claims.nbf == fixtures().now_ms / 1000 - 10);
  CHECK_FALSE(parsed.jwt->claims.tenant);
  auto array = parse_jwt(fixtures().token("valid_aud_array"));
  REQUIRE(array.jwt);
  CHECK(array.jwt->claims.aud.size() == 2);
  CHECK(array.jwt->claims.aud[1] == fixtures().audience);
}

TEST_CASE("parse_jwt refuses alg none and HMAC before any key is looked at") {
  for (const char* name : {"alg_none", "hs384_confusion"}) {
    INFO(name);
    auto parsed = parse_jwt(fixtures().token(name));
    CHECK_FALSE(parsed.jwt);
    CHECK_THAT(parsed.error, Catch::Contains("is not an accepted algorithm"));
  }
  for (const char* alg : {"none", "None", "HS256", "HS384", "HS512", "PS384", "ES512", "es384", ""}) {
    INFO(alg);
    CHECK_THAT(parse_error(std::string(R"({"alg":")") + alg + R"(","typ":"JWT","kid":"k1"})", kPayload),
               Catch::Contains("is not an accepted algorithm"));
  }
}

TEST_CASE("parse_jwt requires typ JWT and a kid, and refuses crit") {
  CHECK_THAT(parse_jwt(fixtures().token("typ_missing")).error, Catch::Contains("no typ"));
  CHECK_THAT(parse_jwt(fixtures().token("kid_missing")).error, Catch::Contains("no kid"));
  CHECK_THAT(parse_error(R"({"alg":"ES384","typ":"JOSE","kid":"k1"})", kPayload), Catch::Contains("is not JWT"));
  CHECK_THAT(parse_error(R"({"alg":"ES384","typ":"JWT","kid":""})", kPayload), Catch::Contains("no kid"));
  CHECK_THAT(parse_error(R"({"alg":"ES384","typ":"JWT","kid":7})", kPayload), Catch::Contains("kid is a number"));
  CHECK_THAT(parse_error(R"({"alg":"ES384","typ":"JWT","kid":"k1","crit":["exp"]})", kPayload),
             Catch::Contains("crit"));
  CHECK(parse_error(R"({"alg":"ES384","typ":"jwt","kid":"k1"})", kPayload).empty());
}

TEST_CASE("parse_jwt refuses structural defects, naming the part") {
  const std::string good = hand_token(kHeader, kPayload);
  REQUIRE(parse_jwt(good).jwt);
  CHECK_THAT(parse_jwt("abc.def").error, Catch::Contains("2 segments"));
  CHECK_THAT(parse_jwt(good + ".x").error, Catch::Contains("4 segments"));
  CHECK_THAT(parse_jwt("a.b.c.d.e").error, Catch::Contains("5 segments"));  // a JWE
  CHECK_THAT(parse_jwt("." + base64url_encode(kPayload) + ".c2ln").error, Catch::Contains("header is empty"));
  CHECK_THAT(parse_jwt(base64url_encode(kHeader) + "=." + base64url_encode(kPayload) + ".c2ln").error,
             Catch::Contains("header is not unpadded base64url"));
  CHECK_THAT(parse_jwt(hand_token(kHeader, kPayload, "")).error, Catch::Contains("signature is empty"));
  CHECK_THAT(parse_jwt(hand_token(kHeader, kPayload, "c2ln=")).error, Catch::Contains("signature is not unpadded"));
  CHECK_THAT(parse_error("[1]", kPayload), Catch::Contains("header is not a JSON object"));
  CHECK_THAT(parse_error("{\"alg\":", kPayload), Catch::Contains("header is not JSON"));
  CHECK_THAT(parse_error(R"({"alg":"ES384","alg":"none","typ":"JWT","kid":"k1"})", kPayload),
             Catch::Contains("header") && Catch::Contains("twice"));
  CHECK_THAT(parse_jwt(std::string(icans::kMaxJwtBytes + 1, 'a')).error, Catch::Contains("longer than"));
}

TEST_CASE("parse_jwt requires every CDS Hooks claim with its JSON type") {
  auto with = [](const std::string& claims) { return parse_error(kHeader, claims); };
  CHECK_THAT(with(R"({"aud":"a","exp":2,"iat":1,"jti":"j"})"), Catch::Contains("iss is missing"));
  CHECK_THAT(with(R"({"iss":"i","exp":2,"iat":1,"jti":"j"})"), Catch::Contains("aud is missing"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","iat":1,"jti":"j"})"), Catch::Contains("exp is missing"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":2,"jti":"j"})"), Catch::Contains("iat is missing"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":2,"iat":1})"), Catch::Contains("jti is missing"));
  CHECK_THAT(with(R"({"iss":"i","aud":[],"exp":2,"iat":1,"jti":"j"})"), Catch::Contains("non-empty array"));
  CHECK_THAT(with(R"({"iss":"i","aud":["a",3],"exp":2,"iat":1,"jti":"j"})"), Catch::Contains("not only strings"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":"2","iat":1,"jti":"j"})"), Catch::Contains("exp is a string"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":2.5,"iat":1,"jti":"j"})"), Catch::Contains("whole number"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":-2,"iat":1,"jti":"j"})"), Catch::Contains("outside 1970..9999"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":1e300,"iat":1,"jti":"j"})"), Catch::Contains("outside 1970..9999"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":18446744073709551615,"iat":1,"jti":"j"})"),
             Catch::Contains("outside 1970..9999"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":2,"iat":1,"jti":"j","nbf":"0"})"), Catch::Contains("nbf is a string"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":2,"iat":1,"jti":"j","tenant":5})"),
             Catch::Contains("tenant is a number"));
  CHECK_THAT(with(R"({"iss":"i","aud":"a","exp":2,"iat":1,"jti":")" + std::string(257, 'x') + "\"}"),
             Catch::Contains("jti is longer than 256"));
  CHECK_THAT(with(R"({"iss":"i","iss":"j","aud":"a","exp":2,"iat":1,"jti":"j"})"),
             Catch::Contains("payload") && Catch::Contains("twice"));
  CHECK(with(R"({"iss":"i","aud":"a","exp":2.0,"iat":1,"jti":"j"})").empty());
}

TEST_CASE("jose's ES384, RS384, ES256 and RS256 signatures verify with OpenSSL") {
  CHECK(verify(fixtures().token("valid_es384"), "ehr-es384-1").empty());
  CHECK(verify(fixtures().token("valid_rs384"), "ehr-rs384-1").empty());
  CHECK(verify(fixtures().token("valid_es256"), "ehr-es256-1").empty());
  CHECK(verify(fixtures().token("valid_rs256"), "ehr-rs256-1").empty());
}

TEST_CASE("the CDS Hooks 2.0 specification's example token verifies with its published key") {
  // Header, payload, key and token of the "Trusting CDS Clients" example: a
  // known answer that does not come from the code under test nor from jose.
  const std::string jwks = R"({"keys":[{"kty":"EC","use":"sig","crv":"P-384","kid":"example-kid",)"
                           R"("x":"46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk",)"
                           R"("y":"XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI","alg":"ES384"}]})";
  const std::string token =
      "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxlLmNvbS9q"
      "d2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1z"
      "ZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJh"
      "NWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0.d1WfLjGRKlcWB94l9do4cM8"
      "REXeYJLL6SGUBO8VHZhfM8mwKYP70EMxJ67War4TQblEpaQrp11wx5p7oPFm2ETYgCicS84vXWEIYTdjooZdooCSDf2L8-i4awdoUwiEb";
  auto keys = parse_jwks(jwks);
  REQUIRE(keys.error.empty());
  REQUIRE(keys.set.find("example-kid"));
  auto parsed = parse_jwt(token);
  REQUIRE(parsed.jwt);
  CHECK(parsed.jwt->header.jku == "https://fhir-ehr.example.com/jwk_uri");
  CHECK(parsed.jwt->claims.iss == "https://fhir-ehr.example.com/");
  CHECK(parsed.jwt->claims.tenant == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2");
  CHECK(verify_jws_signature(JwsAlgorithm::es384, keys.set.find("example-kid")->key.get(), parsed.jwt->signing_input,
                             parsed.jwt->signature)
            .empty());
  // Its lifetime (about 3.5 years) is far beyond any sane cap; allow it here.
  ClaimsPolicy policy{60, 200000000};
  CHECK(check_jwt_claims(parsed.jwt->claims, "https://cds.example.org/cds-services/some-service", 1400000000000, policy)
            .empty());
}

TEST_CASE("a tampered payload or a truncated signature fails verification") {
  CHECK_THAT(verify(fixtures().token("tampered_payload"), "ehr-es384-1"), Catch::Equals("signature does not verify"));
  CHECK_THAT(verify(fixtures().token("truncated_signature_es384"), "ehr-es384-1"),
             Catch::Contains("not the 96 of raw R||S"));
  CHECK_THAT(verify(fixtures().token("truncated_signature_rs384"), "ehr-rs384-1"),
             Catch::Contains("not the modulus length 256"));
}

TEST_CASE("ECDSA signatures must be raw R||S of exactly the curve's size, and every bit counts") {
  auto parsed = parse_jwt(fixtures().token("valid_es384"));
  REQUIRE(parsed.jwt);
  JsonWebKey key = issuer_key("ehr-es384-1");
  const std::string& input = parsed.jwt->signing_input;
  std::string signature = parsed.jwt->signature;
  REQUIRE(verify_jws_signature(JwsAlgorithm::es384, key.key.get(), input, signature).empty());
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::es384, key.key.get(), input, signature + '\0'),
             Catch::Contains("97 bytes"));
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::es384, key.key.get(), input, signature.substr(0, 64)),
             Catch::Contains("64 bytes"));
  std::string flipped = signature;
  flipped[95] = static_cast<char>(flipped[95] ^ 1);
  CHECK(verify_jws_signature(JwsAlgorithm::es384, key.key.get(), input, flipped) == "signature does not verify");
  std::string other_input = input;
  other_input.back() = other_input.back() == 'A' ? 'B' : 'A';
  CHECK(verify_jws_signature(JwsAlgorithm::es384, key.key.get(), other_input, signature) ==
        "signature does not verify");
  // R and S swapped: same length, a different signature.
  CHECK(verify_jws_signature(JwsAlgorithm::es384, key.key.get(), input,
                             signature.substr(48) + signature.substr(0, 48)) == "signature does not verify");
}

TEST_CASE("a key of the wrong type or curve never verifies, whatever the token's alg says") {
  auto es384 = parse_jwt(fixtures().token("valid_es384"));
  auto rs384 = parse_jwt(fixtures().token("valid_rs384"));
  REQUIRE(es384.jwt);
  REQUIRE(rs384.jwt);
  JsonWebKey rsa = issuer_key("ehr-rs384-1");
  JsonWebKey p384 = issuer_key("ehr-es384-1");
  JsonWebKey p256 = issuer_key("ehr-es256-1");
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::es384, rsa.key.get(), es384.jwt->signing_input, es384.jwt->signature),
             Catch::Contains("needs an EC key"));
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::rs384, p384.key.get(), rs384.jwt->signing_input, rs384.jwt->signature),
             Catch::Contains("needs an RSA key"));
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::es384, p256.key.get(), es384.jwt->signing_input, es384.jwt->signature),
             Catch::Contains("needs a key on P-384"));
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::es256, p384.key.get(), es384.jwt->signing_input, es384.jwt->signature),
             Catch::Contains("needs a key on P-256"));
  // RS256 and RS384 share the key type; the digest must still match.
  CHECK(verify_jws_signature(JwsAlgorithm::rs256, rsa.key.get(), rs384.jwt->signing_input, rs384.jwt->signature) ==
        "signature does not verify");
  CHECK_THAT(icans::key_fits_algorithm(rsa, JwsAlgorithm::rs256), Catch::Contains("key is for RS384"));
  CHECK_THAT(icans::key_fits_algorithm(rsa, JwsAlgorithm::es384), Catch::Contains("key is for RS384"));
  CHECK(icans::key_fits_algorithm(rsa, JwsAlgorithm::rs384).empty());
  JsonWebKey unnamed = p256;
  unnamed.alg.reset();
  CHECK(icans::key_fits_algorithm(unnamed, JwsAlgorithm::es256).empty());
  CHECK_THAT(icans::key_fits_algorithm(unnamed, JwsAlgorithm::es384), Catch::Contains("needs an EC P-384 key"));
  CHECK_THAT(verify_jws_signature(JwsAlgorithm::es384, nullptr, "a.b", "x"), Catch::Equals("no key"));
}

TEST_CASE("a JWK Set's EC and RSA public keys become OpenSSL keys") {
  auto parsed = parse_jwks(fixtures().file("issuer.jwks.json"));
  REQUIRE(parsed.error.empty());
  REQUIRE(parsed.set.keys.size() == 4);
  CHECK(parsed.set.refused.empty());
  const JsonWebKey* es384 = parsed.set.find("ehr-es384-1");
  REQUIRE(es384);
  CHECK(es384->kty == "EC");
  CHECK(es384->crv == "P-384");
  CHECK(es384->alg == JwsAlgorithm::es384);
  CHECK(EVP_PKEY_get_bits(es384->key.get()) == 384);
  const JsonWebKey* rs384 = parsed.set.find("ehr-rs384-1");
  REQUIRE(rs384);
  CHECK(rs384->kty == "RSA");
  CHECK(EVP_PKEY_get_bits(rs384->key.get()) == 2048);
  CHECK(parsed.set.find("ehr-es256-1")->crv == "P-256");
  CHECK(parsed.set.find("nope") == nullptr);
}

TEST_CASE("a JWK Set publishing private key material is refused whole") {
  auto parsed = parse_jwks(fixtures().file("private.jwks.json"));
  CHECK_THAT(parsed.error, Catch::Contains("private key material (\"d\")"));
  CHECK(parsed.set.keys.empty());
  auto rsa_private = parse_jwks(R"({"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","p":"AQ"}]})");
  CHECK_THAT(rsa_private.error, Catch::Contains("(\"p\")"));
  auto symmetric = parse_jwks(R"({"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]})");
  CHECK_THAT(symmetric.error, Catch::Contains("(\"k\")"));
}

TEST_CASE("a JWK whose alg and curve or type disagree is refused, the rest of the set kept") {
  auto es256_on_p384 =
      parse_jwks(edited_first_key([](auto& key, auto& allocator) { set_string(key, "alg", "ES256", allocator); }));
  REQUIRE(es256_on_p384.error.empty());
  CHECK(es256_on_p384.set.find("ehr-es384-1") == nullptr);
  CHECK_THAT(es256_on_p384.set.refused.at("ehr-es384-1"), Catch::Contains("alg ES256 does not fit crv P-384"));
  CHECK(es256_on_p384.set.keys.size() == 3);

  auto rs_on_ec =
      parse_jwks(edited_first_key([](auto& key, auto& allocator) { set_string(key, "alg", "RS384", allocator); }));
  CHECK_THAT(rs_on_ec.set.refused.at("ehr-es384-1"), Catch::Contains("does not fit crv P-384"));
  auto crv_swapped = parse_jwks(edited_first_key([](auto& key, auto& allocator) {
    set_string(key, "crv", "P-256", allocator);
    key.RemoveMember("alg");
  }));
  CHECK_THAT(crv_swapped.set.refused.at("ehr-es384-1"), Catch::Contains("not 32-byte"));
  auto hmac =
      parse_jwks(edited_first_key([](auto& key, auto& allocator) { set_string(key, "alg", "HS384", allocator); }));
  CHECK_THAT(hmac.set.refused.at("ehr-es384-1"), Catch::Contains("not an accepted algorithm"));
}

TEST_CASE("an EC point off the curve or of the wrong size is refused") {
  auto off_curve = parse_jwks(edited_first_key([](auto& key, auto& allocator) {
    std::string y = *base64url_decode(key["y"].GetString());
    y.back() = static_cast<char>(y.back() ^ 1);
    set_string(key, "y", base64url_encode(y), allocator);
  }));
  CHECK_THAT(off_curve.set.refused.at("ehr-es384-1"), Catch::Contains("not a valid public key on P-384"));
  auto short_x = parse_jwks(edited_first_key([](auto& key, auto& allocator) {
    std::string x = *base64url_decode(key["x"].GetString());
    set_string(key, "x", base64url_encode(x.substr(1)), allocator);
  }));
  CHECK_THAT(short_x.set.refused.at("ehr-es384-1"), Catch::Contains("not 48-byte"));
}

TEST_CASE("RSA keys under 2048 bits are refused (RFC 7518 3.3)") {
  auto weak = parse_jwks(fixtures().file("weak-rsa.jwks.json"));
  REQUIRE(weak.error.empty());
  CHECK(weak.set.keys.empty());
  CHECK_THAT(weak.set.refused.at("weak-rsa"), Catch::Contains("1024 bits, fewer than 2048"));
  auto file = icans::load_jwks_file(fixtures().path("weak-rsa.jwks.json"));
  CHECK_THAT(file.error, Catch::Contains("holds no usable key"));
  CHECK_THAT(file.error, Catch::Contains("1024 bits"));
}

TEST_CASE("JWKs that are not for signing or of an unsupported type are refused with the reason") {
  auto parsed = parse_jwks(R"({"keys":[
      {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
      {"kty":"EC","crv":"P-521","kid":"p521","x":"AQ","y":"AQ"},
      {"kty":"EC","crv":"P-384","kid":"enc","use":"enc","x":"AQ","y":"AQ"},
      {"kty":"EC","crv":"P-384","kid":"ops","key_ops":["sign"],"x":"AQ","y":"AQ"},
      {"kty":"EC","crv":"P-384","x":"AQ","y":"AQ"}]})");
  REQUIRE(parsed.error.empty());
  CHECK(parsed.set.keys.empty());
  CHECK_THAT(parsed.set.refused.at("ed"), Catch::Contains("kty 'OKP' is not supported"));
  CHECK_THAT(parsed.set.refused.at("p521"), Catch::Contains("crv 'P-521' is not supported"));
  CHECK_THAT(parsed.set.refused.at("enc"), Catch::Contains("use is not \"sig\""));
  CHECK_THAT(parsed.set.refused.at("ops"), Catch::Contains("key_ops"));
  CHECK(parsed.set.refused.size() == 4);  // the key without kid cannot be named by any token
}

TEST_CASE("a JWK Set that is not one, or repeats a kid, is refused whole") {
  CHECK_THAT(parse_jwks("[]").error, Catch::Contains("no \"keys\" array"));
  CHECK_THAT(parse_jwks(R"({"keys":{}})").error, Catch::Contains("no \"keys\" array"));
  CHECK_THAT(parse_jwks("{").error, Catch::Contains("not JSON"));
  CHECK_THAT(parse_jwks(R"({"keys":[1]})").error, Catch::Contains("key 1 is not a JSON object"));
  const std::string set = fixtures().file("rotation-1.jwks.json");
  rapidjson::Document doc;
  doc.Parse(set.c_str());
  rapidjson::Value copy(doc["keys"][0], doc.GetAllocator());
  doc["keys"].PushBack(copy, doc.GetAllocator());
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc.Accept(writer);
  CHECK_THAT(parse_jwks(out.GetString()).error, Catch::Contains("kid 'rotation-1' occurs twice"));
  CHECK_THAT(icans::load_jwks_file("/nonexistent/keys.json").error, Catch::Contains("cannot be read"));
}

TEST_CASE("claims: aud must be the endpoint URL exactly, as a string or in an array") {
  const std::int64_t now = 1767225600000;
  JwtClaims claims = claims_at(1767225590, 1767225890);
  CHECK(check_jwt_claims(claims, kEndpoint, now, {}).empty());
  CHECK_THAT(check_jwt_claims(claims, kEndpoint + "/", now, {}), Catch::Contains("is not this endpoint"));
  CHECK_THAT(check_jwt_claims(claims, "https://cds.example.org/cds-services", now, {}),
             Catch::Contains("is not this endpoint"));
  claims.aud = {"https://cds.example.org/cds-services", kEndpoint};
  CHECK(check_jwt_claims(claims, kEndpoint, now, {}).empty());
  claims.aud = {"HTTPS://CDS.EXAMPLE.ORG/cds-services/icans-monitor"};
  CHECK_THAT(check_jwt_claims(claims, kEndpoint, now, {}), Catch::Contains("is not this endpoint"));
}

TEST_CASE("claims: exp and iat hold to the millisecond at the edge of the clock skew") {
  const ClaimsPolicy policy{60, 3600};
  const std::int64_t exp = 1767225600;
  JwtClaims claims = claims_at(exp - 300, exp);
  CHECK(check_jwt_claims(claims, kEndpoint, (exp + 60) * 1000 - 1, policy).empty());
  CHECK_THAT(check_jwt_claims(claims, kEndpoint, (exp + 60) * 1000, policy),
             Catch::Contains("expired at 2026-01-01T00:00:00Z"));
  CHECK_THAT(check_jwt_claims(claims, kEndpoint, exp * 1000, ClaimsPolicy{0, 3600}), Catch::Contains("expired"));

  const std::int64_t iat = 1767225600;
  claims = claims_at(iat, iat + 300);
  CHECK(check_jwt_claims(claims, kEndpoint, (iat - 60) * 1000, policy).empty());
  CHECK_THAT(check_jwt_claims(claims, kEndpoint, (iat - 60) * 1000 - 1, policy),
             Catch::Contains("issued in the future"));

  claims.nbf = iat + 100;
  CHECK_THAT(check_jwt_claims(claims, kEndpoint, iat * 1000, policy), Catch::Contains("not valid before"));
  CHECK(check_jwt_claims(claims, kEndpoint, (iat + 40) * 1000, policy).empty());
}

TEST_CASE("claims: exp must follow iat and the lifetime is capped") {
  const std::int64_t now = 1767225600000;
  CHECK_THAT(check_jwt_claims(claims_at(1767225600, 1767225600), kEndpoint, now, {}),
             Catch::Contains("exp is not after iat"));
  CHECK(check_jwt_claims(claims_at(1767225590, 1767225590 + 3600), kEndpoint, now, {}).empty());
  CHECK_THAT(check_jwt_claims(claims_at(1767225590, 1767225590 + 3601), kEndpoint, now, {}),
             Catch::Contains("lifetime of 3601 s exceeds the 3600 s allowed"));
}

TEST_CASE("replay cache: a jti is refused while its token lives, per issuer, and forgotten after") {
  ReplayCache cache(10);
  CHECK(cache.remember("iss-a", "jti-1", 2000, 1000) == ReplayCache::Outcome::fresh);
  CHECK(cache.remember("iss-a", "jti-1", 2000, 1500) == ReplayCache::Outcome::replayed);
  CHECK(cache.remember("iss-a", "jti-1", 2000, 2000) == ReplayCache::Outcome::replayed);  // the last instant counts
  CHECK(cache.remember("iss-b", "jti-1", 2000, 1500) == ReplayCache::Outcome::fresh);
  // Issuer and jti are not simply concatenated.
  CHECK(cache.remember("iss-a", "jti-12", 2000, 1500) == ReplayCache::Outcome::fresh);
  CHECK(cache.remember("iss-aj", "ti-12", 2000, 1500) == ReplayCache::Outcome::fresh);
  CHECK(cache.size() == 4);
  CHECK(cache.remember("iss-a", "jti-1", 5000, 2001) == ReplayCache::Outcome::fresh);
  CHECK(cache.size() == 1);
}

TEST_CASE("replay cache: when full of live tokens it refuses new ones rather than forget a live jti") {
  ReplayCache cache(2);
  CHECK(cache.remember("i", "a", 1000, 0) == ReplayCache::Outcome::fresh);
  CHECK(cache.remember("i", "b", 3000, 0) == ReplayCache::Outcome::fresh);
  CHECK(cache.remember("i", "c", 3000, 500) == ReplayCache::Outcome::full);
  CHECK(cache.remember("i", "a", 1000, 500) == ReplayCache::Outcome::replayed);
  CHECK(cache.size() == 2);
  CHECK(cache.remember("i", "c", 3000, 1001) == ReplayCache::Outcome::fresh);  // "a" forgotten, its slot free
  CHECK(cache.size() == 2);
}

TEST_CASE("replay cache: of many threads presenting one jti at once exactly one wins") {
  ReplayCache cache(1000);
  std::atomic<int> fresh{0};
  std::atomic<int> replayed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto outcome = cache.remember("iss", "jti-" + std::to_string(i), 10000, 0);
        (outcome == ReplayCache::Outcome::fresh ? fresh : replayed)++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(fresh == 100);
  CHECK(replayed == 700);
}

TEST_CASE("jku allow-list: same origin and a path under the prefix at a segment boundary") {
  const std::vector<std::string> allow{"https://ehr.example.org/keys", "http://127.0.0.1:8080/jwks/"};
  CHECK(icans::jku_allowed("https://ehr.example.org/keys", allow));
  CHECK(icans::jku_allowed("https://ehr.example.org/keys/set.json", allow));
  CHECK(icans::jku_allowed("https://EHR.example.org:443/keys/set.json", allow));
  CHECK(icans::jku_allowed("https://ehr.example.org/keys?v=2", allow));
  CHECK(icans::jku_allowed("http://127.0.0.1:8080/jwks/a.json", allow));

  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org/keys-evil/set.json", allow));
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org/other", allow));
  CHECK_FALSE(icans::jku_allowed("http://ehr.example.org/keys/set.json", allow));        // scheme
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org:8443/keys/set.json", allow));  // port
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org.evil.net/keys/set.json", allow));
  CHECK_FALSE(icans::jku_allowed("https://evil.net@ehr.example.org/keys/set.json", allow));
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org@evil.net/keys/set.json", allow));
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org/keys/../admin", allow));
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org/keys/%2e%2e/admin", allow));
  CHECK_FALSE(icans::jku_allowed("http://127.0.0.1:8080/jwks", allow));  // above the prefix "/jwks/"
  CHECK_FALSE(icans::jku_allowed("not a url", allow));
  CHECK_FALSE(icans::jku_allowed("https://ehr.example.org/keys/set.json", {}));
}

TEST_CASE("loggable quotes token values as short printable ASCII") {
  CHECK(icans::loggable("abc") == "'abc'");
  CHECK(icans::loggable("a\nb'c\\") == "'a?b?c?'");
  CHECK(icans::loggable(std::string(100, 'x'), 10) == "'xxxxxxxxxx...'");
}
