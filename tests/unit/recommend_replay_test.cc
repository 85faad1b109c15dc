// icans-cds replay with cards, run as a program: the protocol option, and
// that the cards it prints are exactly those recommend() gives the service.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <rapidjson/document.h>

#include "cards/card.h"
#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/evaluate.h"
#include "fhir/intake.h"
#include "fhir/json.h"

using namespace icans;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

Run run(const std::string& arguments, bool with_stderr = false) {
  const std::string command = std::string(ICANS_BINARY) + " " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string example(const std::string& name) { return std::string(ICANS_SOURCE_DIR) + "/examples/" + name; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TEST_CASE("replay refuses an unsafe protocol at start-up with every reason, exit 2", "[recommend][replay]") {
  std::string protocol = read_text(std::string(ICANS_SOURCE_DIR) + "/cards/default_protocol.json");
  REQUIRE_FALSE(protocol.empty());
  protocol = replace_all(protocol, "\"max_dose_mg\": 800,", "\"max_dose_mg\": 1200,");
  protocol = replace_all(protocol, "\"ice_overdue_after_hours\": 12,", "\"ice_overdue_after_hourz\": 12,");
  const auto path = std::filesystem::temp_directory_path() / ("icans-unsafe-protocol-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << protocol;
  }
  const Run r = run("replay " + example("axicel-icans-grade3.json") + " --protocol " + path.string(), true);
  std::filesystem::remove(path);
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "the protocol cannot be used"));
  CHECK(contains(r.output, "monitoring.ice_overdue_after_hourz: unknown field"));
  CHECK(contains(r.output, "tocilizumab-8mg-per-kg-iv"));
  CHECK_FALSE(contains(r.output, "Patient "));  // nothing graded

  const Run missing = run("replay " + example("axicel-icans-grade3.json") + " --protocol /nonexistent/protocol.json", true);
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.output, "/nonexistent/protocol.json: cannot open the protocol file"));
}

TEST_CASE("replay --format json carries each evaluation's cards exactly as recommend makes them", "[recommend][replay]") {
  const std::string at = "2026-03-07T17:00:00Z";
  const Run r = run("replay " + example("axicel-icans-grade3.json") + " --format json --at " + at);
  REQUIRE(r.exit_code == 0);
  rapidjson::Document printed;
  REQUIRE(fhir::parse_json(r.output, printed).empty());
  REQUIRE(printed.IsArray());
  REQUIRE(printed.Size() == 1);
  REQUIRE(printed[0].HasMember("cards"));
  const auto& printed_cards = printed[0]["cards"];

  fhir::Terminology terminology;
  fhir::Intake intake(terminology);
  REQUIRE(intake.add_file(example("axicel-icans-grade3.json")).empty());
  const auto result = intake.finish();
  REQUIRE(result.patients.size() == 1);
  const auto& record = result.patients.begin()->second;
  const GradingConfig config;
  const auto protocol = default_protocol();
  REQUIRE(protocol.protocol);
  const auto cards = recommend(record, evaluate(record, fhir::parse_instant(at).range->earliest, config),
                               *protocol.protocol, config, {});
  REQUIRE(cards.size() >= 5);
  REQUIRE(printed_cards.Size() == cards.size());
  rapidjson::Document expected;
  for (rapidjson::SizeType i = 0; i < printed_cards.Size(); ++i) {
    INFO(cards[i].summary);
    CHECK(printed_cards[i] == to_json(cards[i], expected.GetAllocator()));
  }
  CHECK(std::string(printed_cards[0]["summary"].GetString()).rfind("ICANS grade 3 (ICE 2): dexamethasone 10 mg IV q6h", 0) == 0);
}

TEST_CASE("replay text lists each card under its evaluation row", "[recommend][replay]") {
  const Run r = run("replay " + example("axicel-icans-grade3.json") + " --at 2026-03-07T13:30:00Z");
  REQUIRE(r.exit_code == 0);
  INFO(r.output);
  CHECK(contains(r.output, "    card [critical] ICANS grade 3 (ICE 2): dexamethasone 10 mg IV q6h\n"
                           "        -> Order dexamethasone 10 mg IV q6h (recommended)\n"));
  CHECK(contains(r.output, "    card [info] Document ICANS grade 3 (G92.03), T80.82XA coded first\n"));
  // Cards come after the grades of their row.
  CHECK(r.output.find("ICANS 3") < r.output.find("card [critical]"));
}

TEST_CASE("replay of a septic patient without cell therapy prints no card", "[recommend][replay]") {
  const Run text = run("replay " + example("sepsis-no-cell-therapy.json"));
  REQUIRE(text.exit_code == 0);
  CHECK_FALSE(contains(text.output, "card ["));
  const Run json = run("replay " + example("sepsis-no-cell-therapy.json") + " --format json");
  REQUIRE(json.exit_code == 0);
  rapidjson::Document printed;
  REQUIRE(fhir::parse_json(json.output, printed).empty());
  REQUIRE(printed.IsArray());
  for (const auto& evaluation : printed.GetArray()) CHECK(evaluation["cards"].Size() == 0);
}
