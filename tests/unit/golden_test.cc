// Every shipped example has a checked expected output: `icans-cds replay
// --format json` must reproduce tests/golden/<case>.json exactly. An intended
// change is made with tests/golden/update and reviewed in the diff.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kSource = ICANS_SOURCE_DIR;

struct Case {
  std::string name;
  std::string arguments;
};

std::vector<Case> cases() {
  std::ifstream in(kSource + "/tests/golden/cases.tsv");
  std::vector<Case> result;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    result.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string run(const std::string& command, int& exit_code) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return output;
  char chunk[65536];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) output.append(chunk, n);
  const int status = ::pclose(pipe);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected), b(actual);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "texts differ only in line endings";
    if (la != lb || more_a != more_b) {
      return "line " + std::to_string(line) + "\n  expected: " + (more_a ? la : "<end>") +
             "\n  actual:   " + (more_b ? lb : "<end>");
    }
  }
}

}  // namespace

TEST_CASE("Every shipped example replays to its golden output", "[golden]") {
  const auto all = cases();
  REQUIRE(all.size() >= 15);
  for (const auto& c : all) {
    SECTION(c.name) {
      const std::string expected = read_file(kSource + "/tests/golden/" + c.name + ".json");
      REQUIRE_FALSE(expected.empty());
      int exit_code = -1;
      const std::string actual =
          run("cd '" + kSource + "' && '" + ICANS_BINARY + "' replay --format json " + c.arguments, exit_code);
      REQUIRE(exit_code == 0);
      INFO(first_difference(expected, actual));
      CHECK(actual == expected);
    }
  }
}

TEST_CASE("Every example bundle has a golden case", "[golden]") {
  const auto all = cases();
  for (const char* example :
       {"amended-and-bad-data", "axicel-icans-grade3", "brexucel-seizure", "cannot-grade",
        "edema-grade4-methylpred", "fever-masked-after-tocilizumab", "hypotension-without-fever",
        "icans-steroid-taper", "icans-without-crs-tocilizumab-draft", "ice-items-incomplete",
        "intubated-sedated", "lisocel-grade1-early-onset", "pediatric-boundary-12y",
        "pediatric-tisacel-capd", "sepsis-no-cell-therapy", "site-local-codes", "teclistamab-engager",
        "tisacel-crs-grade4"}) {
    bool found = false;
    for (const auto& c : all) found = found || c.arguments.find(std::string(example) + ".json") != std::string::npos;
    INFO(example);
    CHECK(found);
  }
}
