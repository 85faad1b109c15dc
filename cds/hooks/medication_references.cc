#include "cds/hooks/medication_references.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <set>

#include "cds/hooks/json_member.h"
#include "fhir/json.h"
#include "fhir/server_reference.h"

namespace icans {
namespace {

using Json = rapidjson::Value;
using Clock = std::chrono::steady_clock;
using IdSet = std::set<std::string, std::less<>>;

// A search by _id matches at most one Medication per id; these few entries
// more leave room for the OperationOutcome entries (search mode "outcome")
// some servers add, and no more: a longer answer is not what was asked.
constexpr std::size_t kOutcomeEntries = 5;

// Ids named in one missing-data line; the intake warnings name every reference.
constexpr std::size_t kMaxListedIds = 5;

constexpr std::string_view kUnknownDrug =
    "the drug of the administrations and orders referring to them is unknown";

std::string_view string_member(const Json& object, const char* name) {
  const Json* value = member(object, name);
  return value && value->IsString() ? std::string_view(value->GetString(), value->GetStringLength())
                                    : std::string_view();
}

// Every resource of the inputs the way intake sees them: a Bundle's entries,
// numbered from 1 (a Bundle inside a Bundle is not read), or the input
// itself, entry 0.
void for_each_resource(const std::vector<JsonInput>& inputs,
                       const std::function<void(const JsonInput&, std::size_t, const Json&)>& visit) {
  for (const auto& input : inputs) {
    if (!input.value || !input.value->IsObject()) continue;
    if (string_member(*input.value, "resourceType") != "Bundle") {
      visit(input, 0, *input.value);
      continue;
    }
    const Json* entries = member(*input.value, "entry");
    if (!entries || !entries->IsArray()) continue;
    std::size_t number = 0;
    for (const auto& entry : entries->GetArray()) {
      ++number;
      const Json* resource = member(entry, "resource");
      if (resource && resource->IsObject()) visit(input, number, *resource);
    }
  }
}

// The id of the Medication `reference` names on the request's FHIR server, or
// empty. The id goes into a query string: only a FHIR id, which needs no
// escaping, ever gets there.
std::string_view medication_id(std::string_view reference, std::string_view fhir_server) {
  if (fhir::is_absolute_url(reference)) {
    const auto path = fhir_server.empty() ? std::nullopt : fhir::path_on_server(reference, fhir_server);
    if (!path) return {};
    reference = *path;
  }
  constexpr std::string_view kType = "Medication/";
  if (!reference.starts_with(kType)) return {};
  reference.remove_prefix(kType.size());
  const std::string_view id = reference.substr(0, reference.find('/'));
  // A version is not asked for: intake resolves by id alone.
  if (const std::string_view version = reference.substr(id.size()); !version.empty()) {
    constexpr std::string_view kHistory = "/_history/";
    if (!version.starts_with(kHistory) || version.size() == kHistory.size() ||
        version.find('/', kHistory.size()) != std::string_view::npos) {
      return {};
    }
  }
  return is_fhir_id(id) ? id : std::string_view();
}

// The reference an administration or order gives its drug by, or empty.
// Intake reads medicationCodeableConcept first; a reference beside it is not used.
std::string_view drug_reference(const Json& resource) {
  const std::string_view type = string_member(resource, "resourceType");
  if (type != "MedicationAdministration" && type != "MedicationRequest") return {};
  if (member(resource, "medicationCodeableConcept")) return {};
  const Json* reference = member(resource, "medicationReference");
  return reference ? string_member(*reference, "reference") : std::string_view();
}

struct MedicationIds {
  IdSet referenced;  // by administrations and orders, as `medication_id` reads them
  IdSet held;        // Medications present
};

MedicationIds medication_ids(const std::vector<JsonInput>& inputs, std::string_view fhir_server) {
  MedicationIds ids;
  for_each_resource(inputs, [&](const JsonInput&, std::size_t, const Json& resource) {
    if (string_member(resource, "resourceType") == "Medication") {
      ids.held.emplace(string_member(resource, "id"));
      return;
    }
    const std::string_view id = medication_id(drug_reference(resource), fhir_server);
    if (!id.empty()) ids.referenced.emplace(id);
  });
  return ids;
}

std::string listed(const std::vector<std::string>& ids) {
  std::string text;
  for (std::size_t i = 0; i < ids.size() && i < kMaxListedIds; ++i) {
    text += (i ? ", Medication/" : "Medication/") + ids[i];
  }
  if (ids.size() > kMaxListedIds) text += " and " + std::to_string(ids.size() - kMaxListedIds) + " more";
  return text;
}

// Why page `number` of the answer cannot be used, or empty. A search by _id
// answers with the Medications asked for (and perhaps an OperationOutcome);
// anything else in it is not read into the chart.
std::string page_problem(const rapidjson::Document& page, std::size_t number) {
  const std::string name = "page " + std::to_string(number);
  if (string_member(page, "resourceType") != "Bundle") return name + " is not a Bundle";
  const Json* entries = member(page, "entry");
  if (!entries) return {};
  if (!entries->IsArray()) return name + ": Bundle.entry is not an array";
  for (const auto& entry : entries->GetArray()) {
    const Json* resource = member(entry, "resource");
    if (!resource) continue;
    const std::string_view type = string_member(*resource, "resourceType");
    if (type != "Medication" && type != "OperationOutcome") {
      return name + " holds a resource that is not a Medication (" +
             std::string(type.empty() ? "no resourceType" : type.substr(0, 64)) + ")";
    }
  }
  return {};
}

}  // namespace

UnresolvedMedications unresolved_medication_references(const std::vector<JsonInput>& inputs,
                                                       std::string_view fhir_server, std::size_t max_ids,
                                                       const rapidjson::Value* draft_orders) {
  const MedicationIds chart = medication_ids(inputs, fhir_server);
  IdSet wanted;
  for (const auto& id : chart.referenced) {
    if (!chart.held.contains(id)) wanted.insert(id);
  }
  if (draft_orders) {
    const MedicationIds drafts = medication_ids({{"context.draftOrders", draft_orders}}, fhir_server);
    for (const auto& id : drafts.referenced) {
      if (!chart.held.contains(id) && !drafts.held.contains(id)) wanted.insert(id);
    }
  }
  UnresolvedMedications unresolved;
  for (const auto& id : wanted) {
    if (unresolved.ids.size() < max_ids) {
      unresolved.ids.push_back(id);
    } else {
      ++unresolved.left_out;
    }
  }
  return unresolved;
}

std::vector<JsonInput> medications_for_drafts(const std::vector<JsonInput>& inputs,
                                              const rapidjson::Value& draft_orders, std::string_view fhir_server) {
  const IdSet referenced = medication_ids({{"context.draftOrders", &draft_orders}}, fhir_server).referenced;
  std::vector<JsonInput> medications;
  if (referenced.empty()) return medications;
  for_each_resource(inputs, [&](const JsonInput& input, std::size_t entry, const Json& resource) {
    if (string_member(resource, "resourceType") != "Medication") return;
    if (!referenced.contains(string_member(resource, "id"))) return;
    medications.push_back({entry == 0 ? input.name : input.name + " entry " + std::to_string(entry), &resource});
  });
  return medications;
}

std::string medication_search_query(const std::vector<std::string>& ids) {
  std::string query = "Medication?_id=";
  for (std::size_t i = 0; i < ids.size(); ++i) query += (i ? "," : "") + ids[i];
  // One page for all of them where the server allows it; paged otherwise.
  return query + "&_count=" + std::to_string(ids.size());
}

void fetch_referenced_medications(const HookRequest& request, const FetchPolicy& policy,
                                  GatheredData& data, std::size_t max_ids) {
  // Without a server that may be asked, as for the prefetch keys: intake's
  // warnings alone say which drugs are unknown.
  if (request.fhir_server.empty() || !policy.server_refused.empty() || !policy.search) return;
  const UnresolvedMedications unresolved =
      unresolved_medication_references(data.inputs, request.fhir_server, max_ids, request.draft_orders);
  if (unresolved.left_out > 0) {
    data.missing_data.push_back(std::to_string(unresolved.left_out) +
                                " more Medications referred to by medication administrations or "
                                "orders were not fetched (at most " +
                                std::to_string(max_ids) + " per request); " + std::string(kUnknownDrug));
  }
  if (unresolved.ids.empty()) return;

  const std::string key(kMedicationReferencesKey);
  FetchReport report{key, medication_search_query(unresolved.ids), "", "", 0, 0};
  const auto started = Clock::now();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(policy.deadline - started);
  // What the prefetch fetches kept counts against the request's budgets.
  const std::size_t bytes_left = policy.max_bytes - std::min(policy.max_bytes, data.fetched_bytes);
  const std::size_t resources_left =
      policy.max_resources - std::min(policy.max_resources, data.fetched_resources);
  FhirSearchResult result;
  if (left <= std::chrono::milliseconds(0)) {
    result.error = "the request's fetch deadline had passed before this fetch";
  } else if (bytes_left == 0 || resources_left == 0) {
    result.error = "the request's fetch budget (max_bytes, max_resources) was used up by the other fetches";
  } else {
    FhirClientLimits limits;
    limits.deadline = left;
    limits.max_pages = policy.max_pages;
    limits.max_bytes = bytes_left;
    limits.max_resources = std::min(resources_left, unresolved.ids.size() + kOutcomeEntries);
    const std::string token =
        request.fhir_authorization ? request.fhir_authorization->access_token : std::string();
    result = policy.search(request.fhir_server, report.query, token, limits);
  }

  IdSet found;
  std::size_t usable_pages = 0;
  for (std::size_t page = 0; page < result.pages.size(); ++page) {
    auto document = std::make_unique<rapidjson::Document>();
    std::string problem = fhir::parse_json(result.pages[page], *document);
    problem = problem.empty() ? page_problem(*document, page + 1)
                              : "page " + std::to_string(page + 1) + " is not valid JSON (" + problem + ")";
    if (!problem.empty()) {
      result.complete = false;
      result.error = problem;
      break;
    }
    if (const Json* entries = member(*document, "entry")) {
      for (const auto& entry : entries->GetArray()) {
        const Json* resource = member(entry, "resource");
        if (resource && string_member(*resource, "resourceType") == "Medication") {
          found.emplace(string_member(*resource, "id"));
        }
      }
      data.fetched_resources += entries->Size();
    }
    data.fetched_bytes += result.pages[page].size();
    data.inputs.push_back({"fhirServer " + key + " page " + std::to_string(page + 1), document.get()});
    data.fetched.push_back(std::move(document));
    ++usable_pages;
  }
  report.pages = usable_pages;
  report.error = result.complete ? std::string() : result.error;
  report.result = fetch_result_label(result, usable_pages);
  report.milliseconds = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  data.fetches.push_back(std::move(report));

  std::vector<std::string> missing;
  for (const auto& id : unresolved.ids) {
    if (!found.contains(id)) missing.push_back(id);
  }
  if (missing.empty()) return;
  const std::string where =
      result.complete ? std::string("not found on the FHIR server")
                      : "not obtained (fetching them from the FHIR server failed: " +
                            (result.error.empty() ? std::string("no answer") : result.error) + ")";
  data.missing_data.push_back(listed(missing) + ": referred to by medication administrations or orders, " +
                              where + "; " + std::string(kUnknownDrug));
}

}  // namespace icans
