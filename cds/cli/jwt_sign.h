#pragma once
// The bearer JWT a CDS Client sends with each call
// (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients), signed ES384 (EC
// P-384 key) or RS384 (RSA key of at least 2048 bits), for replaying through
// a service that checks it. Header: alg, typ "JWT", kid. Claims: iss, aud
// (the endpoint called), iat, exp (5 minutes later, the longest the
// specification allows), jti (a fresh random UUID). Verified by
// cds/hooks/jwt.h in the tests.

#include <memory>
#include <string>

namespace icans::cli {

struct JwtOptions {
  std::string key_file;  // PEM private key
  std::string issuer;
  std::string kid;
};

class JwtSigner {
 public:
  JwtSigner();
  ~JwtSigner();
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  // Reads and checks the key. Empty string on success.
  std::string load(const JwtOptions& options);
  // A compact JWS for a call to `audience`; `error` set when signing fails.
  // Safe to call from several threads at once.
  std::string sign(const std::string& audience, std::string& error) const;
  const std::string& algorithm() const { return algorithm_; }

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string algorithm_;  // "ES384" or "RS384"
  JwtOptions options_;
};

}  // namespace icans::cli
