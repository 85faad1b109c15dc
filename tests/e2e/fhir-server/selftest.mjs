// Self-test of server.mjs: starts it with an example patient loaded, runs
// the searches icans-cds makes (with and without the token, paging with
// _count=5), and exits non-zero on the first wrong answer.
//
//   node selftest.mjs      (from anywhere; prints timings on success)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const examplePath = join(here, '..', '..', '..', 'examples', 'axicel-icans-grade3.json');
const example = JSON.parse(readFileSync(examplePath, 'utf8'));
const resources = example.entry.map((entry) => entry.resource);
const patientId = resources.find((r) => r.resourceType === 'Patient').id;
const TOKEN = 'selftest-token-0123';
const children = [];

function startServer(args) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(here, 'server.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not print its port within 20 s')), 20000);
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const { port } = JSON.parse(line);
      resolve({ base: `http://127.0.0.1:${port}`, startupMs: performance.now() - started });
    });
  });
}

async function get(url, token = TOKEN) {
  const headers = { Accept: 'application/fhir+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function ids(bundle) {
  return (bundle.entry ?? []).map((entry) => entry.resource.id);
}

function expectedIds(predicate) {
  return resources.filter(predicate).map((r) => r.id).sort();
}

const isPatients = (r) => r.subject?.reference === `Patient/${patientId}`;

async function main() {
  const timings = {};
  const { base, startupMs } = await startServer(['--port', '0', '--token', TOKEN, '--load', examplePath]);
  timings.startupMs = Math.round(startupMs);

  // The token is required, and the log says which requests carried it.
  let reply = await get(`${base}/Patient/${patientId}`, null);
  assert.equal(reply.status, 401);
  assert.equal(reply.body.resourceType, 'OperationOutcome');
  reply = await get(`${base}/Patient/${patientId}`, 'wrong-token');
  assert.equal(reply.status, 401);
  reply = await get(`${base}/Patient/${patientId}`);
  assert.equal(reply.status, 200);
  assert.equal(reply.body.id, patientId);
  reply = await get(`${base}/Patient/no-such-patient`);
  assert.equal(reply.status, 404);
  assert.equal(reply.body.resourceType, 'OperationOutcome');
  const log = (await get(`${base}/__log`, null)).body;
  assert.deepEqual(
    log.map((entry) => entry.authorized),
    [false, false, true, true]
  );
  assert.equal(log[0].url, `/Patient/${patientId}`);

  // Latest temperatures first; a bare patient id matches like Patient/id.
  const searchStarted = performance.now();
  const temperatures = `${base}/Observation?patient=${patientId}&code=http://loinc.org|8310-5&_sort=-date`;
  reply = await get(temperatures);
  timings.firstSearchMs = Math.round(performance.now() - searchStarted);
  assert.equal(reply.status, 200);
  assert.equal(reply.body.type, 'searchset');
  const expectedTemperatures = resources.filter(
    (r) => r.resourceType === 'Observation' && isPatients(r) && r.code.coding.some((c) => c.code === '8310-5')
  );
  assert.equal(reply.body.entry.length, expectedTemperatures.length);
  const dates = reply.body.entry.map((entry) => Date.parse(entry.resource.effectiveDateTime));
  assert.deepEqual(dates, [...dates].sort((a, b) => b - a), 'newest first');
  const prefixed = await get(temperatures.replace(`patient=${patientId}`, `patient=Patient/${patientId}`));
  assert.deepEqual(ids(prefixed.body), ids(reply.body));
  assert.equal(reply.body.link.find((link) => link.relation === 'next'), undefined, 'one page, no next link');

  // Paging with _count=5 through every Observation of the patient.
  const pagingStarted = performance.now();
  let url = `${base}/Observation?patient=${patientId}&_count=5`;
  const seen = [];
  let pages = 0;
  while (url) {
    reply = await get(url);
    assert.equal(reply.status, 200);
    pages++;
    assert.ok(ids(reply.body).length <= 5);
    seen.push(...ids(reply.body));
    url = reply.body.link?.find((link) => link.relation === 'next')?.url;
    if (url) assert.ok(url.startsWith(`${base}/Observation?`), `next link stays on the server: ${url}`);
    assert.ok(pages < 100, 'paging ends');
  }
  timings.pagedSearch = { pages, ms: Math.round(performance.now() - pagingStarted) };
  const expectedObservations = expectedIds((r) => r.resourceType === 'Observation' && isPatients(r));
  assert.equal(pages, Math.ceil(expectedObservations.length / 5));
  assert.deepEqual([...seen].sort(), expectedObservations, 'every Observation exactly once');

  // Date range.
  const since = '2026-03-06T00:00:00Z';
  reply = await get(`${base}/Observation?patient=${patientId}&date=ge${since}`);
  assert.deepEqual(
    ids(reply.body).sort(),
    expectedIds(
      (r) => r.resourceType === 'Observation' && isPatients(r) && Date.parse(r.effectiveDateTime) >= Date.parse(since)
    )
  );
  assert.ok(reply.body.entry.length > 0);

  // The other searches the service makes.
  for (const [query, resourceType, extra] of [
    [`MedicationAdministration?patient=${patientId}`, 'MedicationAdministration', () => true],
    [`MedicationRequest?patient=${patientId}&status=active`, 'MedicationRequest', (r) => r.status === 'active'],
    [`Procedure?patient=${patientId}`, 'Procedure', () => true],
    [`ServiceRequest?patient=${patientId}`, 'ServiceRequest', () => true],
    [`DiagnosticReport?patient=${patientId}`, 'DiagnosticReport', () => true],
  ]) {
    reply = await get(`${base}/${query}`);
    assert.equal(reply.status, 200, query);
    assert.equal(reply.body.type, 'searchset', query);
    assert.deepEqual(
      ids(reply.body).sort(),
      expectedIds((r) => r.resourceType === resourceType && isPatients(r) && extra(r)),
      query
    );
  }
  reply = await get(`${base}/Observation?patient=someone-else`);
  assert.deepEqual(ids(reply.body), []);

  // Throughput of a typical search.
  const rounds = 50;
  const loopStarted = performance.now();
  for (let i = 0; i < rounds; i++) await get(temperatures);
  timings.searchesPerSecond = Math.round(rounds / ((performance.now() - loopStarted) / 1000));

  // --fail and --delay-ms.
  const failing = await startServer(['--port', '0', '--fail', '--delay-ms', '200']);
  const failStarted = performance.now();
  reply = await get(`${failing.base}/Patient/${patientId}`, null);
  const failMs = performance.now() - failStarted;
  assert.equal(reply.status, 500);
  assert.equal(reply.body.resourceType, 'OperationOutcome');
  assert.ok(failMs >= 195, `delayed ${failMs} ms`);
  assert.equal((await get(`${failing.base}/__log`, null)).body[0].authorized, true, 'no --token: every request passes');

  console.log(`selftest passed: ${JSON.stringify(timings)}`);
}

main()
  .then(() => {
    for (const child of children) child.kill();
  })
  .catch((error) => {
    console.error(`selftest FAILED: ${error.stack ?? error}`);
    for (const child of children) child.kill();
    process.exit(1);
  });
