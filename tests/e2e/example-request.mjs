// Builds a CDS Hooks request from a shipped example, moved to the present.
//
//   node tests/e2e/example-request.mjs examples/axicel-icans-grade3.json [patient-view|order-select|order-sign]
//
// prints the request body on stdout, ready for
//   | curl -s -X POST -H 'Content-Type: application/json' --data @- \
//       http://127.0.0.1:8080/cds-services/icans-patient-view
//
// The service grades at the time a request arrives, and the examples were
// charted months ago: every dateTime is moved by the same amount (UTC offsets
// kept) so the chart ends five minutes ago. The prefetch is what an EHR
// would answer for the discovery templates (the chart split by resource type;
// only active MedicationRequests); for the order hooks, the example's draft
// MedicationRequests become context.draftOrders.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function mapStrings(value, f) {
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, f));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, f)]));
  }
  return typeof value === 'string' ? f(value) : value;
}

// `bundle` with every dateTime that has a time of day moved so the latest
// one is `end` (milliseconds since the epoch). Dates without a time (birth
// dates) are left alone.
export function shiftTo(bundle, end) {
  let latest = -Infinity;
  mapStrings(bundle, (text) => {
    if (DATE_TIME.test(text)) latest = Math.max(latest, Date.parse(text));
    return text;
  });
  const shift = end - latest;
  return mapStrings(bundle, (text) => {
    const match = DATE_TIME.exec(text);
    if (!match) return text;
    const zone = match[8];
    const minutes =
      zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    const local = new Date(Date.parse(text) + shift + minutes * 60000).toISOString();
    return local.slice(0, 19) + (match[7] ? local.slice(19, 23) : '') + zone;
  });
}

export function shiftToNow(bundle) {
  return shiftTo(bundle, Date.now() - 5 * 60000);
}

function searchset(resources) {
  return { resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource })) };
}

export function exampleRequest(bundle, hook = 'patient-view') {
  const resources = (bundle.entry ?? []).map((entry) => entry.resource).filter(Boolean);
  const ofType = (type) => resources.filter((resource) => resource.resourceType === type);
  const patient = ofType('Patient')[0];
  if (!patient) throw new Error('the example has no Patient');
  const context = { userId: 'Practitioner/example', patientId: patient.id };
  if (hook !== 'patient-view') {
    const drafts = ofType('MedicationRequest').filter((request) => request.status === 'draft');
    context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry: drafts.map((resource) => ({ resource })) };
    if (hook === 'order-select') {
      if (drafts.length === 0) throw new Error('order-select needs a draft order; the example has none');
      context.selections = drafts.map((request) => `MedicationRequest/${request.id}`);
    }
  }
  return {
    hook,
    hookInstance: randomUUID(),
    context,
    prefetch: {
      patient,
      observations: searchset(ofType('Observation')),
      administrations: searchset(ofType('MedicationAdministration')),
      procedures: searchset(ofType('Procedure')),
      medicationRequests: searchset(ofType('MedicationRequest').filter((request) => request.status === 'active')),
      serviceRequests: searchset(ofType('ServiceRequest')),
      diagnosticReports: searchset(ofType('DiagnosticReport')),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, hook = 'patient-view'] = process.argv.slice(2);
  if (!file || !['patient-view', 'order-select', 'order-sign'].includes(hook)) {
    console.error('usage: node tests/e2e/example-request.mjs EXAMPLE.json [patient-view|order-select|order-sign]');
    process.exit(2);
  }
  try {
    const bundle = JSON.parse(readFileSync(file, 'utf8'));
    if (bundle.resourceType !== 'Bundle') throw new Error(`${file} is not a Bundle`);
    process.stdout.write(`${JSON.stringify(exampleRequest(shiftToNow(bundle), hook))}\n`);
  } catch (error) {
    console.error(`example-request: ${error.message}`);
    process.exit(2);
  }
}
