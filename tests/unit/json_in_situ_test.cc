#include <random>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "fhir/json.h"

using fhir::JsonLimits;
using fhir::parse_json;
using fhir::parse_json_in_situ;

namespace {

std::string parse_in_situ(const std::string& text, JsonLimits limits = {}) {
  rapidjson::Document document;
  return parse_json_in_situ(text, document, limits);
}

std::string parse_usual(const std::string& text) {
  rapidjson::Document document;
  return parse_json(text, document);
}

// A text with the fragments inserted at random places, and sometimes a few
// bytes erased.
std::string mutated(const std::string& base, const std::vector<std::string>& fragments, std::mt19937& random) {
  std::string text = base;
  const int edits = 1 + static_cast<int>(random() % 3);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = random() % (text.size() + 1);
    const std::string& fragment = fragments[random() % fragments.size()];
    if (random() % 4 == 0 && at < text.size()) {
      text.erase(at, 1 + random() % 3);
    } else {
      text.insert(at, fragment);
    }
  }
  return text;
}

}  // namespace

// The one differential test of the parse's fast paths: the usual parse
// (parse_json) and the in-situ one must give what the parse that checks
// everything first gives, errors and documents alike.
TEST_CASE("the in-situ parse, the usual parse and the parse that checks everything first agree") {
  // Fragments that matter to the checks: escapes of every kind (lone and
  // paired surrogates), NUL, bytes that are not UTF-8 or only nearly,
  // repeated member names, brackets, stray backslashes.
  const std::vector<std::string> fragments = {
      "\\u0041", "\\uD83D\\uDE00", "\\uDC00", "\\uDFFF", "\\uD800", "\\uD800\\u0041", "\\uDBFF\\uDC00",
      "\\\\uDC00", "\\\\", "\\\"", "\\n", "\\u00e9", std::string(1, '\0'), "\xC3\xA9", "\xE2\x82\xAC",
      "\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xED\x9F\xBF", "\xC0\xAF", "\xF4\x90\x80\x80", "\xE0\x9F\xBF",
      "\x80", "\xFF", "\xC3", "[", "]", "{", "}", ",", ":", "\"", "\"a\":1,\"a\":2", "\"b\":", " ",
      "\\u", "\\uZZZZ", "0", "-", "1e999", "true", "\"valueQuantity\":1,\"valueQuantity\":2",
      "\"effectiveDateTimeA\":1,\"effectiveDateTimeB\":2", "\xC2\xB0" "C"};
  // Long strings and names too, so that the UTF-8 check's sixteen-byte steps
  // meet bad bytes at every offset, and long names are compared past their
  // first eight bytes.
  const std::vector<std::string> bases = {
      R"({"resourceType":"Observation","id":"t1","code":{"text":"ICE"},"valueInteger":7})",
      R"({"a":["x","y",{"b":"c","d":[1,2.5,-3e2]}],"e":null,"f":false,"g":"long text here"})",
      R"([{"k":"v"},{"k":"w"},"",[],{}])",
      R"({"entry":[{"resource":{"resourceType":"Patient","id":"p","name":[{"text":"Zoë"}]}}]})",
      R"({"valueQuantity":{"value":37.0,"unit":"°C","system":"http://unitsofmeasure.org","code":"Cel"},)"
      R"("effectiveDateTime":"2026-03-07T14:00:00Z","note":[{"text":"a rather long note, forty bytes or more"}]})"};
  std::mt19937 random(20261122);
  std::size_t accepted = 0;
  std::size_t compared = 0;
  for (const auto& base : bases) {
    for (int round = 0; round < 4000; ++round) {
      const std::string text = mutated(base, fragments, random);
      rapidjson::Document in_situ;
      rapidjson::Document usual;
      rapidjson::Document checked;
      const std::string in_situ_error = parse_json_in_situ(text, in_situ);
      const std::string usual_error = parse_json(text, usual);
      // A nesting limit above what the fast parse takes: straight to the checks.
      const std::string checked_error = parse_json(text, checked, JsonLimits{257});
      INFO("text: " << text);
      REQUIRE(in_situ_error == checked_error);
      REQUIRE(usual_error == checked_error);
      if (checked_error.empty()) {
        REQUIRE(in_situ == checked);
        REQUIRE(usual == checked);
        ++accepted;
      }
      ++compared;
    }
  }
  CHECK(accepted > 500);
  CHECK(compared - accepted > 500);
}

TEST_CASE("the UTF-8 check of the usual parse agrees with RapidJSON's at every offset") {
  // A long string of ASCII with one to three random bytes at random places:
  // every position relative to the sixteen-byte steps, every kind of byte.
  std::mt19937 random(7);
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string value(1 + random() % 70, 'x');
    const int bytes = 1 + static_cast<int>(random() % 3);
    for (int b = 0; b < bytes; ++b) value[random() % value.size()] = static_cast<char>(0x80 + random() % 0x80);
    if (random() % 2 == 0) value[random() % value.size()] = static_cast<char>(0xC2 + random() % 0x33);
    const std::string text = random() % 2 ? "[\"" + value + "\"]" : "{\"" + value + "\":1}";
    rapidjson::Document in_situ;
    rapidjson::Document usual;
    rapidjson::Document checked;
    const std::string checked_error = parse_json(text, checked, JsonLimits{257});
    INFO("text: " << text);
    REQUIRE(parse_json_in_situ(text, in_situ) == checked_error);
    REQUIRE(parse_json(text, usual) == checked_error);
    if (checked_error.empty()) {
      REQUIRE(in_situ == checked);
      REQUIRE(usual == checked);
      ++accepted;
    }
  }
  CHECK(accepted > 100);
}

TEST_CASE("the in-situ parse's strings belong to the document, not to the text") {
  rapidjson::Document document;
  {
    std::string text = R"({"resourceType":"Observation","note":[{"text":"line one\nline \"two\" \u00e9"}],)"
                       R"("unit":"°C","id":"o1"})";
    REQUIRE(parse_json_in_situ(text, document).empty());
    text.assign(text.size(), '#');
  }
  CHECK(std::string(document["resourceType"].GetString()) == "Observation");
  CHECK(std::string(document["note"][0]["text"].GetString()) == "line one\nline \"two\" \xC3\xA9");
  CHECK(std::string(document["unit"].GetString()) == "\xC2\xB0" "C");
  CHECK(std::string(document["id"].GetString()) == "o1");
}

TEST_CASE("the in-situ parse refuses what parse_json refuses, naming the same place") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Repeated names, long ones compared past their first eight bytes.
      {R"({"effectiveDateTime": 1, "status": 2, "effectiveDateTime": 3})",
       "line 1, column 58: member 'effectiveDateTime' appears twice in one object"},
      {R"({"valueQuantityA": 1, "valueQuantityB": 2})", ""},
      {R"({"id":1,"\u0069d":2})", "line 1, column 18: member 'id' appears twice in one object"},
      // Escapes: a lone low surrogate, alone or among other escapes; a pair.
      {R"(["ab\udc00"])", "line 1, column 5: lone low surrogate escape (not a Unicode character)"},
      {"[\"\\n\xC2\xB0\", \"x\\uDFFF\"]", "line 1, column 12: lone low surrogate escape (not a Unicode character)"},
      {R"(["\ud83d\ude00", "\\udc00"])", ""},
      // Bytes that are not UTF-8, NUL, nesting, trailing text.
      {"[\"\xC3\"]", "line 1, column 3: Invalid encoding in string."},
      {std::string("[1]\0[2]", 7), "line 1, column 4: NUL byte is not allowed in JSON text"},
      {std::string(65, '[') + std::string(65, ']'), "line 1, column 65: nesting deeper than 64 levels"},
      {"[1] x", "line 1, column 5: The document root must not be followed by other values."}};
  for (const auto& [text, error] : cases) {
    CAPTURE(text);
    CHECK(parse_in_situ(text) == error);
    CHECK(parse_usual(text) == error);
  }
}

TEST_CASE("the in-situ parse takes objects with many members, checked the slower way") {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += (i ? ",\"m" : "\"m") + std::to_string(i) + "\":\"v" + std::to_string(i) + "\"";
  rapidjson::Document document;
  REQUIRE(parse_json_in_situ(text + "}", document).empty());
  CHECK(document.MemberCount() == 100);
  CHECK(std::string(document["m99"].GetString()) == "v99");
  CHECK(parse_in_situ(text + ",\"m7\":1}") == "line 1, column 1186: member 'm7' appears twice in one object");
  CHECK(parse_usual(text + ",\"m7\":1}") == "line 1, column 1186: member 'm7' appears twice in one object");
}
