#pragma once
// The three CDS Services and what each asks the EHR to prefetch
// (https://cds-hooks.hl7.org/2.0/#discovery).
//
// A prefetch template can only say "the N most recent", never "the last 72
// hours" (CDS Hooks 2.0 has no relative dates), so each template also carries
// the look-back the grading needs; prefetch.cc fetches the rest from the
// EHR's FHIR server when the prefetched N do not reach back far enough.
// docs/cds-hooks.md explains each template and its size.

#include <string>
#include <string_view>
#include <vector>

#include "cards/protocol.h"
#include "cds/grading_config.h"

namespace icans {

enum class Lookback {
  everything,      // the whole result set (procedures: the first infusion may be long ago)
  hours_before_t,  // a grading window ending at the request time
  since_infusion,  // treatment totals count from day 0
};

struct PrefetchTemplate {
  std::string key;            // prefetch key, e.g. "observations"
  std::string query;          // as published, with prefetch tokens
  std::string resource_type;  // what the key holds: a Bundle of these, or this resource for a read
  bool read = false;          // an instance read (Patient/{{context.patientId}}), not a search
  bool required = false;      // no grading without it: missing and not obtainable -> HTTP 412
  std::string date_parameter; // search parameter that bounds a fetch of the rest ("date", ...)
  Lookback lookback = Lookback::everything;
  double lookback_hours = 0;  // hours_before_t only
  int count = 0;              // the template's _count; 0 when it has none
  std::string description;    // what the data is, for messages and cards
};

struct ServiceDefinition {
  std::string id;    // {baseUrl}/cds-services/{id}
  std::string hook;  // "patient-view", "order-select", "order-sign"
  std::string title;
  std::string description;
  std::string usage_requirements;
  std::vector<PrefetchTemplate> prefetch;
};

// How many resources the searches ask for (_count). The defaults cover 72 h
// of ICU charting; docs/cds-hooks.md shows the arithmetic.
struct PrefetchSizes {
  int observations = 1000;
  int administrations = 500;
  int service_requests = 100;
  int diagnostic_reports = 100;
};

// The published services. Look-backs follow `grading` (its longest
// observation window) and `protocol` (how long an order or result suppresses
// a repeated work-up suggestion).
std::vector<ServiceDefinition> service_definitions(const GradingConfig& grading,
                                                   const Protocol& protocol,
                                                   const PrefetchSizes& sizes);

const ServiceDefinition* find_service(const std::vector<ServiceDefinition>& services,
                                      std::string_view id);

// The discovery response body: {"services": [...]}.
std::string discovery_json(const std::vector<ServiceDefinition>& services);

// Empty when `query` is a relative FHIR read or search that uses only prefetch
// tokens CDS Hooks 2.0 allows for `hook` (context fields the hook marks as
// tokens, and the four user tokens) and only the query forms the
// specification recommends (no chaining, _include or modifiers other than
// :in). Otherwise the first problem.
std::string check_prefetch_template(std::string_view query, std::string_view hook);

// The context fields `hook` allows as prefetch tokens ("patientId", ...).
std::vector<std::string> context_token_fields(std::string_view hook);

struct TokenValue {
  std::string token;  // "context.patientId"
  std::string value;
};

// Replaces each {{token}} by its value, percent-encoded for a query string.
// Returns false with `error` set when a token has no value.
bool expand_prefetch_template(std::string_view query, const std::vector<TokenValue>& values,
                              std::string& expanded, std::string& error);

}  // namespace icans
