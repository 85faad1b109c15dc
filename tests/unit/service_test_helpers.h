#pragma once
// Shared by the tests/unit/service_*_test.cc files: a Service over a
// temporary database, requests built from the shipped examples, and a fake
// FHIR server for the fetch fallback.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/protocol.h"
#include "cds/hooks/service.h"
#include "cds/hooks/store.h"
#include "fhir/json.h"
#include "fhir/terminology.h"
#include "fhir/time.h"

namespace service_test {

using namespace icans;

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string example_path(const std::string& name) {
  return std::string(ICANS_SOURCE_DIR) + "/examples/" + name;
}

inline fhir::Instant instant(const char* text) { return fhir::parse_instant(text).range->earliest; }

// Final charted times of the two examples the tests use (examples/README.md).
inline const fhir::Instant kAxicelNow = instant("2026-03-07T17:05:00Z");
inline const fhir::Instant kLisocelNow = instant("2026-02-21T16:45:00Z");

inline std::string write(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// A temporary database file, removed with the object.
struct TempDatabase {
  std::filesystem::path path;
  TempDatabase() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("icans-service-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db");
    std::filesystem::remove(path);
  }
  ~TempDatabase() {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path.string() + suffix, ignored);
    }
  }
};

// Records what the service asked the FHIR server; answers from `pages`
// (resource type of the query -> Bundle pages), or with `error`.
struct FakeFhirServer {
  struct Call {
    std::string base_url;
    std::string query;
    std::string token;
    std::chrono::milliseconds deadline{0};
  };
  std::map<std::string, std::vector<std::string>> pages;
  std::string error;  // non-empty: every search fails with it
  mutable std::mutex mutex;
  std::vector<Call> calls;

  FhirSearchFunction function() {
    return [this](const std::string& base, const std::string& query, const std::string& token,
                  const FhirClientLimits& limits) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        calls.push_back({base, query, token, limits.deadline});
      }
      FhirSearchResult result;
      if (!error.empty()) {
        result.error = error;
        return result;
      }
      const std::string type = query.substr(0, query.find('?'));
      const auto found = pages.find(type);
      if (found == pages.end()) {
        result.pages.push_back(R"({"resourceType":"Bundle","type":"searchset","entry":[]})");
      } else {
        result.pages = found->second;
      }
      result.complete = true;
      result.http_status = 200;
      return result;
    };
  }
  std::vector<Call> recorded() const {
    std::lock_guard<std::mutex> lock(mutex);
    return calls;
  }
};

// An example Bundle split the way an EHR fills the discovery templates.
struct ExampleChart {
  rapidjson::Document bundle;
  std::string patient_id;

  explicit ExampleChart(const std::string& file) {
    fhir::parse_json(read_text(example_path(file)), bundle);
    for (const auto& entry : bundle["entry"].GetArray()) {
      const auto& resource = entry["resource"];
      if (std::string(resource["resourceType"].GetString()) == "Patient") {
        patient_id = resource["id"].GetString();
      }
    }
  }

  // A searchset Bundle of the resources of `type` (status filter optional).
  std::string search_bundle(const std::string& type, const std::string& status = "") const {
    rapidjson::Document out(rapidjson::kObjectType);
    auto& a = out.GetAllocator();
    out.AddMember("resourceType", "Bundle", a);
    out.AddMember("type", "searchset", a);
    rapidjson::Value entries(rapidjson::kArrayType);
    for (const auto& entry : bundle["entry"].GetArray()) {
      const auto& resource = entry["resource"];
      if (type != resource["resourceType"].GetString()) continue;
      if (!status.empty() && (!resource.HasMember("status") || status != resource["status"].GetString())) {
        continue;
      }
      rapidjson::Value e(rapidjson::kObjectType);
      e.AddMember("resource", rapidjson::Value(resource, a), a);
      entries.PushBack(e, a);
    }
    out.AddMember("entry", entries, a);
    return write(out);
  }

  std::string resource(const std::string& type, const std::string& status = "") const {
    for (const auto& entry : bundle["entry"].GetArray()) {
      const auto& r = entry["resource"];
      if (type != r["resourceType"].GetString()) continue;
      if (!status.empty() && (!r.HasMember("status") || status != r["status"].GetString())) continue;
      return write(r);
    }
    return "null";
  }

  // Every prefetch key of the discovery templates, filled completely.
  std::map<std::string, std::string> full_prefetch() const {
    return {{"patient", resource("Patient")},
            {"observations", search_bundle("Observation")},
            {"administrations", search_bundle("MedicationAdministration")},
            {"procedures", search_bundle("Procedure")},
            {"medicationRequests", search_bundle("MedicationRequest", "active")},
            {"serviceRequests", search_bundle("ServiceRequest")},
            {"diagnosticReports", search_bundle("DiagnosticReport")}};
  }
};

// A request body; each prefetch value is raw JSON text.
struct RequestBuilder {
  std::string hook = "patient-view";
  std::string hook_instance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";
  std::string patient_id;
  std::string user_id = "Practitioner/example";
  std::string fhir_server;
  std::string token;  // non-empty: a fhirAuthorization with this access_token
  std::string draft_orders;  // raw JSON Bundle
  std::vector<std::string> selections;
  std::map<std::string, std::string> prefetch;
  bool send_prefetch = true;

  std::string body() const {
    std::string out = "{\"hook\":\"" + hook + "\",\"hookInstance\":\"" + hook_instance + "\"";
    if (!fhir_server.empty()) out += ",\"fhirServer\":\"" + fhir_server + "\"";
    if (!token.empty()) {
      out += ",\"fhirAuthorization\":{\"access_token\":\"" + token +
             "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"user/*.read\","
             "\"subject\":\"icans-cds\"}";
    }
    out += ",\"context\":{\"userId\":\"" + user_id + "\",\"patientId\":\"" + patient_id + "\"";
    if (!draft_orders.empty()) out += ",\"draftOrders\":" + draft_orders;
    if (!selections.empty()) {
      out += ",\"selections\":[";
      for (std::size_t i = 0; i < selections.size(); ++i) {
        out += (i ? ",\"" : "\"") + selections[i] + "\"";
      }
      out += "]";
    }
    out += "}";
    if (send_prefetch) {
      out += ",\"prefetch\":{";
      bool first = true;
      for (const auto& [key, value] : prefetch) {
        out += (first ? "\"" : ",\"") + key + "\":" + value;
        first = false;
      }
      out += "}";
    }
    return out + "}";
  }
};

inline HttpRequest post(const std::string& path, const std::string& body,
                        const std::string& content_type = "application/json") {
  HttpRequest request;
  request.method = "POST";
  request.path = path;
  request.body = body;
  if (!content_type.empty()) request.headers.emplace("content-type", content_type);
  return request;
}

inline HttpRequest get(const std::string& path) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  return request;
}

inline std::string header(const HttpResponse& response, const std::string& name) {
  const auto found = response.headers.find(name);
  return found == response.headers.end() ? std::string() : found->second;
}

inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  fhir::parse_json(text, document);
  return document;
}

// The uuids of the cards in a hook response, in order.
inline std::vector<std::string> card_uuids(const HttpResponse& response) {
  std::vector<std::string> uuids;
  const auto body = parse(response.body);
  for (const auto& card : body["cards"].GetArray()) uuids.emplace_back(card["uuid"].GetString());
  return uuids;
}

// A Service over a temporary database, with a fixed clock, a fake FHIR
// server and the log lines kept for inspection.
struct Harness {
  TempDatabase database;
  std::unique_ptr<Store> store;
  FakeFhirServer fhir;
  std::vector<std::string> log;
  std::mutex log_mutex;
  std::unique_ptr<Service> service;

  explicit Harness(ServiceConfig config = {}, fhir::Instant now = kAxicelNow) {
    std::string error;
    store = Store::open(database.path.string(), error);
    if (!store) throw std::runtime_error("store: " + error);
    ServiceEnvironment environment;
    environment.now = [now] { return now; };
    environment.fhir_search = fhir.function();
    environment.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mutex);
      log.emplace_back(line);
    };
    service = std::make_unique<Service>(config, *store, *default_protocol().protocol,
                                        fhir::Terminology(), environment);
  }

  HttpResponse handle(const HttpRequest& request) { return service->handle(request); }

  std::string all_log() {
    std::lock_guard<std::mutex> lock(log_mutex);
    std::string text;
    for (const auto& line : log) text += line + "\n";
    return text;
  }
};

}  // namespace service_test
