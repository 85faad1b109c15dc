// CDS Hooks 2.0 request validation: every required field, every wrong type,
// each refused with the field named.
#include <catch2/catch.hpp>

#include <string>

#include "cds/hooks/hook_request.h"
#include "service_test_helpers.h"

using namespace icans;
using namespace service_test;

namespace {

const char* kDraftBundle =
    R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest","id":"rx1","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"tocilizumab"}}}]})";

std::string error_for(const std::string& body, const std::string& hook = "patient-view") {
  rapidjson::Document document;
  HookRequest request;
  return parse_hook_request(body, hook, document, request);
}

std::string valid_body(const std::string& extra_context = "", const std::string& extra = "",
                       const std::string& hook = "patient-view") {
  return R"({"hook":")" + hook + R"(","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",)" +
         extra + R"("context":{"userId":"Practitioner/example","patientId":"p1")" + extra_context +
         "}}";
}

}  // namespace

TEST_CASE("a minimal patient-view request parses with its context fields", "[service][request]") {
  rapidjson::Document document;
  HookRequest request;
  const std::string body = valid_body(R"(,"encounterId":"e9")",
                                      R"("fhirServer":"https://ehr.example.org/fhir/",)");
  REQUIRE(parse_hook_request(body, "patient-view", document, request).empty());
  CHECK(request.hook == "patient-view");
  CHECK(request.hook_instance == "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea");
  CHECK(request.user_id == "Practitioner/example");
  CHECK(request.patient_id == "p1");
  CHECK(request.encounter_id == "e9");
  CHECK(request.fhir_server == "https://ehr.example.org/fhir");  // trailing '/' dropped
  CHECK_FALSE(request.fhir_authorization);
  CHECK(request.prefetch == nullptr);
}

TEST_CASE("a body that is not a JSON object is refused with line and column", "[service][request]") {
  CHECK(error_for("{\"hook\": ").starts_with("request body is not valid JSON: line 1, column"));
  CHECK(error_for("[1,2]") == "request body must be a JSON object, not array");
  std::string deep(200, '[');
  CHECK(error_for(deep).starts_with("request body is not valid JSON"));
}

TEST_CASE("hook is required, a string, and must be the service's hook", "[service][request]") {
  CHECK(error_for(R"({"hookInstance":"x","context":{}})") == "hook: required string is missing");
  CHECK(error_for(R"({"hook":7})") == "hook: must be a string, not number");
  CHECK(error_for(valid_body("", "", "order-sign")) ==
        "hook: 'order-sign' is not the hook of this service (patient-view)");
}

TEST_CASE("hookInstance is a required, non-empty, printable string", "[service][request]") {
  CHECK(error_for(R"({"hook":"patient-view","context":{}})") ==
        "hookInstance: required string is missing");
  CHECK(error_for(R"({"hook":"patient-view","hookInstance":"","context":{}})") ==
        "hookInstance: must not be empty");
  CHECK(error_for(R"({"hook":"patient-view","hookInstance":42,"context":{}})") ==
        "hookInstance: must be a string, not number");
  CHECK(error_for(R"({"hook":"patient-view","hookInstance":"a\nb","context":{}})")
            .starts_with("hookInstance: must be a UUID"));
}

TEST_CASE("fhirServer must be an absolute http(s) base URL", "[service][request]") {
  CHECK(error_for(valid_body("", R"("fhirServer":"ehr.example.org",)")) ==
        "fhirServer: not an absolute URL");
  CHECK(error_for(valid_body("", R"("fhirServer":"ftp://ehr.example.org",)")) ==
        "fhirServer: scheme must be http or https");
  CHECK(error_for(valid_body("", R"("fhirServer":"https://ehr.example.org/fhir?x=1",)")) ==
        "fhirServer: a base URL has no query or fragment");
  CHECK(error_for(valid_body("", R"("fhirServer":"https://user:pw@ehr.example.org",)")) ==
        "fhirServer: user information is not allowed");
  CHECK(error_for(valid_body("", R"("fhirServer":"",)")) == "fhirServer: must not be empty");
}

TEST_CASE("fhirAuthorization needs fhirServer and every field of the specification",
          "[service][request]") {
  const std::string good =
      R"("fhirAuthorization":{"access_token":"SECRET-TOKEN-123","token_type":"Bearer","expires_in":300,"scope":"user/*.read","subject":"icans-cds"},)";
  CHECK(error_for(valid_body("", good)) == "fhirServer: required when fhirAuthorization is present");
  const std::string server = R"("fhirServer":"https://ehr.example.org/fhir",)";
  {
    rapidjson::Document document;
    HookRequest request;
    REQUIRE(parse_hook_request(valid_body("", server + good), "patient-view", document, request).empty());
    REQUIRE(request.fhir_authorization);
    CHECK(request.fhir_authorization->access_token == "SECRET-TOKEN-123");
    CHECK(request.fhir_authorization->expires_in == 300);
  }
  struct Case {
    std::string authorization;
    std::string error;
  };
  const Case cases[] = {
      {R"({"token_type":"Bearer","expires_in":300,"scope":"s","subject":"c"})",
       "fhirAuthorization.access_token: required string is missing"},
      {R"({"access_token":"SECRET-TOKEN-123","expires_in":300,"scope":"s","subject":"c"})",
       "fhirAuthorization.token_type: required string is missing"},
      {R"({"access_token":"SECRET-TOKEN-123","token_type":"MAC","expires_in":300,"scope":"s","subject":"c"})",
       "fhirAuthorization.token_type: must be Bearer"},
      {R"({"access_token":"SECRET-TOKEN-123","token_type":"Bearer","scope":"s","subject":"c"})",
       "fhirAuthorization.expires_in: required integer is missing"},
      {R"({"access_token":"SECRET-TOKEN-123","token_type":"Bearer","expires_in":"300","scope":"s","subject":"c"})",
       "fhirAuthorization.expires_in: must be an integer number of seconds, not string"},
      {R"({"access_token":"SECRET-TOKEN-123","token_type":"Bearer","expires_in":1.5,"scope":"s","subject":"c"})",
       "fhirAuthorization.expires_in: must be an integer number of seconds, not a fraction"},
      {R"({"access_token":"SECRET-TOKEN-123","token_type":"Bearer","expires_in":300,"subject":"c"})",
       "fhirAuthorization.scope: required string is missing"},
      {R"({"access_token":"SECRET-TOKEN-123","token_type":"Bearer","expires_in":300,"scope":"s"})",
       "fhirAuthorization.subject: required string is missing"},
      {R"("Bearer SECRET-TOKEN-123")", "fhirAuthorization: must be an object, not string"},
  };
  for (const auto& c : cases) {
    INFO(c.authorization);
    const std::string error =
        error_for(valid_body("", server + "\"fhirAuthorization\":" + c.authorization + ","));
    CHECK(error == c.error);
    CHECK(error.find("SECRET-TOKEN-123") == std::string::npos);
  }
  // RFC 6749: token types compare case-insensitively.
  CHECK(error_for(valid_body("", server +
                                     R"("fhirAuthorization":{"access_token":"t","token_type":"bearer","expires_in":300,"scope":"s","subject":"c"},)"))
            .empty());
}

TEST_CASE("context and its userId and patientId are required and typed", "[service][request]") {
  const std::string head = R"({"hook":"patient-view","hookInstance":"h1",)";
  CHECK(error_for(head + R"("x":1})") == "context: required object is missing");
  CHECK(error_for(head + R"("context":[]})") == "context: must be an object, not array");
  CHECK(error_for(head + R"("context":{"patientId":"p1"}})") ==
        "context.userId: required string is missing");
  CHECK(error_for(head + R"("context":{"userId":"example","patientId":"p1"}})")
            .starts_with("context.userId: must be [ResourceType]/[id]"));
  CHECK(error_for(head + R"("context":{"userId":"Device/d1","patientId":"p1"}})")
            .starts_with("context.userId: a Device cannot be the user of hook patient-view"));
  CHECK(error_for(head + R"("context":{"userId":"Patient/p1","patientId":"p1"}})").empty());
  CHECK(error_for(head + R"("context":{"userId":"Practitioner/example"}})") ==
        "context.patientId: required string is missing");
  CHECK(error_for(head + R"("context":{"userId":"Practitioner/example","patientId":12}})") ==
        "context.patientId: must be a string, not number");
  CHECK(error_for(head + R"("context":{"userId":"Practitioner/example","patientId":"p 1&x=2"}})")
            .starts_with("context.patientId: not a FHIR id"));
  CHECK(error_for(head + R"("context":{"userId":"Practitioner/example","patientId":"p1","encounterId":5}})") ==
        "context.encounterId: must be a string, not number");
}

TEST_CASE("order-select needs selections that name orders in draftOrders", "[service][request]") {
  const auto body = [](const std::string& context) {
    return R"({"hook":"order-select","hookInstance":"h1","context":{"userId":"Practitioner/example","patientId":"p1")" +
           context + "}}";
  };
  const std::string drafts = std::string(R"(,"draftOrders":)") + kDraftBundle;
  CHECK(error_for(body(drafts + R"(,"selections":["MedicationRequest/rx1"])"), "order-select").empty());
  CHECK(error_for(body(R"(,"selections":["MedicationRequest/rx1"])"), "order-select") ==
        "context.draftOrders: required for hook order-select (a FHIR Bundle)");
  CHECK(error_for(body(R"(,"draftOrders":[],"selections":["x"])"), "order-select") ==
        "context.draftOrders: must be a FHIR Bundle (an object), not array");
  CHECK(error_for(body(R"(,"draftOrders":{"resourceType":"MedicationRequest"},"selections":["x"])"),
                  "order-select") ==
        "context.draftOrders: must be a FHIR Bundle (resourceType \"Bundle\")");
  CHECK(error_for(body(drafts), "order-select") ==
        "context.selections: required for hook order-select (an array of ids)");
  CHECK(error_for(body(drafts + R"(,"selections":"MedicationRequest/rx1")"), "order-select") ==
        "context.selections: must be an array of strings, not string");
  CHECK(error_for(body(drafts + R"(,"selections":[])"), "order-select") ==
        "context.selections: must not be empty");
  CHECK(error_for(body(drafts + R"(,"selections":[7])"), "order-select") ==
        "context.selections[0]: must be a string, not number");
  CHECK(error_for(body(drafts + R"(,"selections":["MedicationRequest/rx1","ServiceRequest/mri"])"),
                  "order-select") ==
        "context.selections[1]: 'ServiceRequest/mri' is not an order in context.draftOrders");
  // A patient is never the user who selects orders.
  CHECK(error_for(R"({"hook":"order-select","hookInstance":"h1","context":{"userId":"Patient/p1","patientId":"p1")" +
                      drafts + R"(,"selections":["MedicationRequest/rx1"]}})",
                  "order-select")
            .starts_with("context.userId: a Patient cannot be the user of hook order-select"));
}

TEST_CASE("order-sign needs draftOrders but no selections", "[service][request]") {
  const std::string head =
      R"({"hook":"order-sign","hookInstance":"h1","context":{"userId":"PractitionerRole/r1","patientId":"p1")";
  CHECK(error_for(head + "}}", "order-sign") ==
        "context.draftOrders: required for hook order-sign (a FHIR Bundle)");
  CHECK(error_for(head + R"(,"draftOrders":)" + kDraftBundle + "}}", "order-sign").empty());
}

TEST_CASE("prefetch must be an object when present", "[service][request]") {
  CHECK(error_for(R"({"hook":"patient-view","hookInstance":"h1","context":{"userId":"Practitioner/x","patientId":"p1"},"prefetch":[]})") ==
        "prefetch: must be an object, not array");
  CHECK(error_for(R"({"hook":"patient-view","hookInstance":"h1","context":{"userId":"Practitioner/x","patientId":"p1"},"prefetch":null})") ==
        "prefetch: must be an object, not null");
}

TEST_CASE("the router answers a malformed request with 400 and the reason as JSON",
          "[service][request]") {
  Harness harness;
  RequestBuilder builder;
  builder.patient_id = "axicel-icans3";
  builder.user_id = "nobody";
  const HttpResponse response =
      harness.handle(post("/cds-services/icans-patient-view", builder.body()));
  CHECK(response.status == 400);
  CHECK(header(response, "Content-Type") == "application/json");
  const auto body = parse(response.body);
  REQUIRE(body.IsObject());
  CHECK(std::string(body["error"].GetString()).starts_with("context.userId: must be"));
  // Logged with the same reason.
  CHECK(harness.all_log().find("\"status\":400") != std::string::npos);
  CHECK(harness.all_log().find("context.userId") != std::string::npos);
}
