#include "cds/hooks/hook_request.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "cds/hooks/json_member.h"
#include "cds/hooks/shown_value.h"
#include "fhir/json.h"

namespace icans {
namespace {

using Json = rapidjson::Value;

std::string view(const Json& string) { return {string.GetString(), string.GetStringLength()}; }

// Reads a string member. `required`: absent is an error. Present but null,
// empty or not a string is always an error: CDS Hooks 2.0 forbids null and
// empty values ("Null and empty JSON elements").
std::string read_string(const Json& object, const char* name, const std::string& path,
                        bool required, std::string& out) {
  const Json* value = member(object, name);
  if (!value) return required ? path + ": required string is missing" : std::string();
  if (!value->IsString()) {
    return path + ": must be a string, not " + fhir::json_type_name(*value);
  }
  if (value->GetStringLength() == 0) return path + ": must not be empty";
  out = view(*value);
  return {};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The user types each hook's definition allows for context.userId.
std::vector<std::string_view> user_types(std::string_view hook) {
  if (hook == "patient-view") return {"Practitioner", "PractitionerRole", "Patient", "RelatedPerson"};
  return {"Practitioner", "PractitionerRole"};
}

std::string check_user_id(std::string_view user_id, std::string_view hook) {
  const auto slash = user_id.find('/');
  const auto type = user_id.substr(0, slash == std::string_view::npos ? 0 : slash);
  const auto allowed = user_types(hook);
  std::string list;
  for (auto t : allowed) list += (list.empty() ? "" : ", ") + std::string(t);
  if (slash == std::string_view::npos || !is_fhir_id(user_id.substr(slash + 1))) {
    return "context.userId: must be [ResourceType]/[id] (" + list + ")";
  }
  if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
    return "context.userId: a " + shown(type) + " cannot be the user of hook " +
           std::string(hook) + " (allowed: " + list + ")";
  }
  return {};
}

std::string read_authorization(const Json& value, FhirAuthorization& out) {
  const std::string path = "fhirAuthorization";
  if (!value.IsObject()) return path + ": must be an object, not " + fhir::json_type_name(value);
  if (auto e = read_string(value, "access_token", path + ".access_token", true, out.access_token);
      !e.empty()) {
    return e;
  }
  if (auto e = read_string(value, "token_type", path + ".token_type", true, out.token_type);
      !e.empty()) {
    return e;
  }
  // OAuth 2.0 (RFC 6749 section 5.1) compares token types case-insensitively.
  if (!iequals(out.token_type, "Bearer")) {
    return path + ".token_type: must be Bearer";
  }
  const Json* expires = member(value, "expires_in");
  if (!expires) return path + ".expires_in: required integer is missing";
  if (!expires->IsInt64()) {
    return path + ".expires_in: must be an integer number of seconds, not " +
           (expires->IsNumber() ? std::string("a fraction") : fhir::json_type_name(*expires));
  }
  out.expires_in = expires->GetInt64();
  if (out.expires_in < 0) return path + ".expires_in: must not be negative";
  if (auto e = read_string(value, "scope", path + ".scope", true, out.scope); !e.empty()) return e;
  if (auto e = read_string(value, "subject", path + ".subject", true, out.subject); !e.empty()) {
    return e;
  }
  return {};
}

std::string read_draft_orders(const Json& context, HookRequest& request) {
  const Json* draft = member(context, "draftOrders");
  if (!draft) return "context.draftOrders: required for hook " + request.hook + " (a FHIR Bundle)";
  if (!draft->IsObject()) {
    return std::string("context.draftOrders: must be a FHIR Bundle (an object), not ") +
           fhir::json_type_name(*draft);
  }
  const Json* type = member(*draft, "resourceType");
  if (!type || !type->IsString() || view(*type) != "Bundle") {
    return "context.draftOrders: must be a FHIR Bundle (resourceType \"Bundle\")";
  }
  if (const Json* entries = member(*draft, "entry"); entries && !entries->IsArray()) {
    return std::string("context.draftOrders.entry: must be an array, not ") +
           fhir::json_type_name(*entries);
  }
  request.draft_orders = draft;
  return {};
}

// "Type/id" of each draft order, to check that selections point into it.
std::set<std::string> draft_references(const Json& bundle) {
  std::set<std::string> references;
  const Json* entries = member(bundle, "entry");
  if (!entries || !entries->IsArray()) return references;
  for (const auto& entry : entries->GetArray()) {
    if (!entry.IsObject()) continue;
    const Json* resource = member(entry, "resource");
    if (!resource || !resource->IsObject()) continue;
    const Json* type = member(*resource, "resourceType");
    const Json* id = member(*resource, "id");
    if (type && type->IsString() && id && id->IsString()) {
      references.insert(view(*type) + "/" + view(*id));
    }
  }
  return references;
}

std::string read_selections(const Json& context, HookRequest& request) {
  const Json* selections = member(context, "selections");
  if (!selections) return "context.selections: required for hook order-select (an array of ids)";
  if (!selections->IsArray()) {
    return std::string("context.selections: must be an array of strings, not ") +
           fhir::json_type_name(*selections);
  }
  if (selections->Empty()) return "context.selections: must not be empty";
  const auto known = draft_references(*request.draft_orders);
  for (rapidjson::SizeType i = 0; i < selections->Size(); ++i) {
    const Json& selection = (*selections)[i];
    const std::string path = "context.selections[" + std::to_string(i) + "]";
    if (!selection.IsString()) {
      return path + ": must be a string, not " + fhir::json_type_name(selection);
    }
    const std::string reference = view(selection);
    if (!known.count(reference)) {
      return path + ": '" + shown(reference) + "' is not an order in context.draftOrders";
    }
    request.selections.push_back(reference);
  }
  return {};
}

std::string read_context(const Json& body, HookRequest& request) {
  const Json* context = member(body, "context");
  if (!context) return "context: required object is missing";
  if (!context->IsObject()) {
    return std::string("context: must be an object, not ") + fhir::json_type_name(*context);
  }
  request.context = context;
  if (auto e = read_string(*context, "userId", "context.userId", true, request.user_id); !e.empty()) {
    return e;
  }
  if (auto e = check_user_id(request.user_id, request.hook); !e.empty()) return e;
  if (auto e = read_string(*context, "patientId", "context.patientId", true, request.patient_id);
      !e.empty()) {
    return e;
  }
  if (!is_fhir_id(request.patient_id)) {
    return "context.patientId: not a FHIR id (letters, digits, '-' and '.', at most 64)";
  }
  if (auto e = read_string(*context, "encounterId", "context.encounterId", false,
                           request.encounter_id);
      !e.empty()) {
    return e;
  }
  if (request.hook == "order-select" || request.hook == "order-sign") {
    if (auto e = read_draft_orders(*context, request); !e.empty()) return e;
  }
  if (request.hook == "order-select") {
    if (auto e = read_selections(*context, request); !e.empty()) return e;
  }
  return {};
}

}  // namespace

bool is_fhir_id(std::string_view text) {
  return !text.empty() && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
         });
}

std::string check_base_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "not an absolute URL";
  const auto scheme = url.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) {
    return "scheme must be http or https";
  }
  const auto rest = url.substr(scheme_end + 3);
  const auto authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return "no host";
  if (authority.find('@') != std::string_view::npos) return "user information is not allowed";
  if (url.find_first_of("?#") != std::string_view::npos) {
    return "a base URL has no query or fragment";
  }
  if (has_control_characters(url) || url.find(' ') != std::string_view::npos) {
    return "contains spaces or control characters";
  }
  return {};
}

std::string parse_hook_request(std::string_view body, std::string_view expected_hook,
                               rapidjson::Document& document, HookRequest& request,
                               HookRequestLimits limits) {
  request = HookRequest{};
  if (auto error = fhir::parse_json_in_situ(body, document, {limits.max_json_depth}); !error.empty()) {
    return "request body is not valid JSON: " + error;
  }
  if (!document.IsObject()) {
    return std::string("request body must be a JSON object, not ") + fhir::json_type_name(document);
  }
  if (auto e = read_string(document, "hook", "hook", true, request.hook); !e.empty()) return e;
  if (request.hook != expected_hook) {
    return "hook: '" + shown(request.hook) + "' is not the hook of this service (" +
           std::string(expected_hook) + ")";
  }
  if (auto e = read_string(document, "hookInstance", "hookInstance", true, request.hook_instance);
      !e.empty()) {
    return e;
  }
  // It seeds card uuids and appears in logs: bounded and printable.
  if (request.hook_instance.size() > 256 || has_control_characters(request.hook_instance)) {
    return "hookInstance: must be a UUID (at most 256 printable characters)";
  }
  if (auto e = read_string(document, "fhirServer", "fhirServer", false, request.fhir_server);
      !e.empty()) {
    return e;
  }
  if (!request.fhir_server.empty()) {
    if (auto problem = check_base_url(request.fhir_server); !problem.empty()) {
      return "fhirServer: " + problem;
    }
    while (request.fhir_server.ends_with('/')) request.fhir_server.pop_back();
  }
  if (const Json* authorization = member(document, "fhirAuthorization")) {
    FhirAuthorization parsed;
    if (auto e = read_authorization(*authorization, parsed); !e.empty()) return e;
    if (request.fhir_server.empty()) {
      return "fhirServer: required when fhirAuthorization is present";
    }
    request.fhir_authorization = std::move(parsed);
  }
  if (auto e = read_context(document, request); !e.empty()) return e;
  if (const Json* prefetch = member(document, "prefetch")) {
    if (!prefetch->IsObject()) {
      return std::string("prefetch: must be an object, not ") + fhir::json_type_name(*prefetch);
    }
    request.prefetch = prefetch;
  }
  return {};
}

}  // namespace icans
