// Rule cards.icans-workup: what to order by ICANS grade, never twice while a
// matching order or result of the item's repeat interval exists.
#include <catch2/catch.hpp>

#include "recommend_helpers.h"

using namespace icans;
using namespace icans::test;
using fhir::Concept;

namespace {

constexpr std::string_view kAt = "2026-03-04T09:00:00Z";

fhir::PatientRecord icans_chart(int ice_score) {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice1", "2026-03-04T08:00:00Z", ice_score));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  return record;
}

fhir::ServiceRequest order(std::string id, Concept service, fhir::RequestStatus status,
                           std::optional<std::string_view> authored) {
  fhir::ServiceRequest request;
  request.id = std::move(id);
  request.status = status;
  request.intent = "order";
  request.service = service;
  request.code.text = std::string(fhir::concept_code(service));
  if (authored) request.authored_on = when(*authored);
  return request;
}

fhir::DiagnosticReport report(std::string id, Concept service, std::string_view effective) {
  fhir::DiagnosticReport result;
  result.id = std::move(id);
  result.status = fhir::ReportStatus::final_;
  result.service = service;
  result.code.text = std::string(fhir::concept_code(service));
  result.effective = when(effective);
  return result;
}

std::vector<std::string> codes_ordered(const Card& card) {
  std::vector<std::string> codes;
  for (const auto& suggestion : card.suggestions) {
    const auto resource = resource_of(suggestion);
    codes.push_back(resource["code"]["coding"][0]["code"].GetString());
  }
  return codes;
}

const Card& workup(const std::vector<Card>& cards) {
  const Card* card = find_kind(cards, "icans-workup");
  INFO(Catch::StringMaker<std::vector<std::string>>::convert(kinds(cards)));
  REQUIRE(card != nullptr);
  return *card;
}

}  // namespace

TEST_CASE("ICANS grade 1 work-up is a neurology consultation", "[recommend][workup]") {
  const auto cards = cards_at(icans_chart(8), kAt);
  const Card& card = workup(cards);
  CHECK(card.indicator == Indicator::info);
  CHECK(card.summary == "ICANS grade 1 (ICE 8) work-up: neurology consultation");
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult"});
  const auto request = resource_of(card.suggestions[0]);
  CHECK(std::string(request["resourceType"].GetString()) == "ServiceRequest");
  CHECK(std::string(request["status"].GetString()) == "draft");
  CHECK(std::string(request["priority"].GetString()) == "routine");
}

TEST_CASE("ICANS grade 2 adds MRI brain (CT head if not feasible) and EEG", "[recommend][workup]") {
  const auto cards = cards_at(icans_chart(5), kAt);
  const Card& card = workup(cards);
  CHECK(card.indicator == Indicator::warning);
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult", "mri-brain", "ct-head", "eeg"});
  CHECK(card.suggestions[1].is_recommended);
  CHECK_FALSE(card.suggestions[2].is_recommended);  // CT only when MRI is not feasible
  CHECK(contains(card.suggestions[2].label, "instead, if MRI brain is not feasible"));
}

TEST_CASE("ICANS grade 3 adds ICU care, fundoscopy and lumbar puncture with platelets and INR", "[recommend][workup]") {
  auto record = icans_chart(2);
  record.observations.push_back(quantity("plt", Concept::platelets, "2026-03-04T05:00:00Z", 96, "10*3/uL"));
  record.observations.push_back(quantity("inr", Concept::inr, "2026-03-04T05:00:00Z", 1.1, "{INR}"));
  const auto cards = cards_at(record, kAt);
  const Card& card = workup(cards);
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult", "mri-brain", "ct-head", "eeg",
                                                        "icu-transfer", "fundoscopy", "lumbar-puncture"});
  CHECK(std::string(resource_of(card.suggestions[0])["priority"].GetString()) == "urgent");
  CHECK(contains(card.detail, "Platelet count 96 10*3/uL at 2026-03-04T05:00:00Z"));
  CHECK(contains(card.detail, "INR 1.1 {INR} at 2026-03-04T05:00:00Z"));
  CHECK_FALSE(card.suggestions.back().is_recommended);  // "consider" a lumbar puncture
  CHECK(contains(card.detail, "again: once ICANS grade 3 or higher has lasted 48 h"));
}

TEST_CASE("work-up not proposed again while an MRI order exists", "[recommend][workup]") {
  auto record = icans_chart(5);
  record.service_requests.push_back(order("mri1", Concept::mri_brain, fhir::RequestStatus::active, "2026-03-03T23:00:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card& card = workup(cards);
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult", "eeg"});  // no MRI, no CT either
  CHECK(contains(card.detail, "ServiceRequest/mri1 active, 2026-03-03T23:00:00Z (10 h ago)"));
}

TEST_CASE("an MRI result within the repeat interval stops a new MRI", "[recommend][workup]") {
  auto record = icans_chart(5);
  record.reports.push_back(report("mri-report", Concept::mri_brain, "2026-03-02T12:00:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card& card = workup(cards);
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult", "eeg"});
  CHECK(contains(card.detail, "result DiagnosticReport/mri-report"));
}

TEST_CASE("a completed MRI older than its repeat interval is proposed again", "[recommend][workup]") {
  auto record = icans_chart(5);
  record.service_requests.push_back(
      order("mri-old", Concept::mri_brain, fhir::RequestStatus::completed, "2026-02-28T08:00:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card& card = workup(cards);
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult", "mri-brain", "ct-head", "eeg"});
}

TEST_CASE("a cancelled or draft order in the record does not stop the work-up", "[recommend][workup]") {
  auto record = icans_chart(5);
  record.service_requests.push_back(order("eeg-draft", Concept::eeg, fhir::RequestStatus::draft, "2026-03-04T08:30:00Z"));
  record.service_requests.push_back(order("eeg-stop", Concept::eeg, fhir::RequestStatus::stopped, "2026-03-04T08:30:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card& card = workup(cards);
  CHECK(codes_ordered(card) == std::vector<std::string>{"neurology-consult", "mri-brain", "ct-head", "eeg"});
}

TEST_CASE("an undated active order counts; an order of this order hook counts", "[recommend][workup][order]") {
  auto record = icans_chart(5);
  record.service_requests.push_back(order("neuro", Concept::neurology_consult, fhir::RequestStatus::active, std::nullopt));
  RecommendContext context;
  context.hook = "order-select";
  context.draft_service_requests.push_back(order("eeg-now", Concept::eeg, fhir::RequestStatus::draft, std::nullopt));
  const auto cards = cards_at(record, kAt, context);
  const Card& card = workup(cards);
  CHECK(codes_ordered(card) == std::vector<std::string>{"mri-brain", "ct-head"});
  CHECK(contains(card.detail, "ServiceRequest/neuro active, undated"));
  CHECK(contains(card.detail, "being ordered now (draft ServiceRequest/eeg-now)"));
}

TEST_CASE("everything ordered: no work-up card", "[recommend][workup]") {
  auto record = icans_chart(8);
  record.service_requests.push_back(
      order("neuro", Concept::neurology_consult, fhir::RequestStatus::completed, "2026-03-03T12:00:00Z"));
  CHECK(find_kind(cards_at(record, kAt), "icans-workup") == nullptr);
}

TEST_CASE("repeat imaging once grade 3 has persisted 48 h", "[recommend][workup]") {
  fhir::PatientRecord record = chart(Concept::tisagenlecleucel);
  record.observations.push_back(ice("ice0", "2026-03-02T08:00:00Z", 2));
  record.observations.push_back(ice("ice1", "2026-03-03T08:00:00Z", 2));
  record.observations.push_back(ice("ice2", "2026-03-04T08:00:00Z", 2));
  record.observations.push_back(temperature("t1", "2026-03-04T08:00:00Z", 37.0));
  record.reports.push_back(report("mri-d1", Concept::mri_brain, "2026-03-02T06:00:00Z"));
  const auto cards = cards_at(record, kAt);
  const Card& card = workup(cards);
  // The MRI 51 h ago still stops "brain imaging" (72 h), not "repeat imaging" (48 h).
  const auto codes = codes_ordered(card);
  CHECK(std::count(codes.begin(), codes.end(), "mri-brain") == 1);
  CHECK(contains(card.summary, "consider MRI brain"));
  CHECK(contains(card.detail, "Repeat neuroimaging every 48-72 hours"));
}
