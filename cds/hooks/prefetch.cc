#include "cds/hooks/prefetch.h"

#include <algorithm>
#include <future>

#include "cds/hooks/json_member.h"
#include "cds/scope.h"
#include "fhir/intake.h"
#include "fhir/json.h"

namespace icans {
namespace {

using Json = rapidjson::Value;
using Clock = std::chrono::steady_clock;

std::string_view view(const Json& string) { return {string.GetString(), string.GetStringLength()}; }

// A view into the document: the type of every entry of a bundle is compared,
// and copying it would allocate for the longer names.
std::string_view resource_type_of(const Json& resource) {
  const Json* type = member(resource, "resourceType");
  return type && type->IsString() ? view(*type) : std::string_view();
}

// Where each resource type keeps the time the window is measured on (the
// search parameter the template sorts by): a member, or a member's member.
using TimeFields = std::vector<std::pair<const char*, const char*>>;

const TimeFields& time_fields(std::string_view type) {
  static const std::vector<std::pair<std::string_view, TimeFields>> kFields = {
      {"Observation",
       {{"effectiveDateTime", nullptr}, {"effectiveInstant", nullptr},
        {"effectivePeriod", "start"}, {"issued", nullptr}}},
      {"MedicationAdministration", {{"effectiveDateTime", nullptr}, {"effectivePeriod", "start"}}},
      {"DiagnosticReport",
       {{"effectiveDateTime", nullptr}, {"effectivePeriod", "start"}, {"issued", nullptr}}},
      {"ServiceRequest", {{"authoredOn", nullptr}}},
      {"Procedure", {{"performedDateTime", nullptr}, {"performedPeriod", "start"}}},
  };
  static const TimeFields kNone;
  for (const auto& [name, fields] : kFields) {
    if (name == type) return fields;
  }
  return kNone;
}

std::optional<fhir::Instant> resource_time(const Json& resource, const TimeFields& fields) {
  for (const auto& [field, inner] : fields) {
    const Json* value = member(resource, field);
    if (value && inner) value = member(*value, inner);
    if (!value || !value->IsString()) continue;
    const auto parsed = fhir::parse_datetime(view(*value));
    if (parsed.range) return parsed.range->latest;
  }
  return std::nullopt;
}

bool has_next_link(const Json& bundle) {
  const Json* links = member(bundle, "link");
  if (!links || !links->IsArray()) return false;
  for (const auto& link : links->GetArray()) {
    const Json* relation = member(link, "relation");
    if (relation && relation->IsString() && view(*relation) == "next") return true;
  }
  return false;
}

std::string server_unusable_reason(const HookRequest& request, const FetchPolicy& policy) {
  if (request.fhir_server.empty()) return "no fhirServer in the request";
  return policy.server_refused;
}

struct KeyPlan {
  const PrefetchTemplate* prefetch_template = nullptr;
  const Json* value = nullptr;  // the prefetch value, when it holds data
  PrefetchValueCheck check;
  std::optional<fhir::Instant> window_start;
  bool fetch = false;
  std::string query;
  std::future<FhirSearchResult> pending;
};

std::string describe_state(PrefetchStatus status, const std::string& key) {
  switch (status) {
    case PrefetchStatus::absent: return "prefetch key '" + key + "' absent";
    case PrefetchStatus::failed: return "prefetch key '" + key + "' held an OperationOutcome";
    case PrefetchStatus::no_data: return "prefetch key '" + key + "' null";
    case PrefetchStatus::partial: return "prefetch key '" + key + "' incomplete";
    case PrefetchStatus::complete: return "prefetch key '" + key + "' complete";
  }
  return {};
}

// Day 0 from the procedures and administrations already in hand: the
// administrations fetch reaches back to it.
std::optional<fhir::Instant> infusion_in(const std::vector<const Json*>& values,
                                         const std::string& patient_id, fhir::Instant at,
                                         const fhir::Terminology& terminology,
                                         const GradingConfig& grading) {
  fhir::Intake intake(terminology);
  bool any = false;
  for (const Json* value : values) {
    if (!value) continue;
    any = true;
    if (!intake.add_json_value(*value, "day0").empty()) return std::nullopt;
  }
  if (!any) return std::nullopt;
  auto result = intake.finish();
  const auto found = result.patients.find(patient_id);
  if (found == result.patients.end()) return std::nullopt;
  const Scope scope = find_scope(found->second, at, grading);
  if (!scope.therapy) return std::nullopt;
  return scope.therapy->day0;
}

std::string hours_text(double hours) {
  std::string text = std::to_string(hours);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.ends_with('.')) text.pop_back();
  return text;
}

std::string lookback_text(const KeyPlan& plan) {
  const auto& t = *plan.prefetch_template;
  switch (t.lookback) {
    case Lookback::hours_before_t: return "the last " + hours_text(t.lookback_hours) + " h";
    case Lookback::since_infusion: return "the time since the infusion";
    case Lookback::everything: return "all of them";
  }
  return {};
}

}  // namespace

std::string_view to_string(PrefetchStatus status) {
  switch (status) {
    case PrefetchStatus::complete: return "complete";
    case PrefetchStatus::partial: return "partial";
    case PrefetchStatus::no_data: return "null";
    case PrefetchStatus::absent: return "absent";
    case PrefetchStatus::failed: return "OperationOutcome";
  }
  return "unknown";
}

std::string fetch_result_label(const FhirSearchResult& result, std::size_t usable_pages) {
  if (result.complete) return "ok";
  if (usable_pages > 0) return "partial";
  const auto& e = result.error;
  if (e.find("timeout") != std::string::npos || e.find("deadline") != std::string::npos ||
      e.find("timed out") != std::string::npos) {
    return "timeout";
  }
  return "error";
}

namespace {

// check_prefetch_value, with the dating of the entries (PrefetchValueCheck::
// oldest) left out of a complete value when `date_complete` is false:
// gather_data reads `oldest` only to decide whether a partial value reaches
// back far enough, and dating every entry means parsing one time per
// resource of the request, the largest part of this check.
std::string check_value(const PrefetchTemplate& prefetch_template, const Json* value,
                        std::string_view patient_id, PrefetchValueCheck& check, bool date_complete) {
  check = PrefetchValueCheck{};
  if (!value) {
    check.status = PrefetchStatus::absent;
    return {};
  }
  if (value->IsNull()) {
    check.status = PrefetchStatus::no_data;
    return {};
  }
  const auto path = [&prefetch_template] { return "prefetch." + prefetch_template.key; };
  if (!value->IsObject()) {
    return path() + ": must be a FHIR resource, a Bundle or null, not " + fhir::json_type_name(*value);
  }
  const std::string_view type = resource_type_of(*value);
  if (type.empty()) return path() + ": has no resourceType; not a FHIR resource";
  if (type == "OperationOutcome") {
    check.status = PrefetchStatus::failed;
    return {};
  }
  if (type != "Bundle") {
    if (!prefetch_template.read) {
      return path() + ": a search result must be a Bundle, not a " + std::string(type);
    }
    if (type != prefetch_template.resource_type) {
      return path() + ": must be a " + prefetch_template.resource_type + ", not a " + std::string(type);
    }
    const Json* id = member(*value, "id");
    if (!id || !id->IsString() || view(*id) != patient_id) {
      return path() + ": " + std::string(type) + ".id is not context.patientId '" + std::string(patient_id) +
             "'";
    }
    check.status = PrefetchStatus::complete;
    check.entries = 1;
    return {};
  }
  const Json* entries = member(*value, "entry");
  if (entries && !entries->IsArray()) {
    return path() + ".entry: must be an array, not " + std::string(fhir::json_type_name(*entries));
  }
  // The entries of the template's type, in order.
  const auto each_entry = [&](auto&& use) {
    if (!entries) return;
    for (const auto& entry : entries->GetArray()) {
      const Json* resource = member(entry, "resource");
      if (!resource || resource_type_of(*resource) != prefetch_template.resource_type) continue;
      use(*resource);
    }
  };
  each_entry([&check](const Json&) { ++check.entries; });
  check.next_link = has_next_link(*value);
  std::size_t total = 0;
  if (const Json* t = member(*value, "total"); t && t->IsUint64()) total = t->GetUint64();
  const bool at_count = prefetch_template.count > 0 &&
                        check.entries >= static_cast<std::size_t>(prefetch_template.count);
  check.status = (check.next_link || total > check.entries || at_count) ? PrefetchStatus::partial
                                                                       : PrefetchStatus::complete;
  if (check.status == PrefetchStatus::partial || date_complete) {
    const TimeFields& fields = time_fields(prefetch_template.resource_type);
    each_entry([&](const Json& resource) {
      const auto time = resource_time(resource, fields);
      if (time && (!check.oldest || *time < *check.oldest)) check.oldest = time;
    });
  }
  return {};
}

}  // namespace

std::string check_prefetch_value(const PrefetchTemplate& prefetch_template, const Json* value,
                                 std::string_view patient_id, PrefetchValueCheck& check) {
  return check_value(prefetch_template, value, patient_id, check, /*date_complete=*/true);
}

GatheredData gather_data(const ServiceDefinition& service, const HookRequest& request,
                         fhir::Instant at, const FetchPolicy& policy,
                         const fhir::Terminology& terminology, const GradingConfig& grading) {
  GatheredData data;
  const std::string unusable = server_unusable_reason(request, policy);
  const bool server_usable = unusable.empty();
  std::vector<TokenValue> tokens = {{"context.patientId", request.patient_id},
                                    {"context.userId", request.user_id}};
  if (!request.encounter_id.empty()) tokens.push_back({"context.encounterId", request.encounter_id});

  std::vector<KeyPlan> plans(service.prefetch.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    KeyPlan& plan = plans[i];
    plan.prefetch_template = &service.prefetch[i];
    const auto& t = *plan.prefetch_template;
    const Json* value = request.prefetch ? member(*request.prefetch, t.key.c_str()) : nullptr;
    if (auto error = check_value(t, value, request.patient_id, plan.check, /*date_complete=*/false);
        !error.empty()) {
      data.error = error;
      return data;
    }
    const auto status = plan.check.status;
    if (status == PrefetchStatus::complete || status == PrefetchStatus::partial) plan.value = value;
    if (t.lookback == Lookback::hours_before_t) {
      plan.window_start = at - static_cast<fhir::Instant>(t.lookback_hours * fhir::kMillisPerHour);
    }
  }
  // Day 0 bounds the administrations fetch; it needs the procedures (and
  // administrations: an infusion may be charted as one) already in hand.
  for (auto& plan : plans) {
    if (plan.prefetch_template->lookback != Lookback::since_infusion ||
        plan.check.status != PrefetchStatus::partial) {
      continue;
    }
    std::vector<const Json*> values;
    for (const auto& other : plans) {
      const auto& type = other.prefetch_template->resource_type;
      if (type == "Procedure" || type == "MedicationAdministration") values.push_back(other.value);
    }
    plan.window_start = infusion_in(values, request.patient_id, at, terminology, grading);
  }

  for (auto& plan : plans) {
    const auto& t = *plan.prefetch_template;
    switch (plan.check.status) {
      case PrefetchStatus::complete:
      // The specification's null: "the CDS Client has no data to populate"
      // the key. Asking the server again would cost a round trip on most
      // calls (few patients have reports or imaging orders) for an answer
      // the EHR has already given; a client that wants the service to fetch
      // leaves the key out.
      case PrefetchStatus::no_data:
        break;
      case PrefetchStatus::partial:
        plan.fetch = !(plan.window_start && plan.check.oldest &&
                       *plan.check.oldest <= *plan.window_start);
        break;
      case PrefetchStatus::absent:
      case PrefetchStatus::failed:
        plan.fetch = true;
        break;
    }
    if (!plan.fetch) continue;
    std::string error;
    if (t.read) {
      // A read answers with the resource; a search answers with a Bundle,
      // which is what the fetcher pages through.
      plan.query = t.resource_type + "?_id=" + request.patient_id;
    } else if (!expand_prefetch_template(t.query, tokens, plan.query, error)) {
      plan.fetch = false;
      continue;
    }
    if (plan.check.status == PrefetchStatus::partial && plan.window_start && !t.date_parameter.empty()) {
      plan.query += "&" + t.date_parameter + "=ge" + fhir::format_instant(*plan.window_start);
    }
  }

  // Every fetch at once, each bounded by the one request deadline.
  if (server_usable && policy.search) {
    const std::string token =
        request.fhir_authorization ? request.fhir_authorization->access_token : std::string();
    std::size_t searches = 0;
    for (const auto& plan : plans) searches += plan.fetch ? 1 : 0;
    for (auto& plan : plans) {
      if (!plan.fetch) continue;
      FhirClientLimits limits;
      limits.max_bytes = std::max<std::size_t>(1, policy.max_bytes / searches);
      limits.max_resources = std::max<std::size_t>(1, policy.max_resources / searches);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(policy.deadline -
                                                                              Clock::now());
      limits.deadline = std::max(left, std::chrono::milliseconds(1));
      limits.max_pages = policy.max_pages;
      plan.pending = std::async(std::launch::async, policy.search, request.fhir_server, plan.query,
                                token, limits);
    }
  }

  const auto started = Clock::now();
  for (auto& plan : plans) {
    const auto& t = *plan.prefetch_template;
    const auto status = plan.check.status;
    if (plan.value) data.inputs.push_back({"prefetch." + t.key, plan.value});
    const std::string state = describe_state(status, t.key);

    std::size_t usable_pages = 0;
    bool fetched_everything = false;
    std::string fetch_problem = unusable;
    if (plan.pending.valid()) {
      FhirSearchResult result = plan.pending.get();
      FetchReport report{t.key, plan.query, "", result.error, 0,
                         std::chrono::duration<double, std::milli>(Clock::now() - started).count()};
      for (std::size_t page = 0; page < result.pages.size(); ++page) {
        auto document = std::make_unique<rapidjson::Document>();
        std::string problem = fhir::parse_json(result.pages[page], *document);
        if (problem.empty()) {
          const std::string_view type = resource_type_of(*document);
          if (type == "OperationOutcome") {
            problem = "the FHIR server answered with an OperationOutcome";
          } else if (type != "Bundle") {
            problem = "page " + std::to_string(page + 1) + " is not a Bundle";
          }
        } else {
          problem = "page " + std::to_string(page + 1) + " is not valid JSON (" + problem + ")";
        }
        if (!problem.empty()) {
          result.complete = false;
          result.error = problem;
          break;
        }
        data.inputs.push_back({"fhirServer " + t.key + " page " + std::to_string(page + 1),
                               document.get()});
        data.fetched_bytes += result.pages[page].size();
        if (const Json* entries = member(*document, "entry"); entries && entries->IsArray()) {
          data.fetched_resources += entries->Size();
        }
        data.fetched.push_back(std::move(document));
        ++usable_pages;
      }
      report.pages = usable_pages;
      report.error = result.complete ? std::string() : result.error;
      report.result = fetch_result_label(result, usable_pages);
      fetched_everything = result.complete && usable_pages > 0;
      fetch_problem = "fetching it from the FHIR server failed: " +
                      (result.error.empty() ? std::string("no answer") : result.error);
      data.fetches.push_back(std::move(report));
    } else if (plan.fetch && server_usable) {
      fetch_problem = "its query could not be built";
    }

    switch (status) {
      case PrefetchStatus::complete:
        break;
      case PrefetchStatus::no_data:  // never fetched: the EHR said there is nothing
        break;
      case PrefetchStatus::partial:
        if (plan.fetch && !fetched_everything) {
          data.missing_data.push_back(t.description + ": only partly obtained (" + state + ", " +
                                      fetch_problem + "); entries from " + lookback_text(plan) +
                                      " may be missing");
        }
        break;
      case PrefetchStatus::absent:
      case PrefetchStatus::failed:
        if (fetched_everything) break;
        if (usable_pages > 0) {
          data.missing_data.push_back(t.description + ": only partly obtained (" + state + ", " +
                                      fetch_problem + ")");
          break;
        }
        const std::string reason = t.description + ": not obtained (" + state + ", " +
                                   fetch_problem + ")";
        (t.required ? data.missing_required : data.missing_data).push_back(reason);
        break;
    }
  }
  return data;
}

}  // namespace icans
