#pragma once
// Keys and signed JWTs made by npm jose (tests/jwt/make-tokens.mjs) for the
// authentication tests. A missing jose install fails the test, never skips it.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

namespace icans::test {

const std::string kJwtToolDir = std::string(ICANS_SOURCE_DIR) + "/tests/jwt";

inline std::string quoted_for_shell(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct JwtFixtures {
  std::filesystem::path dir;
  std::int64_t now_ms = 0;
  std::string issuer;
  std::string rotating_issuer;
  std::string audience;
  std::string tenant;
  std::string jku_base;
  std::map<std::string, std::string> tokens;

  JwtFixtures() = default;
  JwtFixtures(const JwtFixtures&) = delete;
  JwtFixtures& operator=(const JwtFixtures&) = delete;
  ~JwtFixtures() {
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }

  const std::string& token(const std::string& name) const {
    auto found = tokens.find(name);
    if (found == tokens.end()) FAIL("make-tokens.mjs wrote no token named " << name);
    return found->second;
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string file(const std::string& name) const { return read_text_file(dir / name); }
};

// Runs make-tokens.mjs into a fresh temporary directory; jku URLs in the
// tokens start with `jku_base`. `audience` and `now_seconds`, when given,
// replace the script's fixed aud and instant.
inline std::unique_ptr<JwtFixtures> make_jwt_fixtures(const std::string& jku_base, const std::string& audience = "",
                                                      std::int64_t now_seconds = 0) {
  const auto manifest = std::filesystem::path(kJwtToolDir) / "node_modules" / "jose" / "package.json";
  if (!std::filesystem::exists(manifest)) {
    FAIL("npm package jose is not installed (" << manifest.string()
                                               << " missing): run .ci/install, which runs `npm ci --prefix tests/jwt`");
  }
  auto fixtures = std::make_unique<JwtFixtures>();
  static int counter = 0;
  fixtures->dir = std::filesystem::temp_directory_path() /
                  ("icans-jwt-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::create_directories(fixtures->dir);
  const std::string command = quoted_for_shell(ICANS_NODE) + " " + quoted_for_shell(kJwtToolDir + "/make-tokens.mjs") +
                              " " + quoted_for_shell(fixtures->dir.string()) + " " + quoted_for_shell(jku_base) +
                              (audience.empty() ? std::string() : " " + quoted_for_shell(audience)) +
                              (now_seconds == 0 ? std::string() : " " + std::to_string(now_seconds)) + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char chunk[4096];
  std::size_t read = 0;
  while ((read = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) output.append(chunk, read);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) FAIL("make-tokens.mjs failed (" ICANS_NODE "): " << output);

  rapidjson::Document doc;
  const std::string text = fixtures->file("tokens.json");
  doc.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  fixtures->now_ms = doc["now"].GetInt64() * 1000;
  fixtures->issuer = doc["issuer"].GetString();
  fixtures->rotating_issuer = doc["rotating_issuer"].GetString();
  fixtures->audience = doc["audience"].GetString();
  fixtures->tenant = doc["tenant"].GetString();
  fixtures->jku_base = doc["jku_base"].GetString();
  for (const auto& entry : doc["tokens"].GetObject())
    fixtures->tokens[entry.name.GetString()] = entry.value.GetString();
  return fixtures;
}

}  // namespace icans::test
