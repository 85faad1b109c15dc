// members() finds several members in one pass, passing over members by
// their length first: on any object, for any names, it must find what a
// member() lookup of each name finds (the first of repeated members too).
#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "fhir/read_helpers.h"

namespace {

// Names of lengths the length bits treat differently: empty, short, the
// last length with a bit (63), and longer ones that share no bit (64, 70).
const std::vector<std::string> kNames = {
    "",         "id",          "code",       "note",        "meta",         "status",
    "issued",   "subject",     "patient",    "component",   "resourceType", "valueQuantity",
    "interpretation", std::string(63, 'a'), std::string(63, 'b'), std::string(64, 'a'),
    std::string(64, 'b'), std::string(70, 'a')};

template <std::size_t N>
void check_members(std::mt19937& random) {
  const auto pick = [&random](std::size_t size) {
    return std::uniform_int_distribution<std::size_t>(0, size - 1)(random);
  };
  rapidjson::Document object(rapidjson::kObjectType);
  auto& allocator = object.GetAllocator();
  const std::size_t count = pick(12);
  for (std::size_t i = 0; i < count; ++i) {
    // Repeats are allowed here, as a Value built in code allows them.
    rapidjson::Value name(kNames[pick(kNames.size())].c_str(), allocator);
    object.AddMember(name, rapidjson::Value(static_cast<int>(i)), allocator);
  }
  // Distinct names, as every caller passes.
  std::vector<std::string_view> pool(kNames.begin(), kNames.end());
  std::shuffle(pool.begin(), pool.end(), random);
  std::array<std::string_view, N> names;
  std::copy_n(pool.begin(), N, names.begin());
  const auto found = fhir::detail::members<N>(object, names);
  for (std::size_t i = 0; i < N; ++i) {
    INFO("name '" << names[i] << "' of " << count << " members");
    CHECK(found[i] == fhir::detail::member(object, names[i]));
  }
}

}  // namespace

TEST_CASE("members finds what member finds, name by name", "[reader]") {
  std::mt19937 random(20261121);
  for (int i = 0; i < 5000; ++i) {
    check_members<1>(random);
    check_members<4>(random);
    check_members<6>(random);
  }
}

TEST_CASE("members on a value that is not an object finds nothing", "[reader]") {
  const rapidjson::Value array(rapidjson::kArrayType);
  const auto found = fhir::detail::members<2>(array, {"id", ""});
  CHECK(found[0] == nullptr);
  CHECK(found[1] == nullptr);
}
