#include "cds/cli/jwt_sign.h"

#include <chrono>
#include <cstdio>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cds/cli/replay_http.h"
#include "cds/hooks/jwt.h"

namespace icans::cli {

// ES384 signatures are r || s, each 48 bytes (RFC 7518 section 3.4).
constexpr int kP384CoordinateBytes = 48;
constexpr int kMinRsaBits = 2048;
constexpr long kLifetimeSeconds = 300;

struct JwtSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

JwtSigner::JwtSigner() = default;
JwtSigner::~JwtSigner() = default;

std::string JwtSigner::load(const JwtOptions& options) {
  if (options.key_file.empty() || options.issuer.empty() || options.kid.empty()) {
    return "--jwt-key, --jwt-issuer and --jwt-kid go together (CDS Hooks requires iss and kid)";
  }
  BIO* bio = BIO_new_file(options.key_file.c_str(), "r");
  if (!bio) return options.key_file + ": cannot be opened for reading";
  auto key = std::make_unique<Key>();
  key->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key->pkey) return options.key_file + ": not a PEM private key (or it is encrypted)";
  if (EVP_PKEY_get_base_id(key->pkey) == EVP_PKEY_EC) {
    char group[64] = {0};
    std::size_t length = 0;
    if (!EVP_PKEY_get_utf8_string_param(key->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) ||
        std::string(group) != "secp384r1") {
      return options.key_file + ": an EC key must be on P-384 (secp384r1) for ES384, not " +
             (group[0] ? std::string(group) : std::string("an unknown curve"));
    }
    algorithm_ = "ES384";
  } else if (EVP_PKEY_get_base_id(key->pkey) == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key->pkey) < kMinRsaBits) {
      return options.key_file + ": an RSA key needs at least " + std::to_string(kMinRsaBits) + " bits";
    }
    algorithm_ = "RS384";
  } else {
    return options.key_file + ": CDS Hooks JWTs are ES384 or RS384; the key is neither EC nor RSA";
  }
  key_ = std::move(key);
  options_ = options;
  return {};
}

namespace {

std::string json_text(const std::initializer_list<std::pair<const char*, std::string>>& strings,
                      const std::initializer_list<std::pair<const char*, long long>>& numbers) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [name, value] : strings) {
    writer.Key(name);
    writer.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  }
  for (const auto& [name, value] : numbers) {
    writer.Key(name);
    writer.Int64(value);
  }
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

std::string JwtSigner::sign(const std::string& audience, std::string& error) const {
  if (!key_) {
    error = "no key loaded";
    return {};
  }
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string header = json_text({{"alg", algorithm_}, {"typ", "JWT"}, {"kid", options_.kid}}, {});
  const std::string claims = json_text(
      {{"iss", options_.issuer}, {"aud", audience}, {"jti", random_uuid()}},
      {{"iat", now}, {"exp", now + kLifetimeSeconds}});
  const std::string input = base64url_encode(header) + "." + base64url_encode(claims);

  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::size_t length = 0;
  std::string signature;
  bool ok = context && EVP_DigestSignInit(context, nullptr, EVP_sha384(), nullptr, key_->pkey) == 1 &&
            EVP_DigestSign(context, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    signature.resize(length);
    ok = EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    signature.resize(length);
  }
  EVP_MD_CTX_free(context);
  if (!ok) {
    error = "OpenSSL could not sign the JWT";
    return {};
  }
  if (algorithm_ == "ES384") {
    // OpenSSL gives a DER ECDSA-Sig-Value; JWS wants the raw r || s.
    const unsigned char* der = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
    if (!parsed) {
      error = "OpenSSL returned an unreadable ECDSA signature";
      return {};
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(parsed, &r, &s);
    std::string raw(2 * kP384CoordinateBytes, '\0');
    const bool padded =
        BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), kP384CoordinateBytes) == kP384CoordinateBytes &&
        BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + kP384CoordinateBytes, kP384CoordinateBytes) ==
            kP384CoordinateBytes;
    ECDSA_SIG_free(parsed);
    if (!padded) {
      error = "ECDSA signature does not fit P-384";
      return {};
    }
    signature = raw;
  }
  return input + "." + base64url_encode(signature);
}

}  // namespace icans::cli
