#include "cds/hooks/metrics.h"

#include <charconv>
#include <sstream>

namespace icans {
namespace {

// Shortest text that reads back as the same double ("0.005", "2.5", "10").
std::string number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::count_request(std::string_view service, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{std::string(service), status}];
  Histogram& histogram = durations_[std::string(service)];
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::count_card(std::string_view kind, std::string_view indicator) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++cards_[{std::string(kind), std::string(indicator)}];
}

void Metrics::count_feedback(std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++feedback_[std::string(outcome)];
}

void Metrics::count_fhir_fetch(std::string_view result) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++fetches_[std::string(result)];
}

void Metrics::count_auth_denied() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++auth_denied_;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  header(out, "icans_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
  for (const auto& [key, count] : requests_) {
    out << "icans_requests_total{" << label("service", key.first) << ','
        << label("status", std::to_string(key.second)) << "} " << count << '\n';
  }
  header(out, "icans_request_duration_seconds", "histogram",
         "Time from request arrival to response, by endpoint.");
  for (const auto& [service, histogram] : durations_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      out << "icans_request_duration_seconds_bucket{" << label("service", service) << ','
          << label("le", number(kDurationBuckets[i])) << "} " << cumulative << '\n';
    }
    out << "icans_request_duration_seconds_bucket{" << label("service", service) << ','
        << label("le", "+Inf") << "} " << histogram.count << '\n';
    out << "icans_request_duration_seconds_sum{" << label("service", service) << "} "
        << number(histogram.sum) << '\n';
    out << "icans_request_duration_seconds_count{" << label("service", service) << "} "
        << histogram.count << '\n';
  }
  header(out, "icans_cards_total", "counter", "Cards issued (shadow mode included), by kind and indicator.");
  for (const auto& [key, count] : cards_) {
    out << "icans_cards_total{" << label("kind", key.first) << ','
        << label("indicator", key.second) << "} " << count << '\n';
  }
  header(out, "icans_feedback_total", "counter", "Feedback entries stored, by outcome.");
  for (const auto& [outcome, count] : feedback_) {
    out << "icans_feedback_total{" << label("outcome", outcome) << "} " << count << '\n';
  }
  header(out, "icans_fhir_fetches_total", "counter",
         "Searches against the EHR's FHIR server, by result (ok, partial, error, timeout).");
  for (const auto& [result, count] : fetches_) {
    out << "icans_fhir_fetches_total{" << label("result", result) << "} " << count << '\n';
  }
  // Written at 0 too: an alert on its rate needs the series to exist.
  header(out, "icans_auth_denied_total", "counter",
         "Calls refused with 401 because the caller's JWT was missing or not valid.");
  out << "icans_auth_denied_total " << auth_denied_ << '\n';
  return out.str();
}

std::string render_audit_store(const Store::WriteStats& stats) {
  std::ostringstream out;
  header(out, "icans_audit_commits_total", "counter",
         "Audit store write transactions committed (each one fsync of the log).");
  out << "icans_audit_commits_total " << stats.transactions << '\n';
  header(out, "icans_audit_batches_total", "counter",
         "Responses' and feedback requests' writes those commits carried (group commit).");
  out << "icans_audit_batches_total " << stats.batches << '\n';
  header(out, "icans_audit_batches_queued", "gauge", "Writes waiting for the commit under way.");
  out << "icans_audit_batches_queued " << stats.queued << '\n';
  header(out, "icans_audit_checkpoints_total", "counter",
         "Write-ahead log checkpoints of the audit store: by its own thread, or by a commit when "
         "the log outgrew the thread.");
  out << "icans_audit_checkpoints_total{by=\"thread\"} " << stats.checkpoints << '\n';
  out << "icans_audit_checkpoints_total{by=\"commit\"} " << stats.commit_checkpoints << '\n';
  // A failing checkpoint lets the log grow; worth an alert before the disk fills.
  header(out, "icans_audit_checkpoint_failures_total", "counter",
         "Write-ahead log checkpoints of the audit store that failed.");
  out << "icans_audit_checkpoint_failures_total " << stats.checkpoint_failures << '\n';
  return out.str();
}

}  // namespace icans
