// End-to-end tests of the service's trust boundary (docs/cds-hooks.md,
// "Security"): the real `icans-cds serve` with authentication on, real JWTs
// signed by npm jose (tests/jwt/make-tokens.mjs and tests/jwt/sign.mjs), a
// JWKS server whose key set rotates, FHIR servers that count every
// connection, and HTTPS with a certificate made by openssl at test time.
// Run by ctest as e2e_trust, or directly:
//   ICANS_BINARY=build/icans-cds node --test tests/e2e/trust.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { exampleRequest, shiftToNow } from './example-request.mjs';
import { signWith } from '../jwt/sign.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BINARY = process.env.ICANS_BINARY ?? join(ROOT, 'build', 'icans-cds');
const MAKE_TOKENS = join(ROOT, 'tests', 'jwt', 'make-tokens.mjs');
const START_TIMEOUT_MS = 20000;
const REQUEST_TIMEOUT_MS = 10000;
const ACCESS_TOKEN = 'EHR-ACCESS-TOKEN-0123456789';
const PATIENT_VIEW = '/cds-services/icans-patient-view';
const OTHER_ISSUER = 'https://other-ehr.example.org';

// ---- processes and servers ------------------------------------------------------

const running = new Set();

// Spawns `icans-cds serve` and resolves once it logs "listening"; every
// stderr line is kept in proc.lines.
function startService(args) {
  const child = spawn(BINARY, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, lines: [] };
  proc.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  running.add(proc);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${proc.lines.join('\n')}`)), START_TIMEOUT_MS);
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        proc.lines.push(line);
        if (jsonLine(line)?.event === 'listening') {
          clearTimeout(timer);
          resolve(proc);
        }
      }
    });
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before listening:\n${proc.lines.join('\n')}`));
    });
  });
}

async function stopService(proc) {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  const result = await proc.exited;
  running.delete(proc);
  return result;
}

function run(command, args) {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60000 }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr })
    );
  });
}

function jsonLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function freePort() {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Serves the current JWK Set at /trusted/jwks.json; counts every request by path.
function startJwksServer() {
  const jwks = { served: '{"keys":[]}', requests: {} };
  jwks.server = createHttpServer((request, response) => {
    jwks.requests[request.url] = (jwks.requests[request.url] ?? 0) + 1;
    if (request.url !== '/trusted/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks.served);
  });
  return listen(jwks.server).then((port) => Object.assign(jwks, { base: `http://127.0.0.1:${port}` }));
}

// A FHIR server that answers every search with an empty Bundle and records
// each request and whether it carried the EHR's access token.
function startFhirServer() {
  const fhir = { requests: [] };
  fhir.server = createHttpServer((request, response) => {
    fhir.requests.push({ url: request.url, authorized: request.headers.authorization === `Bearer ${ACCESS_TOKEN}` });
    response
      .writeHead(200, { 'Content-Type': 'application/fhir+json' })
      .end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] }));
  });
  return listen(fhir.server).then((port) => Object.assign(fhir, { port }));
}

// A TCP port that counts connections and never answers: the proof that the
// service did not even try.
function startConnectionCounter() {
  const counter = { connections: 0, sockets: new Set() };
  counter.server = createTcpServer((socket) => {
    counter.connections += 1;
    counter.sockets.add(socket);
    socket.on('close', () => counter.sockets.delete(socket));
  });
  return listen(counter.server).then((port) => Object.assign(counter, { port }));
}

// ---- HTTP -------------------------------------------------------------------------

async function call(url, { method = 'GET', body, token, headers = {} } = {}) {
  const all = { ...headers };
  if (body !== undefined) all['Content-Type'] = 'application/json';
  if (token !== undefined) all.Authorization = `Bearer ${token}`;
  const started = Date.now();
  const response = await fetch(url, {
    method,
    headers: all,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: jsonLine(text), elapsed: Date.now() - started };
}

function callHttps(url, { ca, token } = {}) {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { Authorization: `Bearer ${token}` };
    const request = httpsRequest(url, { ca, headers, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, text, json: jsonLine(text) }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

// ---- fixtures -----------------------------------------------------------------------

const shared = {};
let hookInstances = 0;

// The axicel example moved to now, with the full prefetch an EHR would send
// (tests/e2e/example-request.mjs) and a fresh hookInstance.
function patientView(extra = {}) {
  hookInstances += 1;
  const body = exampleRequest(shared.axicel, 'patient-view');
  body.hookInstance = `7a0c0000-0000-4000-8000-${String(hookInstances).padStart(12, '0')}`;
  return { ...body, ...extra };
}

// Without prefetch, so the service must fetch from `fhirServer`.
function needingFetch(fhirServer) {
  const body = patientView({
    fhirServer,
    fhirAuthorization: { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'icans-cds' },
  });
  delete body.prefetch;
  return body;
}

// A fresh token of the static issuer (or `iss`, signed with the same key) for `path`.
function tokenFor(path, { iss = shared.tokens.issuer, base = shared.base } = {}) {
  return signWith(join(shared.tokenDir, 'private', 'ehr-es384-1.jwk.json'), {
    iss,
    aud: `${base}${path}`,
    ...(iss === shared.tokens.issuer ? { tenant: shared.tokens.tenant } : {}),
  });
}

function logLinesFor(proc, predicate) {
  return proc.lines.map(jsonLine).filter((entry) => entry && predicate(entry));
}

before(async () => {
  shared.directory = mkdtempSync(join(tmpdir(), 'icans-trust-'));
  shared.axicel = shiftToNow(JSON.parse(readFileSync(join(ROOT, 'examples', 'axicel-icans-grade3.json'), 'utf8')));
  [shared.jwks, shared.fhir, shared.forbidden] = await Promise.all([
    startJwksServer(),
    startFhirServer(),
    startConnectionCounter(),
  ]);
  shared.port = await freePort();
  shared.base = `http://127.0.0.1:${shared.port}`;

  // The tokens' aud is the endpoint they are presented to, their clock the real one.
  shared.tokenDir = join(shared.directory, 'tokens');
  const made = await run(process.execPath, [
    MAKE_TOKENS,
    shared.tokenDir,
    shared.jwks.base,
    `${shared.base}${PATIENT_VIEW}`,
    String(Math.floor(Date.now() / 1000)),
  ]);
  assert.equal(made.code, 0, made.stderr);
  shared.tokens = JSON.parse(readFileSync(join(shared.tokenDir, 'tokens.json'), 'utf8'));
  shared.jwks.served = readFileSync(join(shared.tokenDir, 'rotation-1.jwks.json'), 'utf8');

  const issuers = [
    {
      iss: shared.tokens.issuer,
      jwks_file: 'tokens/issuer.jwks.json',
      tenant: shared.tokens.tenant,
      fhir_server_allow: [{ scheme: 'http', host: '127.0.0.1', port: shared.fhir.port, path_prefix: '/fhir' }],
    },
    { iss: shared.tokens.rotating_issuer, jku_allow: [`${shared.jwks.base}/trusted`] },
    { iss: OTHER_ISSUER, jwks_file: 'tokens/issuer.jwks.json' },
  ];
  writeFileSync(join(shared.directory, 'issuers.json'), JSON.stringify(issuers, null, 2));
  shared.service = await startService([
    '--port', String(shared.port),
    '--db', join(shared.directory, 'trust.db'),
    '--auth-issuers', join(shared.directory, 'issuers.json'),
    '--public-base-url', shared.base,
    '--development',
    // Key rotation is picked up at the next unknown kid, at most once per interval.
    '--auth-jwks-refresh-interval-s', '1',
  ]);
});

after(async () => {
  await Promise.all([...running].map((proc) => stopService(proc)));
  for (const name of ['jwks', 'fhir', 'forbidden']) {
    const server = shared[name];
    if (!server) continue;
    for (const socket of server.sockets ?? []) socket.destroy();
    await new Promise((resolve) => server.server.close(resolve));
  }
  if (shared.directory) rmSync(shared.directory, { recursive: true, force: true });
});

// ---- authentication -------------------------------------------------------------------

test('valid ES384 and RS384 tokens are accepted, and the issuer is logged', { timeout: 30000 }, async () => {
  for (const name of ['valid_es384', 'valid_rs384']) {
    const response = await call(`${shared.base}${PATIENT_VIEW}`, { method: 'POST', body: patientView(), token: shared.tokens.tokens[name] });
    assert.equal(response.status, 200, `${name}: ${response.text}`);
    assert.ok(response.json.cards.some((card) => /ICANS grade 3/.test(card.summary)), name);
  }
  const accepted = logLinesFor(shared.service, (entry) => entry.path === PATIENT_VIEW && entry.status === 200);
  assert.ok(accepted.length >= 2);
  assert.ok(accepted.every((entry) => entry.iss === shared.tokens.issuer && entry.tenant === shared.tokens.tenant));
});

test('forged, stale, misdirected and replayed tokens all get the same bare 401', { timeout: 60000 }, async () => {
  const rejected = [
    'alg_none', 'hs384_confusion', 'wrong_aud', 'wrong_aud_array', 'expired', 'iat_future', 'nbf_future',
    'lifetime_too_long', 'unknown_iss', 'unknown_kid', 'typ_missing', 'kid_missing', 'alg_key_mismatch',
    'wrong_tenant', 'tampered_payload', 'truncated_signature_es384', 'truncated_signature_rs384', 'valid_es256',
    'valid_rs256', 'jku_off_allowlist', 'jku_lookalike', 'jku_dot_segments', 'jku_on_static_issuer',
  ];
  // A replay: the first use is accepted, the second refused.
  const replayed = shared.tokens.tokens.valid_aud_array;
  const first = await call(`${shared.base}${PATIENT_VIEW}`, { method: 'POST', body: patientView(), token: replayed });
  assert.equal(first.status, 200, first.text);

  const answers = [];
  for (const name of [...rejected, 'valid_aud_array']) {
    const response = await call(`${shared.base}${PATIENT_VIEW}`, { method: 'POST', body: patientView(), token: shared.tokens.tokens[name] });
    assert.equal(response.status, 401, `${name}: ${response.text}`);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer', name);
    answers.push(response.text);
  }
  // Identical answers: nothing tells a caller which check failed.
  assert.deepEqual(new Set(answers), new Set([answers[0]]));
  assert.deepEqual(JSON.parse(answers[0]), { error: 'unauthorized' });

  // The log says why, and never carries a token or a signature.
  const denials = logLinesFor(shared.service, (entry) => entry.status === 401 && entry.path === PATIENT_VIEW);
  assert.ok(denials.length >= rejected.length + 1);
  assert.ok(denials.every((entry) => entry.note.startsWith('auth: ')), JSON.stringify(denials));
  assert.ok(denials.some((entry) => /\(replay\)/.test(entry.note)));
  const log = shared.service.lines.join('\n');
  for (const name of [...rejected, 'valid_es384']) {
    const token = shared.tokens.tokens[name];
    assert.ok(!log.includes(token), `${name} is in the log`);
    const signature = token.split('.')[2];
    if (signature) assert.ok(!log.includes(signature), `${name}'s signature is in the log`);
  }
  // A jku off the allow-list is never fetched.
  assert.deepEqual(Object.keys(shared.jwks.requests).filter((path) => path !== '/trusted/jwks.json'), []);
});

test('every call under /cds-services needs a token for exactly its URL; health and metrics do not', { timeout: 30000 }, async () => {
  assert.equal((await call(`${shared.base}/cds-services`)).status, 401);
  assert.equal((await call(`${shared.base}/cds-services/no-such-service`, { method: 'POST', body: {} })).status, 401);
  // A token for patient-view opens neither discovery nor another service.
  const forPatientView = await tokenFor(PATIENT_VIEW);
  assert.equal((await call(`${shared.base}/cds-services`, { token: forPatientView })).status, 401);
  const discovery = await call(`${shared.base}/cds-services`, { token: await tokenFor('/cds-services') });
  assert.equal(discovery.status, 200, discovery.text);
  assert.equal(discovery.json.services.length, 3);
  const feedback = await call(`${shared.base}${PATIENT_VIEW}/feedback`, {
    method: 'POST',
    body: { feedback: [{ card: '00000000-0000-4000-8000-000000000001', outcome: 'overridden', outcomeTimestamp: new Date().toISOString() }] },
    token: await tokenFor(`${PATIENT_VIEW}/feedback`),
  });
  assert.equal(feedback.status, 200, feedback.text);
  assert.equal((await call(`${shared.base}/healthz`)).status, 200);
  const metrics = await call(`${shared.base}/metrics`);
  assert.equal(metrics.status, 200);
  const denied = Number(/^icans_auth_denied_total (\d+)$/m.exec(metrics.text)?.[1]);
  assert.ok(denied >= 3, metrics.text);
});

test('key rotation: a new kid at the allow-listed jku is picked up', { timeout: 30000 }, async () => {
  const present = (name) =>
    call(`${shared.base}${PATIENT_VIEW}`, { method: 'POST', body: patientView(), token: shared.tokens.tokens[name] });
  const before = shared.jwks.requests['/trusted/jwks.json'] ?? 0;
  const first = await present('rotation_1');
  assert.equal(first.status, 200, first.text);
  assert.equal(shared.jwks.requests['/trusted/jwks.json'], before + 1);

  shared.jwks.served = readFileSync(join(shared.tokenDir, 'rotation-2.jwks.json'), 'utf8');
  await new Promise((resolve) => setTimeout(resolve, 1100)); // --auth-jwks-refresh-interval-s 1
  const rotated = await present('rotation_2');
  assert.equal(rotated.status, 200, rotated.text);
  assert.equal(shared.jwks.requests['/trusted/jwks.json'], before + 2);
  assert.ok(logLinesFor(shared.service, (entry) => entry.iss === shared.tokens.rotating_issuer).length >= 2);
  // A kid in neither set stays refused.
  assert.equal((await present('rotation_unknown')).status, 401);
});

// ---- outbound ----------------------------------------------------------------------------

test("a fhirServer on the caller's list is fetched from with the EHR's token", { timeout: 30000 }, async () => {
  const before = shared.fhir.requests.length;
  const response = await call(`${shared.base}${PATIENT_VIEW}`, {
    method: 'POST',
    body: needingFetch(`http://127.0.0.1:${shared.fhir.port}/fhir`),
    token: await tokenFor(PATIENT_VIEW),
  });
  assert.equal(response.status, 200, response.text);
  const fetched = shared.fhir.requests.slice(before);
  assert.ok(fetched.some((request) => request.url.startsWith('/fhir/Observation?patient=')), JSON.stringify(fetched));
  assert.ok(fetched.every((request) => request.authorized));
});

test('a fhirServer off the list is never contacted: other local ports, link-local, look-alikes, other clients', { timeout: 60000 }, async () => {
  const fetchesBefore = shared.fhir.requests.length;
  const cases = [
    { fhirServer: `http://127.0.0.1:${shared.forbidden.port}/fhir` }, // a local port not configured
    { fhirServer: 'http://169.254.169.254/latest/meta-data' }, // cloud metadata, link-local
    { fhirServer: 'http://[fe80::1]/fhir' }, // IPv6 link-local
    { fhirServer: `http://127.0.0.1:${shared.fhir.port}/fhir-evil` }, // the allowed port, off the path prefix
    { fhirServer: `http://localhost:${shared.fhir.port}/fhir` }, // the same place by another name
    { fhirServer: `http://127.0.0.1:${shared.fhir.port}/fhir`, iss: OTHER_ISSUER }, // allowed for another client only
  ];
  for (const { fhirServer, iss } of cases) {
    const response = await call(`${shared.base}${PATIENT_VIEW}`, {
      method: 'POST',
      body: needingFetch(fhirServer),
      token: await tokenFor(PATIENT_VIEW, { iss }),
    });
    assert.equal(response.status, 412, `${fhirServer}: ${response.text}`);
    assert.ok(
      response.json.missing.some((reason) => reason.includes('fhirServer is not among the FHIR servers allowed for this client')),
      response.text
    );
    assert.ok(!response.text.includes(ACCESS_TOKEN));
    // The counting port accepts and never answers: a fetch would have run into the 2000 ms deadline.
    assert.ok(response.elapsed < 1500, `${fhirServer}: ${response.elapsed} ms, as if something was tried`);
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // a late connection would show up here
  assert.equal(shared.forbidden.connections, 0);
  assert.equal(shared.fhir.requests.length, fetchesBefore);
  const refused = logLinesFor(shared.service, (entry) => entry.status === 412 && entry.path === PATIENT_VIEW);
  assert.ok(refused.length >= cases.length);
  assert.ok(refused.every((entry) => entry.fhir_fetches === undefined), JSON.stringify(refused));
});

// ---- start-up, development mode, TLS --------------------------------------------------------

test('authentication is on by default: serve without issuers does not start', { timeout: 30000 }, async () => {
  const bare = await run(BINARY, ['serve', '--port', '0', '--db', join(shared.directory, 'bare.db')]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /authentication is on \(the default\) but no issuer is trusted/);
  assert.match(bare.stderr, /--public-base-url is required with authentication/);

  // http anywhere in the trust configuration needs --development.
  const strict = await run(BINARY, [
    'serve', '--port', '0', '--db', join(shared.directory, 'strict.db'),
    '--auth-issuers', join(shared.directory, 'issuers.json'), '--public-base-url', shared.base,
  ]);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /--public-base-url: plain http needs --development/);
  assert.match(strict.stderr, /fhir_server_allow http:\/\/127\.0\.0\.1:\d+\/fhir: plain http needs --development/);
  assert.match(strict.stderr, /jku_allow 'http:\/\/127\.0\.0\.1:\d+\/trusted': plain http needs --development/);

  // --no-auth is explicit, and said loudly.
  const open = await startService(['--port', '0', '--db', join(shared.directory, 'open.db'), '--no-auth']);
  const warning = logLinesFor(open, (entry) => entry.event === 'warning');
  assert.match(warning[0].message, /AUTHENTICATION IS OFF/);
  assert.equal(logLinesFor(open, (entry) => entry.event === 'listening')[0].auth, 'off');
  await stopService(open);
  const development = shared.service.lines.map(jsonLine).find((entry) => entry?.event === 'warning');
  assert.match(development.message, /development mode/);
});

test('HTTPS: discovery over TLS with a certificate from openssl, and https-only fetching', { timeout: 60000 }, async () => {
  const tls = join(shared.directory, 'tls');
  mkdirSync(tls);
  const made = await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(tls, 'key.pem'), '-out', join(tls, 'cert.pem'),
  ]);
  assert.equal(made.code, 0, made.stderr);
  const ca = readFileSync(join(tls, 'cert.pem'));

  // Production settings: no --development, so everything must be https.
  const issuers = [
    {
      iss: shared.tokens.issuer,
      jwks_file: '../tokens/issuer.jwks.json',
      tenant: shared.tokens.tenant,
      fhir_server_allow: [{ scheme: 'https', host: '127.0.0.1', port: shared.fhir.port, path_prefix: '/fhir' }],
    },
  ];
  writeFileSync(join(tls, 'issuers.json'), JSON.stringify(issuers));
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const service = await startService([
    '--port', String(port), '--db', join(tls, 'tls.db'),
    '--tls-cert', join(tls, 'cert.pem'), '--tls-key', join(tls, 'key.pem'),
    '--auth-issuers', join(tls, 'issuers.json'), '--public-base-url', base,
  ]);
  assert.equal(logLinesFor(service, (entry) => entry.event === 'listening')[0].scheme, 'https');

  const discovery = await callHttps(`${base}/cds-services`, { ca, token: await tokenFor('/cds-services', { base }) });
  assert.equal(discovery.status, 200, discovery.text);
  assert.equal(discovery.json.services.length, 3);
  assert.equal((await callHttps(`${base}/cds-services`, { ca })).status, 401);
  // The certificate is checked: without the CA the client refuses it.
  await assert.rejects(callHttps(`${base}/healthz`), /self[- ]signed|certificate/i);
  // Plain HTTP on the TLS port gets no answer.
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) }));

  // Outside development mode an http fhirServer is refused, even on a listed host and port.
  const before = shared.fhir.requests.length;
  const response = await new Promise((resolve, reject) => {
    const body = JSON.stringify(needingFetch(`http://127.0.0.1:${shared.fhir.port}/fhir`));
    tokenFor(PATIENT_VIEW, { base }).then((token) => {
      const request = httpsRequest(`${base}${PATIENT_VIEW}`, {
        method: 'POST',
        ca,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      }, (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk) => (text += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode, text }));
      });
      request.on('error', reject);
      request.end(body);
    }, reject);
  });
  assert.equal(response.status, 412, response.text);
  assert.match(response.text, /fhirServer is not https/);
  assert.equal(shared.fhir.requests.length, before);
  assert.equal((await stopService(service)).code, 0);
});
