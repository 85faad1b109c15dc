#pragma once
// Replaying FHIR inputs through a live CDS Hooks 2.0 service (ours or any
// other): the requests an EHR would send, and what came back.
//
// Requests. For each patient: patient-view at each evaluation time, and
// order-select for each draft MedicationRequest in the inputs (selected
// alone, at its authoredOn). Every service of the hook found by discovery is
// called. `prefetch` is filled from the inputs per the discovery templates,
// an approximation of FHIR search (docs/testing.md):
//   - the resource type comes from the template's path; a read
//     (Patient/{{context.patientId}}) is the patient's resource, or null;
//   - only resources charted up to T are sent, as the intake kept them (the
//     latest version; entered-in-error and other dropped copies left out);
//   - patient/subject, _sort (descending or ascending by the resource's
//     time), _count and status are honoured; any other parameter is ignored
//     and said once; a type replay does not read leaves its key out, said.
//   - a Bundle cut by _count carries the full total, so the service sees it
//     is partial.
// With a fhirServer, prefetch is not sent and the service fetches the data.
//
// Time. A CDS service grades at the moment a request arrives; the charts are
// in the past. Replay therefore moves every date in the resources it sends by
// one amount per request: T lands a margin M before the moment of sending,
// and T minus any window lands M after that window's edge, so up to M of
// latency or clock difference moves no finding in or out of a window.
// Findings charted less than 2M before T all land at T's place; elapsed
// times look up to M shorter. Dates without a time (a birth date) move by
// whole days, so an age may differ by one within a day of a birthday. Card
// text quotes shifted times. With a fhirServer the service reads the
// server's data as it is: nothing is shifted. docs/testing.md says more.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "fhir/record.h"
#include "fhir/time.h"

namespace icans::cli {

struct DiscoveredService {
  std::string id;
  std::string hook;
  std::string title;
  std::vector<std::pair<std::string, std::string>> prefetch;  // key, template
};

// Reads a discovery response ({"services": [...]}). Empty string on success.
std::string parse_discovery(std::string_view body, std::vector<DiscoveredService>& services);

// The raw JSON of the input files, so resources are sent exactly as charted.
// Indexed the way fhir::Intake numbers them (fhir::Origin).
class RawInputs {
 public:
  // Empty string on success, otherwise why a file cannot be read.
  std::string load(const std::vector<std::string>& files);
  const rapidjson::Value* find(const fhir::Origin& origin) const;

 private:
  std::vector<std::unique_ptr<rapidjson::Document>> documents_;
  std::map<std::pair<std::string, std::size_t>, const rapidjson::Value*> index_;
};

// How the charted times of one request are moved (see the top of this file).
struct TimeShift {
  bool enabled = false;
  fhir::Instant at = 0;       // T, as charted
  fhir::Instant delta = 0;    // added to every instant
  fhir::Instant ceiling = 0;  // no instant at or before T lands later than this
  int days = 0;               // for dates without a time
  fhir::Instant shift(fhir::Instant t) const;
};

// T lands at send_time - margin; T - window at (send_time + margin) - window.
TimeShift make_time_shift(fhir::Instant at, fhir::Instant send_time, fhir::Instant margin);

// Moves every date, dateTime and instant of a resource (members named start,
// end, issued, authoredOn, lastUpdated, birthDate, recorded, date, time,
// event, or ending in DateTime or Instant) keeping its precision and UTC
// offset. Values that are not FHIR dates are left alone.
void shift_times(rapidjson::Value& resource, const TimeShift& shift, rapidjson::Document::AllocatorType& allocator);

// A prefetch template taken apart, as far as replay honours it.
struct PrefetchQuery {
  std::string resource_type;
  bool read = false;                     // Type/{{context.patientId}}
  std::optional<bool> newest_first;      // _sort: -x newest first, x oldest first
  std::optional<int> count;              // _count
  std::vector<std::string> statuses;     // status=a,b
  std::vector<std::string> ignored;      // parameters replay does not apply
  std::string error;                     // not a template replay can fill
};
PrefetchQuery parse_prefetch_query(std::string_view query);

struct HookCall {
  std::string patient;
  fhir::Instant at = 0;
  std::string hook;  // "patient-view", "order-select", "order-sign"
  std::string service_id;
  std::vector<std::string> selections;  // order hooks: "MedicationRequest/id" of the drafts sent
};

// A card as the service sent it, read leniently so that a card breaking the
// specification is still shown and matched.
struct ReceivedCard {
  std::string summary;
  std::string detail;
  std::string indicator;
  std::string source_label;
  std::string topic_code;  // source.topic.code: the rule id, for our service
  std::vector<std::string> suggestion_labels;
};

struct CallResult {
  HookCall call;
  std::string url;
  int status = 0;
  double milliseconds = 0;
  fhir::Instant shift_ms = 0;  // how far the chart was moved (0: not moved)
  bool latency_beyond_margin = false;
  std::string error;  // no usable answer: connection, timeout, HTTP status, body not JSON
  std::vector<ReceivedCard> cards;
  std::vector<std::string> violations;  // breaks of CDS Hooks 2.0 (or of our stricter checks) in the response
};

// Checks a service response body: fhir::from_json(Response) and check_response
// from cards/card.h, then per card from_json and check_card, then the checks
// testers asked for by name (required fields, summary length, selectionBehavior,
// suggestion label and uuid, indicator). Each problem once, naming the path.
std::vector<std::string> check_service_response(std::string_view body, const std::string& content_type,
                                                std::vector<ReceivedCard>& cards, std::string& error);

struct HttpReplayOptions {
  std::string server;       // base URL; services at {server}/cds-services
  std::string fhir_server;  // sent instead of prefetch when set
  std::string fhir_token;   // fhirAuthorization.access_token, with fhir_server only
  int concurrency = 1;
  std::chrono::milliseconds timeout{10000};
  bool time_shift = true;
  fhir::Instant clock_margin_ms = 2000;
  std::string user_id = "Practitioner/replay";
  // The Authorization header value for a request to `url` ("Bearer <jwt>"),
  // or an error; an empty function sends no Authorization header.
  std::function<std::string(const std::string& url, std::string& error)> authorization;
};

class HttpReplay {
 public:
  HttpReplay(HttpReplayOptions options, const RawInputs& raw, std::vector<DiscoveredService> services);

  // GETs {server}/cds-services. Empty string on success.
  static std::string discover(const HttpReplayOptions& options, std::vector<DiscoveredService>& services);

  // The calls for one patient: patient-view at each of `times`, and
  // order-select for each draft MedicationRequest at its authoredOn (or, when
  // `at_given`, at the one time asked for, if the draft exists by then).
  std::vector<HookCall> plan(const fhir::PatientRecord& record, const std::vector<fhir::Instant>& times,
                             bool at_given) const;

  // The request body for `call`, its chart shifted for `send_time`.
  std::string request_body(const HookCall& call, const fhir::PatientRecord& record, fhir::Instant send_time,
                           TimeShift& shift) const;

  CallResult send(const HookCall& call, const fhir::PatientRecord& record) const;

  // Sends every call, `options.concurrency` at a time; results in the order of `calls`.
  std::vector<CallResult> run(const std::vector<std::pair<HookCall, const fhir::PatientRecord*>>& calls) const;

  const std::vector<DiscoveredService>& services() const { return services_; }
  // What the prefetch approximation could not honour, once per template.
  std::vector<std::string> notes() const;

 private:
  const DiscoveredService* service(const std::string& id) const;
  rapidjson::Value prefetch_value(const PrefetchQuery& query, const fhir::PatientRecord& record, fhir::Instant at,
                                  const TimeShift& shift, rapidjson::Document::AllocatorType& allocator) const;

  HttpReplayOptions options_;
  const RawInputs& raw_;
  std::vector<DiscoveredService> services_;
};

// A fresh random UUID (version 4) for hookInstance.
std::string random_uuid();

}  // namespace icans::cli
