#pragma once
// The body of a CDS Service call (https://cds-hooks.hl7.org/2.0/#http-request),
// parsed and checked against the hook's context definition (patient-view 1.0,
// order-select 1.0, order-sign 1.0).
//
// A request that breaks the specification is refused with the field that is
// wrong; nothing is guessed. Error messages never quote the access token.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace icans {

// https://cds-hooks.hl7.org/2.0/#passing-the-access-token-to-the-cds-service
struct FhirAuthorization {
  std::string access_token;  // secret: never logged, stored or echoed
  std::string token_type;    // "Bearer"
  std::int64_t expires_in = 0;
  std::string scope;
  std::string subject;
};

struct HookRequest {
  std::string hook;
  std::string hook_instance;
  std::string fhir_server;  // absolute URL without a trailing '/'; empty when not given
  std::optional<FhirAuthorization> fhir_authorization;

  // context
  std::string user_id;       // "Practitioner/123"
  std::string patient_id;
  std::string encounter_id;  // optional
  std::vector<std::string> selections;  // order-select: "MedicationRequest/103"
  // Point into the parsed document, which must outlive the request.
  const rapidjson::Value* context = nullptr;
  const rapidjson::Value* draft_orders = nullptr;  // order-select/order-sign: a Bundle
  const rapidjson::Value* prefetch = nullptr;      // an object, or nullptr when absent
};

struct HookRequestLimits {
  std::size_t max_json_depth = 64;
};

// Parses `body` into `document` and fills `request`. Returns an empty string
// on success, otherwise why the request is refused, naming the field
// ("context.patientId: required string is missing").
std::string parse_hook_request(std::string_view body, std::string_view expected_hook,
                               rapidjson::Document& document, HookRequest& request,
                               HookRequestLimits limits = {});

// A FHIR id: [A-Za-z0-9\-\.]{1,64}.
bool is_fhir_id(std::string_view text);

// An absolute http(s) URL with a host and no query, fragment or user info.
// Returns an empty string when it is one, otherwise what is wrong.
std::string check_base_url(std::string_view url);

}  // namespace icans
