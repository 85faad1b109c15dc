#include "cds/hooks/service.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/card.h"
#include "cards/recommend.h"
#include "cds/evaluate.h"
#include "cds/hooks/canonical_json.h"
#include "cds/hooks/feedback.h"
#include "cds/hooks/fhir_client.h"
#include "cds/hooks/hook_request.h"
#include "cds/hooks/medication_references.h"
#include "cds/hooks/request_limits.h"
#include "fhir/intake.h"

namespace icans {

using Clock = std::chrono::steady_clock;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// What one request carries through the router, for the log line.
struct Service::Call {
  fhir::Instant arrival = 0;
  Clock::time_point started;
  RequestLogEntry log;
  std::string issuer;  // the verified token's iss; empty with authentication off
};

namespace {

constexpr std::string_view kServicesPath = "/cds-services";
constexpr std::string_view kJson = "application/json";

std::string header(const HttpRequest& request, const std::string& name) {
  const auto found = request.headers.find(name);
  return found == request.headers.end() ? std::string() : found->second;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace("Content-Type", std::string(kJson));
  response.body = std::move(body);
  return response;
}

HttpResponse refuse(int status, std::string_view message, RequestLogEntry& log) {
  log.error = std::string(message);
  return json_response(status, error_body(message));
}

HttpResponse method_not_allowed(std::string_view allow, const std::string& method, RequestLogEntry& log) {
  HttpResponse response = refuse(405, "method " + method + " is not allowed here (allowed: " +
                                          std::string(allow) + ")",
                                 log);
  response.headers.emplace("Allow", std::string(allow));
  return response;
}

bool is_json_content_type(std::string value) {
  value = value.substr(0, value.find(';'));
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t") + 1);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value == kJson;
}

std::string missing_body(std::string_view message, const std::vector<std::string>& missing) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("error");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("missing");
  writer.StartArray();
  for (const auto& item : missing) writer.String(item);
  writer.EndArray();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string write_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// SHA-256 over the request's clinical inputs in canonical form: the hook, the
// context (draft orders included) and every prefetch value and fetched page
// read. The access token is not among them. The text is hashed as it is
// written, never held whole.
std::string inputs_fingerprint(const HookRequest& request, const GatheredData& data) {
  Sha256 hash;
  CanonicalJsonWriter writer([&hash](std::string_view bytes) { hash.update(bytes); });
  // Members in byte order, like canonical_json.
  writer.raw(R"({"context":)");
  writer.value(*request.context);
  writer.raw(R"(,"hook":)");
  writer.string(request.hook);
  writer.raw(R"(,"inputs":[)");
  for (std::size_t i = 0; i < data.inputs.size(); ++i) {
    writer.raw(i == 0 ? R"({"name":)" : R"(,{"name":)");
    writer.string(data.inputs[i].name);
    writer.raw(R"(,"value":)");
    writer.value(*data.inputs[i].value);
    writer.raw("}");
  }
  writer.raw("]}");
  writer.flush();
  return hash.hex_digest();
}

}  // namespace

std::string error_body(std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("error");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

Service::Service(ServiceConfig config, Store& store, Protocol protocol,
                 fhir::Terminology terminology, ServiceEnvironment environment)
    : config_(std::move(config)),
      store_(store),
      protocol_(std::move(protocol)),
      terminology_(std::move(terminology)),
      environment_(std::move(environment)),
      log_(environment_.log ? environment_.log
                            : std::function<void(std::string_view)>([](std::string_view line) {
                                std::cerr << line << '\n' << std::flush;
                              })) {
  if (!environment_.now) {
    environment_.now = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!environment_.fhir_search) environment_.fhir_search = fhir_search;
  init_trust();
  services_ = service_definitions(config_.grading, protocol_, config_.prefetch_sizes);
  for (const auto& service : services_) {
    for (const auto& entry : service.prefetch) {
      if (auto problem = check_prefetch_template(entry.query, service.hook); !problem.empty()) {
        throw std::logic_error(service.id + " prefetch " + entry.key + ": " + problem);
      }
    }
  }
  discovery_body_ = discovery_json(services_);
}

void Service::log_event(std::string_view event, std::initializer_list<LogField> fields) {
  log_.line(event_log_line(environment_.now(), event, fields));
}

HttpResponse Service::handle(const HttpRequest& request) {
  Call call;
  call.started = Clock::now();
  call.arrival = environment_.now();
  call.log.time = call.arrival;
  call.log.method = request.method;
  call.log.path = request.path;
  HttpResponse response;
  try {
    response = route(request, call);
  } catch (const std::exception& e) {
    call.log.error = std::string("internal error: ") + e.what();
    response = json_response(500, error_body("internal error"));
  }
  add_cors(request, response);
  const double seconds = std::chrono::duration<double>(Clock::now() - call.started).count();
  call.log.status = response.status;
  call.log.latency_ms = seconds * 1000;
  metrics_.count_request(call.log.service.empty() ? "unknown" : call.log.service, response.status,
                         seconds);
  log_.line(request_log_line(call.log));
  return response;
}

HttpResponse Service::route(const HttpRequest& request, Call& call) {
  std::string path = request.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  // HEAD is GET without the body; the HTTP layer drops the body.
  const std::string method = request.method == "HEAD" ? std::string("GET") : request.method;
  auto& log = call.log;

  // Who is calling, before the body, the service id or any FHIR server is
  // looked at. Preflights carry no credentials (CORS); health and metrics
  // are for the operator's network.
  if (method != "OPTIONS" && (path == kServicesPath || path.starts_with(std::string(kServicesPath) + "/")) &&
      !authenticate(request, path, call.arrival, log, call.issuer)) {
    return unauthorized_response();
  }

  if (path == kServicesPath) {
    log.service = "discovery";
    if (method == "OPTIONS") return preflight(request, "GET, OPTIONS");
    if (method != "GET") return method_not_allowed("GET, OPTIONS", request.method, log);
    return json_response(200, discovery_body_);
  }
  if (path == "/healthz") {
    log.service = "healthz";
    if (method == "OPTIONS") return preflight(request, "GET, OPTIONS");
    if (method != "GET") return method_not_allowed("GET, OPTIONS", request.method, log);
    return health();
  }
  if (path == "/metrics") {
    log.service = "metrics";
    if (method == "OPTIONS") return preflight(request, "GET, OPTIONS");
    if (method != "GET") return method_not_allowed("GET, OPTIONS", request.method, log);
    HttpResponse response;
    response.headers.emplace("Content-Type", std::string(kPrometheusContentType));
    response.body = metrics_.render() + render_audit_store(store_.write_stats());
    return response;
  }
  const std::string prefix = std::string(kServicesPath) + "/";
  if (path.starts_with(prefix)) {
    std::string rest = path.substr(prefix.size());
    bool is_feedback = false;
    if (const auto slash = rest.find('/'); slash != std::string::npos) {
      if (rest.substr(slash) != "/feedback") {
        return refuse(404, "no such endpoint: " + request.path, log);
      }
      is_feedback = true;
      rest.erase(slash);
    }
    const ServiceDefinition* service = find_service(services_, rest);
    if (!service) {
      return refuse(404, "no CDS service '" + rest + "' (GET /cds-services lists them)", log);
    }
    log.service = is_feedback ? service->id + "/feedback" : service->id;
    if (method == "OPTIONS") return preflight(request, "POST, OPTIONS");
    if (method != "POST") return method_not_allowed("POST, OPTIONS", request.method, log);
    if (!is_json_content_type(header(request, "content-type"))) {
      return refuse(415, "Content-Type must be application/json", log);
    }
    return is_feedback ? feedback(*service, request, call) : call_service(*service, request, call);
  }
  return refuse(404, "no such endpoint: " + request.path, log);
}

HttpResponse Service::call_service(const ServiceDefinition& service, const HttpRequest& request,
                                   Call& call) {
  auto& log = call.log;
  rapidjson::Document document;
  HookRequest hook;
  if (auto error = parse_hook_request(request.body, service.hook, document, hook,
                                      HookRequestLimits{config_.max_json_depth});
      !error.empty()) {
    return refuse(400, error, log);
  }
  log.hook_instance = hook.hook_instance;
  log.patient_id = hook.patient_id;
  if (auto error = check_request_resources(hook, config_.max_resources_per_request); !error.empty()) {
    return refuse(413, error, log);
  }

  FetchPolicy policy;
  policy.search = environment_.fhir_search;
  policy.deadline = call.started + config_.fetch_deadline;
  policy.max_pages = config_.fetch_max_pages;
  policy.max_bytes = config_.fetch_max_bytes;
  policy.max_resources = config_.fetch_max_resources;
  policy.server_refused = fhir_server_refused(hook.fhir_server, call.issuer);
  GatheredData data =
      gather_data(service, hook, call.arrival, policy, terminology_, config_.grading);
  // Medications the administrations and orders name only by reference; not
  // worth a round trip for a request about to be refused.
  if (data.error.empty() && data.missing_required.empty()) {
    fetch_referenced_medications(hook, policy, data, config_.fetch_max_medication_ids);
  }
  log.fhir_fetches = data.fetches.size();
  for (const auto& fetch : data.fetches) metrics_.count_fhir_fetch(fetch.result);
  if (!data.error.empty()) return refuse(400, data.error, log);
  if (!data.missing_required.empty()) {
    std::string reasons;
    for (const auto& reason : data.missing_required) reasons += (reasons.empty() ? "" : "; ") + reason;
    log.error = "412: " + reasons;
    return json_response(412, missing_body("the FHIR data needed for grading could not be obtained",
                                           data.missing_required));
  }

  // The chart, as replay would read it.
  fhir::Intake intake(terminology_);
  intake.set_server_base(hook.fhir_server);
  std::size_t resources = 0;
  for (const auto& input : data.inputs) resources += count_resources(*input.value);
  intake.reserve(resources);
  for (const auto& input : data.inputs) {
    if (auto error = intake.add_json_value(*input.value, input.name); !error.empty()) {
      return refuse(400, error, log);
    }
  }
  fhir::IntakeResult chart = intake.finish();
  fhir::PatientRecord record;
  record.patient_id = hook.patient_id;
  if (auto found = chart.patients.find(hook.patient_id); found != chart.patients.end()) {
    record = std::move(found->second);
    chart.patients.erase(found);
  }
  for (auto& warning : chart.warnings) record.warnings.push_back(std::move(warning));
  if (!chart.patients.empty()) {
    record.warnings.push_back({"prefetch", 0, "", "subject",
                               "resources of " + std::to_string(chart.patients.size()) +
                                   " other patient(s) were left out"});
  }

  RecommendContext context;
  context.hook = hook.hook;
  context.selections = hook.selections;
  context.uuid_seed = hook.hook_instance;
  context.missing_data = data.missing_data;
  // A prefetched or fetched resource that could not be read (a value in an
  // unknown unit, a bad date) is data the grade does not rest on: the cards
  // say so rather than grading as if it had never been charted.
  constexpr std::size_t kMaxListedProblems = 10;
  std::size_t unread = 0;
  for (const auto& warning : record.warnings) {
    if (warning.field == "resourceType") continue;  // types the engine does not read
    if (++unread <= kMaxListedProblems) {
      context.missing_data.push_back("charted data not fully read: " + fhir::to_string(warning));
    }
  }
  if (unread > kMaxListedProblems) {
    context.missing_data.push_back(std::to_string(unread - kMaxListedProblems) +
                                   " more problems reading the charted data");
  }
  if (hook.draft_orders) {
    fhir::Intake drafts(terminology_);
    drafts.set_server_base(hook.fhir_server);
    if (auto error = drafts.add_json_value(*hook.draft_orders, "context.draftOrders");
        !error.empty()) {
      return refuse(400, error, log);
    }
    // A draft may give its drug by reference to a Medication the chart holds
    // (prefetched or fetched above); only those are read beside the drafts.
    for (const auto& medication : medications_for_drafts(data.inputs, *hook.draft_orders, hook.fhir_server)) {
      if (auto error = drafts.add_json_value(*medication.value, medication.name); !error.empty()) {
        return refuse(400, error, log);
      }
    }
    fhir::IntakeResult read = drafts.finish();
    for (const auto& [patient, orders] : read.patients) {
      if (patient != hook.patient_id) {
        return refuse(400, "context.draftOrders: holds orders for Patient/" + patient +
                               ", not for context.patientId",
                      log);
      }
    }
    std::vector<fhir::Warning> warnings = std::move(read.warnings);
    if (auto found = read.patients.find(hook.patient_id); found != read.patients.end()) {
      context.draft_medication_requests = std::move(found->second.medication_requests);
      context.draft_service_requests = std::move(found->second.service_requests);
      warnings.insert(warnings.end(), found->second.warnings.begin(), found->second.warnings.end());
    }
    // Orders of types the cards do not read (NutritionOrder, ...) are not a
    // gap; an order that could not be read is.
    for (const auto& warning : warnings) {
      if (warning.field == "resourceType") continue;
      context.missing_data.push_back("draft order not fully read: " + fhir::to_string(warning));
    }
  }

  const Evaluation evaluation = evaluate(record, call.arrival, config_.grading);
  Response response;
  response.cards = recommend(record, evaluation, protocol_, config_.grading, context);
  if (auto problem = check_response(response); !problem.empty()) {
    log.error = "internal error: a card failed its checks: " + problem;
    return json_response(500, error_body("internal error: the cards could not be produced"));
  }

  std::vector<AuditRecord> audit;
  if (!response.cards.empty()) {
    const std::string fingerprint = inputs_fingerprint(hook, data);
    if (fingerprint.empty()) {
      log.error = "internal error: SHA-256 of the inputs failed";
      return json_response(500, error_body("internal error: the audit trail could not be written"));
    }
    for (const auto& card : response.cards) {
      AuditRecord entry;
      entry.card_uuid = card.uuid;
      entry.service_id = service.id;
      entry.hook_instance = hook.hook_instance;
      entry.issued_at = fhir::format_instant(call.arrival);
      entry.patient_id = hook.patient_id;
      entry.icans_grade = evaluation.icans.grade;
      entry.crs_grade = evaluation.crs.grade;
      entry.kind = card.kind;
      entry.rule_ids = card.rule_ids;
      entry.protocol_version = card.protocol_version.empty() ? protocol_.version : card.protocol_version;
      entry.engine_version = std::string(kEngineVersion);
      entry.inputs_sha256 = fingerprint;
      entry.card_json = checked_card_json(card);  // check_response passed above
      entry.shadow = config_.shadow;
      entry.issuer = log.client_issuer;
      entry.tenant = log.client_tenant;
      audit.push_back(std::move(entry));
    }
    if (auto error = store_.record_cards(audit); !error.empty()) {
      // Card uuids derive from hookInstance, patient, evaluation instant,
      // rule and kind: a uuid already on file means this hookInstance was
      // answered before at the same instant (a duplicate send, perhaps with
      // other data and so other cards first), which is the client's to
      // mend, not an outage of ours.
      const bool answered_before = std::any_of(audit.begin(), audit.end(), [this](const AuditRecord& entry) {
        std::string lookup_error;
        return store_.find_card(entry.card_uuid, lookup_error).has_value();
      });
      if (answered_before) {
        return refuse(409,
                      "hookInstance " + hook.hook_instance +
                          " was already answered at this instant; each hook call needs its own "
                          "hookInstance. No cards were sent",
                      log);
      }
      log.error = "internal error: audit write failed: " + error;
      return json_response(500, error_body("internal error: the audit trail could not be written; "
                                           "no cards were sent"));
    }
    for (const auto& card : response.cards) metrics_.count_card(card.kind, to_string(card.indicator));
  }
  log.cards = response.cards.size();
  if (config_.shadow) {
    log.shadow = true;
    return json_response(200, "{\"cards\":[]}");
  }
  // What to_json(response) writes, with each card's text as the audit trail
  // holds it: written once, and the card sent is byte for byte the card kept.
  std::string body = "{\"cards\":[";
  for (std::size_t i = 0; i < audit.size(); ++i) {
    if (i > 0) body += ',';
    body += audit[i].card_json;
  }
  body += ']';
  if (!response.system_actions.empty()) {
    rapidjson::Document scratch;
    rapidjson::Value actions(rapidjson::kArrayType);
    for (const auto& action : response.system_actions) {
      actions.PushBack(to_json(action, scratch.GetAllocator()), scratch.GetAllocator());
    }
    body += ",\"systemActions\":" + write_json(actions);
  }
  body += '}';
  return json_response(200, std::move(body));
}

HttpResponse Service::feedback(const ServiceDefinition& service, const HttpRequest& request,
                               Call& call) {
  auto& log = call.log;
  std::vector<FeedbackRecord> records;
  if (auto error = parse_feedback(request.body, service.id, fhir::format_instant(call.arrival), records);
      !error.empty()) {
    return refuse(400, error, log);
  }
  // Feedback about a card we have no record of is still a fact about the
  // EHR's user and is kept; the log says so, the audit query shows it.
  std::size_t unknown = 0;
  std::size_t other_service = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const FeedbackRecord& record = records[i];
    std::string error;
    const auto card = store_.find_card(record.card_uuid, error);
    if (!error.empty()) {
      log.error = "internal error: audit lookup failed: " + error;
      return json_response(500, error_body("internal error: the feedback could not be stored"));
    }
    if (!card) {
      ++unknown;
      continue;
    }
    if (card->service_id != service.id) ++other_service;
    if (record.accepted_suggestions.empty()) continue;
    const auto offered = suggestion_uuids(*card, error);
    if (!error.empty()) {
      log.error = "internal error: " + error;
      return json_response(500, error_body("internal error: the feedback could not be stored"));
    }
    if (auto problem = check_accepted_suggestions(record, i, offered); !problem.empty()) {
      return refuse(400, problem, log);
    }
  }
  if (auto error = store_.record_feedback(records); !error.empty()) {
    log.error = "internal error: feedback write failed: " + error;
    return json_response(500, error_body("internal error: the feedback could not be stored"));
  }
  for (const auto& record : records) metrics_.count_feedback(record.outcome);
  std::string note = std::to_string(records.size()) + " feedback entries stored";
  if (unknown > 0) note += "; " + std::to_string(unknown) + " about cards not in the audit trail";
  if (other_service > 0) {
    note += "; " + std::to_string(other_service) + " about cards issued by another service";
  }
  log.note = note;
  return json_response(200, "{}");
}

HttpResponse Service::health() {
  std::string error;
  store_.find_card("00000000-0000-0000-0000-000000000000", error);
  if (!error.empty()) {
    HttpResponse response = json_response(503, R"({"status":"unavailable"})");
    return response;
  }
  return json_response(200, R"({"status":"ok"})");
}

HttpResponse Service::preflight(const HttpRequest& request, std::string_view allow) {
  HttpResponse response;
  response.status = 204;
  response.headers.emplace("Allow", std::string(allow));
  const std::string origin = header(request, "origin");
  const bool allowed =
      !origin.empty() && std::any_of(config_.cors_origins.begin(), config_.cors_origins.end(),
                                     [&](const std::string& o) { return o == "*" || o == origin; });
  if (allowed) {
    response.headers.emplace("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    response.headers.emplace("Access-Control-Allow-Headers", "Authorization, Content-Type");
    response.headers.emplace("Access-Control-Max-Age", "600");
  }
  return response;
}

void Service::add_cors(const HttpRequest& request, HttpResponse& response) const {
  const auto& origins = config_.cors_origins;
  if (origins.empty()) return;
  const bool any_origin = std::find(origins.begin(), origins.end(), "*") != origins.end();
  // With a list of origins every answer depends on Origin, also one without
  // CORS headers (no Origin, or another): a cache must not serve it to
  // another origin.
  if (!any_origin) response.headers.emplace("Vary", "Origin");
  const std::string origin = header(request, "origin");
  if (origin.empty()) return;
  if (!any_origin && std::find(origins.begin(), origins.end(), origin) == origins.end()) return;
  response.headers.emplace("Access-Control-Allow-Origin", any_origin ? std::string("*") : origin);
  // A browser client may read why a call was refused (401).
  response.headers.emplace("Access-Control-Expose-Headers", "WWW-Authenticate");
}

}  // namespace icans
