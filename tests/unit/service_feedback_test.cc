// The feedback endpoint: the CDS Hooks 2.0 shape, checked entry by entry, and
// stored durably whether or not the card is known.
#include <catch2/catch.hpp>

#include <string>

#include "cds/hooks/feedback.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

std::string parse_error(const std::string& body) {
  std::vector<FeedbackRecord> records;
  return parse_feedback(body, "icans-patient-view", "2026-03-07T17:05:00Z", records);
}

std::string entry(const std::string& fields) { return R"({"feedback":[)" + fields + "]}"; }

// The response to a patient-view call for the axicel example: cards the
// service issued and audited, for feedback to be about.
rapidjson::Document issued_cards(Harness& harness) {
  const ExampleChart chart("axicel-icans-grade3.json");
  RequestBuilder builder;
  builder.patient_id = chart.patient_id;
  builder.prefetch = chart.full_prefetch();
  const HttpResponse cards = harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  REQUIRE(cards.status == 200);
  return parse(cards.body);
}

const char* kAccepted =
    R"({"card":"4e0a3a1e-3283-4575-ab82-028d55fe2719","outcome":"accepted","acceptedSuggestions":[{"id":"e56e1945-20b3-4393-8503-a1a20fd73152"}],"outcomeTimestamp":"2026-03-07T17:06:00Z"})";
const char* kOverridden =
    R"({"card":"9368d37b-283f-44a0-93ea-547cebab93ed","outcome":"overridden","overrideReason":{"reason":{"code":"d7ecf885","system":"https://example.com/cds-hooks/override-reason-system","display":"Patient refused"},"userComment":"Discussed with family."},"outcomeTimestamp":"2026-03-07T17:07:00Z"})";

}  // namespace

TEST_CASE("accepted and overridden feedback parse into records", "[service][feedback]") {
  std::vector<FeedbackRecord> records;
  REQUIRE(parse_feedback(entry(std::string(kAccepted) + "," + kOverridden), "icans-patient-view",
                         "2026-03-07T17:08:00Z", records)
              .empty());
  REQUIRE(records.size() == 2);
  CHECK(records[0].card_uuid == "4e0a3a1e-3283-4575-ab82-028d55fe2719");
  CHECK(records[0].outcome == "accepted");
  CHECK(records[0].accepted_suggestions == std::vector<std::string>{"e56e1945-20b3-4393-8503-a1a20fd73152"});
  CHECK(records[0].service_id == "icans-patient-view");
  CHECK(records[0].received_at == "2026-03-07T17:08:00Z");
  CHECK(records[1].outcome == "overridden");
  CHECK(records[1].override_reason_system == "https://example.com/cds-hooks/override-reason-system");
  CHECK(records[1].override_reason_code == "d7ecf885");
  CHECK(records[1].override_reason_display == "Patient refused");
  CHECK(records[1].user_comment == "Discussed with family.");
  CHECK(records[1].outcome_timestamp == "2026-03-07T17:07:00Z");
}

TEST_CASE("overridden without a reason is valid (the user dismissed the card)", "[service][feedback]") {
  CHECK(parse_error(entry(
            R"({"card":"f6b95768-b1c8-40dc-8385-bf3504b82ffb","outcome":"overridden","outcomeTimestamp":"2020-12-11T00:00:00Z"})"))
            .empty());
  // The specification's own example sends a reason Coding without display.
  CHECK(parse_error(entry(
            R"({"card":"c","outcome":"overridden","overrideReason":{"reason":{"code":"d7ecf885","system":"https://example.com/s"}},"outcomeTimestamp":"2020-12-11T00:00:00Z"})"))
            .empty());
}

TEST_CASE("malformed feedback is refused naming the entry and field", "[service][feedback]") {
  CHECK(parse_error("{") .starts_with("request body is not valid JSON: line 1"));
  CHECK(parse_error("[]") == "request body must be a JSON object, not array");
  CHECK(parse_error("{}") == "feedback: required array is missing");
  CHECK(parse_error(R"({"feedback":{}})") == "feedback: must be an array, not object");
  CHECK(parse_error(R"({"feedback":[]})") == "feedback: must not be empty");
  CHECK(parse_error(R"({"feedback":["x"]})") == "feedback[0]: must be an object, not string");
  const std::string ok = std::string(kAccepted) + ",";
  struct Case {
    std::string entry;
    std::string error;
  };
  const Case cases[] = {
      {R"({"outcome":"overridden","outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].card: required string is missing"},
      {R"({"card":7,"outcome":"overridden","outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].card: must be a string, not number"},
      {R"({"card":"c","outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].outcome: required string is missing"},
      {R"({"card":"c","outcome":"ignored","outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].outcome: must be accepted or overridden"},
      {R"({"card":"c","outcome":"accepted","outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].acceptedSuggestions: required when outcome is accepted"},
      {R"({"card":"c","outcome":"accepted","acceptedSuggestions":[],"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].acceptedSuggestions: must not be empty"},
      {R"({"card":"c","outcome":"accepted","acceptedSuggestions":["s1"],"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].acceptedSuggestions[0]: must be an object {\"id\": ...}, not string"},
      {R"({"card":"c","outcome":"accepted","acceptedSuggestions":[{"uuid":"s1"}],"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].acceptedSuggestions[0].id: required string is missing"},
      {R"({"card":"c","outcome":"overridden","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].acceptedSuggestions: only with outcome accepted"},
      {R"({"card":"c","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"overrideReason":{"userComment":"x"},"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].overrideReason: only with outcome overridden"},
      {R"({"card":"c","outcome":"overridden","overrideReason":{},"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].overrideReason: must hold a reason, a userComment or both"},
      {R"({"card":"c","outcome":"overridden","overrideReason":{"reason":"refused"},"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].overrideReason.reason: must be a Coding (an object), not string"},
      {R"({"card":"c","outcome":"overridden","overrideReason":{"reason":{"code":"x"}},"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].overrideReason.reason.system: required string is missing"},
      {R"({"card":"c","outcome":"overridden","overrideReason":{"reason":{"system":"s"}},"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].overrideReason.reason.code: required string is missing"},
      {R"({"card":"c","outcome":"overridden","overrideReason":{"userComment":5},"outcomeTimestamp":"2020-12-11T00:00:00Z"})",
       "feedback[1].overrideReason.userComment: must be a string, not number"},
      {R"({"card":"c","outcome":"overridden"})",
       "feedback[1].outcomeTimestamp: required string is missing"},
  };
  for (const auto& c : cases) {
    INFO(c.entry);
    CHECK(parse_error(entry(ok + c.entry)) == c.error);
  }
  // Not an instant: no time zone, or only a date.
  CHECK(parse_error(entry(ok + R"({"card":"c","outcome":"overridden","outcomeTimestamp":"2020-12-11T00:00:00"})"))
            .starts_with("feedback[1].outcomeTimestamp: not a FHIR instant"));
  CHECK(parse_error(entry(ok + R"({"card":"c","outcome":"overridden","outcomeTimestamp":"2020-12-11"})"))
            .starts_with("feedback[1].outcomeTimestamp: not a FHIR instant"));
}

TEST_CASE("feedback about an issued card is stored and can be read back", "[service][feedback]") {
  Harness harness;
  const auto body = issued_cards(harness);
  REQUIRE(body["cards"].Size() > 0);
  const std::string card = body["cards"][0]["uuid"].GetString();

  const std::string feedback = R"({"feedback":[{"card":")" + card +
                               R"(","outcome":"overridden","overrideReason":{"userComment":"seen"},"outcomeTimestamp":"2026-03-07T17:06:00Z"}]})";
  const HttpResponse stored =
      harness.handle(post("/cds-services/icans-patient-view/feedback", feedback));
  CHECK(stored.status == 200);
  CHECK(stored.body == "{}");
  std::string error;
  const auto records = harness.store->feedback_for_card(card, error);
  REQUIRE(error.empty());
  REQUIRE(records.size() == 1);
  CHECK(records[0].outcome == "overridden");
  CHECK(records[0].user_comment == "seen");
  CHECK(records[0].service_id == "icans-patient-view");
  CHECK(harness.service->metrics().render().find("icans_feedback_total{outcome=\"overridden\"} 1") !=
        std::string::npos);
}

TEST_CASE("accepting a suggestion the card did not carry is refused, and nothing is stored", "[service][feedback]") {
  Harness harness;
  const auto body = issued_cards(harness);
  std::string with_suggestion, suggestion, without_suggestion;
  for (const auto& card : body["cards"].GetArray()) {
    if (card.HasMember("suggestions") && with_suggestion.empty()) {
      with_suggestion = card["uuid"].GetString();
      suggestion = card["suggestions"][0]["uuid"].GetString();
    } else if (!card.HasMember("suggestions") && without_suggestion.empty()) {
      without_suggestion = card["uuid"].GetString();
    }
  }
  REQUIRE_FALSE(with_suggestion.empty());
  REQUIRE_FALSE(without_suggestion.empty());
  const auto accept = [&](const std::string& card, const std::string& id) {
    return harness.handle(post("/cds-services/icans-patient-view/feedback",
                               entry(R"({"card":")" + card + R"(","outcome":"accepted","acceptedSuggestions":[{"id":")" +
                                     id + R"("}],"outcomeTimestamp":"2026-03-07T17:06:00Z"})")));
  };
  std::string error;

  const HttpResponse foreign = accept(with_suggestion, "not-a-suggestion-of-this-card");
  CHECK(foreign.status == 400);
  CHECK(parse(foreign.body)["error"].GetString() ==
        "feedback[0].acceptedSuggestions[0].id: 'not-a-suggestion-of-this-card' is not a suggestion of card " +
            with_suggestion);
  CHECK(harness.store->feedback_for_card(with_suggestion, error).empty());

  const HttpResponse none = accept(without_suggestion, suggestion);
  CHECK(none.status == 400);
  CHECK(std::string(parse(none.body)["error"].GetString()).find("(it had none)") != std::string::npos);
  CHECK(harness.store->feedback_for_card(without_suggestion, error).empty());

  CHECK(accept(with_suggestion, suggestion).status == 200);
  CHECK(harness.store->feedback_for_card(with_suggestion, error).size() == 1);
}

TEST_CASE("feedback about an unknown card is stored too, and the log says so", "[service][feedback]") {
  Harness harness;
  const HttpResponse response = harness.handle(
      post("/cds-services/icans-order-sign/feedback", entry(kAccepted)));
  CHECK(response.status == 200);
  std::string error;
  CHECK(harness.store->feedback_for_card("4e0a3a1e-3283-4575-ab82-028d55fe2719", error).size() == 1);
  CHECK(harness.all_log().find("1 about cards not in the audit trail") != std::string::npos);
}

TEST_CASE("malformed feedback gets 400 and stores nothing", "[service][feedback]") {
  Harness harness;
  const HttpResponse response = harness.handle(post(
      "/cds-services/icans-patient-view/feedback",
      entry(std::string(kAccepted) + R"(,{"card":"x","outcome":"maybe","outcomeTimestamp":"2020-12-11T00:00:00Z"})")));
  CHECK(response.status == 400);
  CHECK(parse(response.body)["error"].GetString() ==
        std::string("feedback[1].outcome: must be accepted or overridden"));
  std::string error;
  CHECK(harness.store->feedback_for_card("4e0a3a1e-3283-4575-ab82-028d55fe2719", error).empty());
}

TEST_CASE("feedback for an unknown service is 404", "[service][feedback]") {
  Harness harness;
  CHECK(harness.handle(post("/cds-services/nope/feedback", entry(kAccepted))).status == 404);
  CHECK(harness.handle(post("/cds-services/icans-patient-view/other", entry(kAccepted))).status == 404);
}
