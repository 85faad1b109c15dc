// A suggested resource is built as a DOM and its JSON text written from it;
// the DOM goes with the text (BuiltResource::parsed, Action::parsed) so that
// the checks and writes of a card never parse the text again. These tests
// compare that with the straightforward way, parsing the text with
// fhir::parse_json each time, on many generated drafts and on the cards of
// many generated charts.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/card.h"
#include "cards/fhir_resources.h"
#include "cards/parsed_resource.h"
#include "cards/protocol.h"
#include "cards/recommend.h"
#include "cds/evaluate.h"
#include "chart_generator.h"
#include "fhir/json.h"

using namespace icans;

namespace {

std::string written(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// Drafts with text a pharmacy would never see: other scripts, quotes,
// control characters, bytes that are not UTF-8, doses of every shape.
class DraftGenerator {
 public:
  explicit DraftGenerator(std::uint32_t seed) : random_(seed) {}

  MedicationRequestDraft medication() {
    MedicationRequestDraft draft;
    draft.id = chance(50) ? "" : chance(75) ? "mr-1" : text();
    draft.patient_id = chance(85) ? "p1" : text();
    draft.orderable = coding();
    draft.ingredient = chance(75) ? fhir::Coding{"http://www.nlm.nih.gov/research/umls/rxnorm", "3264", text()} : coding();
    draft.intent = chance(85) ? "proposal" : text();
    draft.dose_value = dose();
    draft.dose_unit = {chance(80) ? "mg" : text(), chance(50) ? "" : text()};
    draft.route = coding();
    draft.every_hours = between(-1, 12);
    draft.max_doses = between(-1, 5);
    draft.as_needed = chance(50);
    draft.text = chance(85) ? "Dexamethasone 10 mg IV every 6 hours" : text();
    draft.reason = reason();
    draft.note = chance(50) ? "" : text();
    return draft;
  }

  ServiceRequestDraft service() {
    ServiceRequestDraft draft;
    draft.id = chance(50) ? "" : text();
    draft.patient_id = chance(85) ? "p1" : text();
    draft.code = chance(65) ? fhir::Coding{"http://loinc.org", "24590-2", text()} : coding();
    draft.text = chance(80) ? "MRI brain" : text();
    draft.intent = chance(85) ? "proposal" : text();
    draft.priority = chance(75) ? "urgent" : text();
    draft.reason = reason();
    draft.note = chance(50) ? "" : text();
    return draft;
  }

  ConditionDraft condition() {
    ConditionDraft draft;
    draft.id = chance(50) ? "" : text();
    draft.patient_id = chance(85) ? "p1" : text();
    const int codings = between(0, 2);
    for (int i = 0; i < codings; ++i) {
      draft.codings.push_back(chance(65) ? fhir::Coding{kIcd10CmSystem, "G92.03", text()} : coding());
    }
    draft.text = chance(50) ? "" : text();
    if (chance(20)) draft.clinical_status = text();
    if (chance(20)) draft.verification_status = text();
    if (chance(20)) draft.category = text();
    if (chance(50)) draft.onset = test::ChartGenerator::kDay0 + between(0, 1000000) * fhir::kMillisPerSecond;
    draft.note = chance(50) ? "" : text();
    return draft;
  }

 private:
  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  bool chance(int percent) { return between(1, 100) <= percent; }

  std::string text() {
    static const std::vector<std::string> pieces = {
        "abc", "Dexamethasone 10 mg IV", "caf\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\xe6\x97\xa5",
        "\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "quote\"back\\slash/", "tab\there", "line\nbreak",
        std::string("nul\0byte", 8), "\x01\x1f\x7f", " ", "  padded  ", "a  b", "G92.03", "urn:oid:1.2",
        "Patient/p1", "p-1.x", "proposal", "routine", "stat", "active", "provisional", "problem-list-item", "mg"};
    std::string result = pieces[static_cast<std::size_t>(between(0, int(pieces.size()) - 1))];
    while (chance(25)) result += pieces[static_cast<std::size_t>(between(0, int(pieces.size()) - 1))];
    return result;
  }

  fhir::Coding coding() {
    if (chance(15)) return {};
    return {chance(75) ? "http://snomed.info/sct" : text(), chance(75) ? "47625008" : text(), chance(65) ? text() : ""};
  }

  std::optional<ReasonDraft> reason() {
    if (chance(35)) return std::nullopt;
    return ReasonDraft{coding(), chance(50) ? text() : "", chance(50) ? (chance(50) ? "Condition/c1" : text()) : ""};
  }

  double dose() {
    static const std::vector<double> doses = {10, 547.2, 0.5, 1.0 / 3, 1e-7, 1e20, 9e15, 8.99e15, -1, 0,
                                              12.345678901234567, 0.1 + 0.2, 1e308, 5e-324, 2.675, 0.05,
                                              std::nan(""), std::numeric_limits<double>::infinity()};
    if (chance(40)) return std::round(std::uniform_real_distribution<double>(0, 2000)(random_) * 100) / 100;
    if (chance(10)) return std::uniform_real_distribution<double>(0, 1e6)(random_);
    return doses[static_cast<std::size_t>(between(0, int(doses.size()) - 1))];
  }

  std::mt19937 random_;
};

struct Tally {
  int kept = 0;
  int parsed_where_needed = 0;
};

// The kept DOM is what fhir::parse_json reads from the text, and only text
// that parses has one.
void require_kept_parse_is_the_parse(const BuiltResource& built, Tally& tally) {
  if (!built.error.empty()) {
    REQUIRE(built.json.empty());
    REQUIRE(built.parsed == nullptr);
    return;
  }
  INFO(built.json);
  rapidjson::Document parsed;
  const std::string error = fhir::parse_json(built.json, parsed);
  if (!built.parsed) {
    ++tally.parsed_where_needed;
    return;
  }
  ++tally.kept;
  REQUIRE(error.empty());
  REQUIRE(built.parsed->text == built.json);
  REQUIRE(built.parsed->document == parsed);
  REQUIRE(written(built.parsed->document) == written(parsed));
  REQUIRE(written(built.parsed->document) == built.json);
}

Action with_kept_parse(const BuiltResource& built) {
  Action action{ActionType::create, "Order", built.json, ""};
  action.parsed = built.parsed;
  return action;
}

void strip_kept_parses(std::vector<Card>& cards) {
  for (auto& card : cards) {
    for (auto& suggestion : card.suggestions) {
      for (auto& action : suggestion.actions) action.parsed = nullptr;
    }
  }
}

}  // namespace

TEST_CASE("A built resource's kept DOM is exactly what parse_json reads from its text", "[resources][differential]") {
  DraftGenerator generator(20261121);
  Tally tally;
  for (int i = 0; i < 20000; ++i) {
    require_kept_parse_is_the_parse(medication_request(generator.medication()), tally);
    require_kept_parse_is_the_parse(service_request(generator.service()), tally);
    require_kept_parse_is_the_parse(condition(generator.condition()), tally);
  }
  // Both ways must be exercised: kept, and (text with escapes, bytes that
  // are not UTF-8, numbers that do not read back) parsed where needed.
  CHECK(tally.kept > 3000);
  CHECK(tally.parsed_where_needed > 2000);
}

TEST_CASE("An action checks and writes the same with its resource's kept parse as without",
          "[card][action][differential]") {
  DraftGenerator generator(7);
  int compared = 0;
  for (int i = 0; i < 5000; ++i) {
    for (const BuiltResource& built :
         {medication_request(generator.medication()), service_request(generator.service()),
          condition(generator.condition())}) {
      if (!built.error.empty()) continue;
      const Action kept = with_kept_parse(built);
      const Action plain{ActionType::create, "Order", built.json, ""};
      INFO(built.json);
      REQUIRE(check_action(kept) == check_action(plain));
      rapidjson::Document doc;
      REQUIRE(written(to_json(kept, doc.GetAllocator())) == written(to_json(plain, doc.GetAllocator())));
      for (ActionType type : {ActionType::update, ActionType::delete_}) {
        Action other_kept = kept;
        Action other_plain = plain;
        other_kept.type = other_plain.type = type;
        REQUIRE(check_action(other_kept) == check_action(other_plain));
      }
      ++compared;
    }
  }
  CHECK(compared > 2000);
}

TEST_CASE("A kept parse is used only for the very text it was made from", "[card][action]") {
  MedicationRequestDraft draft;
  draft.patient_id = "p1";
  draft.ingredient = {"http://www.nlm.nih.gov/research/umls/rxnorm", "3264", "dexamethasone"};
  draft.dose_value = 10;
  draft.dose_unit = {"mg", "mg"};
  draft.every_hours = 6;
  draft.text = "Dexamethasone 10 mg IV every 6 hours";
  const BuiltResource built = medication_request(draft);
  REQUIRE(built.parsed != nullptr);
  Action action = with_kept_parse(built);
  REQUIRE(check_action(action).empty());

  action.resource = "{\"resourceType\": ";
  CHECK(check_action(action).rfind("resource: not JSON: line 1", 0) == 0);
  rapidjson::Document doc;
  CHECK(to_json(action, doc.GetAllocator()).IsNull());

  action.resource = R"({"resourceType":"ServiceRequest","status":"draft"})";
  REQUIRE(check_action(action).empty());
  CHECK(written(to_json(action, doc.GetAllocator())["resource"]) == action.resource);

  action.type = ActionType::update;
  CHECK(check_action(action) == "resource: an update replaces an existing resource, so it needs its id");
}

TEST_CASE("Actions are equal by what they say, whether or not they keep a parse", "[card][action]") {
  ServiceRequestDraft draft;
  draft.patient_id = "p1";
  draft.code = {"http://loinc.org", "24590-2", "MR Brain"};
  draft.text = "MRI brain";
  const BuiltResource built = service_request(draft);
  REQUIRE(built.parsed != nullptr);
  const Action kept = with_kept_parse(built);
  const Action plain{ActionType::create, "Order", built.json, ""};
  CHECK(kept == plain);
  Action other = plain;
  other.description = "Order it";
  CHECK_FALSE(kept == other);
}

TEST_CASE("Cards check and write the same with their resources' kept parses as without",
          "[recommend][card][differential]") {
  const auto loaded = default_protocol();
  REQUIRE(loaded.protocol);
  const GradingConfig config;
  RecommendContext context;
  context.uuid_seed = "kept-parse";
  int actions = 0;
  for (std::uint32_t seed = 1; seed <= 80; ++seed) {
    test::ChartGenerator generator(seed);
    const fhir::PatientRecord record = generator.chart();
    const auto times = generator.times_around(relevant_times(record));
    for (std::size_t i = 0; i < times.size(); i += 1 + times.size() / 6) {
      const Evaluation evaluation = evaluate(record, times[i], config);
      const std::vector<Card> cards = recommend(record, evaluation, *loaded.protocol, config, context);
      std::vector<Card> plain = cards;
      strip_kept_parses(plain);
      INFO("chart seed " << seed << ", T = " << fhir::format_instant(times[i]));
      REQUIRE(check_response(Response{cards, {}}) == check_response(Response{plain, {}}));
      rapidjson::Document doc;
      REQUIRE(written(to_json(Response{cards, {}}, doc.GetAllocator())) ==
              written(to_json(Response{plain, {}}, doc.GetAllocator())));
      for (std::size_t c = 0; c < cards.size(); ++c) {
        REQUIRE(check_card(cards[c]) == check_card(plain[c]));
        for (const auto& suggestion : cards[c].suggestions) {
          for (const auto& action : suggestion.actions) {
            if (action.parsed) ++actions;
          }
        }
      }
    }
  }
  CHECK(actions > 500);  // the charts' cards do suggest orders
}
