// The canonical JSON behind the audit trail's inputs hash. The text must stay
// byte for byte what the first implementation wrote (RapidJSON's Writer over
// members sorted by name): hashes already stored in audit trails are compared
// with new ones. That implementation is kept here as the reference, and the
// writer is compared with it on every example, every hostile input and many
// random documents.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cds/hooks/canonical_json.h"
#include "fhir/json.h"
#include "service_test_helpers.h"

using namespace icans;

namespace {

// ---- The reference: the implementation the hashes were first made with.

using ReferenceWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using Member = rapidjson::Value::Member;

void reference_write(const rapidjson::Value& value, ReferenceWriter& writer,
                     std::vector<const Member*>& sorting) {
  switch (value.GetType()) {
    case rapidjson::kObjectType: {
      const std::size_t first = sorting.size();
      for (const auto& m : value.GetObject()) sorting.push_back(&m);
      std::sort(sorting.begin() + static_cast<std::ptrdiff_t>(first), sorting.end(),
                [](const Member* a, const Member* b) {
                  const std::string_view x(a->name.GetString(), a->name.GetStringLength());
                  const std::string_view y(b->name.GetString(), b->name.GetStringLength());
                  return x < y;
                });
      const std::size_t end = sorting.size();
      writer.StartObject();
      for (std::size_t i = first; i < end; ++i) {
        const Member& m = *sorting[i];
        writer.Key(m.name.GetString(), m.name.GetStringLength());
        reference_write(m.value, writer, sorting);
      }
      writer.EndObject();
      sorting.resize(first);
      return;
    }
    case rapidjson::kArrayType:
      writer.StartArray();
      for (const auto& element : value.GetArray()) reference_write(element, writer, sorting);
      writer.EndArray();
      return;
    default:
      value.Accept(writer);
      return;
  }
}

void reference_write(const rapidjson::Value& value, ReferenceWriter& writer) {
  std::vector<const Member*> sorting;
  reference_write(value, writer, sorting);
}

std::string reference_canonical(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  ReferenceWriter writer(buffer);
  reference_write(value, writer);
  return {buffer.GetString(), buffer.GetSize()};
}

struct NamedInput {
  std::string name;
  const rapidjson::Value* value;
};

// The fingerprint document as service.cc first wrote it.
std::string reference_fingerprint_text(const rapidjson::Value& context, const std::string& hook,
                                       const std::vector<NamedInput>& inputs) {
  rapidjson::StringBuffer buffer;
  ReferenceWriter writer(buffer);
  writer.StartObject();
  writer.Key("context");
  reference_write(context, writer);
  writer.Key("hook");
  writer.String(hook);
  writer.Key("inputs");
  writer.StartArray();
  for (const auto& input : inputs) {
    writer.StartObject();
    writer.Key("name");
    writer.String(input.name);
    writer.Key("value");
    reference_write(*input.value, writer);
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

// ---- The writer under test, streamed as the service streams it.

struct Streamed {
  std::string text;
  std::size_t pieces = 0;
  std::string sha256;
};

Streamed stream(const rapidjson::Value& value) {
  Streamed out;
  Sha256 hash;
  CanonicalJsonWriter writer([&](std::string_view bytes) {
    out.text.append(bytes);
    ++out.pieces;
    hash.update(bytes);
  });
  writer.value(value);
  writer.flush();
  out.sha256 = hash.hex_digest();
  return out;
}

// Every way of writing `value` gives the reference's bytes and its hash.
void check_same_as_reference(const rapidjson::Value& value) {
  const std::string expected = reference_canonical(value);
  const Streamed streamed = stream(value);
  REQUIRE(streamed.text == expected);
  REQUIRE(streamed.sha256 == sha256_hex(expected));
  REQUIRE(canonical_json(value) == expected);
}

// ---- Random documents.

class RandomJson {
 public:
  explicit RandomJson(std::uint64_t seed) : random_(seed) {}

  rapidjson::Value value(rapidjson::Document::AllocatorType& a, int depth) {
    const int kind = below(depth > 0 ? 10 : 6);
    switch (kind) {
      case 0:
        return rapidjson::Value();
      case 1:
        return rapidjson::Value(below(2) == 0);
      case 2:
      case 3:
        return number();
      case 4:
      case 5: {
        const std::string text = string();
        return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
      }
      case 6:
      case 7: {
        rapidjson::Value array(rapidjson::kArrayType);
        const int size = below(4) == 0 ? 0 : below(8);
        for (int i = 0; i < size; ++i) array.PushBack(value(a, depth - 1), a);
        return array;
      }
      default: {
        // AddMember does not look for repeated names: objects here may have
        // them, as parse_json never lets through, to pin that the order of
        // equal names is the reference's too.
        rapidjson::Value object(rapidjson::kObjectType);
        // Up to 16 members the writer sorts by itself, beyond with std::sort.
        const int size = below(5) == 0 ? 0 : below(10) == 0 ? 14 + below(30) : below(12);
        for (int i = 0; i < size; ++i) {
          const std::string key = name();
          rapidjson::Value k(key.data(), static_cast<rapidjson::SizeType>(key.size()), a);
          object.AddMember(k, value(a, depth - 1), a);
        }
        return object;
      }
    }
  }

  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

 private:
  rapidjson::Value number() {
    static const std::int64_t kIntegers[] = {
        0, 1, -1, 9, 10, -10, 99, 100,
        INT32_MAX, INT32_MIN, std::int64_t{INT32_MAX} + 1, std::int64_t{INT32_MIN} - 1,
        std::int64_t{UINT32_MAX}, std::int64_t{UINT32_MAX} + 1, INT64_MAX, INT64_MIN,
        INT64_MAX - 1, INT64_MIN + 1, 1000000000, 9999999999, -9999999999};
    static const std::uint64_t kUnsigned[] = {UINT32_MAX, std::uint64_t{UINT32_MAX} + 1,
                                              std::uint64_t{INT64_MAX} + 1, UINT64_MAX,
                                              UINT64_MAX - 1, 10000000000000000000u};
    static const double kDoubles[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 36.6, 38.0, -273.15, 1e21, 1e22, 1e-7, 1e-6,
        123456789012345680.0, 1e308, -1e308, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN,
        4.9406564584124654e-324, 2.2250738585072009e-308, 5e-324, 1.7976931348623157e308,
        9007199254740992.0, 9007199254740993.0, 2147483648.0, -2147483649.0,
        18446744073709551616.0, 0.30000000000000004, 1e-300, 3.0e-10};
    switch (below(8)) {
      case 0:
        return rapidjson::Value(kIntegers[below(std::size(kIntegers))]);
      case 1:
        return rapidjson::Value(kUnsigned[below(std::size(kUnsigned))]);
      case 2:
        return rapidjson::Value(kDoubles[below(std::size(kDoubles))]);
      case 3: {
        double d;  // any finite bit pattern, denormals included
        do {
          const std::uint64_t bits = random_();
          std::memcpy(&d, &bits, sizeof d);
        } while (!std::isfinite(d));
        return rapidjson::Value(d);
      }
      case 4:
        return rapidjson::Value(std::uniform_real_distribution<double>(-1000, 1000)(random_));
      case 5:
        return rapidjson::Value(static_cast<std::int64_t>(random_()));
      case 6:
        return rapidjson::Value(static_cast<std::uint64_t>(random_()));
      default:
        return rapidjson::Value(std::uniform_int_distribution<int>(-100000, 100000)(random_));
    }
  }

  // Bytes of every kind: every control character and escape, quotes,
  // slashes, DEL, UTF-8 of every length and bytes that are not UTF-8 (the
  // writer copies both without looking).
  std::string string() {
    static const char* kPieces[] = {"\"", "\\", "/", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                    "\xf0\x9f\x92\x89", "\xff", "\x80", "\\u0000", "mg/dL", "°C"};
    std::size_t length;
    switch (below(20)) {
      case 0:
        length = 0;
        break;
      case 1:  // across the writer's buffer, so escapes fall on its edge
        length = 15000 + static_cast<std::size_t>(below(20000));
        break;
      case 2:
      case 3:
        length = static_cast<std::size_t>(below(300));
        break;
      default:
        length = static_cast<std::size_t>(below(24));
    }
    const int escapes = below(4);  // how often this string has bytes to escape
    std::string text;
    while (text.size() < length) {
      const int roll = below(100);
      if (roll < escapes * 3) {
        text += static_cast<char>(below(0x20));
      } else if (roll < escapes * 5) {
        text += kPieces[below(std::size(kPieces))];
      } else if (roll < escapes * 5 + 2) {
        text += static_cast<char>(below(256));
      } else {
        text += static_cast<char>(' ' + below(95));
      }
    }
    return text;
  }

  // Names that share prefixes and differ late, by one byte, by length, or
  // only past a NUL byte; non-ASCII and escaped names.
  std::string name() {
    static const char* kNames[] = {"",
                                   "a",
                                   "b",
                                   "value",
                                   "valueQuantity",
                                   "valueQuantitx",
                                   "valueQuantity2",
                                   "valueString",
                                   "valu",
                                   "resourceType",
                                   "code",
                                   "coding",
                                   "\xc3\xa9t\xc3\xa9",
                                   "\xc3\xa9",
                                   "Z",
                                   "_value",
                                   "a\"b",
                                   "a\\b",
                                   "\n",
                                   "\x7f",
                                   "\xff"};
    if (below(6) == 0) {
      std::string with_nul("a\0", 2);
      with_nul += static_cast<char>('a' + below(3));
      return with_nul;
    }
    if (below(6) == 0) return "prefix-shared-by-many-names-" + std::to_string(below(40));
    return kNames[below(std::size(kNames))];
  }

  std::mt19937_64 random_;
};

std::vector<std::filesystem::path> json_files_under(const std::string& directory) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document document;
  REQUIRE(fhir::parse_json(text, document).empty());
  return document;
}

}  // namespace

TEST_CASE("canonical JSON of every example, golden output and hostile input is the reference's, byte for byte",
          "[canonical_json]") {
  std::size_t compared = 0;
  for (const std::string directory : {"/examples", "/tests/hostile", "/tests/golden"}) {
    for (const auto& path : json_files_under(ICANS_SOURCE_DIR + directory)) {
      INFO(path.string());
      const std::string text = service_test::read_text(path.string());
      // As the service parses it, and as plain RapidJSON does (which lets
      // repeated names and deep nesting through).
      rapidjson::Document strict;
      if (fhir::parse_json(text, strict).empty()) {
        check_same_as_reference(strict);
        ++compared;
      }
      rapidjson::Document lenient;
      if (!lenient.Parse(text.data(), text.size()).HasParseError()) {
        check_same_as_reference(lenient);
        ++compared;
      }
    }
  }
  CHECK(compared > 150);
}

TEST_CASE("canonical JSON of random documents is the reference's, byte for byte", "[canonical_json]") {
  RandomJson random(20261121);
  std::size_t bytes = 0;
  for (int i = 0; i < 4000; ++i) {
    rapidjson::Document document;
    static_cast<rapidjson::Value&>(document) = random.value(document.GetAllocator(), random.below(9));
    INFO("document " << i);
    check_same_as_reference(document);
    bytes += reference_canonical(document).size();
  }
  CHECK(bytes > 4'000'000);  // the long strings and the buffer's edges were exercised
}

TEST_CASE("repeated names, which parse_json refuses, keep the reference's order at every size",
          "[canonical_json]") {
  RandomJson random(7);
  for (int size = 1; size <= 40; ++size) {
    for (int round = 0; round < 20; ++round) {
      rapidjson::Document document(rapidjson::kObjectType);
      auto& a = document.GetAllocator();
      for (int i = 0; i < size; ++i) {
        static const char* kNames[] = {"a", "b", "c", "valueQuantity", "valueQuantitx"};
        rapidjson::Value name(kNames[random.below(round < 10 ? 3 : 5)], a);
        document.AddMember(name, rapidjson::Value(i), a);
      }
      INFO(size << " members, round " << round);
      check_same_as_reference(document);
    }
  }
}

TEST_CASE("every single byte in a string is escaped as RapidJSON escapes it, at every offset",
          "[canonical_json]") {
  rapidjson::Document document;
  auto& a = document.GetAllocator();
  for (int byte = 0; byte < 256; ++byte) {
    // Before, inside and after each eight-byte step of the scan.
    for (std::size_t before = 0; before < 20; ++before) {
      std::string text(before, 'x');
      text += static_cast<char>(byte);
      text += "tail";
      rapidjson::Value value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
      INFO("byte " << byte << " after " << before);
      check_same_as_reference(value);
    }
  }
  // Every length around the eight-byte steps, with the byte at every place
  // and a second one right after it.
  for (const int byte : {0x00, 0x0a, 0x1f, int{'"'}, int{'\\'}, int{' '}, int{'/'}, 0x7f, 0x80, 0xff}) {
    for (std::size_t length = 1; length <= 26; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        for (const std::size_t second : {std::size_t{0}, at + 1}) {
          std::string text(length, 'x');
          text[at] = static_cast<char>(byte);
          if (second != 0 && second < length) text[second] = '\n';
          rapidjson::Value value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
          INFO("byte " << byte << " at " << at << " of " << length);
          check_same_as_reference(value);
        }
      }
    }
  }
  rapidjson::Value controls(rapidjson::kStringType);
  std::string all;
  for (int byte = 0; byte < 0x20; ++byte) all += static_cast<char>(byte);
  all += "\"\\/\x7f";
  controls.SetString(all.data(), static_cast<rapidjson::SizeType>(all.size()), a);
  CHECK(canonical_json(controls) ==
        R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F)"
        R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\"\\/)"
        "\x7f\"");
}

TEST_CASE("numbers at the integer boundaries and special doubles are written as RapidJSON writes them",
          "[canonical_json]") {
  const auto text = [](rapidjson::Value value) { return canonical_json(value); };
  CHECK(text(rapidjson::Value(INT32_MIN)) == "-2147483648");
  CHECK(text(rapidjson::Value(std::int64_t{INT32_MAX} + 1)) == "2147483648");
  CHECK(text(rapidjson::Value(UINT64_MAX)) == "18446744073709551615");
  CHECK(text(rapidjson::Value(INT64_MIN)) == "-9223372036854775808");
  CHECK(text(rapidjson::Value(-0.0)) == "-0.0");
  CHECK(text(rapidjson::Value(1.0)) == "1.0");
  CHECK(text(rapidjson::Value(1e308)) == "1e308");
  CHECK(text(rapidjson::Value(5e-324)) == "5e-324");
  const auto parsed_number = [](const char* json) {
    rapidjson::Document document;
    REQUIRE(fhir::parse_json(json, document).empty());
    return canonical_json(document);
  };
  CHECK(parsed_number("38.50") == "38.5");
  CHECK(parsed_number("-0") == "0");
  CHECK(parsed_number("1E2") == "100.0");
  for (const double d : {0.0, -0.0, 1e308, -1e308, DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 0.1}) {
    INFO(d);
    check_same_as_reference(rapidjson::Value(d));
  }
}

TEST_CASE("NaN and infinity write nothing, as RapidJSON's Writer does; parse_json never yields them",
          "[canonical_json]") {
  rapidjson::Document document;
  REQUIRE(fhir::parse_json(R"({"a":[1,2,3],"b":1.5})", document).empty());
  document["a"][1].SetDouble(std::numeric_limits<double>::quiet_NaN());
  document["b"].SetDouble(-std::numeric_limits<double>::infinity());
  check_same_as_reference(document);
  CHECK(canonical_json(document) == R"({"a":[1,,3],"b":})");
  rapidjson::Value alone(std::numeric_limits<double>::infinity());
  check_same_as_reference(alone);
  CHECK(canonical_json(alone).empty());
  rapidjson::Document overflow;
  CHECK_FALSE(fhir::parse_json("[1e400]", overflow).empty());
}

TEST_CASE("a long document reaches the sink in pieces, never whole", "[canonical_json]") {
  rapidjson::Document document(rapidjson::kArrayType);
  auto& a = document.GetAllocator();
  for (int i = 0; i < 3000; ++i) {
    const std::string text = "entry " + std::to_string(i) + " with a quote \" and a tab \t";
    document.PushBack(rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a), a);
  }
  const Streamed streamed = stream(document);
  CHECK(streamed.text.size() > 100'000);
  CHECK(streamed.pieces > 5);
  CHECK(streamed.text == reference_canonical(document));
  CHECK(streamed.sha256 == sha256_hex(streamed.text));
}

TEST_CASE("SHA-256 in pieces is SHA-256 of the whole", "[canonical_json]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 pieces;
  pieces.update("a");
  pieces.update("");
  pieces.update("bc");
  CHECK(pieces.hex_digest() == sha256_hex("abc"));
  CHECK(pieces.hex_digest().empty());  // once only: a second digest is refused, not made up
}

TEST_CASE("the service's inputs hash is SHA-256 of the reference's fingerprint document",
          "[canonical_json][service]") {
  using namespace service_test;
  static const ExampleChart axicel("axicel-icans-grade3.json");
  static const ExampleChart lisocel("icans-without-crs-tocilizumab-draft.json");

  struct Case {
    const char* what;
    RequestBuilder builder;
    std::map<std::string, std::string> fetched;  // prefetch key -> page served by the FHIR server
  };
  std::vector<Case> cases;
  {
    RequestBuilder builder;
    builder.patient_id = axicel.patient_id;
    builder.prefetch = axicel.full_prefetch();
    cases.push_back({"patient-view, full prefetch", builder, {}});
    builder.prefetch.erase("observations");
    builder.fhir_server = "https://ehr.example.org/fhir";
    builder.token = "SECRET-TOKEN-123";
    cases.push_back({"patient-view, observations fetched", builder,
                     {{"observations", axicel.search_bundle("Observation")}}});
  }
  {
    RequestBuilder builder;
    builder.hook = "order-select";
    builder.patient_id = lisocel.patient_id;
    builder.prefetch = lisocel.full_prefetch();
    builder.draft_orders = lisocel.search_bundle("MedicationRequest", "draft");
    builder.selections = {"MedicationRequest/lc-rx-tocilizumab-draft"};
    cases.push_back({"order-select with draft orders", builder, {}});
  }

  for (const auto& c : cases) {
    INFO(c.what);
    Harness harness({}, c.builder.hook == "order-select" ? kLisocelNow : kAxicelNow);
    for (const auto& [key, page] : c.fetched) {
      const std::string type = key == "observations" ? "Observation" : key;
      harness.fhir.pages[type] = {page};
    }
    const std::string service_id =
        c.builder.hook == "order-select" ? "icans-order-select" : "icans-patient-view";
    const std::string body = c.builder.body();
    const HttpResponse response = harness.handle(post("/cds-services/" + service_id, body));
    REQUIRE(response.status == 200);
    const auto answer = parse(response.body);
    REQUIRE(answer["cards"].Size() > 0);
    std::string error;
    const auto audit = harness.store->find_card(answer["cards"][0]["uuid"].GetString(), error);
    REQUIRE(audit);

    // The inputs in the order of the service's published prefetch templates.
    const auto discovery = parse(harness.handle(get("/cds-services")).body);
    const rapidjson::Value* templates = nullptr;
    for (const auto& service : discovery["services"].GetArray()) {
      if (service_id == service["id"].GetString()) templates = &service["prefetch"];
    }
    REQUIRE(templates);
    const rapidjson::Document request = parsed(body);
    std::vector<rapidjson::Document> pages;
    pages.reserve(c.fetched.size());
    std::vector<NamedInput> inputs;
    for (const auto& t : templates->GetObject()) {
      const std::string key = t.name.GetString();
      if (request["prefetch"].HasMember(key.c_str())) {
        inputs.push_back({"prefetch." + key, &request["prefetch"][key.c_str()]});
      } else if (c.fetched.count(key)) {
        pages.push_back(parsed(c.fetched.at(key)));
        inputs.push_back({"fhirServer " + key + " page 1", &pages.back()});
      }
    }
    REQUIRE(inputs.size() == 7);
    const std::string expected = reference_fingerprint_text(request["context"], c.builder.hook, inputs);
    CHECK(audit->inputs_sha256 == sha256_hex(expected));
  }
}
