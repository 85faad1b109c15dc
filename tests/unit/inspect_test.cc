// icans-cds inspect, run as a program on the files in tests/data.
#include <cstdio>
#include <string>

#include <sys/wait.h>

#include <catch2/catch.hpp>

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout, then stderr
};

Run run(const std::string& arguments, bool with_stderr = false) {
  const std::string command = std::string(ICANS_BINARY) + " " + arguments +
                              (with_stderr ? " 2>&1" : " 2>/dev/null");
  Run result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string data(const std::string& name) {
  return std::string(ICANS_SOURCE_DIR) + "/tests/data/" + name;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("inspect prints each patient, resource counts and warnings, and exits 0") {
  const Run r = run("inspect " + data("intake_two_patients.json") + " " + data("intake_hostile.ndjson"));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "patient p1 (born 1961-04-02, female)\n"
                           "  resources: Observation 2, MedicationAdministration 1\n"
                           "  left out: 1 (entered-in-error, cancelled or not-done)\n"));
  CHECK(contains(r.output, "(Observation/t2) valueQuantity: physiologically impossible value 45 Cel "
                           "for body temperature; not graded"));
  CHECK(contains(r.output, "patient p2 (no Patient resource)\n  resources: Observation 1\n"));
  CHECK(contains(r.output, "(Observation/x1) status: expected string, found number"));
  CHECK(contains(r.output, "patient p3 (birth date not charted, male)\n  resources: Observation 1\n"));
  CHECK(contains(r.output, "intake_hostile.ndjson entry 3: malformed JSON (column "));
  CHECK(contains(r.output, "intake_hostile.ndjson entry 4: expected a FHIR resource"));
  CHECK(contains(r.output, "entry 7 resourceType: 'Encounter' is not read; 1 resource skipped"));
  CHECK(contains(r.output, "(Observation/orphan) subject: missing; resource not kept"));
}

TEST_CASE("inspect exits 2 with the reason on stderr for an unusable input") {
  const Run r = run("inspect " + data("intake_malformed.json"), true);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "inspect: " + data("intake_malformed.json") +
                               ": line 4, column 43: Missing a comma or '}' after an object member."));
  const Run missing = run("inspect " + data("no-such-file.json"), true);
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.output, "no such file"));
  CHECK(run("inspect").exit_code == 2);
}

TEST_CASE("inspect --help describes the command and exits 0") {
  const Run r = run("inspect --help");
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "icans-cds inspect FILE..."));
  CHECK(contains(r.output, "--site-map"));
}
