// relevant_times sorts only what is out of order: observations as intake
// files them (by time) are merged with the other resources' times rather
// than sorted again. The times must not depend on the order the record holds
// its resources in: these tests compare each generated chart with the same
// chart shuffled, whose times take the plain sort.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "cds/evaluate.h"
#include "chart_generator.h"

using namespace icans;
using namespace icans::test;

TEST_CASE("Relevant times are ascending, unique and the same in any resource order",
          "[evaluate][differential]") {
  int sorted_charts = 0;
  int imprecise_charts = 0;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    ChartGenerator generator(seed);
    const fhir::PatientRecord record = generator.chart(seed % 3 == 0 ? 10 : 4);
    INFO("chart seed " << seed);
    const auto times = relevant_times(record);
    CHECK(std::adjacent_find(times.begin(), times.end(), std::greater_equal<>()) == times.end());

    fhir::PatientRecord shuffled = record;
    std::mt19937 random(seed);
    std::shuffle(shuffled.observations.begin(), shuffled.observations.end(), random);
    std::shuffle(shuffled.administrations.begin(), shuffled.administrations.end(), random);
    std::shuffle(shuffled.procedures.begin(), shuffled.procedures.end(), random);
    std::shuffle(shuffled.reports.begin(), shuffled.reports.end(), random);
    CHECK(relevant_times(shuffled) == times);

    const auto by_time = [](const auto& a, const auto& b) { return a.effective.earliest < b.effective.earliest; };
    if (std::is_sorted(record.observations.begin(), record.observations.end(), by_time)) ++sorted_charts;
    if (std::any_of(record.observations.begin(), record.observations.end(),
                    [](const auto& o) { return o.effective.latest != o.effective.earliest; })) {
      ++imprecise_charts;
    }
  }
  // Both paths, and times whose latest instants come out of order, are reached.
  CHECK(sorted_charts > 200);
  CHECK(sorted_charts < 300);
  CHECK(imprecise_charts > 50);
}
