// Makes the keys and signed JWTs the C++ authentication tests verify
// (tests/unit/jwt_test.cc, auth_test.cc). They are signed by jose, an
// implementation independent of the service's own OpenSSL code, so a test
// passing means the two agree on real tokens, not that the code agrees with
// itself.
//
//   node tests/jwt/make-tokens.mjs OUT_DIR JKU_BASE_URL [AUDIENCE [NOW]]
//
// AUDIENCE (the aud of the tokens meant for the endpoint under test) and NOW
// (seconds since the epoch) default to fixed values; the end-to-end tests
// (tests/e2e/trust.test.mjs) give the real endpoint and clock, since the
// service they run verifies at its own time.
//
// OUT_DIR receives:
//   tokens.json              {now, issuer, rotating_issuer, audience, tenant, jku_base, tokens: {case: compact JWS}}
//   issuer.jwks.json         public keys of `issuer` (ES384, RS384, ES256, RS256)
//   rotation-1.jwks.json     the rotating issuer's set before and after key rotation
//   rotation-2.jwks.json
//   weak-rsa.jwks.json       one 1024-bit RSA key (below RFC 7518's minimum)
//   private.jwks.json        a set wrongly publishing a private key
//   private/*.jwk.json       the private JWKs the tokens were signed with
// Every token's times are fixed relative to `now` (seconds), so the tests
// verify them at that instant whatever the machine's clock says.
import { mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair } from 'jose';

const [outDir, jkuBase, audienceArgument, nowArgument] = process.argv.slice(2);
if (!outDir || !jkuBase || (nowArgument !== undefined && !/^[0-9]{9,11}$/.test(nowArgument))) {
  console.error('usage: node make-tokens.mjs OUT_DIR JKU_BASE_URL [AUDIENCE [NOW (epoch seconds)]]');
  process.exit(2);
}
mkdirSync(join(outDir, 'private'), { recursive: true });

const now = nowArgument ? Number(nowArgument) : 1767225600; // 2026-01-01T00:00:00Z
const issuer = 'https://ehr.example.org';
const rotatingIssuer = 'https://rotating-ehr.example.org';
const audience = audienceArgument || 'https://cds.example.org/cds-services/icans-monitor';
const tenant = '2ddd6c3a-8e9a-44c6-a305-52111ad302a2';

const writeJson = (name, value) => writeFileSync(join(outDir, name), JSON.stringify(value, null, 2) + '\n');

async function makeKey(alg, kid, options = {}) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  writeJson(join('private', `${kid}.jwk.json`), privateJwk);
  return { alg, kid, publicKey, privateKey, publicJwk, privateJwk };
}

const es384 = await makeKey('ES384', 'ehr-es384-1');
const rs384 = await makeKey('RS384', 'ehr-rs384-1', { modulusLength: 2048 });
const es256 = await makeKey('ES256', 'ehr-es256-1');
const rs256 = await makeKey('RS256', 'ehr-rs256-1', { modulusLength: 2048 });
const stranger = await makeKey('ES384', 'not-published');
const rotation1 = await makeKey('ES384', 'rotation-1');
const rotation2 = await makeKey('ES384', 'rotation-2');
const rotation3 = await makeKey('ES384', 'rotation-3');

writeJson('issuer.jwks.json', { keys: [es384, rs384, es256, rs256].map((k) => k.publicJwk) });
writeJson('rotation-1.jwks.json', { keys: [rotation1.publicJwk] });
writeJson('rotation-2.jwks.json', { keys: [rotation2.publicJwk] });
writeJson('private.jwks.json', { keys: [es384.privateJwk] });
// jose refuses to make RSA keys under 2048 bits; node's own crypto still does.
const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
writeJson('weak-rsa.jwks.json', { keys: [{ ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak-rsa', alg: 'RS384', use: 'sig' }] });

function claims(overrides = {}) {
  const base = { iss: issuer, aud: audience, iat: now - 10, exp: now + 290, jti: randomUUID(), tenant };
  const merged = { ...base, ...overrides };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

async function sign(key, payload, header = {}) {
  const protectedHeader = { alg: key.alg, kid: key.kid, typ: 'JWT', ...header };
  for (const [name, value] of Object.entries(protectedHeader)) if (value === undefined) delete protectedHeader[name];
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key.privateKey);
}

const encodeJson = (value) => base64url.encode(JSON.stringify(value));
const tokens = {};

tokens.valid_es384 = await sign(es384, claims());
tokens.valid_rs384 = await sign(rs384, claims());
tokens.valid_es256 = await sign(es256, claims());
tokens.valid_rs256 = await sign(rs256, claims());
tokens.valid_aud_array = await sign(es384, claims({ aud: ['https://other.example.org/cds-services/x', audience] }));
tokens.valid_sub_nbf_no_tenant = await sign(es384, claims({ sub: issuer, nbf: now - 10, tenant: undefined }));
tokens.expired_within_skew = await sign(es384, claims({ iat: now - 330, exp: now - 30 }));
tokens.iat_future_within_skew = await sign(es384, claims({ iat: now + 30, exp: now + 330 }));

// alg "none": no signature at all (RFC 7519 6.1), made by hand on purpose.
tokens.alg_none = `${encodeJson({ alg: 'none', typ: 'JWT', kid: es384.kid })}.${encodeJson(claims())}.`;
// Algorithm confusion: HMAC keyed with the RSA public key a verifier has on
// file; a verifier letting the token pick the algorithm would accept it.
tokens.hs384_confusion = await new SignJWT(claims())
  .setProtectedHeader({ alg: 'HS384', kid: rs384.kid, typ: 'JWT' })
  .sign(new TextEncoder().encode(await exportSPKI(rs384.publicKey)));
tokens.wrong_aud = await sign(es384, claims({ aud: 'https://cds.example.org/cds-services/other-service' }));
tokens.wrong_aud_array = await sign(es384, claims({ aud: ['https://cds.example.org/cds-services'] }));
tokens.expired = await sign(es384, claims({ iat: now - 600, exp: now - 120 }));
tokens.iat_future = await sign(es384, claims({ iat: now + 120, exp: now + 420 }));
tokens.nbf_future = await sign(es384, claims({ nbf: now + 120 }));
tokens.lifetime_too_long = await sign(es384, claims({ exp: now + 86400 }));
tokens.unknown_iss = await sign(es384, claims({ iss: 'https://evil.example.org' }));
tokens.unknown_kid = await sign(stranger, claims());
tokens.typ_missing = await sign(es384, claims(), { typ: undefined });
tokens.kid_missing = await sign(es384, claims(), { kid: undefined });
// Signed by the EC key but naming the RSA key: alg and key type disagree.
tokens.alg_key_mismatch = await sign(es384, claims(), { kid: rs384.kid });
tokens.wrong_tenant = await sign(es384, claims({ tenant: 'another-organisation' }));

{
  const [header, , signature] = (await sign(es384, claims())).split('.');
  tokens.tampered_payload = `${header}.${encodeJson(claims({ iss: issuer, tenant: 'another-organisation' }))}.${signature}`;
}
for (const [name, key] of [['truncated_signature_es384', es384], ['truncated_signature_rs384', rs384]]) {
  // Whole bytes cut off, so the encoding stays valid and only the length is wrong.
  const [header, payload, signature] = (await sign(key, claims())).split('.');
  tokens[name] = `${header}.${payload}.${base64url.encode(base64url.decode(signature).slice(0, -3))}`;
}

const trustedJku = `${jkuBase}/trusted/jwks.json`;
const rotating = (overrides) => claims({ iss: rotatingIssuer, tenant: undefined, ...overrides });
tokens.rotation_1 = await sign(rotation1, rotating(), { jku: trustedJku });
tokens.rotation_1_again = await sign(rotation1, rotating(), { jku: trustedJku });
tokens.rotation_2 = await sign(rotation2, rotating({ iat: now + 50, exp: now + 350 }), { jku: trustedJku });
tokens.rotation_2_again = await sign(rotation2, rotating({ iat: now + 60, exp: now + 360 }), { jku: trustedJku });
tokens.rotation_unknown = await sign(rotation3, rotating({ iat: now + 60, exp: now + 360 }), { jku: trustedJku });
tokens.jku_off_allowlist = await sign(rotation1, rotating(), { jku: `${jkuBase}/untrusted/jwks.json` });
tokens.jku_lookalike = await sign(rotation1, rotating(), { jku: `${jkuBase}/trusted-evil/jwks.json` });
tokens.jku_dot_segments = await sign(rotation1, rotating(), { jku: `${jkuBase}/trusted/../untrusted/jwks.json` });
tokens.jku_on_static_issuer = await sign(es384, claims(), { jku: trustedJku });

writeJson('tokens.json', {
  now,
  issuer,
  rotating_issuer: rotatingIssuer,
  audience,
  tenant,
  jku_base: jkuBase,
  tokens,
});
