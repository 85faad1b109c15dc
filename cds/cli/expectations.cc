#include "cds/cli/expectations.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "fhir/json.h"

namespace icans::cli {
namespace {

using Json = rapidjson::Value;

// A scenario is a few kilobytes; anything near this is not a scenario file.
constexpr std::uintmax_t kMaxScenarioBytes = 16u << 20;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains_ignoring_case(std::string_view text, std::string_view part) {
  return lower(text).find(lower(part)) != std::string::npos;
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string number_text(const std::optional<int>& value) { return value ? std::to_string(*value) : "null"; }

// Collects every problem of the file, each with its JSON path, so a tester
// fixes them in one go.
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  void problem(const std::string& path, const std::string& message) {
    problems_ += (problems_.empty() ? "" : "\n") + name_ + ": " + path + ": " + message;
  }
  const std::string& problems() const { return problems_; }

  bool object(const Json& json, const std::string& path) {
    if (json.IsObject()) return true;
    problem(path, std::string("must be an object, not ") + fhir::json_type_name(json));
    return false;
  }

  // Refuses members outside `known`: a misspelt field would silently check nothing.
  void only(const Json& json, const std::string& path, std::initializer_list<std::string_view> known) {
    for (auto it = json.MemberBegin(); it != json.MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        problem(join(path, name), "unknown field (known: " + list + ")");
      }
    }
  }

  const Json* find(const Json& object, std::string_view name) {
    auto it = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
    return it == object.MemberEnd() ? nullptr : &it->value;
  }

  void string(const Json& object, std::string_view name, const std::string& path, std::string& out, bool required) {
    const Json* value = find(object, name);
    if (!value) {
      if (required) problem(join(path, name), "required string is missing");
      return;
    }
    if (!value->IsString() || value->GetStringLength() == 0) {
      problem(join(path, name), "must be a non-empty string");
      return;
    }
    out.assign(value->GetString(), value->GetStringLength());
  }

  void optional_string(const Json& object, std::string_view name, const std::string& path,
                       std::optional<std::string>& out) {
    std::string text;
    if (!find(object, name)) return;
    string(object, name, path, text, true);
    if (!text.empty()) out = text;
  }

  void boolean(const Json& object, std::string_view name, const std::string& path, std::optional<bool>& out) {
    const Json* value = find(object, name);
    if (!value) return;
    if (!value->IsBool()) {
      problem(join(path, name), std::string("must be true or false, not ") + fhir::json_type_name(*value));
      return;
    }
    out = value->GetBool();
  }

  void integer(const Json& object, std::string_view name, const std::string& path, int min, int max,
               std::optional<int>& out) {
    const Json* value = find(object, name);
    if (!value) return;
    if (!value->IsInt() || value->GetInt() < min || value->GetInt() > max) {
      problem(join(path, name), "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = value->GetInt();
  }

  // A number or null ("cannot be determined").
  void expected(const Json& object, std::string_view name, const std::string& path, int min, int max,
                ExpectedNumber& out) {
    const Json* value = find(object, name);
    if (!value) return;
    if (value->IsNull()) {
      out = {true, std::nullopt};
      return;
    }
    if (!value->IsInt() || value->GetInt() < min || value->GetInt() > max) {
      problem(join(path, name), "must be null (cannot be determined) or a whole number from " + std::to_string(min) +
                                    " to " + std::to_string(max));
      return;
    }
    out = {true, value->GetInt()};
  }

  void strings(const Json& object, std::string_view name, const std::string& path, std::vector<std::string>& out) {
    const Json* value = find(object, name);
    if (!value) return;
    if (!value->IsArray()) {
      problem(join(path, name), "must be an array of strings");
      return;
    }
    for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
      const Json& item = (*value)[i];
      if (!item.IsString() || item.GetStringLength() == 0) {
        problem(join(path, name) + "[" + std::to_string(i) + "]", "must be a non-empty string");
        continue;
      }
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
  }

  static std::string join(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }

 private:
  std::string name_;
  std::string problems_;
};

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

void read_matcher(Reader& reader, const Json& json, const std::string& path, CardMatcher& matcher) {
  if (!reader.object(json, path)) return;
  reader.only(json, path, {"rule", "kind", "indicator", "summary_contains", "detail_contains", "suggestion_contains"});
  reader.optional_string(json, "rule", path, matcher.rule);
  reader.optional_string(json, "kind", path, matcher.kind);
  reader.optional_string(json, "indicator", path, matcher.indicator);
  reader.optional_string(json, "summary_contains", path, matcher.summary_contains);
  reader.optional_string(json, "detail_contains", path, matcher.detail_contains);
  reader.optional_string(json, "suggestion_contains", path, matcher.suggestion_contains);
  if (matcher.indicator && *matcher.indicator != "info" && *matcher.indicator != "warning" &&
      *matcher.indicator != "critical") {
    reader.problem(path + ".indicator", "must be info, warning or critical");
  }
  if (!matcher.rule && !matcher.kind && !matcher.indicator && !matcher.summary_contains && !matcher.detail_contains &&
      !matcher.suggestion_contains) {
    reader.problem(path, "an empty matcher would match any card; name at least one field");
  }
}

void read_matchers(Reader& reader, const Json& cards, std::string_view name, const std::string& path,
                   std::vector<CardMatcher>& out) {
  const Json* list = reader.find(cards, name);
  if (!list) return;
  const std::string list_path = Reader::join(path, name);
  if (!list->IsArray()) {
    reader.problem(list_path, "must be an array of card matchers");
    return;
  }
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    CardMatcher matcher;
    read_matcher(reader, (*list)[i], list_path + "[" + std::to_string(i) + "]", matcher);
    out.push_back(std::move(matcher));
  }
}

void read_expectation(Reader& reader, const Json& json, const std::string& path, Expectation& expectation) {
  expectation.where = path;
  if (!reader.object(json, path)) return;
  reader.only(json, path,
              {"note", "patient", "at", "hook", "in_scope", "day_post_infusion", "icans_grade", "crs_grade",
               "icans_worst_grade", "crs_worst_grade", "ice_score", "capd_score", "warnings_include", "cards"});
  reader.string(json, "note", path, expectation.note, false);
  reader.string(json, "patient", path, expectation.patient, false);
  reader.string(json, "at", path, expectation.at_text, true);
  if (!expectation.at_text.empty()) {
    const auto parsed = fhir::parse_instant(expectation.at_text);
    if (parsed.range) {
      expectation.at = parsed.range->earliest;
    } else {
      reader.problem(path + ".at", "'" + expectation.at_text + "': " + parsed.error);
    }
  }
  reader.string(json, "hook", path, expectation.hook, false);
  if (expectation.hook != "patient-view" && expectation.hook != "order-select" && expectation.hook != "order-sign") {
    reader.problem(path + ".hook", "must be patient-view, order-select or order-sign");
  }
  reader.boolean(json, "in_scope", path, expectation.in_scope);
  reader.expected(json, "day_post_infusion", path, 0, 100000, expectation.day_post_infusion);
  reader.expected(json, "icans_grade", path, 0, 4, expectation.icans_grade);
  reader.expected(json, "crs_grade", path, 0, 4, expectation.crs_grade);
  reader.expected(json, "icans_worst_grade", path, 0, 4, expectation.icans_worst_grade);
  reader.expected(json, "crs_worst_grade", path, 0, 4, expectation.crs_worst_grade);
  reader.expected(json, "ice_score", path, 0, 10, expectation.ice_score);
  reader.expected(json, "capd_score", path, 0, 32, expectation.capd_score);
  reader.strings(json, "warnings_include", path, expectation.warnings_include);
  if (const Json* cards = reader.find(json, "cards")) {
    const std::string cards_path = path + ".cards";
    if (reader.object(*cards, cards_path)) {
      reader.only(*cards, cards_path, {"include", "exclude", "count"});
      read_matchers(reader, *cards, "include", cards_path, expectation.cards_include);
      read_matchers(reader, *cards, "exclude", cards_path, expectation.cards_exclude);
      reader.integer(*cards, "count", cards_path, 0, 1000, expectation.card_count);
    }
  }
}

bool matches(const CardMatcher& matcher, const ObservedCard& card) {
  if (matcher.rule && card.rule != *matcher.rule) return false;
  if (matcher.kind && card.kind != *matcher.kind) return false;
  if (matcher.indicator && card.indicator != *matcher.indicator) return false;
  if (matcher.summary_contains && !contains_ignoring_case(card.summary, *matcher.summary_contains)) return false;
  if (matcher.detail_contains && !contains_ignoring_case(card.detail, *matcher.detail_contains)) return false;
  if (matcher.suggestion_contains &&
      std::none_of(card.suggestion_labels.begin(), card.suggestion_labels.end(), [&](const std::string& label) {
        return contains_ignoring_case(label, *matcher.suggestion_contains);
      })) {
    return false;
  }
  return true;
}

std::string describe_card(const ObservedCard& card) {
  return (card.rule.empty() ? std::string("(no topic)") : card.rule) + " [" + card.indicator + "] " +
         in_quotes(card.summary);
}

std::string describe_cards(const std::vector<ObservedCard>& cards) {
  if (cards.empty()) return "no cards";
  std::string text = std::to_string(cards.size()) + (cards.size() == 1 ? " card: " : " cards: ");
  for (std::size_t i = 0; i < cards.size(); ++i) text += (i ? "; " : "") + describe_card(cards[i]);
  return text;
}

void check_number(std::vector<CheckResult>& results, const char* name, const ExpectedNumber& expected,
                  const std::optional<int>& actual, const Observed& observed) {
  if (!expected.stated) return;
  CheckResult result{name, Verdict::pass, number_text(expected.value), number_text(actual)};
  if (!observed.grades_known) {
    result.verdict = Verdict::skip;
    result.actual = "not checkable over HTTP (a CDS Hooks response carries cards, not grades)";
  } else if (expected.value != actual) {
    result.verdict = Verdict::fail;
  }
  results.push_back(std::move(result));
}

}  // namespace

std::string CardMatcher::describe() const {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (rule) add("rule=" + *rule);
  if (kind) add("kind=" + *kind);
  if (indicator) add("indicator=" + *indicator);
  if (summary_contains) add("summary contains " + in_quotes(*summary_contains));
  if (detail_contains) add("detail contains " + in_quotes(*detail_contains));
  if (suggestion_contains) add("a suggestion contains " + in_quotes(*suggestion_contains));
  return "{" + text + "}";
}

std::string parse_scenario(std::string_view text, const std::string& name, const std::string& base_dir,
                           Scenario& scenario) {
  scenario = Scenario{};
  scenario.path = name;
  rapidjson::Document document;
  if (auto error = fhir::parse_json(text, document); !error.empty()) return name + ": " + error;
  Reader reader(name);
  if (!reader.object(document, "(top level)")) return reader.problems();
  reader.only(document, "", {"description", "bundle", "options", "expectations"});
  reader.string(document, "description", "", scenario.description, false);

  const Json* bundle = reader.find(document, "bundle");
  if (!bundle) {
    reader.problem("bundle", "required: the FHIR file (or array of files) the expectations are about");
  } else if (bundle->IsString() && bundle->GetStringLength() > 0) {
    scenario.bundles.push_back(resolve(base_dir, bundle->GetString()));
  } else if (bundle->IsArray() && !bundle->Empty()) {
    for (rapidjson::SizeType i = 0; i < bundle->Size(); ++i) {
      const Json& item = (*bundle)[i];
      if (!item.IsString() || item.GetStringLength() == 0) {
        reader.problem("bundle[" + std::to_string(i) + "]", "must be a non-empty file name");
        continue;
      }
      scenario.bundles.push_back(resolve(base_dir, item.GetString()));
    }
  } else {
    reader.problem("bundle", "must be a file name or a non-empty array of file names");
  }

  if (const Json* options = reader.find(document, "options"); options && reader.object(*options, "options")) {
    reader.only(*options, "options", {"site_map", "protocol", "t_cell_engagers", "pediatric_cutoff_years"});
    reader.string(*options, "site_map", "options", scenario.options.site_map, false);
    reader.string(*options, "protocol", "options", scenario.options.protocol, false);
    scenario.options.site_map = resolve(base_dir, scenario.options.site_map);
    scenario.options.protocol = resolve(base_dir, scenario.options.protocol);
    reader.boolean(*options, "t_cell_engagers", "options", scenario.options.t_cell_engagers);
    reader.integer(*options, "pediatric_cutoff_years", "options", 1, 30, scenario.options.pediatric_cutoff_years);
  }

  const Json* expectations = reader.find(document, "expectations");
  if (!expectations || !expectations->IsArray() || expectations->Empty()) {
    reader.problem("expectations", "required: a non-empty array (a scenario without expectations checks nothing)");
  } else {
    for (rapidjson::SizeType i = 0; i < expectations->Size(); ++i) {
      Expectation expectation;
      read_expectation(reader, (*expectations)[i], "expectations[" + std::to_string(i) + "]", expectation);
      scenario.expectations.push_back(std::move(expectation));
    }
  }
  return reader.problems();
}

std::string load_scenario(const std::string& path, Scenario& scenario) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return path + ": no such file";
  if (fs::file_size(path, error) > kMaxScenarioBytes) return path + ": too large for a scenario file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot be opened for reading";
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return path + ": read error";
  return parse_scenario(text.str(), path, fs::path(path).parent_path().string(), scenario);
}

ObservedCard observe_card(const Card& card) {
  ObservedCard observed;
  observed.rule = card.source.topic ? card.source.topic->code : "";
  observed.kind = card.kind;
  observed.indicator = std::string(to_string(card.indicator));
  observed.summary = card.summary;
  observed.detail = card.detail;
  for (const auto& suggestion : card.suggestions) observed.suggestion_labels.push_back(suggestion.label);
  return observed;
}

Observed observe(const Evaluation& evaluation, const std::vector<fhir::Warning>& data_warnings,
                 const std::vector<Card>& cards) {
  Observed observed;
  observed.in_scope = evaluation.in_scope;
  observed.day_post_infusion = evaluation.day_post_infusion;
  observed.icans_grade = evaluation.icans.grade;
  observed.crs_grade = evaluation.crs.grade;
  observed.icans_worst_grade = evaluation.icans_worst;
  observed.crs_worst_grade = evaluation.crs_worst;
  if (evaluation.assessment.tool == Tool::ice) observed.ice_score = evaluation.assessment.score;
  if (evaluation.assessment.tool == Tool::capd) observed.capd_score = evaluation.assessment.score;
  observed.warnings = evaluation.warnings;
  // Domain reasons carry warnings too ("hypotension ... without fever: not graded as CRS").
  for (const auto* result : {&evaluation.icans, &evaluation.crs}) {
    for (const auto& domain : result->domains) observed.warnings.push_back(domain.reason);
    for (const auto& missing : result->missing) observed.warnings.push_back(missing);
  }
  for (const auto& warning : data_warnings) observed.warnings.push_back(fhir::to_string(warning));
  for (const auto& card : cards) observed.cards.push_back(observe_card(card));
  return observed;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "PASS";
    case Verdict::fail:
      return "FAIL";
    case Verdict::skip:
      return "SKIP";
  }
  return "?";
}

std::vector<CheckResult> check_expectation(const Expectation& expectation, const Observed& observed) {
  std::vector<CheckResult> results;
  if (expectation.in_scope) {
    CheckResult result{"in_scope", Verdict::pass, *expectation.in_scope ? "true" : "false",
                       observed.in_scope ? "true" : "false"};
    if (!observed.grades_known) {
      result.verdict = Verdict::skip;
      result.actual = "not checkable over HTTP (a CDS Hooks response carries cards, not grades)";
    } else if (*expectation.in_scope != observed.in_scope) {
      result.verdict = Verdict::fail;
    }
    results.push_back(std::move(result));
  }
  check_number(results, "day_post_infusion", expectation.day_post_infusion, observed.day_post_infusion, observed);
  check_number(results, "icans_grade", expectation.icans_grade, observed.icans_grade, observed);
  check_number(results, "crs_grade", expectation.crs_grade, observed.crs_grade, observed);
  check_number(results, "icans_worst_grade", expectation.icans_worst_grade, observed.icans_worst_grade, observed);
  check_number(results, "crs_worst_grade", expectation.crs_worst_grade, observed.crs_worst_grade, observed);
  check_number(results, "ice_score", expectation.ice_score, observed.ice_score, observed);
  check_number(results, "capd_score", expectation.capd_score, observed.capd_score, observed);

  for (std::size_t i = 0; i < expectation.warnings_include.size(); ++i) {
    const std::string& wanted = expectation.warnings_include[i];
    CheckResult result{"warnings_include[" + std::to_string(i) + "]", Verdict::pass,
                       "a warning containing " + in_quotes(wanted), ""};
    if (!observed.grades_known) {
      result.verdict = Verdict::skip;
      result.actual = "not checkable over HTTP (warnings are part of the grading, not of the response)";
    } else {
      auto found = std::find_if(observed.warnings.begin(), observed.warnings.end(),
                                [&](const std::string& warning) { return contains_ignoring_case(warning, wanted); });
      if (found != observed.warnings.end()) {
        result.actual = in_quotes(*found);
      } else {
        result.verdict = Verdict::fail;
        result.actual = "none among " + std::to_string(observed.warnings.size()) + " warnings and domain reasons";
      }
    }
    results.push_back(std::move(result));
  }

  // Card checks need the cards; over HTTP a matcher on the audit-only kind
  // cannot be evaluated.
  auto card_check = [&](const std::string& what, const CardMatcher& matcher, bool include) {
    CheckResult result{what + " " + matcher.describe(), Verdict::pass, include ? "a matching card" : "no matching card",
                       ""};
    if (!observed.cards_error.empty()) {
      result.verdict = Verdict::fail;
      result.actual = "no cards: " + observed.cards_error;
      return result;
    }
    if (matcher.kind && !observed.kinds_known) {
      result.verdict = Verdict::skip;
      result.actual = "not checkable over HTTP (kind is an audit field the service does not send; match on rule)";
      return result;
    }
    std::vector<const ObservedCard*> found;
    for (const auto& card : observed.cards) {
      if (matches(matcher, card)) found.push_back(&card);
    }
    if (include) {
      if (found.empty()) {
        result.verdict = Verdict::fail;
        result.actual = "none among " + describe_cards(observed.cards);
      } else {
        result.actual = describe_card(*found.front());
      }
    } else if (!found.empty()) {
      result.verdict = Verdict::fail;
      result.actual = describe_card(*found.front());
    } else {
      result.actual = "none among " + std::to_string(observed.cards.size()) + " cards";
    }
    return result;
  };
  for (std::size_t i = 0; i < expectation.cards_include.size(); ++i) {
    results.push_back(card_check("cards.include[" + std::to_string(i) + "]", expectation.cards_include[i], true));
  }
  for (std::size_t i = 0; i < expectation.cards_exclude.size(); ++i) {
    results.push_back(card_check("cards.exclude[" + std::to_string(i) + "]", expectation.cards_exclude[i], false));
  }
  if (expectation.card_count) {
    CheckResult result{"cards.count", Verdict::pass, std::to_string(*expectation.card_count), ""};
    if (!observed.cards_error.empty()) {
      result.verdict = Verdict::fail;
      result.actual = "no cards: " + observed.cards_error;
    } else {
      result.actual = describe_cards(observed.cards);
      if (observed.cards.size() != static_cast<std::size_t>(*expectation.card_count)) result.verdict = Verdict::fail;
    }
    results.push_back(std::move(result));
  }
  return results;
}

Verdict overall(const std::vector<CheckResult>& results) {
  bool any_pass = false;
  for (const auto& result : results) {
    if (result.verdict == Verdict::fail) return Verdict::fail;
    if (result.verdict == Verdict::pass) any_pass = true;
  }
  return any_pass ? Verdict::pass : Verdict::skip;
}

}  // namespace icans::cli
