// Scenario files (cds/cli/expectations.h) and `icans-cds replay --expect`:
// parsing is strict, checks say expected and actual, what cannot be observed
// is skipped rather than passed, and every shipped example meets its scenario.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/cli/expectations.h"

namespace {

using icans::cli::check_expectation;
using icans::cli::CheckResult;
using icans::cli::Expectation;
using icans::cli::Observed;
using icans::cli::ObservedCard;
using icans::cli::overall;
using icans::cli::parse_scenario;
using icans::cli::Scenario;
using icans::cli::Verdict;

struct Run {
  int exit_code = -1;
  std::string output;
};

Run run(const std::string& arguments) {
  const std::string command = std::string(ICANS_BINARY) + " " + arguments + " 2>&1";
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

Scenario parse_ok(const std::string& text) {
  Scenario scenario;
  const std::string error = parse_scenario(text, "test.scenario.json", "/base", scenario);
  INFO(error);
  REQUIRE(error.empty());
  return scenario;
}

std::string parse_error(const std::string& text) {
  Scenario scenario;
  return parse_scenario(text, "test.scenario.json", "/base", scenario);
}

const CheckResult& find_check(const std::vector<CheckResult>& results, const std::string& what) {
  for (const auto& result : results) {
    if (result.what.rfind(what, 0) == 0) return result;
  }
  FAIL("no check named " << what);
  throw;  // unreachable
}

ObservedCard card(std::string rule, std::string kind, std::string indicator, std::string summary,
                  std::vector<std::string> suggestions = {}) {
  ObservedCard c;
  c.rule = std::move(rule);
  c.kind = std::move(kind);
  c.indicator = std::move(indicator);
  c.summary = std::move(summary);
  c.suggestion_labels = std::move(suggestions);
  return c;
}

Observed grade3_observed() {
  Observed observed;
  observed.in_scope = true;
  observed.icans_grade = 3;
  observed.crs_grade = 0;
  observed.icans_worst_grade = 3;
  observed.crs_worst_grade = std::nullopt;
  observed.ice_score = 2;
  observed.warnings = {"Observation/x is preliminary; used for grading, confirm when final"};
  observed.cards = {card("cards.icans-steroids", "icans-steroids", "critical",
                         "ICANS grade 3 (ICE 2): dexamethasone 10 mg IV q6h", {"Order dexamethasone 10 mg IV q6h"}),
                    card("cards.icans-workup", "icans-workup", "warning", "ICANS grade 3 work-up: MRI brain, EEG")};
  return observed;
}

const char* kFullScenario = R"({
  "description": "d",
  "bundle": "chart.json",
  "options": {"site_map": "../maps/site.json", "t_cell_engagers": true, "pediatric_cutoff_years": 13},
  "expectations": [{
    "note": "n", "patient": "p1", "at": "2026-03-07T08:00:00-05:00", "hook": "order-select",
    "in_scope": true, "day_post_infusion": 4, "icans_grade": 3, "crs_grade": null,
    "icans_worst_grade": 3, "crs_worst_grade": 2, "ice_score": 2, "capd_score": null,
    "warnings_include": ["preliminary"],
    "cards": {"include": [{"rule": "cards.icans-steroids", "indicator": "critical", "summary_contains": "dexamethasone"}],
              "exclude": [{"kind": "seizure-prophylaxis"}], "count": 2}
  }]
})";

}  // namespace

TEST_CASE(
    "A scenario file is read whole: bundle and options resolved against its directory, null kept apart from absent") {
  const Scenario scenario = parse_ok(kFullScenario);
  CHECK(scenario.description == "d");
  REQUIRE(scenario.bundles.size() == 1);
  CHECK(scenario.bundles[0] == "/base/chart.json");
  CHECK(scenario.options.site_map == "/maps/site.json");
  CHECK(scenario.options.t_cell_engagers == true);
  CHECK(scenario.options.pediatric_cutoff_years == 13);
  REQUIRE(scenario.expectations.size() == 1);
  const Expectation& e = scenario.expectations[0];
  CHECK(e.where == "expectations[0]");
  CHECK(e.patient == "p1");
  CHECK(e.at == fhir::parse_instant("2026-03-07T13:00:00Z").range->earliest);
  CHECK(e.hook == "order-select");
  CHECK(e.icans_grade.stated);
  CHECK(e.icans_grade.value == 3);
  CHECK(e.crs_grade.stated);  // null: stated as "cannot be graded"
  CHECK_FALSE(e.crs_grade.value.has_value());
  CHECK(e.capd_score.stated);
  CHECK_FALSE(e.capd_score.value.has_value());
  CHECK(e.day_post_infusion.value == 4);
  CHECK(e.warnings_include == std::vector<std::string>{"preliminary"});
  REQUIRE(e.cards_include.size() == 1);
  CHECK(e.cards_include[0].rule == "cards.icans-steroids");
  CHECK(e.cards_include[0].describe() ==
        "{rule=cards.icans-steroids, indicator=critical, summary contains \"dexamethasone\"}");
  REQUIRE(e.cards_exclude.size() == 1);
  CHECK(e.cards_exclude[0].kind == "seizure-prophylaxis");
  CHECK(e.card_count == 2);

  const Scenario several =
      parse_ok(R"({"bundle": ["a.ndjson", "/abs/b.ndjson"], "expectations": [{"at": "2026-01-01T00:00:00Z"}]})");
  CHECK(several.bundles == std::vector<std::string>{"/base/a.ndjson", "/abs/b.ndjson"});
  CHECK_FALSE(several.expectations[0].icans_grade.stated);  // absent: not checked
}

TEST_CASE("A misspelt field refuses the scenario, naming its JSON path, so no expectation silently checks nothing") {
  const std::string error =
      parse_error(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z", "icans_grad": 3}]})");
  CHECK(contains(error, "test.scenario.json: expectations[0].icans_grad: unknown field"));
  CHECK(contains(parse_error(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z",
      "cards": {"include": [{"rule": "cards.x", "sumary_contains": "y"}]}}]})"),
                 "expectations[0].cards.include[0].sumary_contains: unknown field"));
  CHECK(contains(parse_error(R"({"bundle": "b.json", "option": {}, "expectations": [{"at": "2026-01-01T00:00:00Z"}]})"),
                 "option: unknown field"));
}

TEST_CASE("Every problem of a scenario is listed at once, each with its path") {
  const std::string error = parse_error(R"({"expectations": [
      {"at": "2026-03-07T08:00:00", "icans_grade": 5, "hook": "order-sing"},
      {"cards": {"include": [{}], "exclude": [{"indicator": "urgent"}], "count": -1}}]})");
  INFO(error);
  CHECK(contains(error, "bundle: required"));
  CHECK(contains(error, "expectations[0].at: '2026-03-07T08:00:00': "));  // a time without its offset
  CHECK(contains(error,
                 "expectations[0].icans_grade: must be null (cannot be determined) or a whole number from 0 to 4"));
  CHECK(contains(error, "expectations[0].hook: must be patient-view, order-select or order-sign"));
  CHECK(contains(error, "expectations[1].at: required string is missing"));
  CHECK(contains(error, "expectations[1].cards.include[0]: an empty matcher would match any card"));
  CHECK(contains(error, "expectations[1].cards.exclude[0].indicator: must be info, warning or critical"));
  CHECK(contains(error, "expectations[1].cards.count: must be a whole number from 0 to 1000"));
  CHECK(count(error, "\n") == 7);  // eight problems, one per line
  CHECK(contains(parse_error(R"({"bundle": "b.json", "expectations": []})"),
                 "expectations: required: a non-empty array"));
  CHECK(contains(parse_error("{\"bundle\": "), "test.scenario.json: line 1"));
}

TEST_CASE(
    "Grade checks pass on equal values and fail with expected and actual otherwise, and null means cannot be graded") {
  const Scenario scenario = parse_ok(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z",
      "in_scope": true, "icans_grade": 3, "crs_grade": 1, "crs_worst_grade": null, "ice_score": 2, "capd_score": null}]})");
  const auto results = check_expectation(scenario.expectations[0], grade3_observed());
  CHECK(find_check(results, "in_scope").verdict == Verdict::pass);
  CHECK(find_check(results, "icans_grade").verdict == Verdict::pass);
  const CheckResult& crs = find_check(results, "crs_grade");
  CHECK(crs.verdict == Verdict::fail);
  CHECK(crs.expected == "1");
  CHECK(crs.actual == "0");
  CHECK(find_check(results, "crs_worst_grade").verdict == Verdict::pass);  // null == cannot be graded
  CHECK(find_check(results, "ice_score").verdict == Verdict::pass);
  CHECK(find_check(results, "capd_score").verdict == Verdict::pass);
  CHECK(overall(results) == Verdict::fail);

  Observed ungraded = grade3_observed();
  ungraded.icans_grade.reset();
  const Scenario expects_grade =
      parse_ok(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z", "icans_grade": 0}]})");
  const CheckResult& unknown = find_check(check_expectation(expects_grade.expectations[0], ungraded), "icans_grade");
  CHECK(unknown.verdict == Verdict::fail);  // an unknown grade is never 0
  CHECK(unknown.actual == "null");
}

TEST_CASE("Card matchers: include needs a card matching every field, exclude none, and text matches ignore case") {
  const Scenario scenario = parse_ok(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z", "cards": {
      "include": [{"rule": "cards.icans-steroids", "indicator": "critical", "summary_contains": "DEXAMETHASONE 10 mg"},
                  {"rule": "cards.icans-steroids", "indicator": "warning"},
                  {"suggestion_contains": "order dexamethasone"}],
      "exclude": [{"rule": "cards.seizure-prophylaxis"}, {"summary_contains": "EEG"}],
      "count": 2}}]})");
  const auto results = check_expectation(scenario.expectations[0], grade3_observed());
  CHECK(find_check(results, "cards.include[0]").verdict == Verdict::pass);
  const CheckResult& wrong_indicator = find_check(results, "cards.include[1]");
  CHECK(wrong_indicator.verdict == Verdict::fail);  // the rule matches, the indicator does not
  CHECK(contains(wrong_indicator.actual, "cards.icans-steroids [critical]"));
  CHECK(find_check(results, "cards.include[2]").verdict == Verdict::pass);
  CHECK(find_check(results, "cards.exclude[0]").verdict == Verdict::pass);
  const CheckResult& present = find_check(results, "cards.exclude[1]");
  CHECK(present.verdict == Verdict::fail);
  CHECK(contains(present.actual, "work-up: MRI brain, EEG"));
  CHECK(find_check(results, "cards.count").verdict == Verdict::pass);
}

TEST_CASE("Over HTTP grades and kinds are skipped, never passed, and card checks still run on the rule") {
  const Scenario scenario = parse_ok(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z",
      "icans_grade": 3, "warnings_include": ["preliminary"],
      "cards": {"include": [{"kind": "icans-steroids"}, {"rule": "cards.icans-steroids"}]}}]})");
  Observed over_http = grade3_observed();
  over_http.grades_known = false;
  over_http.kinds_known = false;
  for (auto& c : over_http.cards) c.kind.clear();
  const auto results = check_expectation(scenario.expectations[0], over_http);
  CHECK(find_check(results, "icans_grade").verdict == Verdict::skip);
  CHECK(contains(find_check(results, "icans_grade").actual, "not checkable over HTTP"));
  CHECK(find_check(results, "warnings_include[0]").verdict == Verdict::skip);
  CHECK(find_check(results, "cards.include[0] {kind=").verdict == Verdict::skip);
  CHECK(find_check(results, "cards.include[1] {rule=").verdict == Verdict::pass);
  CHECK(overall(results) == Verdict::pass);

  const Scenario grades_only =
      parse_ok(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z", "icans_grade": 3}]})");
  CHECK(overall(check_expectation(grades_only.expectations[0], over_http)) == Verdict::skip);
}

TEST_CASE("A request that brought no cards fails every card check, with the reason") {
  const Scenario scenario = parse_ok(R"({"bundle": "b.json", "expectations": [{"at": "2026-01-01T00:00:00Z",
      "cards": {"exclude": [{"rule": "cards.crs-steroids"}], "count": 0}}]})");
  Observed failed;
  failed.grades_known = false;
  failed.cards_error = "HTTP 412: the FHIR data needed for grading could not be obtained";
  const auto results = check_expectation(scenario.expectations[0], failed);
  REQUIRE(results.size() == 2);
  for (const auto& result : results) {
    CHECK(result.verdict == Verdict::fail);  // "no card" must not pass an exclude when nothing was asked
    CHECK(contains(result.actual, "HTTP 412"));
  }
}

TEST_CASE("Every shipped example meets its scenario file (replay --expect exits 0)") {
  std::vector<std::string> scenarios;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(ICANS_SOURCE_DIR) + "/examples")) {
    if (entry.path().filename().string().ends_with(".scenario.json")) scenarios.push_back(entry.path().string());
  }
  std::vector<std::string> bundles;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(ICANS_SOURCE_DIR) + "/examples")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".json") && !name.ends_with(".scenario.json") && name != "site-map.json")
      bundles.push_back(name);
  }
  // Each bundle (and the NDJSON export) has at least one scenario.
  CHECK(scenarios.size() >= bundles.size() + 1);
  for (const auto& bundle : bundles) {
    const std::string stem = bundle.substr(0, bundle.size() - 5);
    INFO("bundle without a scenario: " << bundle);
    CHECK(std::filesystem::exists(std::string(ICANS_SOURCE_DIR) + "/examples/" + stem + ".scenario.json"));
  }
  for (const auto& scenario : scenarios) {
    const Run r = run("replay --expect " + scenario);
    INFO(scenario << "\n" << r.output);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(contains(r.output, "FAIL"));
    CHECK(contains(r.output, " 0 failed"));
  }
}

TEST_CASE("A deliberately wrong scenario fails each expectation with expected and actual, exit 1") {
  const Run r =
      run("replay --expect " + std::string(ICANS_SOURCE_DIR) + "/tests/data/wrong-expectations.scenario.json");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "FAIL icans_grade: expected 2, actual 3"));
  CHECK(contains(r.output, "PASS crs_grade: expected 0, actual 0"));
  CHECK(
      contains(r.output, "FAIL cards.include[0] {rule=cards.icans-steroids, summary contains \"methylprednisolone\"}"));
  CHECK(contains(r.output,
                 "FAIL cards.exclude[0] {rule=cards.icans-steroids, summary contains \"dexamethasone 10 mg IV q6h\"}: "
                 "expected no matching card, actual cards.icans-steroids [critical]"));
  CHECK(contains(r.output, "FAIL icans_grade: expected null, actual 3"));
  CHECK(contains(r.output, "FAIL patient: expected Patient/nobody, actual not in the inputs"));
  CHECK(contains(r.output, "expectations: 0 passed, 4 failed"));

  const Run json = run("replay --format json --expect " + std::string(ICANS_SOURCE_DIR) +
                       "/tests/data/wrong-expectations.scenario.json");
  CHECK(json.exit_code == 1);
  CHECK(count(json.output, "\"verdict\": \"FAIL\"") >= 4);
}

TEST_CASE("replay --expect exits 2 on an unusable scenario, before grading anything") {
  const Run broken = run("replay --expect " + std::string(ICANS_SOURCE_DIR) + "/tests/data/broken.scenario.json");
  CHECK(broken.exit_code == 2);
  CHECK(contains(broken.output, "broken.scenario.json: expectations[0].icans_grad: unknown field"));
  const Run missing = run("replay --expect /nonexistent.scenario.json");
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.output, "/nonexistent.scenario.json: no such file"));
  const Run with_files = run("replay --expect " + std::string(ICANS_SOURCE_DIR) +
                             "/tests/data/broken.scenario.json examples/axicel-icans-grade3.json");
  CHECK(with_files.exit_code == 2);
  CHECK(contains(with_files.output, "give no FILE"));
}
