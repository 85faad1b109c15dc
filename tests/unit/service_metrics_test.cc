// GET /metrics: Prometheus text exposition format 0.0.4.
#include <catch2/catch.hpp>

#include <string>

#include "cds/hooks/metrics.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("every metric family is declared with HELP and TYPE", "[service][metrics]") {
  const std::string text = Metrics().render();
  for (const auto& [name, type] : {std::pair{"icans_requests_total", "counter"},
                                   {"icans_request_duration_seconds", "histogram"},
                                   {"icans_cards_total", "counter"},
                                   {"icans_feedback_total", "counter"},
                                   {"icans_fhir_fetches_total", "counter"}}) {
    INFO(name);
    CHECK(text.find(std::string("# HELP ") + name + " ") != std::string::npos);
    CHECK(has_line(text, std::string("# TYPE ") + name + " " + type));
  }
  CHECK(text.back() == '\n');
}

TEST_CASE("counters count by their labels", "[service][metrics]") {
  Metrics metrics;
  metrics.count_request("icans-patient-view", 200, 0.004);
  metrics.count_request("icans-patient-view", 200, 0.3);
  metrics.count_request("icans-patient-view", 412, 2.0);
  metrics.count_card("icans-steroids", "critical");
  metrics.count_card("icans-steroids", "critical");
  metrics.count_feedback("accepted");
  metrics.count_fhir_fetch("timeout");
  const std::string text = metrics.render();
  CHECK(has_line(text, R"(icans_requests_total{service="icans-patient-view",status="200"} 2)"));
  CHECK(has_line(text, R"(icans_requests_total{service="icans-patient-view",status="412"} 1)"));
  CHECK(has_line(text, R"(icans_cards_total{kind="icans-steroids",indicator="critical"} 2)"));
  CHECK(has_line(text, R"(icans_feedback_total{outcome="accepted"} 1)"));
  CHECK(has_line(text, R"(icans_fhir_fetches_total{result="timeout"} 1)"));
}

TEST_CASE("the duration histogram is cumulative with +Inf, sum and count", "[service][metrics]") {
  Metrics metrics;
  metrics.count_request("discovery", 200, 0.004);  // first bucket
  metrics.count_request("discovery", 200, 0.3);    // 0.5
  metrics.count_request("discovery", 200, 60);     // only +Inf
  const std::string text = metrics.render();
  CHECK(has_line(text, R"(icans_request_duration_seconds_bucket{service="discovery",le="0.005"} 1)"));
  CHECK(has_line(text, R"(icans_request_duration_seconds_bucket{service="discovery",le="0.25"} 1)"));
  CHECK(has_line(text, R"(icans_request_duration_seconds_bucket{service="discovery",le="0.5"} 2)"));
  CHECK(has_line(text, R"(icans_request_duration_seconds_bucket{service="discovery",le="10"} 2)"));
  CHECK(has_line(text, R"(icans_request_duration_seconds_bucket{service="discovery",le="+Inf"} 3)"));
  CHECK(has_line(text, R"(icans_request_duration_seconds_sum{service="discovery"} 60.304)"));
  CHECK(has_line(text, R"(icans_request_duration_seconds_count{service="discovery"} 3)"));
}

TEST_CASE("label values are escaped", "[service][metrics]") {
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("GET /metrics serves the text format and counts requests by endpoint", "[service][metrics]") {
  Harness harness;
  harness.handle(get("/cds-services"));
  harness.handle(get("/no/such/path"));
  const HttpResponse response = harness.handle(get("/metrics"));
  CHECK(response.status == 200);
  CHECK(header(response, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(has_line(response.body, R"(icans_requests_total{service="discovery",status="200"} 1)"));
  // Unknown paths share one label value: clients cannot grow the label set.
  CHECK(has_line(response.body, R"(icans_requests_total{service="unknown",status="404"} 1)"));
  CHECK(response.body.find("/no/such/path") == std::string::npos);
}

TEST_CASE("GET /metrics shows the audit store's commits and the writes they carried", "[service][metrics]") {
  Harness harness;
  const auto before = harness.handle(get("/metrics"));
  CHECK(has_line(before.body, "# TYPE icans_audit_commits_total counter"));
  CHECK(has_line(before.body, "# TYPE icans_audit_checkpoint_failures_total counter"));
  CHECK(has_line(before.body, "icans_audit_batches_total 0"));
  const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  const HttpResponse answered = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(answered.status == 200);
  REQUIRE_FALSE(card_uuids(answered).empty());
  const auto after = harness.handle(get("/metrics"));
  CHECK(has_line(after.body, "icans_audit_batches_total 1"));
  CHECK(has_line(after.body, "icans_audit_commits_total 1"));
  CHECK(has_line(after.body, "icans_audit_batches_queued 0"));
}
