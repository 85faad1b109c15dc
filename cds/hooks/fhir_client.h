#pragma once
// Reads from the EHR's FHIR server what prefetch did not bring: searches with
// paging (Bundle.link "next"), a bearer token, a deadline and budgets. The
// token is never stored or logged.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace icans {

struct FhirClientLimits {
  std::chrono::milliseconds deadline{2000};  // for all pages of one search together
  std::size_t max_pages = 10;
  std::size_t max_bytes = 16u << 20;  // fetched, over all pages
  std::size_t max_resources = 20000;  // kept, over all pages
};

struct FhirSearchResult {
  // The JSON text of each Bundle page returned (each a searchset Bundle), in order.
  std::vector<std::string> pages;
  bool complete = false;  // every page fetched within budgets and deadline
  std::string error;      // why not complete ("timeout after 2000 ms", "HTTP 401", ...); no token in it
  int http_status = 0;    // of the last response
};

// GETs `base_url` + "/" + `relative_query` (e.g. "Observation?patient=123&_count=100")
// and follows "next" links that stay on the same origin (scheme, host, port)
// as `base_url`; a link to another origin is an error, never followed.
// `access_token` may be empty (no Authorization header).
FhirSearchResult fhir_search(const std::string& base_url, const std::string& relative_query,
                             const std::string& access_token, const FhirClientLimits& limits);

}  // namespace icans
