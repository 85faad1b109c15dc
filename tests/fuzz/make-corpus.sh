#!/usr/bin/env bash
# Builds the fuzz targets' seed corpora into BUILD_DIR/corpus (never into the
# source tree: corpora grow while fuzzing and are not committed).
#   corpus/intake        examples/*.json, examples/ndjson/*, the hostile resources
#   corpus/hook_request  CDS Hooks requests and feedback made from the examples
#                        (with node when it is there), the hostile requests
# Usage: tests/fuzz/make-corpus.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:?usage: tests/fuzz/make-corpus.sh BUILD_DIR}"
intake="$build/corpus/intake"
hook="$build/corpus/hook_request"
rm -rf "$intake" "$hook"
mkdir -p "$intake" "$hook"

cp examples/*.json examples/ndjson/*.ndjson "$intake/"
# The hostile corpus: resources to the intake, requests and feedback to the service.
while IFS=$'\t' read -r file target _; do
  case "$file" in ''|'#'*|file) continue ;; esac
  if [ "$target" = intake ]; then cp "tests/hostile/$file" "$intake/hostile-$file"
  else cp "tests/hostile/$file" "$hook/hostile-$file"; fi
done < tests/hostile/manifest.tsv

# Requests as an EHR would send them: each example chart split into the
# discovery prefetch keys, for each hook, plus feedback about a card.
if command -v node >/dev/null 2>&1; then
  node - "$hook" examples/*.json <<'JS'
const fs = require('fs');
const [out, ...files] = process.argv.slice(2);
const searchset = (resources) => ({resourceType: 'Bundle', type: 'searchset',
  entry: resources.map((resource) => ({resource}))});
for (const file of files) {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) continue;
  const resources = bundle.entry.map((e) => e.resource).filter(Boolean);
  const patient = resources.find((r) => r.resourceType === 'Patient');
  if (!patient) continue;
  const of = (type, status) => resources.filter((r) => r.resourceType === type && (!status || r.status === status));
  const prefetch = {
    patient, observations: searchset(of('Observation')),
    administrations: searchset(of('MedicationAdministration')), procedures: searchset(of('Procedure')),
    medicationRequests: searchset(of('MedicationRequest', 'active')),
    serviceRequests: searchset(of('ServiceRequest')), diagnosticReports: searchset(of('DiagnosticReport')),
  };
  const name = file.replace(/^.*\//, '').replace(/\.json$/, '');
  const context = {userId: 'Practitioner/example', patientId: patient.id};
  const write = (suffix, body) => fs.writeFileSync(`${out}/${name}-${suffix}.json`, JSON.stringify(body));
  const request = (hook, extra) => ({hook, hookInstance: `seed-${name}-${hook}`,
    fhirServer: 'https://ehr.example.org/fhir',
    fhirAuthorization: {access_token: 'seed-token', token_type: 'Bearer', expires_in: 300,
                        scope: 'user/*.read', subject: 'icans-cds'},
    context: {...context, ...extra}, prefetch});
  write('patient-view', request('patient-view', {}));
  const partial = request('patient-view', {});
  delete partial.prefetch.observations;
  partial.prefetch.procedures = null;
  write('patient-view-partial', partial);
  const drafts = of('MedicationRequest', 'draft');
  if (drafts.length > 0) {
    const draftOrders = searchset(drafts);
    draftOrders.type = 'collection';
    write('order-sign', request('order-sign', {draftOrders}));
    write('order-select', request('order-select',
      {draftOrders, selections: [`MedicationRequest/${drafts[0].id}`]}));
  }
}
const feedback = (entry) => ({feedback: [{card: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
  outcomeTimestamp: '2026-03-07T17:06:00Z', ...entry}]});
fs.writeFileSync(`${out}/feedback-accepted.json`, JSON.stringify(feedback(
  {outcome: 'accepted', acceptedSuggestions: [{id: 'e56e1945-20b3-4393-8503-a1a20fd73152'}]})));
fs.writeFileSync(`${out}/feedback-overridden.json`, JSON.stringify(feedback(
  {outcome: 'overridden', overrideReason: {reason: {system: 'https://example.org/override', code: 'refused',
   display: 'Patient refused'}, userComment: 'Discussed with family.'}})));
JS
else
  echo "make-corpus: node not found; requests made from the examples are left out" >&2
fi
echo "seed corpora: $(ls "$intake" | wc -l) intake, $(ls "$hook" | wc -l) hook_request (in $build/corpus)"
