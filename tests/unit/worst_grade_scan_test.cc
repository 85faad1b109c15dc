// The worst-grade scan (cds/evaluate.cc) grades every relevant time since
// day 0 the fast way: the record's observations sorted by domain once, its
// assessments collected once, and each earlier time graded without building
// any text. These tests compare it, on many generated charts, with the
// straightforward way: grade_icans and grade_crs, as they stand alone, at
// every time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "cds/crs.h"
#include "cds/domain_observations.h"
#include "cds/evaluate.h"
#include "cds/icans.h"
#include "cds/ice.h"
#include "chart_generator.h"

using namespace icans;
using namespace icans::test;

namespace {

constexpr int kCharts = 150;

std::optional<int> age_at(const fhir::PatientRecord& record, fhir::Instant t) {
  if (!record.patient || !record.patient->birth_date) return std::nullopt;
  return fhir::age_in_years(*record.patient->birth_date, t);
}

struct Graded {
  fhir::Instant at = 0;
  std::optional<int> icans;
  std::optional<int> crs;
};

// Each relevant time graded on its own, as if nothing else were known.
std::vector<Graded> grade_each_time(const fhir::PatientRecord& record, fhir::Instant infusion,
                                    const GradingConfig& config) {
  std::vector<Graded> graded;
  for (fhir::Instant t : relevant_times(record)) {
    if (t < infusion) continue;
    std::vector<std::string> warnings;
    const auto age = age_at(record, t);
    graded.push_back({t, grade_icans(record, t, infusion, age, config, warnings).grade.grade,
                      grade_crs(record, t, infusion, age, config, warnings).grade});
  }
  return graded;
}

std::optional<int> worse(std::optional<int> a, std::optional<int> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// What evaluate(record, at) must report beside the current grades, worked
// out the plain way from the grade at every earlier time.
struct Expected {
  std::optional<int> icans_worst;
  std::optional<int> crs_worst;
  std::array<std::optional<fhir::Instant>, 4> icans_at_least_since;
};

Expected expected_at(const std::vector<Graded>& earlier, fhir::Instant at, std::optional<int> icans_now,
                     std::optional<int> crs_now) {
  Expected expected{icans_now, crs_now, {}};
  std::vector<Graded> times;
  for (const auto& graded : earlier) {
    if (graded.at < at) times.push_back(graded);
  }
  times.push_back({at, icans_now, crs_now});
  for (const auto& graded : times) {
    expected.icans_worst = worse(expected.icans_worst, graded.icans);
    expected.crs_worst = worse(expected.crs_worst, graded.crs);
  }
  // "At least grade g since": the first time of the run of gradable times
  // at grade g or more that is still going at T; an ungradable time neither
  // starts nor breaks a run.
  for (int g = 1; g <= 4; ++g) {
    if (!icans_now || *icans_now < g) continue;
    std::optional<fhir::Instant> since;
    for (const auto& graded : times) {
      if (!graded.icans) continue;
      if (*graded.icans < g) since.reset();
      else if (!since) since = graded.at;
    }
    expected.icans_at_least_since[g - 1] = since;
  }
  return expected;
}

std::string describe(const fhir::PatientRecord& record, std::uint32_t seed, fhir::Instant at) {
  return "chart seed " + std::to_string(seed) + " (" + std::to_string(record.observations.size()) +
         " observations), T = " + fhir::format_instant(at);
}

}  // namespace

TEST_CASE("The worst grades and the ICANS runs equal a re-grade of every earlier time on its own",
          "[evaluate][differential]") {
  const GradingConfig config;
  int compared = 0;
  int with_runs = 0;
  for (std::uint32_t seed = 1; seed <= kCharts; ++seed) {
    ChartGenerator generator(seed);
    const fhir::PatientRecord record = generator.chart(seed % 4 == 0 ? 10 : 5);
    const auto times = generator.times_around(relevant_times(record));
    std::optional<std::vector<Graded>> earlier;
    for (std::size_t i = 0; i < times.size(); i += 1 + times.size() / 12) {
      const fhir::Instant at = times[i];
      const Evaluation evaluation = evaluate(record, at, config);
      if (!evaluation.in_scope) continue;
      INFO(describe(record, seed, at));
      if (!earlier) earlier = grade_each_time(record, *evaluation.infusion, config);
      const Expected expected = expected_at(*earlier, at, evaluation.icans.grade, evaluation.crs.grade);
      CHECK(evaluation.icans_worst == expected.icans_worst);
      CHECK(evaluation.crs_worst == expected.crs_worst);
      CHECK(evaluation.icans_at_least_since == expected.icans_at_least_since);
      ++compared;
      if (expected.icans_at_least_since[0]) ++with_runs;
    }
  }
  // The charts must reach what is compared, or the test proves nothing.
  CHECK(compared > 600);
  CHECK(with_runs > 150);
}

TEST_CASE("The current grades of evaluate equal grade_icans and grade_crs at T, reasons and evidence included",
          "[evaluate][differential]") {
  const GradingConfig config;
  int compared = 0;
  for (std::uint32_t seed = 1; seed <= kCharts; ++seed) {
    ChartGenerator generator(seed);
    const fhir::PatientRecord record = generator.chart();
    const auto times = generator.times_around(relevant_times(record));
    for (std::size_t i = 0; i < times.size(); i += 1 + times.size() / 8) {
      const fhir::Instant at = times[i];
      const Evaluation evaluation = evaluate(record, at, config);
      if (!evaluation.in_scope) continue;
      INFO(describe(record, seed, at));
      std::vector<std::string> warnings;
      const auto icans = grade_icans(record, at, *evaluation.infusion, evaluation.age_years, config, warnings);
      const auto crs = grade_crs(record, at, *evaluation.infusion, evaluation.age_years, config, warnings);
      for (const auto& [got, want] : {std::pair{&evaluation.icans, &icans.grade}, std::pair{&evaluation.crs, &crs}}) {
        REQUIRE(got->grade == want->grade);
        REQUIRE(got->missing == want->missing);
        REQUIRE(got->domains.size() == want->domains.size());
        for (std::size_t d = 0; d < want->domains.size(); ++d) {
          CHECK(got->domains[d].domain == want->domains[d].domain);
          CHECK(got->domains[d].grade == want->domains[d].grade);
          CHECK(got->domains[d].rule == want->domains[d].rule);
          CHECK(got->domains[d].reason == want->domains[d].reason);
          REQUIRE(got->domains[d].evidence.size() == want->domains[d].evidence.size());
          for (std::size_t e = 0; e < want->domains[d].evidence.size(); ++e) {
            CHECK(got->domains[d].evidence[e].resource == want->domains[d].evidence[e].resource);
            CHECK(got->domains[d].evidence[e].time == want->domains[d].evidence[e].time);
            CHECK(got->domains[d].evidence[e].finding == want->domains[d].evidence[e].finding);
          }
        }
      }
      CHECK(evaluation.assessment.score == icans.assessment.score);
      CHECK(evaluation.assessment.resources == icans.assessment.resources);
      CHECK(evaluation.previous_ice == icans.previous_score);
      // Every warning of the two graders is the evaluation's.
      for (const auto& warning : warnings) {
        CHECK(std::find(evaluation.warnings.begin(), evaluation.warnings.end(), warning) !=
              evaluation.warnings.end());
      }
      ++compared;
    }
  }
  CHECK(compared > 500);
}

TEST_CASE("A grade without its explanation is the grade with it, at every relevant time",
          "[icans][crs][differential]") {
  const GradingConfig config;
  int compared = 0;
  std::array<int, 5> icans_grades{};  // how often each grade came up: the charts must reach them all
  std::array<int, 5> crs_grades{};
  for (std::uint32_t seed = 1; seed <= kCharts; ++seed) {
    ChartGenerator generator(seed);
    const fhir::PatientRecord record = generator.chart();
    const auto times = relevant_times(record);
    if (times.empty()) continue;
    const fhir::Instant infusion = ChartGenerator::kDay0;
    const DomainObservations observations(record.observations);
    std::vector<std::string> ignored;
    const auto collected = collect_assessments(record, times.back() + 365 * fhir::kMillisPerDay, 0, ignored);
    for (fhir::Instant t : generator.times_around(times)) {
      INFO(describe(record, seed, t));
      const auto age = age_at(record, t);
      std::vector<std::string> warnings;
      const auto icans = grade_icans(record, t, infusion, age, config, warnings).grade.grade;
      const auto crs = grade_crs(record, t, infusion, age, config, warnings).grade;
      CHECK(icans_grade_only(record, observations, collected, t, infusion, age, config) == icans);
      CHECK(crs_grade_only(record, observations, t, infusion, age, config) == crs);
      if (icans) ++icans_grades[*icans];
      if (crs) ++crs_grades[*crs];
      ++compared;
    }
  }
  CHECK(compared > 5000);
  for (int g = 0; g <= 4; ++g) {
    INFO("grade " << g);
    CHECK(icans_grades[g] > 20);
    CHECK(crs_grades[g] > 20);
  }
}
