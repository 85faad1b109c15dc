#pragma once
// Counters for GET /metrics, in the Prometheus text exposition format 0.0.4.
//
// Label values come from a closed set (service ids, card kinds, outcomes),
// never from request paths or bodies: a client must not be able to grow the
// metrics without bound.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "cds/hooks/store.h"

namespace icans {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

class Metrics {
 public:
  // Upper bounds (seconds) of the request duration histogram; +Inf is implied.
  static constexpr std::array<double, 11> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                               0.5,   1,    2.5,   5,    10};

  void count_request(std::string_view service, int status, double seconds);
  void count_card(std::string_view kind, std::string_view indicator);
  void count_feedback(std::string_view outcome);
  void count_fhir_fetch(std::string_view result);
  void count_auth_denied();

  // icans_requests_total, icans_request_duration_seconds, icans_cards_total,
  // icans_feedback_total, icans_fhir_fetches_total, icans_auth_denied_total.
  std::string render() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kDurationBuckets.size()> buckets{};  // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> cards_;
  std::map<std::string, std::uint64_t> feedback_;
  std::map<std::string, std::uint64_t> fetches_;
  std::uint64_t auth_denied_ = 0;
};

// A label value escaped for the text format (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

// The audit store's writes (group commit) and its checkpoints, read from the
// store when /metrics is asked: icans_audit_commits_total,
// icans_audit_batches_total, icans_audit_checkpoints_total,
// icans_audit_checkpoint_failures_total, icans_audit_batches_queued.
std::string render_audit_store(const Store::WriteStats& stats);

}  // namespace icans
