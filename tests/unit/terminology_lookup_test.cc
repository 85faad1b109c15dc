// The code table hashes a system by its length and last bytes only, and
// converting a unit into itself skips the second table lookup: these check
// that neither shortcut changes an answer.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "fhir/terminology.h"
#include "fhir/units.h"

using fhir::Concept;
using fhir::Terminology;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("every table code is found, and every near miss of it is not", "[terminology]") {
  Terminology terminology;
  const std::string map = R"({"name": "m", "version": "1", "mappings": [
      {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "code": "3040104250", "concept": "body-temperature", "unit": "[degF]"},
      {"system": "urn:x", "code": "t", "concept": "heart-rate"},
      {"system": "urn:local", "code": "a-code-longer-than-sixteen", "concept": "spo2"}]})";
  REQUIRE(terminology.load_site_map_json(map, "m.json").empty());
  const auto entries = terminology.entries();
  REQUIRE(entries.size() > 100);
  // The site map's codes are its own: none overrides a built-in one here.
  std::map<std::pair<std::string, std::string>, Concept> table;
  for (const auto& entry : entries) table[{entry.system, entry.code}] = entry.meaning;
  const auto expected = [&](const std::string& system, const std::string& code) {
    const auto found = table.find({system, code});
    return found == table.end() ? Concept::unknown : found->second;
  };
  const auto check = [&](const std::string& system, const std::string& code) {
    INFO(system << "|" << code);
    CHECK(terminology.lookup(system, code).meaning == expected(system, code));
  };
  for (const auto& entry : entries) {
    INFO(entry.system << "|" << entry.code);
    const fhir::CodeMatch match = terminology.lookup(entry.system, entry.code);
    CHECK(match.meaning == entry.meaning);
    CHECK(match.unit == entry.unit);
    // Same length and tail, another start; one byte changed anywhere; a byte
    // more or less: whatever these hash to, only the table decides.
    std::string system = entry.system;
    system[0] = static_cast<char>(system[0] ^ 1);
    check(system, entry.code);
    for (std::size_t i = 0; i < entry.code.size(); ++i) {
      std::string code = entry.code;
      code[i] = static_cast<char>(code[i] ^ 0x20);
      check(entry.system, code);
    }
    check(entry.system, entry.code + "0");
    check(entry.system, entry.code.substr(1));
    check(entry.system + "/", entry.code);
    check(entry.system.substr(1), entry.code);
    check({}, entry.code);
    check(entry.system, {});
  }
}

TEST_CASE("a unit converted into itself is still checked", "[units]") {
  const auto same = fhir::convert_unit(38.2, "Cel", "Cel");
  REQUIRE(same.value);
  CHECK(*same.value == 38.2);
  CHECK(*fhir::convert_unit(80, "kg", "kg").value == 80);

  const auto cold = fhir::convert_unit(-300, "Cel", "Cel");
  CHECK_FALSE(cold.value);
  CHECK(contains(cold.error, "below absolute zero"));
  const auto nan = fhir::convert_unit(std::nan(""), "mm[Hg]", "mm[Hg]");
  CHECK_FALSE(nan.value);
  CHECK(contains(nan.error, "not a finite number"));
  const auto unknown = fhir::convert_unit(1, "furlongs", "furlongs");
  CHECK_FALSE(unknown.value);
  CHECK(unknown.error == "unknown unit 'furlongs'");
}
