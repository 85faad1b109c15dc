// Signs one CDS Hooks client JWT with a private JWK that make-tokens.mjs
// wrote (OUT_DIR/private/<kid>.jwk.json), for the claims the fixed token set
// has no token for: another endpoint's aud, another issuer, a fresh jti for
// every call. Imported by the end-to-end tests (tests/e2e/trust.test.mjs);
// it lives here so that 'jose' resolves from tests/jwt/node_modules.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, importJWK } from 'jose';

// `claims` are the JWT claims (iss, aud, tenant, ...); iat and exp default
// to now and now + 300 s, jti to a fresh UUID. `header` adds to or replaces
// the protected header (alg and kid come from the key).
export async function signWith(privateJwkFile, claims, header = {}) {
  const jwk = JSON.parse(readFileSync(privateJwkFile, 'utf8'));
  const key = await importJWK(jwk, jwk.alg);
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, exp: now + 300, jti: randomUUID(), ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT', ...header }).sign(key);
}
