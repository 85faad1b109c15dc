#include "cds/hooks/fhir_client.h"

#include <algorithm>
#include <chrono>
#include <string_view>

#include <rapidjson/document.h>

#include "cds/hooks/http.h"
#include "cds/hooks/json_member.h"
#include "fhir/json.h"

namespace icans {
namespace {

using Clock = std::chrono::steady_clock;

// Diagnostics come from the server; enough of them to say what went wrong,
// not enough to flood a log.
constexpr std::size_t kMaxDiagnosticsChars = 300;

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxDiagnosticsChars) {
      out += "...";
      break;
    }
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  return out;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  const auto* value = member(object, name);
  return value && value->IsString() ? std::string(value->GetString(), value->GetStringLength())
                                    : std::string();
}

// "diagnostics" (or details.text) of each issue, joined.
std::string outcome_text(const rapidjson::Value& outcome) {
  std::string text;
  const auto* issues = member(outcome, "issue");
  if (!issues || !issues->IsArray()) return text;
  for (const auto& issue : issues->GetArray()) {
    std::string line = string_member(issue, "diagnostics");
    if (line.empty()) {
      if (const auto* details = member(issue, "details")) line = string_member(*details, "text");
    }
    if (line.empty()) line = string_member(issue, "code");
    if (line.empty()) continue;
    if (!text.empty()) text += "; ";
    text += line;
  }
  return printable(text);
}

// For error responses: the OperationOutcome's words when the body is one.
std::string error_body_text(const std::string& body) {
  rapidjson::Document doc;
  if (!fhir::parse_json(body, doc).empty()) return {};
  if (string_member(doc, "resourceType") != "OperationOutcome") return {};
  return outcome_text(doc);
}

std::string next_link(const rapidjson::Value& bundle, std::string& error) {
  const auto* links = member(bundle, "link");
  if (!links) return {};
  if (!links->IsArray()) {
    error = "Bundle.link is not an array";
    return {};
  }
  for (const auto& link : links->GetArray()) {
    if (string_member(link, "relation") != "next") continue;
    const auto* url = member(link, "url");
    if (!url || !url->IsString() || url->GetStringLength() == 0) {
      error = "Bundle.link 'next' has no url";
      return {};
    }
    return std::string(url->GetString(), url->GetStringLength());
  }
  return {};
}

void redact(std::string& text, const std::string& secret) {
  // A server may echo the Authorization header in its diagnostics.
  if (secret.empty()) return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[redacted]");
  }
}

FhirSearchResult search(const std::string& base_url, const std::string& relative_query,
                        const std::string& access_token, const FhirClientLimits& limits) {
  FhirSearchResult result;
  HttpUrl base;
  if (auto problem = parse_http_url(base_url, base); !problem.empty()) {
    result.error = "FHIR base " + problem;
    return result;
  }
  if (std::any_of(access_token.begin(), access_token.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    result.error = "access token contains a space or control character";
    return result;
  }

  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string_view query = relative_query;
  while (!query.empty() && query.front() == '/') query.remove_prefix(1);
  url += "/";
  url += query;

  HttpHeaders headers{{"Accept", "application/fhir+json"}};
  if (!access_token.empty()) headers.emplace("Authorization", "Bearer " + access_token);

  const auto deadline = Clock::now() + limits.deadline;
  const std::string timeout_error = "timeout after " + std::to_string(limits.deadline.count()) + " ms";
  std::size_t bytes_fetched = 0;
  std::size_t resources_kept = 0;

  for (;;) {
    const std::string page = "page " + std::to_string(result.pages.size() + 1);
    auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining <= std::chrono::milliseconds(0)) {
      result.error = timeout_error + " (before " + page + ")";
      return result;
    }
    HttpGetResult got = http_get(url, headers, remaining, limits.max_bytes - bytes_fetched);
    result.http_status = got.status;
    if (!got.error.empty()) {
      if (got.error.rfind("timeout after", 0) == 0) {
        result.error = timeout_error + " (" + page + ")";
      } else if (got.error.rfind("response body larger than", 0) == 0) {
        result.error = "more than " + std::to_string(limits.max_bytes) + " bytes (max_bytes) by " + page;
      } else {
        result.error = page + ": " + got.error;
      }
      return result;
    }
    bytes_fetched += got.body.size();

    if (got.status != 200) {
      result.error = "HTTP " + std::to_string(got.status) + " for " + page;
      if (auto text = error_body_text(got.body); !text.empty()) result.error += ": " + text;
      return result;
    }

    rapidjson::Document doc;
    if (auto problem = fhir::parse_json(got.body, doc); !problem.empty()) {
      result.error = page + " is not valid JSON: " + problem;
      return result;
    }
    const std::string type = string_member(doc, "resourceType");
    if (type == "OperationOutcome") {
      result.error = page + " is an OperationOutcome: " + outcome_text(doc);
      return result;
    }
    if (type != "Bundle") {
      result.error = page + " is " + (type.empty() ? "not a FHIR resource" : "a " + printable(type)) +
                     ", not a Bundle";
      return result;
    }
    const std::string bundle_type = string_member(doc, "type");
    if (bundle_type != "searchset") {
      result.error = page + " is a Bundle of type '" + printable(bundle_type) + "', not 'searchset'";
      return result;
    }
    std::size_t entries = 0;
    if (const auto* entry = member(doc, "entry")) {
      if (!entry->IsArray()) {
        result.error = page + ": Bundle.entry is not an array";
        return result;
      }
      entries = entry->Size();
    }
    if (resources_kept + entries > limits.max_resources) {
      result.error = "more than " + std::to_string(limits.max_resources) + " resources (max_resources) by " + page;
      return result;
    }
    std::string link_error;
    std::string next = next_link(doc, link_error);
    if (!link_error.empty()) {
      result.error = page + ": " + link_error;
      return result;
    }

    resources_kept += entries;
    result.pages.push_back(std::move(got.body));
    if (next.empty()) {
      result.complete = true;
      return result;
    }
    if (result.pages.size() >= limits.max_pages) {
      result.error = "more than " + std::to_string(limits.max_pages) + " pages (max_pages)";
      return result;
    }
    HttpUrl next_url;
    if (auto problem = parse_http_url(next, next_url); !problem.empty()) {
      result.error = page + ": next link is unusable: " + problem;
      return result;
    }
    if (next_url.origin() != base.origin()) {
      // The token is for the EHR's FHIR server alone.
      result.error = page + ": next link leads to another origin (" + next_url.origin() +
                     "), not followed";
      return result;
    }
    url = next;
  }
}

}  // namespace

FhirSearchResult fhir_search(const std::string& base_url, const std::string& relative_query,
                             const std::string& access_token, const FhirClientLimits& limits) {
  FhirSearchResult result = search(base_url, relative_query, access_token, limits);
  redact(result.error, access_token);
  return result;
}

}  // namespace icans
