#include "cds/ice.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "cds/window.h"

namespace icans {
namespace {

using fhir::Concept;

struct ItemSpec {
  Concept item;
  Tool tool;
  int max;
  int number;  // CAPD item number (1-8); 0 for ICE
};

constexpr ItemSpec kItems[] = {
    {Concept::ice_orientation_year, Tool::ice, 1, 0},
    {Concept::ice_orientation_month, Tool::ice, 1, 0},
    {Concept::ice_orientation_city, Tool::ice, 1, 0},
    {Concept::ice_orientation_hospital, Tool::ice, 1, 0},
    {Concept::ice_naming, Tool::ice, 3, 0},
    {Concept::ice_commands, Tool::ice, 1, 0},
    {Concept::ice_writing, Tool::ice, 1, 0},
    {Concept::ice_attention, Tool::ice, 1, 0},
    {Concept::capd_item_1, Tool::capd, 4, 1},
    {Concept::capd_item_2, Tool::capd, 4, 2},
    {Concept::capd_item_3, Tool::capd, 4, 3},
    {Concept::capd_item_4, Tool::capd, 4, 4},
    {Concept::capd_item_5, Tool::capd, 4, 5},
    {Concept::capd_item_6, Tool::capd, 4, 6},
    {Concept::capd_item_7, Tool::capd, 4, 7},
    {Concept::capd_item_8, Tool::capd, 4, 8},
};

const ItemSpec* item_spec(Concept c) {
  for (const auto& spec : kItems) {
    if (spec.item == c) return &spec;
  }
  return nullptr;
}

int max_total(Tool tool) { return tool == Tool::ice ? 10 : 32; }
const char* tool_name(Tool tool) { return tool == Tool::ice ? "ICE" : "CAPD"; }

// One charted moment: everything ICE/CAPD-related with the same effective time.
struct Group {
  Tool tool = Tool::none;
  fhir::TimeRange time;
  std::vector<std::string> resources;
  std::map<Concept, int> items;
  std::optional<int> charted_total;
  Concept not_assessable = Concept::unknown;
  std::vector<std::string> problems;  // make the score unusable
};

// The integer a score value carries, or why it has none.
std::optional<int> score_value(const fhir::Value& value, std::string& problem) {
  double number = 0;
  if (value.kind == fhir::Value::Kind::integer || value.kind == fhir::Value::Kind::quantity) {
    number = value.number;
  } else {
    problem = "no numeric value";
    return std::nullopt;
  }
  if (std::floor(number) != number) {
    problem = "value " + std::to_string(number) + " is not a whole number";
    return std::nullopt;
  }
  return static_cast<int>(number);
}

void add_item(Group& group, const ItemSpec& spec, const fhir::Value& value,
              const std::string& where) {
  const std::string name(fhir::concept_code(spec.item));
  std::string problem;
  const auto score = score_value(value, problem);
  if (!score) {
    group.problems.push_back(where + " " + name + ": " + problem);
    return;
  }
  if (*score < 0 || *score > spec.max) {
    group.problems.push_back(where + " " + name + " = " + std::to_string(*score) +
                             " is out of range 0-" + std::to_string(spec.max));
    return;
  }
  auto [it, inserted] = group.items.emplace(spec.item, *score);
  if (!inserted && it->second != *score) {
    group.problems.push_back(where + " " + name + " charted twice with different values (" +
                             std::to_string(it->second) + " and " + std::to_string(*score) + ")");
  }
}

void set_tool(Group& group, Tool tool, const std::string& where) {
  if (group.tool == Tool::none) group.tool = tool;
  if (group.tool != tool) group.problems.push_back(where + " mixes ICE and CAPD at the same time");
}

bool is_assessment_concept(Concept c) {
  // Asked of every observation of the record: a table, not a search.
  static const std::vector<bool> assessment = [] {
    std::vector<bool> table;
    const auto mark = [&table](Concept marked) {
      const auto index = static_cast<std::size_t>(marked);
      if (table.size() <= index) table.resize(index + 1);
      table[index] = true;
    };
    mark(Concept::ice_total);
    mark(Concept::capd_total);
    mark(Concept::ice_not_assessable);
    for (const auto& spec : kItems) mark(spec.item);
    return table;
  }();
  const auto index = static_cast<std::size_t>(c);
  return index < assessment.size() && assessment[index];
}

void add_observation(Group& group, const fhir::Observation& observation) {
  const std::string where = reference("Observation", observation.id);
  group.resources.push_back(where);
  if (observation.meaning == Concept::ice_not_assessable) {
    group.not_assessable = observation.value.answer;
    if (observation.value.kind != fhir::Value::Kind::coded) group.not_assessable = Concept::ice_na_other;
    return;
  }
  if (observation.meaning == Concept::ice_total || observation.meaning == Concept::capd_total) {
    const Tool tool = observation.meaning == Concept::ice_total ? Tool::ice : Tool::capd;
    set_tool(group, tool, where);
    if (observation.value.kind != fhir::Value::Kind::none) {
      std::string problem;
      const auto total = score_value(observation.value, problem);
      if (!total) {
        group.problems.push_back(where + " total: " + problem);
      } else if (*total < 0 || *total > max_total(tool)) {
        group.problems.push_back(where + " " + tool_name(tool) + " total " +
                                 std::to_string(*total) + " is out of range 0-" +
                                 std::to_string(max_total(tool)));
      } else {
        group.charted_total = *total;
      }
    }
    for (const auto& component : observation.components) {
      if (const auto* spec = item_spec(component.meaning)) {
        set_tool(group, spec->tool, where);
        add_item(group, *spec, component.value, where);
      }
    }
    return;
  }
  if (const auto* spec = item_spec(observation.meaning)) {
    set_tool(group, spec->tool, where);
    add_item(group, *spec, observation.value, where);
  }
}

// Consumes the group: its resources move into the assessment.
Assessment score_group(Group&& group, std::vector<std::string>& warnings) {
  Assessment assessment;
  assessment.tool = group.tool;
  assessment.time = group.time.earliest;
  assessment.when = group.time;
  assessment.resources = std::move(group.resources);
  assessment.not_assessable = group.not_assessable;
  if (group.tool == Tool::none) return assessment;  // only "not assessable" charted
  // Every charted assessment since the record began is scored at each
  // grading time, and almost all of them are clean: the "ICE at <time>"
  // prefix is formatted only for a warning.
  const auto at_time = [&group] {
    return std::string(tool_name(group.tool)) + " at " + fhir::format_instant(group.time.earliest);
  };
  if (!group.problems.empty()) {
    const std::string name_at = at_time();
    for (const auto& problem : group.problems) {
      warnings.push_back(name_at + ": " + problem + "; assessment not used");
    }
    return assessment;
  }
  if (group.items.empty()) {  // a total alone
    assessment.score = group.charted_total;
    return assessment;
  }
  int sum = 0;
  for (const auto& spec : kItems) {
    if (spec.tool != group.tool) continue;
    auto it = group.items.find(spec.item);
    if (it == group.items.end()) {
      assessment.missing_items.emplace_back(fhir::concept_code(spec.item));
      continue;
    }
    sum += group.tool == Tool::capd ? capd_item_score(spec.number, it->second) : it->second;
  }
  if (assessment.missing_items.empty()) {
    if (group.charted_total && *group.charted_total != sum) {
      warnings.push_back(at_time() + ": charted total " + std::to_string(*group.charted_total) +
                         " disagrees with the sum of its items " + std::to_string(sum) +
                         "; the items are used");
    }
    assessment.score = sum;
    return assessment;
  }
  std::string missing;
  for (const auto& item : assessment.missing_items) missing += (missing.empty() ? "" : ", ") + item;
  if (group.charted_total) {
    warnings.push_back(at_time() + ": items incomplete (missing " + missing +
                       "); the charted total " + std::to_string(*group.charted_total) +
                       " is used but cannot be checked");
    assessment.score = group.charted_total;
  } else {
    warnings.push_back(at_time() + ": incomplete, missing " + missing + "; not totalled");
  }
  return assessment;
}

}  // namespace

int capd_item_score(int item_number, int observed_frequency) {
  return item_number <= 4 ? 4 - observed_frequency : observed_frequency;
}

std::vector<Assessment> collect_assessments(const fhir::PatientRecord& record, fhir::Instant at,
                                            fhir::Instant warn_from,
                                            std::vector<std::string>& warnings) {
  std::vector<std::string> quiet;
  std::vector<Group> groups;  // in order of first appearance
  // Each charted moment's group, found by its exact time: a record holds
  // weeks of assessments, and a search through the groups so far for every
  // observation would grow with the square of them.
  std::map<std::pair<fhir::Instant, fhir::Instant>, std::size_t> group_at;
  for (const auto& observation : record.observations) {
    if (!is_assessment_concept(observation.meaning)) continue;
    if (observation.effective.earliest > at) continue;
    auto& sink = observation.effective.latest >= warn_from ? warnings : quiet;
    if (!usable_for_grading(observation, sink)) continue;
    if (observation.attribution == Concept::attributable_other_cause) {
      sink.push_back(reference("Observation", observation.id) +
                         " is charted as attributable to another cause; not used for ICANS");
      continue;
    }
    const auto [slot, added] = group_at.try_emplace(
        {observation.effective.earliest, observation.effective.latest}, groups.size());
    if (added) {
      groups.push_back(Group{});
      groups.back().time = observation.effective;
    }
    add_observation(groups[slot->second], observation);
  }
  std::vector<Assessment> assessments;
  assessments.reserve(groups.size());
  for (auto& group : groups) {
    auto& sink = group.time.latest >= warn_from ? warnings : quiet;
    assessments.push_back(score_group(std::move(group), sink));
  }
  // Groups come in the order of the record's observations, which intake
  // sorts by time: a stable sort would only move every assessment for nothing.
  const auto by_time = [](const Assessment& a, const Assessment& b) { return a.time < b.time; };
  if (!std::is_sorted(assessments.begin(), assessments.end(), by_time)) {
    std::stable_sort(assessments.begin(), assessments.end(), by_time);
  }
  return assessments;
}

}  // namespace icans
