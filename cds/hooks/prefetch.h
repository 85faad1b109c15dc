#pragma once
// Getting the data a request is graded on: the prefetched keys, checked
// against their templates, and from the EHR's FHIR server whatever they lack
// (https://cds-hooks.hl7.org/2.0/#prefetch-template: "It is the CDS Service's
// responsibility to check prefetched data against its template ... and to
// programmatically retrieve any additional necessary data").
//
// Each key ends up as one of: all there; partly there (said on the cards);
// missing (required -> HTTP 412, optional -> said on the cards). Fetches run
// concurrently under one deadline per request, so a slow or dead FHIR server
// costs at most that deadline, never a hang.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "cds/grading_config.h"
#include "cds/hooks/discovery.h"
#include "cds/hooks/fhir_client.h"
#include "cds/hooks/hook_request.h"
#include "fhir/terminology.h"
#include "fhir/time.h"

namespace icans {

enum class PrefetchStatus {
  complete,  // everything the template asks for
  partial,   // more exists: a next link, a total above the entries, or exactly _count entries
  no_data,   // null: "the CDS Client has no data to populate" the key
  absent,    // not sent: the EHR chose not to or could not fill it
  failed,    // an OperationOutcome: the EHR tried and failed
};

std::string_view to_string(PrefetchStatus status);

struct PrefetchValueCheck {
  PrefetchStatus status = PrefetchStatus::absent;
  std::size_t entries = 0;              // resources of the template's type
  std::optional<fhir::Instant> oldest;  // latest instant the oldest dated entry could mean
  bool next_link = false;
};

// Classifies prefetch[template.key] (`value` is nullptr when the key is
// absent). Returns an empty string, or why the value breaks the
// specification (the request is then refused with 400), naming the key.
std::string check_prefetch_value(const PrefetchTemplate& prefetch_template,
                                 const rapidjson::Value* value, std::string_view patient_id,
                                 PrefetchValueCheck& check);

using FhirSearchFunction = std::function<FhirSearchResult(
    const std::string& base_url, const std::string& relative_query,
    const std::string& access_token, const FhirClientLimits& limits)>;

struct FetchPolicy {
  FhirSearchFunction search;  // fhir_search, or a fake in tests
  std::chrono::steady_clock::time_point deadline;  // for every fetch of the request together
  std::size_t max_pages = 10;  // per search
  // For the whole request: each of its concurrent searches gets an equal
  // share, so together they never exceed these.
  std::size_t max_bytes = 64u << 20;
  std::size_t max_resources = 50000;
  // Why the request's fhirServer must not be used (not in the allowed list,
  // not https when https is required); empty when it may be used.
  std::string server_refused;
};

// What one fetch did, for the request log and metrics. No token in it.
struct FetchReport {
  std::string key;
  std::string query;   // relative, as sent
  std::string result;  // "ok", "partial", "error", "timeout"
  std::string error;
  std::size_t pages = 0;
  double milliseconds = 0;
};

// "ok", "partial", "error" or "timeout" (FetchReport::result) for a search
// of which `usable_pages` pages could be read.
std::string fetch_result_label(const FhirSearchResult& result, std::size_t usable_pages);

// One JSON input for fhir::Intake: a prefetch value or a fetched page.
struct JsonInput {
  std::string name;  // "prefetch.observations", "fhirServer observations page 2"
  const rapidjson::Value* value = nullptr;
};

struct GatheredData {
  std::vector<JsonInput> inputs;  // in template order; prefetch before fetched pages
  std::vector<std::unique_ptr<rapidjson::Document>> fetched;  // owns the fetched pages
  std::vector<std::string> missing_required;  // non-empty: answer 412 with these reasons
  std::vector<std::string> missing_data;      // for the cards (RecommendContext::missing_data)
  std::vector<FetchReport> fetches;
  std::string error;  // a malformed prefetch value: answer 400
  // Held in `fetched`, counted against FetchPolicy's request-wide budgets by
  // fetches made after gather_data (referenced Medications).
  std::size_t fetched_bytes = 0;      // JSON text of the pages kept
  std::size_t fetched_resources = 0;  // their Bundle entries
};

// Checks every template key of `service` in `request.prefetch`, fetches what
// is absent, failed, null (to confirm) or partial and not reaching back to
// the template's look-back from `at`, and reports what could not be had.
GatheredData gather_data(const ServiceDefinition& service, const HookRequest& request,
                         fhir::Instant at, const FetchPolicy& policy,
                         const fhir::Terminology& terminology, const GradingConfig& grading);

}  // namespace icans
