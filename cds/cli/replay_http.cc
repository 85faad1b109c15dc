#include "cds/cli/replay_http.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/card.h"
#include "cds/hooks/http.h"
#include "fhir/json.h"

namespace icans::cli {
namespace {

using Json = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// A service's answer is a list of cards: tens of kilobytes. Far beyond that
// something is wrong, and the replay should not hold it in memory.
constexpr std::size_t kMaxResponseBytes = 16u << 20;

std::string_view view(const Json& value) { return {value.GetString(), value.GetStringLength()}; }

const Json* member(const Json& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string_member(const Json& object, std::string_view name) {
  const Json* value = member(object, name);
  return value && value->IsString() ? std::string(view(*value)) : std::string();
}

Json string_value(std::string_view text, Allocator& allocator) {
  return Json(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

std::string write_json(const Json& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

fhir::Instant system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- time shift -------------------------------------------------------------

bool is_date_member(std::string_view name) {
  static const std::set<std::string_view> kNames = {"start",     "end",      "issued", "authoredOn", "lastUpdated",
                                                    "birthDate", "recorded", "date",   "time",       "event"};
  return kNames.count(name) > 0 || name.ends_with("DateTime") || name.ends_with("Instant");
}

// "+05:30" -> 330; "Z" -> 0.
int offset_minutes(std::string_view offset) {
  if (offset == "Z") return 0;
  const int sign = offset[0] == '-' ? -1 : 1;
  const int hours = (offset[1] - '0') * 10 + (offset[2] - '0');
  const int minutes = (offset[4] - '0') * 10 + (offset[5] - '0');
  return sign * (hours * 60 + minutes);
}

std::optional<std::string> shift_text(std::string_view text, const TimeShift& shift) {
  const auto parsed = fhir::parse_datetime(text);
  if (!parsed.range) return std::nullopt;
  const fhir::TimeRange& range = *parsed.range;
  if (range.exact()) {
    // A time of day always has its offset (FHIR); keep it, so the shifted
    // chart reads like the original.
    const std::string_view offset = text.back() == 'Z' ? text.substr(text.size() - 1) : text.substr(text.size() - 6);
    const fhir::Instant local = shift.shift(range.earliest) + offset_minutes(offset) * fhir::kMillisPerMinute;
    std::string shifted = fhir::format_instant(local);
    shifted.pop_back();  // its 'Z'
    return shifted + std::string(offset);
  }
  const fhir::Instant middle = range.earliest + (range.latest - range.earliest) / 2 + shift.days * fhir::kMillisPerDay;
  const std::string shifted = fhir::format_instant(middle);
  switch (range.precision) {
    case fhir::TimePrecision::year:
      return shifted.substr(0, 4);
    case fhir::TimePrecision::month:
      return shifted.substr(0, 7);
    default:
      return shifted.substr(0, 10);
  }
}

void shift_value(Json& value, bool date_member, const TimeShift& shift, Allocator& allocator) {
  if (value.IsString()) {
    if (!date_member) return;
    if (auto shifted = shift_text(view(value), shift))
      value.SetString(shifted->c_str(), static_cast<rapidjson::SizeType>(shifted->size()), allocator);
  } else if (value.IsArray()) {
    for (auto& item : value.GetArray()) shift_value(item, date_member, shift, allocator);
  } else if (value.IsObject()) {
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      shift_value(it->value, is_date_member(view(it->name)), shift, allocator);
    }
  }
}

// --- prefetch ---------------------------------------------------------------

const std::set<std::string_view> kReadableTypes = {"Patient",           "Observation",    "MedicationAdministration",
                                                   "MedicationRequest", "ServiceRequest", "DiagnosticReport",
                                                   "Procedure"};

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

constexpr std::string_view kPatientToken = "{{context.patientId}}";

// One resource of the record: where its raw JSON is, and the time a search
// sorts and filters it by.
struct Candidate {
  const fhir::Origin* origin = nullptr;
  std::optional<fhir::Instant> time;
};

std::optional<fhir::Instant> earliest(const std::optional<fhir::TimeRange>& range) {
  return range ? std::optional<fhir::Instant>(range->earliest) : std::nullopt;
}

std::vector<Candidate> candidates(const fhir::PatientRecord& record, std::string_view type) {
  std::vector<Candidate> out;
  if (type == "Observation") {
    for (const auto& r : record.observations) out.push_back({&r.origin, r.effective.earliest});
  } else if (type == "MedicationAdministration") {
    for (const auto& r : record.administrations) out.push_back({&r.origin, r.start.earliest});
  } else if (type == "MedicationRequest") {
    for (const auto& r : record.medication_requests) out.push_back({&r.origin, earliest(r.authored_on)});
  } else if (type == "ServiceRequest") {
    for (const auto& r : record.service_requests) out.push_back({&r.origin, earliest(r.authored_on)});
  } else if (type == "DiagnosticReport") {
    for (const auto& r : record.reports) out.push_back({&r.origin, earliest(r.effective ? r.effective : r.issued)});
  } else if (type == "Procedure") {
    for (const auto& r : record.procedures) out.push_back({&r.origin, earliest(r.performed)});
  }
  return out;
}

// The resource as it is sent: a copy, its patient reference in the plain
// form (the inputs may use a urn:uuid fullUrl, meaningless without the
// Bundle), its dates shifted.
Json prepare(const Json& raw, const std::string& patient_id, const TimeShift& shift, Allocator& allocator) {
  Json copy(raw, allocator);
  for (const char* name : {"subject", "patient"}) {
    Json* reference = copy.IsObject() && copy.HasMember(name) ? &copy[name] : nullptr;
    if (reference && reference->IsObject() && reference->HasMember("reference")) {
      (*reference)["reference"] = string_value("Patient/" + patient_id, allocator);
    }
  }
  if (shift.enabled) shift_value(copy, false, shift, allocator);
  return copy;
}

// --- responses --------------------------------------------------------------

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string path_of(const std::string& problem) {
  const auto colon = problem.find(": ");
  return colon == std::string::npos ? problem : problem.substr(0, colon);
}

class Violations {
 public:
  // Adds `problem` unless one about the same path was already said.
  void add(const std::string& problem) {
    if (problem.empty() || !paths_.insert(path_of(problem)).second) return;
    list_.push_back(problem);
  }
  std::vector<std::string> take() { return std::move(list_); }

 private:
  std::set<std::string> paths_;
  std::vector<std::string> list_;
};

std::string prefixed(const std::string& prefix, const std::string& problem) {
  if (problem.empty()) return problem;
  return problem.starts_with(".") || problem.starts_with("[") ? prefix + problem : prefix + "." + problem;
}

ReceivedCard read_leniently(const Json& card) {
  ReceivedCard out;
  out.summary = string_member(card, "summary");
  out.detail = string_member(card, "detail");
  out.indicator = string_member(card, "indicator");
  if (const Json* source = member(card, "source")) {
    out.source_label = string_member(*source, "label");
    if (const Json* topic = member(*source, "topic")) out.topic_code = string_member(*topic, "code");
  }
  if (const Json* suggestions = member(card, "suggestions"); suggestions && suggestions->IsArray()) {
    for (const auto& suggestion : suggestions->GetArray())
      out.suggestion_labels.push_back(string_member(suggestion, "label"));
  }
  return out;
}

// The checks testers named, on the card as sent (so they are said even when
// the strict reader stopped at another problem first).
void check_named_rules(const Json& card, const std::string& path, Violations& violations) {
  if (!card.IsObject()) {
    violations.add(path + ": a card must be an object");
    return;
  }
  const Json* summary = member(card, "summary");
  if (!summary || !summary->IsString()) {
    violations.add(path + ".summary: required string is missing");
  } else if (const std::size_t length = utf8_length(view(*summary)); length >= 140) {
    violations.add(path + ".summary: " + std::to_string(length) + " characters; CDS Hooks requires fewer than 140");
  }
  const Json* indicator = member(card, "indicator");
  if (!indicator) {
    violations.add(path + ".indicator: required field is missing");
  } else if (!indicator->IsString() ||
             (view(*indicator) != "info" && view(*indicator) != "warning" && view(*indicator) != "critical")) {
    violations.add(path + ".indicator: " +
                   (indicator->IsString() ? "\"" + std::string(view(*indicator)) + "\""
                                          : "a " + std::string(fhir::json_type_name(*indicator))) +
                   " is not info, warning or critical");
  }
  const Json* source = member(card, "source");
  if (!source || !source->IsObject()) {
    violations.add(path + ".source: required object is missing");
  } else if (const Json* label = member(*source, "label");
             !label || !label->IsString() || label->GetStringLength() == 0) {
    violations.add(path + ".source.label: required string is missing");
  }
  const Json* suggestions = member(card, "suggestions");
  if (suggestions && suggestions->IsArray() && !suggestions->Empty()) {
    if (!member(card, "selectionBehavior")) {
      violations.add(path + ".selectionBehavior: required when suggestions are present");
    }
    for (rapidjson::SizeType i = 0; i < suggestions->Size(); ++i) {
      const Json& suggestion = (*suggestions)[i];
      const std::string suggestion_path = path + ".suggestions[" + std::to_string(i) + "]";
      const Json* label = member(suggestion, "label");
      if (!label || !label->IsString() || label->GetStringLength() == 0) {
        violations.add(suggestion_path + ".label: required string is missing");
      }
      if (!member(suggestion, "uuid")) {
        violations.add(suggestion_path + ".uuid: missing, so feedback cannot name the suggestion");
      }
    }
  }
}

}  // namespace

// --- discovery ----------------------------------------------------------------

std::string parse_discovery(std::string_view body, std::vector<DiscoveredService>& services) {
  services.clear();
  rapidjson::Document document;
  if (auto error = fhir::parse_json(body, document); !error.empty()) return "discovery response: " + error;
  const Json* list = member(document, "services");
  if (!list || !list->IsArray()) return "discovery response: \"services\" (an array) is missing";
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Json& entry = (*list)[i];
    const std::string path = "discovery response: services[" + std::to_string(i) + "]";
    DiscoveredService service;
    service.id = string_member(entry, "id");
    service.hook = string_member(entry, "hook");
    service.title = string_member(entry, "title");
    if (service.id.empty() || service.hook.empty()) return path + ": id and hook are required strings";
    if (const Json* prefetch = member(entry, "prefetch")) {
      if (!prefetch->IsObject()) return path + ".prefetch: must be an object";
      for (auto it = prefetch->MemberBegin(); it != prefetch->MemberEnd(); ++it) {
        if (!it->value.IsString()) return path + ".prefetch." + std::string(view(it->name)) + ": must be a string";
        service.prefetch.emplace_back(std::string(view(it->name)), std::string(view(it->value)));
      }
    }
    services.push_back(std::move(service));
  }
  return {};
}

// --- raw inputs -----------------------------------------------------------------

std::string RawInputs::load(const std::vector<std::string>& files) {
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return path + ": cannot be opened for reading";
    if (path.ends_with(".ndjson") || path.ends_with(".jsonl")) {
      std::string line;
      std::size_t number = 0;
      while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto document = std::make_unique<rapidjson::Document>();
        // Lines the intake skipped as malformed are skipped here too.
        if (!fhir::parse_json(line, *document).empty() || !document->IsObject()) continue;
        index_[{path, number}] = document.get();
        documents_.push_back(std::move(document));
      }
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto document = std::make_unique<rapidjson::Document>();
    if (auto error = fhir::parse_json(text.str(), *document); !error.empty()) return path + ": " + error;
    if (string_member(*document, "resourceType") == "Bundle") {
      if (const Json* entries = member(*document, "entry"); entries && entries->IsArray()) {
        for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
          if (const Json* resource = member((*entries)[i], "resource")) index_[{path, i + 1}] = resource;
        }
      }
    } else {
      index_[{path, 0}] = document.get();
    }
    documents_.push_back(std::move(document));
  }
  return {};
}

const rapidjson::Value* RawInputs::find(const fhir::Origin& origin) const {
  auto it = index_.find({origin.input, origin.entry});
  return it == index_.end() ? nullptr : it->second;
}

// --- time shift -----------------------------------------------------------------

fhir::Instant TimeShift::shift(fhir::Instant t) const {
  if (!enabled) return t;
  const fhir::Instant moved = t + delta;
  return t <= at && moved > ceiling ? ceiling : moved;
}

TimeShift make_time_shift(fhir::Instant at, fhir::Instant send_time, fhir::Instant margin) {
  TimeShift shift;
  shift.enabled = true;
  shift.at = at;
  shift.delta = send_time + margin - at;
  shift.ceiling = send_time - margin;
  const double days = static_cast<double>(shift.delta) / static_cast<double>(fhir::kMillisPerDay);
  shift.days = static_cast<int>(days < 0 ? days - 0.5 : days + 0.5);
  return shift;
}

void shift_times(rapidjson::Value& resource, const TimeShift& shift, Allocator& allocator) {
  shift_value(resource, false, shift, allocator);
}

// --- prefetch templates ------------------------------------------------------------

PrefetchQuery parse_prefetch_query(std::string_view query) {
  PrefetchQuery out;
  if (query.starts_with("/")) query.remove_prefix(1);
  const auto question = query.find('?');
  const std::string_view path = query.substr(0, question);
  const std::string_view parameters =
      question == std::string_view::npos ? std::string_view() : query.substr(question + 1);
  const auto slash = path.find('/');
  out.resource_type = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) {
    if (path.substr(slash + 1) != kPatientToken || out.resource_type != "Patient") {
      out.error = "a read of anything but Patient/{{context.patientId}}";
      return out;
    }
    out.read = true;
  }
  if (!kReadableTypes.count(out.resource_type)) {
    out.error = "resource type " + out.resource_type + " is not read by replay";
    return out;
  }
  if (parameters.empty()) return out;
  for (const auto& parameter : split(parameters, '&')) {
    const auto equals = parameter.find('=');
    const std::string name = parameter.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : parameter.substr(equals + 1);
    if ((name == "patient" || name == "subject") &&
        (value == kPatientToken || value == "Patient/" + std::string(kPatientToken))) {
      continue;  // replay sends one patient's resources anyway
    }
    if (name == "_sort" && !value.empty()) {
      out.newest_first = value.front() == '-';
      continue;
    }
    if (name == "_count") {
      try {
        std::size_t used = 0;
        const int count = std::stoi(value, &used);
        if (used == value.size() && count >= 0) {
          out.count = count;
          continue;
        }
      } catch (const std::exception&) {
      }
    }
    if (name == "status" && !value.empty()) {
      out.statuses = split(value, ',');
      continue;
    }
    out.ignored.push_back(name);
  }
  return out;
}

// --- the replay -------------------------------------------------------------------

HttpReplay::HttpReplay(HttpReplayOptions options, const RawInputs& raw, std::vector<DiscoveredService> services)
    : options_(std::move(options)), raw_(raw), services_(std::move(services)) {
  while (!options_.server.empty() && options_.server.back() == '/') options_.server.pop_back();
}

std::string HttpReplay::discover(const HttpReplayOptions& options, std::vector<DiscoveredService>& services) {
  std::string base = options.server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/cds-services";
  HttpHeaders headers{{"Accept", "application/json"}};
  // A service may ask for the JWT on discovery too ("every single CDS Service call").
  if (options.authorization) {
    std::string error;
    const std::string value = options.authorization(url, error);
    if (!error.empty()) return "discovery: cannot sign the request: " + error;
    headers.emplace("Authorization", value);
  }
  const HttpGetResult got = http_get(url, headers, options.timeout, kMaxResponseBytes);
  if (!got.error.empty()) return "discovery (GET " + base + "/cds-services): " + got.error;
  if (got.status != 200) {
    return "discovery (GET " + base + "/cds-services): HTTP " + std::to_string(got.status);
  }
  return parse_discovery(got.body, services);
}

const DiscoveredService* HttpReplay::service(const std::string& id) const {
  for (const auto& s : services_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::vector<HookCall> HttpReplay::plan(const fhir::PatientRecord& record, const std::vector<fhir::Instant>& times,
                                       bool at_given) const {
  std::vector<HookCall> calls;
  if (times.empty()) return calls;
  for (const auto& s : services_) {
    if (s.hook != "patient-view") continue;
    for (fhir::Instant t : times) calls.push_back({record.patient_id, t, s.hook, s.id, {}});
  }
  // An EHR calls order-select when the order is picked: at its authoredOn.
  for (const auto& request : record.medication_requests) {
    if (request.status != fhir::RequestStatus::draft) continue;
    fhir::Instant at = request.authored_on ? request.authored_on->earliest : times.back();
    if (at_given) {
      if (at > times.front()) continue;  // not drafted yet at the time asked for
      at = times.front();
    }
    for (const auto& s : services_) {
      if (s.hook != "order-select") continue;
      calls.push_back({record.patient_id, at, s.hook, s.id, {"MedicationRequest/" + request.id}});
    }
  }
  return calls;
}

Json HttpReplay::prefetch_value(const PrefetchQuery& query, const fhir::PatientRecord& record, fhir::Instant at,
                                const TimeShift& shift, Allocator& allocator) const {
  if (query.read) {
    if (!record.patient) return Json(rapidjson::kNullType);
    const Json* raw = raw_.find(record.patient->origin);
    if (!raw) return Json(rapidjson::kNullType);
    return prepare(*raw, record.patient_id, shift, allocator);
  }
  std::vector<std::pair<Candidate, const Json*>> matches;
  for (const auto& candidate : candidates(record, query.resource_type)) {
    if (candidate.time && *candidate.time > at) continue;  // not yet charted at T
    const Json* raw = raw_.find(*candidate.origin);
    if (!raw) continue;
    if (!query.statuses.empty() && std::find(query.statuses.begin(), query.statuses.end(),
                                             string_member(*raw, "status")) == query.statuses.end()) {
      continue;
    }
    matches.emplace_back(candidate, raw);
  }
  if (query.newest_first) {
    const bool newest_first = *query.newest_first;
    std::stable_sort(matches.begin(), matches.end(), [&](const auto& a, const auto& b) {
      // Undated resources sort last, as FHIR servers put missing values last.
      if (!a.first.time || !b.first.time) return a.first.time.has_value() && !b.first.time.has_value();
      return newest_first ? *a.first.time > *b.first.time : *a.first.time < *b.first.time;
    });
  }
  const std::size_t total = matches.size();
  if (query.count && matches.size() > static_cast<std::size_t>(*query.count)) matches.resize(*query.count);

  Json bundle(rapidjson::kObjectType);
  bundle.AddMember("resourceType", "Bundle", allocator);
  bundle.AddMember("type", "searchset", allocator);
  bundle.AddMember("total", static_cast<std::uint64_t>(total), allocator);
  Json entries(rapidjson::kArrayType);
  for (const auto& [candidate, raw] : matches) {
    Json entry(rapidjson::kObjectType);
    entry.AddMember("resource", prepare(*raw, record.patient_id, shift, allocator), allocator);
    Json search(rapidjson::kObjectType);
    search.AddMember("mode", "match", allocator);
    entry.AddMember("search", search, allocator);
    entries.PushBack(entry, allocator);
  }
  bundle.AddMember("entry", entries, allocator);
  return bundle;
}

std::string HttpReplay::request_body(const HookCall& call, const fhir::PatientRecord& record, fhir::Instant send_time,
                                     TimeShift& shift) const {
  const bool use_fhir_server = !options_.fhir_server.empty();
  shift = options_.time_shift && !use_fhir_server ? make_time_shift(call.at, send_time, options_.clock_margin_ms)
                                                  : TimeShift{};
  rapidjson::Document document(rapidjson::kObjectType);
  auto& allocator = document.GetAllocator();
  document.AddMember("hookInstance", string_value(random_uuid(), allocator), allocator);
  document.AddMember("hook", string_value(call.hook, allocator), allocator);
  if (use_fhir_server) {
    document.AddMember("fhirServer", string_value(options_.fhir_server, allocator), allocator);
    if (!options_.fhir_token.empty()) {
      Json authorization(rapidjson::kObjectType);
      authorization.AddMember("access_token", string_value(options_.fhir_token, allocator), allocator);
      authorization.AddMember("token_type", "Bearer", allocator);
      authorization.AddMember("expires_in", 300, allocator);
      authorization.AddMember("scope", "patient/*.read", allocator);
      authorization.AddMember("subject", "icans-cds-replay", allocator);
      document.AddMember("fhirAuthorization", authorization, allocator);
    }
  }
  Json context(rapidjson::kObjectType);
  context.AddMember("userId", string_value(options_.user_id, allocator), allocator);
  context.AddMember("patientId", string_value(call.patient, allocator), allocator);
  if (call.hook == "order-select" || call.hook == "order-sign") {
    Json selections(rapidjson::kArrayType);
    Json entries(rapidjson::kArrayType);
    for (const auto& request : record.medication_requests) {
      const std::string reference = "MedicationRequest/" + request.id;
      if (std::find(call.selections.begin(), call.selections.end(), reference) == call.selections.end()) continue;
      const Json* raw = raw_.find(request.origin);
      if (!raw) continue;
      Json entry(rapidjson::kObjectType);
      entry.AddMember("resource", prepare(*raw, record.patient_id, shift, allocator), allocator);
      entries.PushBack(entry, allocator);
      selections.PushBack(string_value(reference, allocator), allocator);
    }
    Json draft_orders(rapidjson::kObjectType);
    draft_orders.AddMember("resourceType", "Bundle", allocator);
    draft_orders.AddMember("type", "collection", allocator);
    draft_orders.AddMember("entry", entries, allocator);
    if (call.hook == "order-select") context.AddMember("selections", selections, allocator);
    context.AddMember("draftOrders", draft_orders, allocator);
  }
  document.AddMember("context", context, allocator);
  if (!use_fhir_server) {
    Json prefetch(rapidjson::kObjectType);
    if (const DiscoveredService* s = service(call.service_id)) {
      for (const auto& [key, query_text] : s->prefetch) {
        const PrefetchQuery query = parse_prefetch_query(query_text);
        if (!query.error.empty()) continue;  // said once in notes()
        prefetch.AddMember(string_value(key, allocator), prefetch_value(query, record, call.at, shift, allocator),
                           allocator);
      }
    }
    document.AddMember("prefetch", prefetch, allocator);
  }
  return write_json(document);
}

CallResult HttpReplay::send(const HookCall& call, const fhir::PatientRecord& record) const {
  CallResult result;
  result.call = call;
  result.url = options_.server + "/cds-services/" + call.service_id;
  HttpHeaders headers{{"Accept", "application/json"}};
  if (options_.authorization) {
    std::string error;
    const std::string value = options_.authorization(result.url, error);
    if (!error.empty()) {
      result.error = "cannot sign the request: " + error;
      return result;
    }
    headers.emplace("Authorization", value);
  }
  const auto started = std::chrono::steady_clock::now();
  TimeShift shift;
  const std::string body = request_body(call, record, system_now(), shift);
  result.shift_ms = shift.enabled ? shift.delta : 0;
  const auto posted = std::chrono::steady_clock::now();
  const HttpGetResult got = http_post(result.url, headers, body, options_.timeout, kMaxResponseBytes);
  const auto answered = std::chrono::steady_clock::now();
  result.milliseconds = std::chrono::duration<double, std::milli>(answered - posted).count();
  result.latency_beyond_margin =
      shift.enabled &&
      std::chrono::duration_cast<std::chrono::milliseconds>(answered - started).count() > options_.clock_margin_ms;
  result.status = got.status;
  if (!got.error.empty()) {
    result.error = got.error;
    return result;
  }
  if (got.status != 200) {
    std::string message;
    rapidjson::Document document;
    if (fhir::parse_json(got.body, document).empty()) message = string_member(document, "error");
    if (message.empty()) message = got.body.substr(0, 200);
    result.error = "HTTP " + std::to_string(got.status) + (message.empty() ? "" : ": " + message);
    return result;
  }
  std::string content_type;
  if (auto it = got.headers.find("content-type"); it != got.headers.end()) content_type = it->second;
  result.violations = check_service_response(got.body, content_type, result.cards, result.error);
  return result;
}

std::vector<CallResult> HttpReplay::run(
    const std::vector<std::pair<HookCall, const fhir::PatientRecord*>>& calls) const {
  std::vector<CallResult> results(calls.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < calls.size(); i = next++) results[i] = send(calls[i].first, *calls[i].second);
  };
  const int threads = std::max(1, std::min<int>(options_.concurrency, static_cast<int>(calls.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  return results;
}

std::vector<std::string> HttpReplay::notes() const {
  std::vector<std::string> notes;
  std::set<std::string> seen;
  for (const auto& s : services_) {
    for (const auto& [key, query_text] : s.prefetch) {
      const PrefetchQuery query = parse_prefetch_query(query_text);
      std::string note;
      if (!query.error.empty()) {
        note = "prefetch '" + key + "' (" + query_text + ") is not sent: " + query.error;
      } else if (!query.ignored.empty()) {
        std::string list;
        for (const auto& name : query.ignored) list += (list.empty() ? "" : ", ") + name;
        note = "prefetch '" + key + "' (" + query_text + "): parameter(s) " + list + " not applied";
      }
      if (!note.empty() && seen.insert(note).second) notes.push_back(note);
    }
  }
  return notes;
}

// --- response checks ------------------------------------------------------------------

std::vector<std::string> check_service_response(std::string_view body, const std::string& content_type,
                                                std::vector<ReceivedCard>& cards, std::string& error) {
  cards.clear();
  Violations violations;
  rapidjson::Document document;
  if (auto problem = fhir::parse_json(body, document); !problem.empty()) {
    error = "response is not JSON: " + problem;
    return {};
  }
  if (!content_type.starts_with("application/json")) {
    violations.add("Content-Type: \"" + content_type + "\"; a CDS service responds with application/json");
  }
  const Json* list = member(document, "cards");
  if (list && list->IsArray()) {
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const Json& raw = (*list)[i];
      const std::string path = "cards[" + std::to_string(i) + "]";
      cards.push_back(read_leniently(raw));
      check_named_rules(raw, path, violations);
      Card card;
      if (auto problem = from_json(raw, card); !problem.empty()) {
        violations.add(prefixed(path, problem));
      } else {
        violations.add(prefixed(path, check_card(card)));
      }
    }
  }
  // The whole response last: what it adds beyond the cards (a missing
  // "cards", repeated uuids, system actions).
  Response response;
  if (auto problem = from_json(document, response); !problem.empty()) {
    violations.add(problem);
  } else {
    violations.add(check_response(response));
  }
  return violations.take();
}

std::string random_uuid() {
  std::random_device device;
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    const unsigned int word = device();
    for (std::size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<unsigned char>(word >> (8 * j));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // variant 10
  char text[37];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
                bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

}  // namespace icans::cli
