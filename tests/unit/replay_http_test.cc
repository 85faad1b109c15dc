// Replaying through a CDS service (cds/cli/replay_http.h): the requests
// built from a chart (prefetch per template, time shift, order-select), the
// protocol violations found in answers, and the bearer JWT (cds/cli/jwt_sign.h,
// checked with the service's own verifier, cds/hooks/jwt.h).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include "cds/cli/jwt_sign.h"
#include "cds/cli/replay_http.h"
#include "cds/hooks/http.h"
#include "cds/hooks/jwt.h"
#include "fhir/intake.h"

namespace {

using icans::HttpRequest;
using icans::HttpResponse;
using icans::HttpServer;
using icans::HttpServerOptions;
using icans::cli::CallResult;
using icans::cli::DiscoveredService;
using icans::cli::HookCall;
using icans::cli::HttpReplay;
using icans::cli::HttpReplayOptions;
using icans::cli::JwtOptions;
using icans::cli::JwtSigner;
using icans::cli::make_time_shift;
using icans::cli::parse_discovery;
using icans::cli::parse_prefetch_query;
using icans::cli::RawInputs;
using icans::cli::ReceivedCard;
using icans::cli::TimeShift;

constexpr fhir::Instant kHour = fhir::kMillisPerHour;

fhir::Instant instant(const char* text) { return fhir::parse_instant(text).range->earliest; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A server on a free port that records what it was sent.
struct CannedService {
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::mutex mutex;
  std::vector<HttpRequest> requests;

  explicit CannedService(std::function<HttpResponse(const HttpRequest&)> answer) {
    HttpServerOptions options;
    options.port = 0;
    std::string error;
    server = HttpServer::start(
        options,
        [this, answer](const HttpRequest& request) {
          {
            std::lock_guard<std::mutex> lock(mutex);
            requests.push_back(request);
          }
          return answer(request);
        },
        error);
    if (!server) throw std::runtime_error("cannot start test server: " + error);
    thread = std::thread([this] { server->run(); });
  }
  ~CannedService() {
    server->stop();
    thread.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

HttpResponse json(int status, std::string body, std::string content_type = "application/json") {
  HttpResponse response;
  response.status = status;
  response.headers.emplace("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

const char* kDiscovery = R"({"services": [
  {"hook": "patient-view", "id": "pv", "title": "t", "description": "d", "prefetch": {
    "patient": "Patient/{{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&_sort=-date&_count=3&code=http://loinc.org|8310-5",
    "meds": "MedicationRequest?patient={{context.patientId}}&status=active",
    "conditions": "Condition?patient={{context.patientId}}"}},
  {"hook": "order-select", "id": "os", "description": "d", "prefetch": {"patient": "Patient/{{context.patientId}}"}}]})";

std::string observation(const std::string& id, const std::string& time, double celsius) {
  return R"({"resource": {"resourceType": "Observation", "id": ")" + id +
         R"(", "status": "final", "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]}, "effectiveDateTime": ")" +
         time + R"(", "valueQuantity": {"value": )" + std::to_string(celsius) +
         R"(, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"}}})";
}

std::string medication_request(const std::string& id, const std::string& status, const std::string& code,
                               const std::string& authored) {
  return R"({"resource": {"resourceType": "MedicationRequest", "id": ")" + id + R"(", "status": ")" + status +
         R"(", "intent": "order", "subject": {"reference": "Patient/p1"}, "authoredOn": ")" + authored +
         R"(", "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": ")" +
         code + R"("}]}}})";
}

// T is 2026-03-03T12:00:00-05:00.
const char* kT = "2026-03-03T12:00:00-05:00";

std::string chart_text() {
  return R"({"resourceType": "Bundle", "type": "collection", "entry": [
    {"fullUrl": "urn:uuid:8b0c2f7e-0000-4000-8000-000000000001",
     "resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-05-06", "gender": "female"}},
    {"resource": {"resourceType": "Procedure", "id": "proc1", "status": "completed",
      "subject": {"reference": "urn:uuid:8b0c2f7e-0000-4000-8000-000000000001"},
      "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "0540T"}], "text": "Axicabtagene ciloleucel"},
      "performedDateTime": "2026-03-01T09:00:00-05:00"}},
    )" + observation("t-old", "2026-03-02T06:00:00-05:00", 37.0) +
         ",\n" + observation("t-edge", "2026-03-02T12:00:00-05:00", 38.5) + ",\n" +
         observation("t-before", "2026-03-03T08:00:00-05:00", 37.2) + ",\n" + observation("t-at", kT, 37.1) + ",\n" +
         observation("t-after", "2026-03-03T16:00:00-05:00", 39.0) + ",\n" +
         medication_request("rx-active", "active", "114477", "2026-03-01T08:00:00-05:00") + ",\n" +
         medication_request("rx-stopped", "stopped", "114477", "2026-03-01T07:00:00-05:00") + ",\n" +
         medication_request("rx-draft", "draft", "612865", "2026-03-03T11:00:00-05:00") + "]}";
}

struct Chart {
  std::filesystem::path path;
  fhir::IntakeResult intake;
  RawInputs raw;
  Chart() {
    path = std::filesystem::temp_directory_path() /
           ("replay_http_test_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()) + ".json");
    std::ofstream(path) << chart_text();
    fhir::Terminology terminology;
    fhir::Intake reader(terminology);
    const std::string error = reader.add_file(path.string());
    REQUIRE(error.empty());
    intake = reader.finish();
    REQUIRE(raw.load({path.string()}).empty());
  }
  ~Chart() { std::filesystem::remove(path); }
  const fhir::PatientRecord& record() const { return intake.patients.at("p1"); }
};

std::vector<DiscoveredService> services() {
  std::vector<DiscoveredService> out;
  REQUIRE(parse_discovery(kDiscovery, out).empty());
  return out;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

std::string member_text(const rapidjson::Value& value, const char* name) {
  return value.HasMember(name) && value[name].IsString() ? value[name].GetString() : "(absent)";
}

const std::regex kUuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

}  // namespace

TEST_CASE("Discovery is read into services with their prefetch templates, and a malformed one is refused") {
  const auto found = services();
  REQUIRE(found.size() == 2);
  CHECK(found[0].id == "pv");
  CHECK(found[0].hook == "patient-view");
  REQUIRE(found[0].prefetch.size() == 4);
  CHECK(found[0].prefetch[1].first == "observations");
  std::vector<DiscoveredService> out;
  CHECK(contains(parse_discovery(R"({"service": []})", out), "\"services\" (an array) is missing"));
  CHECK(contains(parse_discovery(R"({"services": [{"hook": "patient-view"}]})", out), "services[0]: id and hook"));
  CHECK(contains(parse_discovery(R"({"services": [{"hook": "h", "id": "i", "prefetch": {"k": 1}}]})", out),
                 "services[0].prefetch.k: must be a string"));
}

TEST_CASE("Prefetch templates: type, read, _sort, _count and status are honoured, other parameters said") {
  const auto search = parse_prefetch_query("Observation?patient={{context.patientId}}&_sort=-date&_count=1000&code=x");
  CHECK(search.error.empty());
  CHECK(search.resource_type == "Observation");
  CHECK_FALSE(search.read);
  CHECK(search.newest_first == true);
  CHECK(search.count == 1000);
  CHECK(search.ignored == std::vector<std::string>{"code"});
  const auto ascending = parse_prefetch_query("/Procedure?subject=Patient/{{context.patientId}}&_sort=date");
  CHECK(ascending.newest_first == false);
  CHECK(ascending.ignored.empty());
  CHECK(parse_prefetch_query("MedicationRequest?patient={{context.patientId}}&status=active,on-hold").statuses ==
        std::vector<std::string>{"active", "on-hold"});
  CHECK(parse_prefetch_query("Patient/{{context.patientId}}").read);
  CHECK(contains(parse_prefetch_query("Condition?patient={{context.patientId}}").error, "Condition is not read"));
  CHECK(contains(parse_prefetch_query("Practitioner/{{userPractitionerId}}").error, "a read of anything but"));
  CHECK(parse_prefetch_query("Observation?patient={{context.patientId}}&_count=many").ignored ==
        std::vector<std::string>{"_count"});
}

TEST_CASE("The time shift puts T a margin before sending and T minus a window a margin after its edge") {
  const fhir::Instant at = instant(kT);
  const fhir::Instant send = instant("2030-06-01T10:00:00Z");
  const TimeShift shift = make_time_shift(at, send, 2000);
  CHECK(shift.shift(at) == send - 2000);
  CHECK(shift.shift(at - 24 * kHour) == send + 2000 - 24 * kHour);  // stays inside a 24 h window ending up to 2 s late
  CHECK(shift.shift(at - 4 * kHour) == send + 2000 - 4 * kHour);
  CHECK(shift.shift(at - 1000) == send - 2000);           // within 2 margins of T: at T's place
  CHECK(shift.shift(at + kHour) == send + 2000 + kHour);  // the future stays in the future
  CHECK(shift.days == static_cast<int>((send - at + fhir::kMillisPerDay / 2) / fhir::kMillisPerDay));

  rapidjson::Document resource;
  resource.Parse(
      R"({"resourceType": "Observation", "id": "2026-03-03", "effectiveDateTime": "2026-03-03T12:00:00-05:00",
    "issued": "2026-03-03T08:00:00.250+05:30", "valueString": "2026-03-03", "note": [{"time": "2026-03-03T17:00:00Z"}],
    "effectivePeriod": {"start": "2026-03-02T12:00:00-05:00", "end": "bogus"},
    "birthDate": "1970-05-06", "timing": {"event": ["2026-03", "2026"]}})");
  icans::cli::shift_times(resource, shift, resource.GetAllocator());
  CHECK(std::string(resource["effectiveDateTime"].GetString()) ==
        fhir::format_instant(send - 2000 - 5 * kHour).substr(0, 19) + "-05:00");
  CHECK(fhir::parse_instant(resource["effectiveDateTime"].GetString()).range->earliest == send - 2000);
  CHECK(fhir::parse_instant(resource["issued"].GetString()).range->earliest ==
        instant("2026-03-03T08:00:00.250+05:30") + shift.delta);
  CHECK(std::string(resource["issued"].GetString()).ends_with(".250+05:30"));
  CHECK(fhir::parse_instant(resource["note"][0]["time"].GetString()).range->earliest == send - 2000);  // T, in Z
  CHECK(std::string(resource["note"][0]["time"].GetString()).ends_with("Z"));
  CHECK(fhir::parse_instant(resource["effectivePeriod"]["start"].GetString()).range->earliest ==
        send + 2000 - 24 * kHour);
  CHECK(std::string(resource["effectivePeriod"]["end"].GetString()) == "bogus");  // not a date: left alone
  CHECK(std::string(resource["valueString"].GetString()) == "2026-03-03");        // not a date member
  CHECK(std::string(resource["id"].GetString()) == "2026-03-03");
  const std::string birth = resource["birthDate"].GetString();
  REQUIRE(birth.size() == 10);  // still a date
  const auto shifted_birth = fhir::parse_datetime(birth).range->earliest;
  const auto original_birth = fhir::parse_datetime("1970-05-06").range->earliest;
  CHECK(shifted_birth - original_birth == static_cast<fhir::Instant>(shift.days) * fhir::kMillisPerDay);
  CHECK(std::string(resource["timing"]["event"][0].GetString()).size() == 7);  // year-month stays year-month
  CHECK(std::string(resource["timing"]["event"][1].GetString()).size() == 4);
}

TEST_CASE("A patient-view request carries the context and, per template, the chart up to T with shifted times") {
  Chart chart;
  HttpReplayOptions options;
  options.server = "http://cds.example.org";
  const HttpReplay replay(options, chart.raw, services());
  const fhir::Instant send = instant("2030-06-01T10:00:00Z");
  TimeShift shift;
  const std::string body =
      replay.request_body({"p1", instant(kT), "patient-view", "pv", {}}, chart.record(), send, shift);
  const rapidjson::Document request = parse(body);
  CHECK(member_text(request, "hook") == "patient-view");
  CHECK(std::regex_match(member_text(request, "hookInstance"), kUuid4));
  CHECK(member_text(request["context"], "userId") == "Practitioner/replay");
  CHECK(member_text(request["context"], "patientId") == "p1");
  CHECK_FALSE(request.HasMember("fhirServer"));
  const auto& prefetch = request["prefetch"];
  CHECK_FALSE(prefetch.HasMember("conditions"));  // a type replay does not read is left out, not sent empty

  CHECK(member_text(prefetch["patient"], "id") == "p1");
  CHECK(member_text(prefetch["patient"], "birthDate") != "1970-05-06");

  // Newest first, cut at _count = 3 with the full total; nothing after T.
  const auto& observations = prefetch["observations"];
  CHECK(member_text(observations, "type") == "searchset");
  CHECK(observations["total"].GetInt() == 4);
  REQUIRE(observations["entry"].Size() == 3);
  std::vector<std::string> ids;
  for (const auto& entry : observations["entry"].GetArray()) ids.push_back(member_text(entry["resource"], "id"));
  CHECK(ids == std::vector<std::string>{"t-at", "t-before", "t-edge"});
  const auto& at_t = observations["entry"][0]["resource"];
  CHECK(fhir::parse_instant(member_text(at_t, "effectiveDateTime")).range->earliest == send - 2000);
  CHECK(member_text(at_t, "effectiveDateTime").ends_with("-05:00"));
  const auto& edge = observations["entry"][2]["resource"];
  CHECK(fhir::parse_instant(member_text(edge, "effectiveDateTime")).range->earliest == send + 2000 - 24 * kHour);
  CHECK(shift.enabled);
  CHECK(shift.delta == send + 2000 - instant(kT));

  // status=active: the stopped order and the draft stay out.
  const auto& meds = prefetch["meds"];
  REQUIRE(meds["entry"].Size() == 1);
  CHECK(member_text(meds["entry"][0]["resource"], "id") == "rx-active");
  CHECK(meds["total"].GetInt() == 1);
}

TEST_CASE("A subject given as the Bundle's urn:uuid is sent as Patient/id, which is all the service can resolve") {
  Chart chart;
  HttpReplayOptions options;
  options.server = "http://cds.example.org";
  std::vector<DiscoveredService> with_procedures;
  REQUIRE(parse_discovery(R"({"services": [{"hook": "patient-view", "id": "pv", "prefetch": {
      "procedures": "Procedure?patient={{context.patientId}}"}}]})",
                          with_procedures)
              .empty());
  const HttpReplay replay(options, chart.raw, with_procedures);
  TimeShift shift;
  const rapidjson::Document request = parse(replay.request_body(
      {"p1", instant(kT), "patient-view", "pv", {}}, chart.record(), instant("2030-01-01T00:00:00Z"), shift));
  const auto& procedure = request["prefetch"]["procedures"]["entry"][0]["resource"];
  CHECK(member_text(procedure["subject"], "reference") == "Patient/p1");
}

TEST_CASE("Draft orders are replayed as order-select at their authoredOn, selected, in draftOrders") {
  Chart chart;
  HttpReplayOptions options;
  options.server = "http://cds.example.org";
  const HttpReplay replay(options, chart.raw, services());
  const std::vector<fhir::Instant> times = {instant("2026-03-02T12:00:00-05:00"), instant(kT)};
  const auto calls = replay.plan(chart.record(), times, false);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].hook == "patient-view");
  CHECK(calls[1].at == instant(kT));
  CHECK(calls[2].hook == "order-select");
  CHECK(calls[2].service_id == "os");
  CHECK(calls[2].at == instant("2026-03-03T11:00:00-05:00"));
  CHECK(calls[2].selections == std::vector<std::string>{"MedicationRequest/rx-draft"});
  // With --at before the draft existed there is nothing to select.
  CHECK(replay.plan(chart.record(), {instant("2026-03-03T10:00:00-05:00")}, true).size() == 1);
  const auto at_given = replay.plan(chart.record(), {instant(kT)}, true);
  REQUIRE(at_given.size() == 2);
  CHECK(at_given[1].at == instant(kT));

  TimeShift shift;
  const rapidjson::Document request =
      parse(replay.request_body(calls[2], chart.record(), instant("2030-01-01T00:00:00Z"), shift));
  CHECK(member_text(request, "hook") == "order-select");
  const auto& context = request["context"];
  REQUIRE(context["selections"].Size() == 1);
  CHECK(std::string(context["selections"][0].GetString()) == "MedicationRequest/rx-draft");
  CHECK(member_text(context["draftOrders"], "resourceType") == "Bundle");
  REQUIRE(context["draftOrders"]["entry"].Size() == 1);
  CHECK(member_text(context["draftOrders"]["entry"][0]["resource"], "id") == "rx-draft");
}

TEST_CASE("With a fhirServer no prefetch is sent, the token goes in fhirAuthorization, and times are not shifted") {
  Chart chart;
  HttpReplayOptions options;
  options.server = "http://cds.example.org";
  options.fhir_server = "https://ehr.example.org/fhir";
  options.fhir_token = "secret-token";
  const HttpReplay replay(options, chart.raw, services());
  TimeShift shift;
  const rapidjson::Document request = parse(replay.request_body(
      {"p1", instant(kT), "patient-view", "pv", {}}, chart.record(), instant("2030-01-01T00:00:00Z"), shift));
  CHECK_FALSE(request.HasMember("prefetch"));
  CHECK(member_text(request, "fhirServer") == "https://ehr.example.org/fhir");
  CHECK(member_text(request["fhirAuthorization"], "access_token") == "secret-token");
  CHECK(member_text(request["fhirAuthorization"], "token_type") == "Bearer");
  CHECK_FALSE(shift.enabled);
}

TEST_CASE("Every protocol violation of a service's answer is reported, each once with its path") {
  const std::string long_summary(150, 's');
  const std::string answer = R"({"cards": [
    {"uuid": "0b7f3c9e-1d2a-4b5c-8d6e-7f8091a2b3c4", "summary": ")" +
                             long_summary + R"(", "indicator": "info", "source": {"label": "s"}},
    {"uuid": "1b7f3c9e-1d2a-4b5c-8d6e-7f8091a2b3c4", "summary": "ok", "indicator": "urgent", "source": {"label": "s"}},
    {"uuid": "2b7f3c9e-1d2a-4b5c-8d6e-7f8091a2b3c4", "summary": "s", "indicator": "warning", "source": {"label": "s"},
     "suggestions": [{"label": "do it"}, {"uuid": "3b7f3c9e-1d2a-4b5c-8d6e-7f8091a2b3c4"}]},
    {"uuid": "4b7f3c9e-1d2a-4b5c-8d6e-7f8091a2b3c4", "indicator": "info", "source": {}},
    {"summary": "no uuid", "indicator": "critical", "source": {"label": "s", "topic": {"system": "x", "code": "cards.y"}}}]})";
  std::vector<ReceivedCard> cards;
  std::string error;
  const auto violations = icans::cli::check_service_response(answer, "application/json", cards, error);
  INFO([&] {
    std::string all;
    for (const auto& v : violations) all += v + "\n";
    return all;
  }());
  CHECK(error.empty());
  auto said = [&](const std::string& text) {
    return std::count_if(violations.begin(), violations.end(), [&](const std::string& v) { return contains(v, text); });
  };
  CHECK(said("cards[0].summary: 150 characters; CDS Hooks requires fewer than 140") == 1);
  CHECK(said("cards[1].indicator: \"urgent\" is not info, warning or critical") == 1);
  CHECK(said("cards[2].selectionBehavior: required when suggestions are present") == 1);
  CHECK(said("cards[2].suggestions[0].uuid: missing") == 1);
  CHECK(said("cards[2].suggestions[1].label: required string is missing") == 1);
  CHECK(said("cards[3].summary: required string is missing") == 1);
  CHECK(said("cards[3].source.label: required string is missing") == 1);
  CHECK(said("cards[4].uuid") == 1);  // from check_card: the service's own stricter rule
  CHECK(violations.size() == 8);
  // The cards are still read, so they can be shown and matched.
  REQUIRE(cards.size() == 5);
  CHECK(cards[1].indicator == "urgent");
  CHECK(cards[2].suggestion_labels == std::vector<std::string>{"do it", ""});
  CHECK(cards[4].topic_code == "cards.y");

  const auto clean =
      icans::cli::check_service_response(R"({"cards": []})", "application/json; charset=utf-8", cards, error);
  CHECK(clean.empty());
  const auto no_cards = icans::cli::check_service_response(R"({})", "text/html", cards, error);
  REQUIRE(no_cards.size() == 2);
  CHECK(contains(no_cards[0], "Content-Type: \"text/html\""));
  CHECK(contains(no_cards[1], "cards: missing"));
  icans::cli::check_service_response("<html>", "text/html", cards, error);
  CHECK(contains(error, "response is not JSON"));
}

TEST_CASE("Replay through a live HTTP service: discovery, one request per call in order, cards, violations, failures") {
  const std::string long_summary(140, 'x');
  CannedService service([&](const HttpRequest& request) {
    if (request.method == "GET" && request.path == "/cds-services") return json(200, kDiscovery);
    if (request.path == "/cds-services/pv") {
      return json(
          200,
          R"({"cards": [{"uuid": "0b7f3c9e-1d2a-4b5c-8d6e-7f8091a2b3c4", "summary": ")" + long_summary +
              R"(", "indicator": "info", "source": {"label": "s", "topic": {"system": "x", "code": "cards.z"}}}]})");
    }
    if (request.path == "/cds-services/os")
      return json(412, R"({"error": "the FHIR data needed could not be obtained"})");
    return json(404, R"({"error": "no such service"})");
  });
  HttpReplayOptions options;
  options.server = service.base() + "/";
  options.concurrency = 4;
  std::vector<DiscoveredService> found;
  REQUIRE(HttpReplay::discover(options, found).empty());
  REQUIRE(found.size() == 2);

  Chart chart;
  const HttpReplay replay(options, chart.raw, found);
  std::vector<std::pair<HookCall, const fhir::PatientRecord*>> calls;
  const std::vector<fhir::Instant> times = {instant("2026-03-02T12:00:00-05:00"), instant("2026-03-03T08:00:00-05:00"),
                                            instant(kT)};
  for (auto& call : replay.plan(chart.record(), times, false)) calls.emplace_back(call, &chart.record());
  const std::vector<CallResult> results = replay.run(calls);
  REQUIRE(results.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(results[i].call.at == times[i]);  // in the order planned, whatever order they finished in
    CHECK(results[i].status == 200);
    CHECK(results[i].error.empty());
    REQUIRE(results[i].cards.size() == 1);
    CHECK(results[i].cards[0].topic_code == "cards.z");
    REQUIRE(results[i].violations.size() == 1);
    CHECK(contains(results[i].violations[0], "cards[0].summary: 140 characters"));
    CHECK(results[i].shift_ms > 0);
    CHECK(results[i].url == service.base() + "/cds-services/pv");
  }
  CHECK(results[3].call.hook == "order-select");
  CHECK(results[3].status == 412);
  CHECK(results[3].error == "HTTP 412: the FHIR data needed could not be obtained");

  std::lock_guard<std::mutex> lock(service.mutex);
  REQUIRE(service.requests.size() == 5);  // discovery and four calls
  for (const auto& request : service.requests) {
    if (request.method != "POST") continue;
    const auto type = request.headers.find("content-type");
    REQUIRE(type != request.headers.end());
    CHECK(type->second == "application/json");
    CHECK(request.headers.count("authorization") == 0);
  }
}

TEST_CASE("An unreachable service or a failed discovery is an error naming the URL") {
  HttpReplayOptions options;
  options.server = "http://127.0.0.1:1";
  options.timeout = std::chrono::milliseconds(1000);
  std::vector<DiscoveredService> found;
  CHECK(contains(HttpReplay::discover(options, found),
                 "discovery (GET http://127.0.0.1:1/cds-services): cannot connect"));
  CannedService broken([](const HttpRequest&) { return json(500, R"({"error": "boom"})"); });
  options.server = broken.base();
  CHECK(contains(HttpReplay::discover(options, found), "HTTP 500"));
}

namespace {

// A fresh private key in a PEM file, removed when done.
struct KeyFile {
  std::filesystem::path path;
  explicit KeyFile(EVP_PKEY* key) {
    REQUIRE(key != nullptr);
    path = std::filesystem::temp_directory_path() /
           ("replay_jwt_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()) + ".pem");
    FILE* out = std::fopen(path.c_str(), "w");
    REQUIRE(out != nullptr);
    REQUIRE(PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    std::fclose(out);
  }
  ~KeyFile() { std::filesystem::remove(path); }
};

void check_signed_by(EVP_PKEY* key, const std::string& expected_alg) {
  KeyFile file(key);
  JwtSigner signer;
  REQUIRE(signer.load({file.path.string(), "https://ehr.example.org", "key-1"}).empty());
  CHECK(signer.algorithm() == expected_alg);
  std::string error;
  const std::string audience = "https://cds.example.org/cds-services/icans-patient-view";
  const std::string token = signer.sign(audience, error);
  REQUIRE(error.empty());
  const icans::JwtParse parsed = icans::parse_jwt(token);
  INFO(parsed.error);
  REQUIRE(parsed.jwt);
  const icans::Jwt& jwt = *parsed.jwt;
  CHECK(std::string(icans::jws_algorithm_name(jwt.header.alg)) == expected_alg);
  CHECK(jwt.header.kid == "key-1");
  CHECK(jwt.claims.iss == "https://ehr.example.org");
  CHECK(jwt.claims.aud == std::vector<std::string>{audience});
  CHECK(std::regex_match(jwt.claims.jti, kUuid4));
  CHECK(jwt.claims.exp - jwt.claims.iat == 300);
  CHECK(icans::verify_jws_signature(jwt.header.alg, key, jwt.signing_input, jwt.signature).empty());
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  CHECK(icans::check_jwt_claims(jwt.claims, audience, now_ms, {}).empty());
  CHECK_FALSE(icans::check_jwt_claims(jwt.claims, "https://cds.example.org/cds-services/other", now_ms, {}).empty());
  // Two tokens never share a jti.
  CHECK(icans::parse_jwt(signer.sign(audience, error)).jwt->claims.jti != jwt.claims.jti);
}

}  // namespace

TEST_CASE("Replay signs an ES384 JWT with a P-384 key that the service's verifier accepts") {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  check_signed_by(key, "ES384");
  EVP_PKEY_free(key);
}

TEST_CASE("Replay signs an RS384 JWT with an RSA key that the service's verifier accepts") {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  check_signed_by(key, "RS384");
  EVP_PKEY_free(key);
}

TEST_CASE("Keys CDS Hooks does not allow are refused before any request") {
  EVP_PKEY* p256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  KeyFile file(p256);
  JwtSigner signer;
  CHECK(contains(signer.load({file.path.string(), "iss", "kid"}), "must be on P-384"));
  CHECK(contains(signer.load({file.path.string(), "iss", ""}), "go together"));
  CHECK(contains(signer.load({"/nonexistent.pem", "iss", "kid"}), "cannot be opened"));
  EVP_PKEY_free(p256);
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  KeyFile small_file(small);
  CHECK(contains(signer.load({small_file.path.string(), "iss", "kid"}), "at least 2048 bits"));
  EVP_PKEY_free(small);
}

TEST_CASE("Each request carries its own bearer JWT, for the endpoint it is sent to") {
  CannedService service([](const HttpRequest& request) {
    if (request.method == "GET") return json(200, kDiscovery);
    return json(200, R"({"cards": []})");
  });
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  KeyFile file(key);
  auto signer = std::make_shared<JwtSigner>();
  REQUIRE(signer->load({file.path.string(), "https://ehr.example.org", "k"}).empty());
  HttpReplayOptions options;
  options.server = service.base();
  options.authorization = [signer](const std::string& url, std::string& error) {
    return "Bearer " + signer->sign(url, error);
  };
  Chart chart;
  const HttpReplay replay(options, chart.raw, services());
  const CallResult result = replay.send({"p1", instant(kT), "patient-view", "pv", {}}, chart.record());
  CHECK(result.error.empty());
  CHECK(result.violations.empty());
  std::lock_guard<std::mutex> lock(service.mutex);
  REQUIRE(service.requests.size() == 1);
  const auto header = service.requests[0].headers.find("authorization");
  REQUIRE(header != service.requests[0].headers.end());
  REQUIRE(header->second.rfind("Bearer ", 0) == 0);
  const auto parsed = icans::parse_jwt(header->second.substr(7));
  REQUIRE(parsed.jwt);
  CHECK(parsed.jwt->claims.aud == std::vector<std::string>{service.base() + "/cds-services/pv"});
  CHECK(icans::verify_jws_signature(parsed.jwt->header.alg, key, parsed.jwt->signing_input, parsed.jwt->signature)
            .empty());
  EVP_PKEY_free(key);
}

TEST_CASE("hookInstance is a fresh version 4 UUID each time") {
  const std::string a = icans::cli::random_uuid();
  const std::string b = icans::cli::random_uuid();
  CHECK(std::regex_match(a, kUuid4));
  CHECK(a != b);
}
