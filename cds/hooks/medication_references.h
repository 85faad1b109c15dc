#pragma once
// Medications the chart names only by reference. A MedicationAdministration
// or MedicationRequest may give its drug as a medicationReference to a
// Medication resource of its own, and a prefetch template cannot follow
// references: an EHR that does not send those Medications leaves the drug
// unknown, and a dexamethasone dose uncounted. So the service reads them from
// the request's fhirServer itself, as CDS Hooks asks a service to
// "programmatically retrieve any additional necessary data"
// (https://cds-hooks.hl7.org/2.0/#prefetch-template).
//
// Only what the inputs leave unresolved is asked for, in one search under the
// request's token, deadline, budgets and outbound policy. Nothing is guessed:
// a Medication that cannot be had leaves its drug unknown, and the cards say
// why.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cds/hooks/hook_request.h"
#include "cds/hooks/prefetch.h"

namespace icans {

// Ids asked for per request by default (--fetch-max-medication-ids). They
// travel in the query string of one search: 50 FHIR ids of at most 64
// characters keep the URL under 4 KB, inside the 8 KB request line many
// servers and proxies stop at. A chart refers to a handful of Medication
// products (one per drug and strength), so a request needing more is
// unusual; the ids beyond are named on the cards as not read.
inline constexpr std::size_t kMaxMedicationReferenceIds = 50;

// The FetchReport key, and the inputs' names ("fhirServer medicationReferences page 1").
inline constexpr std::string_view kMedicationReferencesKey = "medicationReferences";

struct UnresolvedMedications {
  std::vector<std::string> ids;  // to fetch: distinct, sorted, at most max_ids
  std::size_t left_out = 0;      // distinct ids beyond max_ids, not fetched
};

// The ids of the Medications that MedicationAdministrations and
// MedicationRequests among `inputs` refer to as "Medication/{id}" or
// "{fhir_server}/Medication/{id}" (a "/_history/{v}" suffix allowed) and that
// no Medication among `inputs` has. Contained ("#id"), urn: and other
// servers' references, and ids that are not FHIR ids, are not fetched: intake
// resolves or warns about them as before.
//
// `draft_orders` (context.draftOrders of order-select and order-sign: a Bundle
// or one resource), when given, is scanned too. Its orders may be resolved by
// a Medication among `inputs` or among the drafts; the chart's
// administrations only by one among `inputs`, because the drafts are read
// apart from the chart (a draft is not an active order).
UnresolvedMedications unresolved_medication_references(const std::vector<JsonInput>& inputs,
                                                       std::string_view fhir_server,
                                                       std::size_t max_ids = kMaxMedicationReferenceIds,
                                                       const rapidjson::Value* draft_orders = nullptr);

// The Medications among `inputs` (prefetched or fetched) that an order in
// `draft_orders` refers to as unresolved_medication_references reads
// references, each named "{input} entry {n}" as the chart intake names it.
// The service reads them beside the drafts, so that a draft giving its drug
// by reference is resolved as the chart's orders are.
std::vector<JsonInput> medications_for_drafts(const std::vector<JsonInput>& inputs,
                                              const rapidjson::Value& draft_orders, std::string_view fhir_server);

// "Medication?_id=a,b,c&_count=3": one search, answered with a Bundle and
// paged like the others. `ids` must be FHIR ids (nothing to escape).
std::string medication_search_query(const std::vector<std::string>& ids);

// Fetches the unresolved Medications of `data.inputs` and of the request's
// draft orders from its fhirServer, and adds the pages read to `data`
// (inputs, fetched, fetches) and whatever could not be had to
// `data.missing_data`. Does nothing when there is
// no fhirServer, `policy` refuses it, or nothing is unresolved. Within what is
// left of the request's deadline and of its byte and resource budgets.
void fetch_referenced_medications(const HookRequest& request, const FetchPolicy& policy,
                                  GatheredData& data, std::size_t max_ids = kMaxMedicationReferenceIds);

}  // namespace icans
