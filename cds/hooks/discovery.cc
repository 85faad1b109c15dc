#include "cds/hooks/discovery.h"

#include <algorithm>
#include <cctype>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icans {
namespace {

constexpr std::string_view kUserTokens[] = {"userPractitionerId", "userPractitionerRoleId",
                                            "userPatientId", "userRelatedPersonId"};

double longest_observation_window(const GradingConfig& g) {
  return std::max({g.ice_window_hours, g.consciousness_window_hours, g.motor_window_hours,
                   g.seizure_window_hours, g.imaging_window_hours, g.fever_window_hours,
                   g.hypotension_window_hours, g.oxygen_window_hours});
}

// A work-up order or result younger than its repeat interval stops the card
// from proposing it again, so orders and reports must reach back that far.
double longest_repeat_interval(const Protocol& protocol) {
  double hours = 0;
  for (const auto& item : protocol.workup.items) {
    if (item.enabled) hours = std::max(hours, item.repeat_interval_hours);
  }
  return hours;
}

std::vector<PrefetchTemplate> prefetch_templates(const GradingConfig& grading,
                                                 const Protocol& protocol,
                                                 const PrefetchSizes& sizes) {
  const double orders_hours = std::max(grading.imaging_window_hours, longest_repeat_interval(protocol));
  const std::string count_obs = std::to_string(sizes.observations);
  const std::string count_admin = std::to_string(sizes.administrations);
  const std::string count_sr = std::to_string(sizes.service_requests);
  const std::string count_dr = std::to_string(sizes.diagnostic_reports);
  std::vector<PrefetchTemplate> templates;
  templates.push_back({"patient", "Patient/{{context.patientId}}", "Patient", true, false, "",
                       Lookback::everything, 0, 0,
                       "the Patient resource (birth date: ICE or CAPD, pediatric thresholds)"});
  // Not filtered by code: a site's local flowsheet codes (site terminology
  // map) would be left out by any code list written here.
  templates.push_back({"observations",
                       "Observation?patient={{context.patientId}}&_sort=-date&_count=" + count_obs,
                       "Observation", false, true, "date", Lookback::hours_before_t,
                       longest_observation_window(grading), sizes.observations,
                       "observations (vital signs, ICE/CAPD, neurological findings, labs)"});
  templates.push_back(
      {"administrations",
       "MedicationAdministration?patient={{context.patientId}}&_sort=-effective-time&_count=" +
           count_admin,
       "MedicationAdministration", false, true, "effective-time", Lookback::since_infusion, 0,
       sizes.administrations,
       "medication administrations (corticosteroids, tocilizumab, vasopressors, sedatives)"});
  templates.push_back({"procedures", "Procedure?patient={{context.patientId}}", "Procedure", false,
                       true, "date", Lookback::everything, 0, 0,
                       "procedures (the cell therapy infusion, day 0)"});
  templates.push_back({"medicationRequests",
                       "MedicationRequest?patient={{context.patientId}}&status=active",
                       "MedicationRequest", false, false, "", Lookback::everything, 0, 0,
                       "active medication orders (seizure prophylaxis)"});
  templates.push_back({"serviceRequests",
                       "ServiceRequest?patient={{context.patientId}}&_sort=-authored&_count=" + count_sr,
                       "ServiceRequest", false, false, "authored", Lookback::hours_before_t,
                       orders_hours, sizes.service_requests,
                       "service orders (imaging, EEG, consults already ordered)"});
  templates.push_back({"diagnosticReports",
                       "DiagnosticReport?patient={{context.patientId}}&_sort=-date&_count=" + count_dr,
                       "DiagnosticReport", false, false, "date", Lookback::hours_before_t,
                       orders_hours, sizes.diagnostic_reports,
                       "diagnostic reports (MRI, CT, EEG results)"});
  return templates;
}

constexpr std::string_view kUsageRequirements =
    "Grades ICANS and CRS (ASTCT 2019) for patients after immune effector cell therapy. Needs "
    "the patient's Observations, MedicationAdministrations and Procedures, by prefetch or "
    "through fhirServer with fhirAuthorization (read access to Patient, Observation, "
    "MedicationAdministration, Procedure, MedicationRequest, ServiceRequest and "
    "DiagnosticReport); without them the service answers 412. Data the service could not "
    "obtain is named on the cards.";

bool is_resource_type(std::string_view text) {
  if (text.empty() || !std::isupper(static_cast<unsigned char>(text.front()))) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

bool is_parameter_name(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Checks one {{...}} token against the hook's token fields and the user tokens.
std::string check_token(std::string_view token, std::string_view hook) {
  for (auto user : kUserTokens) {
    if (token == user) return {};
  }
  constexpr std::string_view kContext = "context.";
  if (!token.starts_with(kContext)) {
    return "prefetch token {{" + std::string(token) +
           "}} is neither a context field nor one of the user tokens";
  }
  const std::string_view field = token.substr(kContext.size());
  for (const auto& allowed : context_token_fields(hook)) {
    if (field == allowed) return {};
  }
  return "prefetch token {{" + std::string(token) + "}} is not a prefetch token of hook '" +
         std::string(hook) + "'";
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> context_token_fields(std::string_view hook) {
  // patient-view 1.0, order-select 1.0 and order-sign 1.0 mark exactly these
  // as prefetch tokens; selections and draftOrders are not.
  if (hook == "patient-view" || hook == "order-select" || hook == "order-sign") {
    return {"userId", "patientId", "encounterId"};
  }
  return {};
}

std::vector<ServiceDefinition> service_definitions(const GradingConfig& grading,
                                                   const Protocol& protocol,
                                                   const PrefetchSizes& sizes) {
  const auto templates = prefetch_templates(grading, protocol, sizes);
  std::vector<ServiceDefinition> services;
  services.push_back(
      {"icans-patient-view", "patient-view", "ICANS and CRS grading after CAR-T (chart opened)",
       "Derives the ICE score and the ASTCT 2019 ICANS and CRS grades from the chart and shows "
       "what the institutional protocol recommends now, with the evidence each grade rests on.",
       std::string(kUsageRequirements), templates});
  services.push_back(
      {"icans-order-select", "order-select", "ICANS and CRS check of selected orders",
       "Checks orders as they are selected against the current ICANS and CRS grades (for "
       "example tocilizumab for ICANS without CRS) and proposes the protocol's orders.",
       std::string(kUsageRequirements), templates});
  services.push_back(
      {"icans-order-sign", "order-sign", "ICANS and CRS check before orders are signed",
       "Checks the orders about to be signed against the current ICANS and CRS grades and the "
       "institutional protocol.",
       std::string(kUsageRequirements), templates});
  return services;
}

const ServiceDefinition* find_service(const std::vector<ServiceDefinition>& services,
                                      std::string_view id) {
  for (const auto& service : services) {
    if (service.id == id) return &service;
  }
  return nullptr;
}

std::string discovery_json(const std::vector<ServiceDefinition>& services) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("services");
  writer.StartArray();
  for (const auto& service : services) {
    writer.StartObject();
    writer.Key("hook");
    writer.String(service.hook);
    writer.Key("title");
    writer.String(service.title);
    writer.Key("description");
    writer.String(service.description);
    writer.Key("id");
    writer.String(service.id);
    if (!service.prefetch.empty()) {
      writer.Key("prefetch");
      writer.StartObject();
      for (const auto& entry : service.prefetch) {
        writer.Key(entry.key.c_str(), static_cast<rapidjson::SizeType>(entry.key.size()));
        writer.String(entry.query);
      }
      writer.EndObject();
    }
    if (!service.usage_requirements.empty()) {
      writer.Key("usageRequirements");
      writer.String(service.usage_requirements);
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string check_prefetch_template(std::string_view query, std::string_view hook) {
  if (query.empty()) return "empty prefetch template";
  // Tokens first: everything between {{ and }}.
  std::string skeleton;  // the query with each token replaced by "T"
  for (std::size_t i = 0; i < query.size();) {
    if (query.compare(i, 2, "{{") == 0) {
      const auto end = query.find("}}", i + 2);
      if (end == std::string_view::npos) return "unterminated prefetch token (no '}}')";
      const auto token = query.substr(i + 2, end - i - 2);
      if (auto problem = check_token(token, hook); !problem.empty()) return problem;
      skeleton += 'T';
      i = end + 2;
      continue;
    }
    if (query.compare(i, 2, "}}") == 0) return "'}}' without '{{'";
    skeleton += query[i++];
  }
  const auto question = skeleton.find('?');
  const std::string path = skeleton.substr(0, question);
  if (path.find(':') != std::string::npos || path.front() == '/') {
    return "a prefetch template is a relative FHIR URL, not '" + std::string(query) + "'";
  }
  const auto slash = path.find('/');
  const std::string type = path.substr(0, slash);
  if (!is_resource_type(type)) return "'" + type + "' is not a FHIR resource type";
  if (slash != std::string::npos) {  // instance read: Type/id, nothing else
    const std::string id = path.substr(slash + 1);
    if (id.empty() || id.find('/') != std::string::npos || question != std::string::npos) {
      return "a read must be Type/{{id}} without parameters";
    }
    return {};
  }
  if (question == std::string::npos) return {};  // all resources of a type: allowed, if unusual
  const std::string parameters = skeleton.substr(question + 1);
  std::size_t start = 0;
  while (start <= parameters.size()) {
    auto end = parameters.find('&', start);
    if (end == std::string::npos) end = parameters.size();
    const std::string parameter = parameters.substr(start, end - start);
    const auto equals = parameter.find('=');
    if (parameter.empty() || equals == std::string::npos || equals == 0) {
      return "parameter '" + parameter + "' is not name=value";
    }
    std::string name = parameter.substr(0, equals);
    const std::string value = parameter.substr(equals + 1);
    if (value.empty()) return "parameter '" + name + "' has no value";
    if (const auto colon = name.find(':'); colon != std::string::npos) {
      if (name.substr(colon) != ":in") {
        return "modifier '" + name.substr(colon) + "' is outside the recommended prefetch subset";
      }
      name.erase(colon);
    }
    if (!is_parameter_name(name)) {
      return "parameter '" + name + "' is chained or not a search parameter name";
    }
    if (name == "_count") {
      if (!std::all_of(value.begin(), value.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return "_count must be a number";
      }
    } else if (name == "_sort") {
      std::size_t from = 0;
      while (from <= value.size()) {
        auto comma = value.find(',', from);
        if (comma == std::string::npos) comma = value.size();
        std::string key = value.substr(from, comma - from);
        if (!key.empty() && key.front() == '-') key.erase(0, 1);
        if (!is_parameter_name(key)) return "_sort key '" + key + "' is not a parameter name";
        from = comma + 1;
      }
    } else if (name.front() == '_' && name != "_id") {
      return "'" + name + "' is outside the recommended prefetch subset";
    }
    start = end + 1;
  }
  return {};
}

bool expand_prefetch_template(std::string_view query, const std::vector<TokenValue>& values,
                              std::string& expanded, std::string& error) {
  expanded.clear();
  for (std::size_t i = 0; i < query.size();) {
    if (query.compare(i, 2, "{{") != 0) {
      expanded += query[i++];
      continue;
    }
    const auto end = query.find("}}", i + 2);
    if (end == std::string_view::npos) {
      error = "unterminated prefetch token";
      return false;
    }
    const auto token = query.substr(i + 2, end - i - 2);
    const auto found = std::find_if(values.begin(), values.end(),
                                    [&](const TokenValue& v) { return v.token == token; });
    if (found == values.end() || found->value.empty()) {
      error = "no value for prefetch token {{" + std::string(token) + "}}";
      return false;
    }
    expanded += percent_encode(found->value);
    i = end + 2;
  }
  return true;
}

}  // namespace icans
