#pragma once
// One JSON line per request, for the operator: what was asked, what came of
// it and how long it took. Only identifiers, never clinical data or tokens:
// logs travel further than the database does.

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

#include "fhir/time.h"

namespace icans {

struct RequestLogEntry {
  fhir::Instant time = 0;     // arrival
  std::string method;
  std::string path;
  std::string service;        // endpoint label ("icans-patient-view", "discovery", ...)
  int status = 0;
  double latency_ms = 0;
  std::size_t cards = 0;
  std::string hook_instance;  // service calls only
  std::string patient_id;     // service calls only
  std::string client_issuer;  // authenticated calls: the token's iss
  std::string client_tenant;  // and its tenant claim, when it has one
  std::size_t fhir_fetches = 0;
  bool shadow = false;
  std::string error;          // the reason given to the client, or the internal failure
  std::string note;           // worth knowing, not an error ("feedback for 1 unknown card")
};

// {"time": ..., "method": ..., ...}: empty optional fields are left out.
std::string request_log_line(const RequestLogEntry& entry);

// Any other event (start-up, shutdown, a store failure): {"time", "event", ...fields}.
struct LogField {
  std::string name;
  std::string value;
  bool is_number = false;
};
std::string event_log_line(fhir::Instant time, std::string_view event,
                           std::initializer_list<LogField> fields);

// Writes whole lines; safe from every server thread.
class LogSink {
 public:
  explicit LogSink(std::function<void(std::string_view)> write) : write_(std::move(write)) {}
  void line(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    write_(text);
  }

 private:
  std::mutex mutex_;
  std::function<void(std::string_view)> write_;
};

}  // namespace icans
