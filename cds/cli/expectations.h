#pragma once
// Scenario files: what a tester expects the service to show for a patient at
// a given time (grades, scores, cards), checked against what the engine or a
// live CDS service actually produced. docs/testing.md describes the format.
//
// Parsing is strict: an unknown field (a typo such as "icans_grad") would
// otherwise turn an expectation into one that always passes, so it refuses
// the whole file, naming the JSON path.
//
// A value that cannot be observed (grades over HTTP: a CDS Hooks response
// carries only cards) is reported as skipped, never as passed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cards/card.h"
#include "cds/evaluation.h"
#include "fhir/time.h"
#include "fhir/warning.h"

namespace icans::cli {

// A card is matched when every field given matches. Text matches are
// substring matches, ignoring ASCII case.
struct CardMatcher {
  std::optional<std::string> rule;       // source.topic.code, e.g. "cards.icans-steroids"
  std::optional<std::string> kind;       // audit kind, e.g. "icans-steroids": local replay only
  std::optional<std::string> indicator;  // "info", "warning" or "critical"
  std::optional<std::string> summary_contains;
  std::optional<std::string> detail_contains;
  std::optional<std::string> suggestion_contains;  // the label of any suggestion
  std::string describe() const;  // {rule=cards.icans-steroids, summary contains "..."}
};

// An expected score or grade: absent (not checked), null (cannot be
// determined) or a number.
struct ExpectedNumber {
  bool stated = false;
  std::optional<int> value;
};

struct Expectation {
  std::string where;  // "expectations[2]", for messages
  std::string note;   // free text shown with the result
  std::string patient;  // empty: the input's only patient
  std::string at_text;  // as written in the file
  fhir::Instant at = 0;
  std::string hook = "patient-view";  // or "order-select", "order-sign": the bundle's draft orders at T
  std::optional<bool> in_scope;
  ExpectedNumber day_post_infusion;
  ExpectedNumber icans_grade;
  ExpectedNumber crs_grade;
  ExpectedNumber icans_worst_grade;
  ExpectedNumber crs_worst_grade;
  ExpectedNumber ice_score;
  ExpectedNumber capd_score;
  std::vector<std::string> warnings_include;  // substrings of grading or data warnings
  std::vector<CardMatcher> cards_include;     // each must match at least one card
  std::vector<CardMatcher> cards_exclude;     // none may match any card
  std::optional<int> card_count;
};

// Options for the local evaluation of the scenario's bundle; a live service
// uses its own configuration.
struct ScenarioOptions {
  std::string site_map;  // resolved against the scenario file's directory
  std::string protocol;  // likewise; empty: the command line's, else the default
  std::optional<bool> t_cell_engagers;
  std::optional<int> pediatric_cutoff_years;
};

struct Scenario {
  std::string path;
  std::string description;
  std::vector<std::string> bundles;  // resolved against the scenario file's directory
  ScenarioOptions options;
  std::vector<Expectation> expectations;
};

// Empty string on success, otherwise every problem found, one per line, each
// naming the file and JSON path.
std::string load_scenario(const std::string& path, Scenario& scenario);
// As load_scenario, from text; relative paths are resolved against `base_dir`.
std::string parse_scenario(std::string_view text, const std::string& name, const std::string& base_dir,
                           Scenario& scenario);

// What a card showed, as far as the checks need it.
struct ObservedCard {
  std::string rule;  // source.topic.code
  std::string kind;  // empty over HTTP
  std::string indicator;
  std::string summary;
  std::string detail;
  std::vector<std::string> suggestion_labels;
};

// What was observed at one expectation's patient and time.
struct Observed {
  bool grades_known = true;  // false over HTTP
  bool kinds_known = true;   // false over HTTP: kind is an audit field, never sent
  bool in_scope = false;
  std::optional<int> day_post_infusion;
  std::optional<int> icans_grade;
  std::optional<int> crs_grade;
  std::optional<int> icans_worst_grade;
  std::optional<int> crs_worst_grade;
  std::optional<int> ice_score;
  std::optional<int> capd_score;
  std::vector<std::string> warnings;
  std::string cards_error;  // set when no cards could be obtained (a failed request)
  std::vector<ObservedCard> cards;
};

ObservedCard observe_card(const Card& card);
Observed observe(const Evaluation& evaluation, const std::vector<fhir::Warning>& data_warnings,
                 const std::vector<Card>& cards);

enum class Verdict { pass, fail, skip };
std::string_view to_string(Verdict verdict);  // "PASS", "FAIL", "SKIP"

struct CheckResult {
  std::string what;  // "icans_grade", "cards.include[0] {rule=...}"
  Verdict verdict = Verdict::pass;
  std::string expected;
  std::string actual;  // or, for a skip, why it could not be checked
};

// One result per stated field, in the order of the format's description.
std::vector<CheckResult> check_expectation(const Expectation& expectation, const Observed& observed);

// fail when any check failed, else pass when any passed, else skip.
Verdict overall(const std::vector<CheckResult>& results);

}  // namespace icans::cli
