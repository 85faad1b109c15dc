// End-to-end tests of `icans-cds serve`: the real binary, a real FHIR R4
// server (tests/e2e/fhir-server/server.mjs, Medplum) and plain HTTP, the way
// an EHR would call them. Run by ctest as e2e_service, or directly:
//   ICANS_BINARY=build/icans-cds node --test tests/e2e/service.test.mjs
//
// The examples are charted months ago; grading happens at the request's
// arrival, so each example is shifted in time (every dateTime moved by the
// same amount, offsets kept) to end five minutes before the test starts
// (tests/e2e/example-request.mjs, also the README's curl example).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { shiftToNow } from './example-request.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BINARY = process.env.ICANS_BINARY ?? join(ROOT, 'build', 'icans-cds');
const FHIR_SERVER = join(ROOT, 'tests', 'e2e', 'fhir-server', 'server.mjs');
const TOKEN = 'SECRET';
const START_TIMEOUT_MS = 20000;
const REQUEST_TIMEOUT_MS = 10000;
const DEADLINE_MS = 2000; // the service's default --fetch-deadline-ms
const MARGIN_MS = 1500;

const AXICEL = 'axicel-icans3';
const LISOCEL = 'lisocel-icans-no-crs';
const TOCILIZUMAB_DRAFT = 'lc-rx-tocilizumab-draft';
// Its administrations name their drug by reference to Medication resources,
// which no prefetch template asks for: only the FHIR server holds them.
const EDEMA = 'axicel-edema';
// A Medication only the FHIR server holds, for a draft naming its drug by reference.
const TOCILIZUMAB_MEDICATION = {
  resourceType: 'Medication',
  id: 'lc-med-tocilizumab',
  code: {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '612865', display: 'tocilizumab' }],
    text: 'tocilizumab 20 mg/mL injection',
  },
};

// ---- processes ---------------------------------------------------------------

const running = new Set();

// Spawns a process and resolves once `ready(line)` returns a value for a line
// of `stream`; every line of both streams is kept in `lines`.
function start(command, args, stream, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = { stdout: [], stderr: [] };
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const proc = { child, lines, exited };
  running.add(proc);
  exited.then(() => running.delete(proc));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not start within ${START_TIMEOUT_MS} ms:\n${lines.stderr.join('\n')}`));
    }, START_TIMEOUT_MS);
    for (const name of ['stdout', 'stderr']) {
      let pending = '';
      child[name].setEncoding('utf8');
      child[name].on('data', (chunk) => {
        pending += chunk;
        let newline;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          lines[name].push(line);
          if (name !== stream) continue;
          const value = ready(line);
          if (value !== undefined) {
            clearTimeout(timer);
            resolve(Object.assign(proc, { value }));
          }
        }
      });
    }
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${lines.stderr.join('\n')}`));
    });
  });
}

async function stop(proc, signal = 'SIGTERM') {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill(signal);
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), 10000);
  });
  const result = await Promise.race([proc.exited, timeout]);
  clearTimeout(timer);
  if (result) return result;
  proc.child.kill('SIGKILL');
  return proc.exited;
}

function jsonLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

async function startFhirServer(extra = []) {
  const proc = await start(
    process.execPath,
    [
      FHIR_SERVER,
      ...['--port', '0', '--token', TOKEN],
      ...['--load', shared.axicelFile, '--load', shared.lisocelFile, '--load', shared.edemaFile],
      ...['--load', shared.medicationFile],
      ...extra,
    ],
    'stdout',
    (line) => jsonLine(line)?.port
  );
  proc.url = `http://127.0.0.1:${proc.value}`;
  return proc;
}

// Authentication and the outbound allow-list have their own tests
// (trust.test.mjs); here the service runs open, allowed to fetch from this
// file's FHIR servers over plain http.
async function startService(args = []) {
  const fhirServers = [shared.fhir.url, ...[shared.slowPort, shared.downPort].map((port) => `http://127.0.0.1:${port}`)];
  const open = ['--no-auth', '--development', '--fhir-server-allow', fhirServers.join(',')];
  const proc = await start(BINARY, ['serve', '--port', '0', ...open, ...args], 'stderr', (line) => {
    const event = jsonLine(line);
    return event?.event === 'listening' ? event.port : undefined;
  });
  proc.url = `http://127.0.0.1:${proc.value}`;
  return proc;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function run(command, args) {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: REQUEST_TIMEOUT_MS }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr })
    );
  });
}

// ---- HTTP ---------------------------------------------------------------------

async function call(url, { method = 'GET', body, headers = {} } = {}) {
  const started = Date.now();
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, elapsed: Date.now() - started };
}

async function fhirGet(fhir, query) {
  const response = await call(`${fhir.url}/${query}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(response.status, 200, `FHIR ${query}: ${response.text}`);
  return response.json;
}

// ---- requests -------------------------------------------------------------------

// What a conformant EHR sends for the discovery templates: each expanded with
// the patient id and run against its FHIR server.
async function prefetchFor(fhir, service, patientId) {
  const prefetch = {};
  for (const [key, template] of Object.entries(service.prefetch)) {
    prefetch[key] = await fhirGet(fhir, template.replaceAll('{{context.patientId}}', patientId));
  }
  return prefetch;
}

let hookInstances = 0;
function hookInstance() {
  hookInstances += 1;
  return `0e2e0000-0000-4000-8000-${String(hookInstances).padStart(12, '0')}`;
}

function patientView(patientId, extra = {}) {
  return {
    hook: 'patient-view',
    hookInstance: hookInstance(),
    context: { userId: 'Practitioner/example', patientId },
    ...extra,
  };
}

// order-select of the lisocel example's tocilizumab draft, given as `draft`.
function orderSelect(draft, extra = {}) {
  return {
    hook: 'order-select',
    hookInstance: hookInstance(),
    context: {
      userId: 'PractitionerRole/123',
      patientId: LISOCEL,
      selections: [`MedicationRequest/${TOCILIZUMAB_DRAFT}`],
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft }] },
    },
    ...extra,
  };
}

function authorization(fhir) {
  return {
    fhirServer: fhir.url,
    fhirAuthorization: {
      access_token: TOKEN,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'user/*.read',
      subject: 'icans-cds',
    },
  };
}

function summaries(response) {
  assert.ok(Array.isArray(response.json?.cards), `no cards array: ${response.text}`);
  return response.json.cards.map((card) => card.summary);
}

// ---- the examples, moved to now -----------------------------------------------

function shiftExample(file, directory) {
  const bundle = shiftToNow(JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')));
  const path = join(directory, file);
  writeFileSync(path, JSON.stringify(bundle));
  return { path, bundle };
}

// ---- shared fixtures -------------------------------------------------------------

const shared = {};

before(async () => {
  shared.directory = mkdtempSync(join(tmpdir(), 'icans-e2e-'));
  const axicel = shiftExample('axicel-icans-grade3.json', shared.directory);
  const lisocel = shiftExample('icans-without-crs-tocilizumab-draft.json', shared.directory);
  shared.axicelFile = axicel.path;
  shared.lisocelFile = lisocel.path;
  shared.lisocelBundle = lisocel.bundle;
  shared.edemaFile = shiftExample('edema-grade4-methylpred.json', shared.directory).path;
  shared.medicationFile = join(shared.directory, 'medications.json');
  writeFileSync(
    shared.medicationFile,
    JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: TOCILIZUMAB_MEDICATION }] })
  );
  shared.fhir = await startFhirServer();
  shared.slowPort = await freePort();
  shared.downPort = await freePort();
  shared.service = await startService(['--db', join(shared.directory, 'shared.db')]);
  const discovery = await call(`${shared.service.url}/cds-services`);
  shared.services = Object.fromEntries(discovery.json.services.map((service) => [service.id, service]));
});

after(async () => {
  await Promise.all([...running].map((proc) => stop(proc)));
  if (shared.directory) rmSync(shared.directory, { recursive: true, force: true });
});

// ---- tests ----------------------------------------------------------------------

test('discovery lists the three services with their prefetch templates', { timeout: 30000 }, async () => {
  const response = await call(`${shared.service.url}/cds-services`);
  assert.equal(response.status, 200);
  const hooks = Object.fromEntries(response.json.services.map((service) => [service.id, service.hook]));
  assert.deepEqual(hooks, {
    'icans-patient-view': 'patient-view',
    'icans-order-select': 'order-select',
    'icans-order-sign': 'order-sign',
  });
  for (const service of response.json.services) {
    assert.ok(service.description && service.title);
    for (const template of Object.values(service.prefetch)) {
      const tokens = template.match(/\{\{[^}]*\}\}/g) ?? [];
      assert.deepEqual([...new Set(tokens)], ['{{context.patientId}}'], template);
    }
  }
});

test('patient-view with a full prefetch answers cards that show the ICANS grade', { timeout: 30000 }, async () => {
  const service = shared.services['icans-patient-view'];
  const prefetch = await prefetchFor(shared.fhir, service, AXICEL);
  const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: patientView(AXICEL, { prefetch }),
  });
  assert.equal(response.status, 200, response.text);
  const texts = summaries(response);
  assert.ok(texts.length > 0);
  assert.ok(texts.some((summary) => /ICANS grade 3/.test(summary)), texts.join('\n'));
  for (const card of response.json.cards) {
    assert.match(card.uuid, /^[0-9a-f-]{36}$/);
    assert.ok(['info', 'warning', 'critical'].includes(card.indicator));
    assert.ok(card.source?.label);
  }
});

test('without prefetch the service fetches from fhirServer with the bearer token', { timeout: 30000 }, async () => {
  await call(`${shared.fhir.url}/__log`, { method: 'DELETE' });
  const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: patientView(AXICEL, authorization(shared.fhir)),
  });
  assert.equal(response.status, 200, response.text);
  assert.ok(summaries(response).some((summary) => /ICANS grade 3/.test(summary)));
  const log = (await call(`${shared.fhir.url}/__log`)).json;
  const urls = log.map((entry) => entry.url);
  for (const type of ['Observation', 'MedicationAdministration', 'Procedure']) {
    assert.ok(urls.some((url) => url.startsWith(`/${type}?patient=${AXICEL}`)), `${type} not fetched: ${urls}`);
  }
  assert.ok(log.length > 0 && log.every((entry) => entry.authorized), JSON.stringify(log));
  // The token never reaches the service's logs.
  assert.ok(!shared.service.lines.stderr.some((line) => line.includes(TOKEN)));
});

test('a null prefetch key is the EHR saying there is no data: nothing is fetched', { timeout: 30000 }, async () => {
  const prefetch = await prefetchFor(shared.fhir, shared.services['icans-patient-view'], AXICEL);
  // Each key in `nulls` sent as null, each in `absent` left out.
  const post = async (nulls, absent = []) => {
    const body = { ...prefetch };
    for (const key of nulls) body[key] = null;
    for (const key of absent) delete body[key];
    await call(`${shared.fhir.url}/__log`, { method: 'DELETE' });
    const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
      method: 'POST',
      body: patientView(AXICEL, { ...authorization(shared.fhir), prefetch: body }),
    });
    assert.equal(response.status, 200, response.text);
    const log = (await call(`${shared.fhir.url}/__log`)).json;
    return { response, log };
  };
  // Optional keys null, as for most patients: answered from the prefetch alone.
  const optional = await post(['serviceRequests', 'diagnosticReports']);
  assert.deepEqual(optional.log, [], 'nothing is fetched');
  assert.ok(summaries(optional.response).some((summary) => /ICANS grade 3/.test(summary)));
  // The observations null: the EHR says none are charted, so there is no
  // ICE to grade from, and the server holding them is not asked.
  const observations = await post(['observations']);
  assert.deepEqual(observations.log, [], 'nothing is fetched');
  assert.ok(!summaries(observations.response).some((summary) => /ICANS grade 3/.test(summary)), observations.response.text);
  // Left out instead of null, the same key is fetched, with the token.
  const fetched = await post([], ['observations']);
  assert.deepEqual(fetched.log.map((entry) => entry.url.split('?')[0]), ['/Observation'], 'only the absent key is fetched');
  assert.ok(fetched.log[0].authorized);
  assert.ok(summaries(fetched.response).some((summary) => /ICANS grade 3/.test(summary)));
});

test('FHIR server down: 412 within the deadline, never a hang', { timeout: 30000 }, async () => {
  const port = shared.downPort; // nothing listens there
  const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: patientView(AXICEL, { ...authorization(shared.fhir), fhirServer: `http://127.0.0.1:${port}` }),
  });
  assert.equal(response.status, 412, response.text);
  assert.ok(response.elapsed < DEADLINE_MS + MARGIN_MS, `took ${response.elapsed} ms`);
  assert.ok(response.json.error);
  assert.ok(response.json.missing.some((reason) => /observations/.test(reason)), response.text);
  assert.ok(!response.text.includes(TOKEN));
});

test('FHIR server slower than the deadline: 412 within the deadline, never a hang', { timeout: 40000 }, async (t) => {
  const slow = await startFhirServer(['--delay-ms', String(DEADLINE_MS + 3000), '--port', String(shared.slowPort)]);
  t.after(() => stop(slow));
  const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: patientView(AXICEL, authorization(slow)),
  });
  assert.ok(response.elapsed < DEADLINE_MS + MARGIN_MS, `took ${response.elapsed} ms`);
  if (response.status === 200) {
    // Degraded: the cards must say what is missing.
    assert.match(response.text, /not obtained|only partly obtained/);
  } else {
    assert.equal(response.status, 412, response.text);
    assert.ok(response.json.missing.length > 0);
  }
});

// The corticosteroid card of the edema example: the one that lists the doses given.
function steroidCard(response) {
  assert.equal(response.status, 200, response.text);
  const card = response.json.cards.find((c) => /methylprednisolone 1000 mg/.test(c.summary));
  assert.ok(card, summaries(response).join('\n'));
  return card;
}

test('a Medication only the FHIR server holds is fetched, and its steroid doses are counted', { timeout: 30000 }, async () => {
  const prefetch = await prefetchFor(shared.fhir, shared.services['icans-patient-view'], EDEMA);
  assert.ok(!JSON.stringify(prefetch).includes('"resourceType":"Medication"'), 'no template asks for Medications');
  const endpoint = `${shared.service.url}/cds-services/icans-patient-view`;

  // Without a fhirServer the references stay unresolved: no dose is counted.
  const unread = steroidCard(await call(endpoint, { method: 'POST', body: patientView(EDEMA, { prefetch }) }));
  assert.match(unread.detail, /No corticosteroid charted as given since the infusion/);
  assert.match(unread.detail, /'Medication\/ed-med-dexamethasone' matches no Medication in the inputs; drug unknown/);

  await call(`${shared.fhir.url}/__log`, { method: 'DELETE' });
  const response = await call(endpoint, {
    method: 'POST',
    body: patientView(EDEMA, { ...authorization(shared.fhir), prefetch }),
  });
  const card = steroidCard(response);
  const log = (await call(`${shared.fhir.url}/__log`)).json;
  assert.deepEqual(
    log.map((entry) => decodeURIComponent(entry.url)),
    ['/Medication?_id=ed-med-dexamethasone,ed-med-methylprednisolone&_count=2'],
    'one search for the referenced Medications, nothing else'
  );
  assert.ok(log[0].authorized);
  assert.doesNotMatch(card.detail, /No corticosteroid charted/);
  assert.doesNotMatch(response.text, /matches no Medication|Not available to this service/);
  for (const id of ['ed-mar-dexamethasone-d5-0700', 'ed-mar-dexamethasone-d6-0100', 'ed-mar-methylprednisolone-d8']) {
    assert.match(card.detail, new RegExp(`MedicationAdministration/${id}\\)`), card.detail);
  }
  // 4 x 10 mg dexamethasone, 3 x 1000 mg methylprednisolone (187.5 mg dexamethasone each).
  assert.match(card.detail, /Dexamethasone equivalent: 187\.5 mg in the last 24 h, 602\.5 mg since the infusion/);
  assert.match(card.summary, /course complete/, 'no fourth methylprednisolone dose is proposed');
  // The request log counts the fetch; the token is in no log line.
  const line = shared.service.lines.stderr.map(jsonLine).findLast((entry) => entry?.path === '/cds-services/icans-patient-view');
  assert.equal(line?.fhir_fetches, 1, JSON.stringify(line));
  assert.ok(!shared.service.lines.stderr.some((text) => text.includes(TOKEN)));
});

test('FHIR server down: a referenced Medication is said not read, within the deadline', { timeout: 30000 }, async () => {
  const prefetch = await prefetchFor(shared.fhir, shared.services['icans-patient-view'], EDEMA);
  const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: patientView(EDEMA, {
      ...authorization(shared.fhir),
      fhirServer: `http://127.0.0.1:${shared.downPort}`,
      prefetch,
    }),
  });
  assert.ok(response.elapsed < DEADLINE_MS + MARGIN_MS, `took ${response.elapsed} ms`);
  const card = steroidCard(response);
  assert.match(card.detail, /No corticosteroid charted as given since the infusion/);
  assert.match(
    card.detail,
    /Medication\/ed-med-dexamethasone, Medication\/ed-med-methylprednisolone: referred to by medication administrations or orders, not obtained \(fetching them from the FHIR server failed: [^)]+\); the drug of the administrations and orders referring to them is unknown/
  );
  assert.ok(!response.text.includes(TOKEN));
});

test('order-select with a tocilizumab draft for ICANS without CRS warns', { timeout: 30000 }, async () => {
  const service = shared.services['icans-order-select'];
  const prefetch = await prefetchFor(shared.fhir, service, LISOCEL);
  const draft = shared.lisocelBundle.entry
    .map((entry) => entry.resource)
    .find((resource) => resource.id === TOCILIZUMAB_DRAFT);
  assert.ok(draft, 'the example has the draft order');
  const response = await call(`${shared.service.url}/cds-services/icans-order-select`, {
    method: 'POST',
    body: orderSelect(draft, { prefetch }),
  });
  assert.equal(response.status, 200, response.text);
  const warning = response.json.cards.find(
    (card) => card.indicator === 'warning' && /tocilizumab/i.test(card.summary) && /CRS/.test(card.summary)
  );
  assert.ok(warning, summaries(response).join('\n'));
});

test('order-select: a draft naming tocilizumab by reference is fetched and warned about', { timeout: 30000 }, async () => {
  const service = shared.services['icans-order-select'];
  const prefetch = await prefetchFor(shared.fhir, service, LISOCEL);
  const coded = shared.lisocelBundle.entry.map((entry) => entry.resource).find((r) => r.id === TOCILIZUMAB_DRAFT);
  const { medicationCodeableConcept, ...rest } = coded;
  assert.ok(medicationCodeableConcept, 'the example codes its drug');
  const draft = { ...rest, medicationReference: { reference: `Medication/${TOCILIZUMAB_MEDICATION.id}` } };
  const request = (extra) => orderSelect(draft, { prefetch, ...extra });
  const endpoint = `${shared.service.url}/cds-services/icans-order-select`;
  const isDraftWarning = (card) => card.indicator === 'warning' && /Draft tocilizumab/.test(card.summary);

  // Without a fhirServer the draft's drug is unknown, and the cards say so.
  const unread = await call(endpoint, { method: 'POST', body: request({}) });
  assert.equal(unread.status, 200, unread.text);
  assert.ok(!unread.json.cards.some(isDraftWarning), summaries(unread).join('\n'));
  assert.match(unread.text, /draft order not fully read: [^"]*'Medication\/lc-med-tocilizumab' matches no Medication in the inputs; drug unknown/);

  await call(`${shared.fhir.url}/__log`, { method: 'DELETE' });
  const response = await call(endpoint, { method: 'POST', body: request(authorization(shared.fhir)) });
  assert.equal(response.status, 200, response.text);
  assert.ok(response.json.cards.some(isDraftWarning), summaries(response).join('\n'));
  assert.doesNotMatch(response.text, /draft order not fully read/);
  const log = (await call(`${shared.fhir.url}/__log`)).json;
  assert.deepEqual(
    log.map((entry) => decodeURIComponent(entry.url)),
    ['/Medication?_id=lc-med-tocilizumab&_count=1']
  );
  assert.ok(log[0].authorized);
});

test('feedback is stored durably and readable after a restart', { timeout: 60000 }, async () => {
  const database = join(shared.directory, 'feedback.db');
  let service = await startService(['--db', database]);
  const prefetch = await prefetchFor(shared.fhir, shared.services['icans-patient-view'], AXICEL);
  const cards = await call(`${service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: patientView(AXICEL, { prefetch }),
  });
  assert.equal(cards.status, 200, cards.text);
  const card = cards.json.cards.find((c) => c.suggestions?.length) ?? cards.json.cards[0];
  const accepted = {
    feedback: [
      card.suggestions?.length
        ? {
            card: card.uuid,
            outcome: 'accepted',
            acceptedSuggestions: [{ id: card.suggestions[0].uuid }],
            outcomeTimestamp: new Date().toISOString(),
          }
        : { card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() },
    ],
  };
  const stored = await call(`${service.url}/cds-services/icans-patient-view/feedback`, {
    method: 'POST',
    body: accepted,
  });
  assert.equal(stored.status, 200, stored.text);

  // SIGTERM: in-flight requests finish, the database closes, exit status 0.
  const exit = await stop(service);
  assert.equal(exit.code, 0);
  assert.ok(service.lines.stderr.some((line) => jsonLine(line)?.event === 'stopped'));

  service = await startService(['--db', database]);
  const overridden = await call(`${service.url}/cds-services/icans-patient-view/feedback`, {
    method: 'POST',
    body: {
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: {
            reason: { system: 'https://icans-cds.github.io/fhir/CodeSystem/icans-cds', code: 'other', display: 'Other' },
            userComment: 'discussed with the attending',
          },
          outcomeTimestamp: new Date().toISOString(),
        },
      ],
    },
  });
  assert.equal(overridden.status, 200, overridden.text);
  assert.equal((await stop(service)).code, 0);

  const audit = await run(BINARY, ['audit', '--db', database, '--card', card.uuid]);
  assert.equal(audit.code, 0, audit.stderr);
  const record = JSON.parse(audit.stdout);
  assert.equal(record.audit.length, 1);
  assert.equal(record.audit[0].service, 'icans-patient-view');
  assert.equal(record.audit[0].icans_grade, 3);
  assert.match(record.audit[0].inputs_sha256, /^[0-9a-f]{64}$/);
  assert.equal(record.audit[0].card_json.uuid, card.uuid);
  assert.deepEqual(
    record.feedback.map((f) => f.outcome),
    [accepted.feedback[0].outcome, 'overridden']
  );
  assert.equal(record.feedback[1].overrideReason.userComment, 'discussed with the attending');
  assert.ok(!audit.stdout.includes(TOKEN));

  const unknown = await run(BINARY, ['audit', '--db', database, '--card', '00000000-0000-4000-8000-000000000000']);
  assert.equal(unknown.code, 1);
});

test('malformed requests are refused with a reason', { timeout: 30000 }, async (t) => {
  const service = await startService(['--db', join(shared.directory, 'malformed.db'), '--max-body-bytes', '4096']);
  t.after(() => stop(service));
  const endpoint = `${service.url}/cds-services/icans-patient-view`;
  const cases = [
    { body: { ...patientView(AXICEL), hook: 'order-sign' }, status: 400, reason: /^hook: 'order-sign' is not the hook/ },
    { body: { hook: 'patient-view', hookInstance: hookInstance() }, status: 400, reason: /^context: required/ },
    { body: '{"hook": "patient-view", ', status: 400, reason: /^request body is not valid JSON: line 1, column/ },
    {
      body: { ...patientView(AXICEL), fhirAuthorization: authorization(shared.fhir).fhirAuthorization },
      status: 400,
      reason: /^fhirServer: required when fhirAuthorization is present/,
    },
    { body: { ...patientView(AXICEL), prefetch: { observations: 'Observation?patient=x' } }, status: 400, reason: /^prefetch\.observations:/ },
    { body: patientView(AXICEL), status: 412, reason: /FHIR data needed for grading/ },
  ];
  for (const c of cases) {
    const response = await call(endpoint, { method: 'POST', body: c.body });
    assert.equal(response.status, c.status, response.text);
    assert.match(response.json.error, c.reason);
  }
  const oversized = await call(endpoint, {
    method: 'POST',
    body: { ...patientView(AXICEL), padding: 'x'.repeat(8192) },
  });
  assert.equal(oversized.status, 413);
  const text = await call(endpoint, { method: 'POST', body: 'hello', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(text.status, 415);
  const wrongMethod = await call(endpoint);
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST, OPTIONS');
  assert.equal((await call(`${service.url}/cds-services/nope`, { method: 'POST', body: {} })).status, 404);
});

test('health and metrics', { timeout: 30000 }, async () => {
  const health = await call(`${shared.service.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(health.json, { status: 'ok' });
  const metrics = await call(`${shared.service.url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.text, /icans_requests_total\{service="icans-patient-view",status="200"\} \d+/);
  assert.match(metrics.text, /icans_fhir_fetches_total\{result="ok"\} \d+/);
  assert.match(metrics.text, /icans_cards_total\{kind="[^"]+",indicator="critical"\} \d+/);
});

test('invalid configuration stops start-up with exit status 2 and the reasons', { timeout: 30000 }, async () => {
  const result = await run(BINARY, ['serve', '--port', '0', '--fetch-deadline-ms', '9000', '--cors-origin', 'ehr']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--fetch-deadline-ms must be 50-4500/);
  assert.match(result.stderr, /--cors-origin 'ehr' is not an origin/);
});

test('the README example: example-request.mjs piped into the service', { timeout: 30000 }, async () => {
  const built = await run(process.execPath, [
    join(ROOT, 'tests', 'e2e', 'example-request.mjs'),
    join(ROOT, 'examples', 'axicel-icans-grade3.json'),
  ]);
  assert.equal(built.code, 0, built.stderr);
  const response = await call(`${shared.service.url}/cds-services/icans-patient-view`, {
    method: 'POST',
    body: built.stdout,
  });
  assert.equal(response.status, 200, response.text);
  assert.ok(summaries(response).some((summary) => /ICANS grade 3/.test(summary)));

  const order = await run(process.execPath, [
    join(ROOT, 'tests', 'e2e', 'example-request.mjs'),
    join(ROOT, 'examples', 'icans-without-crs-tocilizumab-draft.json'),
    'order-sign',
  ]);
  assert.equal(order.code, 0, order.stderr);
  const signed = await call(`${shared.service.url}/cds-services/icans-order-sign`, { method: 'POST', body: order.stdout });
  assert.equal(signed.status, 200, signed.text);
  assert.ok(signed.json.cards.some((card) => /tocilizumab/i.test(card.summary) && card.indicator === 'warning'));
});
