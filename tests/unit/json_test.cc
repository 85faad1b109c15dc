#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fhir/json.h"

using fhir::JsonLimits;
using fhir::parse_json;

namespace {

std::string parse(const std::string& text, JsonLimits limits = {}) {
  rapidjson::Document document;
  return parse_json(text, document, limits);
}

}  // namespace

TEST_CASE("parse_json accepts a valid document and builds the DOM") {
  rapidjson::Document document;
  REQUIRE(parse_json(R"({"resourceType": "Patient", "id": "p1", "x": [1, 2.5, true, null]})",
                     document)
              .empty());
  REQUIRE(document.IsObject());
  CHECK(std::string(document["id"].GetString()) == "p1");
  CHECK(document["x"].Size() == 4);
}

TEST_CASE("parse_json reports malformed JSON with line and column of the error") {
  const std::string error = parse("{\n  \"a\": 1,\n  \"b\": ]\n}");
  CHECK(error == "line 3, column 8: Invalid value.");
}

TEST_CASE("parse_json rejects trailing garbage after the document") {
  CHECK(parse("{} x") == "line 1, column 4: The document root must not be followed by other values.");
  CHECK_FALSE(parse("{}\n\n  ").size());  // trailing whitespace is fine
}

TEST_CASE("parse_json reports an empty document") {
  CHECK(parse("") == "line 1, column 1: The document is empty.");
  CHECK(parse("  \n ") == "line 2, column 2: The document is empty.");
}

TEST_CASE("parse_json rejects nesting deeper than the limit, naming where it was crossed") {
  CHECK(parse(std::string(64, '[') + std::string(64, ']')).empty());
  CHECK(parse(std::string(65, '[') + std::string(65, ']')) ==
        "line 1, column 65: nesting deeper than 64 levels");
  CHECK(parse("{\"a\":\n {\"b\":\n  [1]}}", JsonLimits{2}) ==
        "line 3, column 3: nesting deeper than 2 levels");
}

TEST_CASE("parse_json survives JSON nested a million levels deep") {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  CHECK(parse(deep) == "line 1, column 65: nesting deeper than 64 levels");
  const std::string unbalanced(1'000'000, '{');
  CHECK(parse(unbalanced) == "line 1, column 65: nesting deeper than 64 levels");
}

TEST_CASE("parse_json does not count brackets inside strings, including after escaped quotes") {
  const std::string brackets(200, '[');
  CHECK(parse("{\"a\": \"" + brackets + "\"}").empty());
  CHECK(parse("{\"a\": \"\\\"" + brackets + "\\\\\"}").empty());
  // After an escaped backslash the quote closes the string: the brackets count.
  CHECK(parse("[\"\\\\\", " + std::string(70, '[')).starts_with("line 1, column"));
  CHECK(parse("[\"\\\\\", " + std::string(70, '[')).ends_with("nesting deeper than 64 levels"));
}

TEST_CASE("parse_json rejects a NUL byte that would hide the rest of the text") {
  const std::string text("{}\0{garbage", 11);
  CHECK(parse(text) == "line 1, column 3: NUL byte is not allowed in JSON text");
}

TEST_CASE("parse_json rejects invalid UTF-8") {
  CHECK(parse("{\"a\": \"\xff\xfe\"}").starts_with("line 1, column "));
  CHECK_FALSE(parse("{\"a\": \"\xff\xfe\"}").empty());
  CHECK(parse("{\"a\": \"\xC2\xB0" "F\"}").empty());  // a real degree sign is fine
}

TEST_CASE("parse_json rejects numbers too big for a double") {
  CHECK(parse("[1e400]") == "line 1, column 2: Number too big to be stored in double.");
}

TEST_CASE("json_type_name names every JSON type for messages") {
  rapidjson::Document document;
  REQUIRE(parse_json(R"({"s": "x", "n": 5, "o": {}, "a": [], "t": true, "f": false, "z": null})",
                     document)
              .empty());
  CHECK(std::string(fhir::json_type_name(document["s"])) == "string");
  CHECK(std::string(fhir::json_type_name(document["n"])) == "number");
  CHECK(std::string(fhir::json_type_name(document["o"])) == "object");
  CHECK(std::string(fhir::json_type_name(document["a"])) == "array");
  CHECK(std::string(fhir::json_type_name(document["t"])) == "boolean");
  CHECK(std::string(fhir::json_type_name(document["f"])) == "boolean");
  CHECK(std::string(fhir::json_type_name(document["z"])) == "null");
}

TEST_CASE("parse_json ignores a UTF-8 byte order mark and counts columns after it") {
  rapidjson::Document document;
  CHECK(parse_json("\xEF\xBB\xBF{\"a\": 1}", document).empty());
  CHECK(document["a"].GetInt() == 1);
  CHECK(parse("\xEF\xBB\xBF{\"a\": }") == "line 1, column 7: Invalid value.");
}

TEST_CASE("parse_json names the nesting limit whether or not the text has other problems") {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  CHECK(parse(deep) == "line 1, column 65: nesting deeper than 64 levels");
  CHECK(parse(std::string(64, '[') + std::string(64, ']')).empty());
  CHECK(parse("[\"\\uDC00\"," + deep + "]") == "line 1, column 3: lone low surrogate escape (not a Unicode character)");
}

TEST_CASE("parse_json tells member names apart past their first eight bytes, and finds long repeats") {
  // Same first eight bytes and length, different after: two members.
  CHECK(parse(R"({"valueQuantityA": 1, "valueQuantityB": 2})").empty());
  CHECK(parse(R"({"effectiveDateTime": 1, "effectivePeriod": 2, "effective": 3})").empty());
  CHECK(parse(R"({"a": 1, "a\u0000": 2, "ab": 3})").empty());
  // Short names differing in any one byte, and names of every length up to
  // nine that differ only in their last or their middle byte.
  CHECK(parse(R"({"abc": 1, "aXc": 2, "abX": 3, "Xbc": 4, "abcdefg": 5, "abcXefg": 6, "abcdefX": 7})").empty());
  for (std::size_t length = 1; length <= 9; ++length) {
    const std::string name(length, 'n');
    std::string last = name, middle = name;
    last.back() = 'x';
    middle[length / 2] = 'y';
    const std::string text = "{\"" + name + "\": 1, \"" + last + "\": 2" +
                             (length > 2 ? ", \"" + middle + "\": 3}" : std::string("}"));
    CAPTURE(text);
    CHECK(parse(text).empty());
    CHECK(parse("{\"" + name + "\": 1, \"" + name + "\": 2}") ==
          "line 1, column " + std::to_string(11 + 2 * length) + ": member '" + name + "' appears twice in one object");
  }
  CHECK(parse(R"({"effectiveDateTime": 1, "status": 2, "effectiveDateTime": 3})") ==
        "line 1, column 58: member 'effectiveDateTime' appears twice in one object");
  CHECK(parse(R"({"code": {"text": 1, "text": 2}})") ==
        "line 1, column 28: member 'text' appears twice in one object");
}
