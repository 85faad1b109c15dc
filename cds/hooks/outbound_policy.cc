#include "cds/hooks/outbound_policy.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "cds/hooks/http.h"

namespace icans {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Paths a server might read as another path than the text says: "..", ".",
// and the separators and dots a server may decode before routing.
bool has_ambiguous_path(std::string_view path) {
  if (path.find('\\') != std::string_view::npos) return true;
  const std::string folded = lower(std::string(path));
  for (std::string_view encoded : {"%2e", "%2f", "%5c"}) {
    if (folded.find(encoded) != std::string::npos) return true;
  }
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(begin, end - begin);
    if (segment == "." || segment == "..") return true;
    begin = end + 1;
  }
  return false;
}

std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

bool path_under(const std::string& path, const std::string& prefix) {
  if (prefix == "/") return true;
  return path == prefix || (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/');
}

}  // namespace

std::string normalize_allowed_fhir_server(AllowedFhirServer& entry) {
  entry.scheme = lower(entry.scheme);
  if (entry.scheme != "https" && entry.scheme != "http") return "scheme must be https or http";
  if (entry.host.empty()) return "host is missing";
  // The host as parse_http_url would see it in a URL: the same character
  // rules, so an entry can only be written the way a fhirServer can.
  const bool ipv6 = entry.host.find(':') != std::string::npos;
  HttpUrl probe;
  const std::string url = entry.scheme + "://" + (ipv6 ? "[" + entry.host + "]" : entry.host) + "/";
  if (auto problem = parse_http_url(url, probe); !problem.empty()) return "host: " + problem;
  // "x/y" or "x:1" would parse as host x with a path or a port.
  if (probe.host != lower(entry.host) || probe.target != "/" || probe.port != (entry.scheme == "https" ? 443 : 80)) {
    return "host: '" + entry.host + "' is not a host name or IP address";
  }
  entry.host = probe.host;
  if (entry.port == 0) entry.port = entry.scheme == "https" ? 443 : 80;
  if (entry.port < 1 || entry.port > 65535) return "port must be 1-65535";
  if (entry.path_prefix.empty()) entry.path_prefix = "/";
  if (entry.path_prefix.front() != '/') return "path_prefix must start with '/'";
  if (entry.path_prefix.find_first_of("?#") != std::string::npos) return "path_prefix must not hold a query or fragment";
  if (std::any_of(entry.path_prefix.begin(), entry.path_prefix.end(),
                  [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return "path_prefix contains a space, control or non-ASCII character";
  }
  if (has_ambiguous_path(entry.path_prefix)) return "path_prefix has dot segments or encoded separators";
  entry.path_prefix = without_trailing_slash(entry.path_prefix);
  return {};
}

std::string parse_allowed_fhir_server(const std::string& url, AllowedFhirServer& out) {
  HttpUrl parsed;
  if (auto problem = parse_http_url(url, parsed); !problem.empty()) return problem;
  if (parsed.target.find_first_of("?") != std::string::npos || url.find('#') != std::string::npos) {
    return "a base URL has no query or fragment";
  }
  out = AllowedFhirServer{parsed.scheme, parsed.host, parsed.port, parsed.target};
  return normalize_allowed_fhir_server(out);
}

std::string to_string(const AllowedFhirServer& entry) {
  const bool ipv6 = entry.host.find(':') != std::string::npos;
  return entry.scheme + "://" + (ipv6 ? "[" + entry.host + "]" : entry.host) + ":" + std::to_string(entry.port) +
         (entry.path_prefix == "/" ? "" : entry.path_prefix);
}

std::string check_fhir_server(const std::string& fhir_server, const std::vector<AllowedFhirServer>& allowed,
                              bool allow_http) {
  HttpUrl url;
  if (auto problem = parse_http_url(fhir_server, url); !problem.empty()) return "fhirServer: " + problem;
  if (url.scheme != "https" && !allow_http) {
    return "fhirServer is not https (plain http is allowed only in development mode)";
  }
  if (url.target.find('?') != std::string::npos || fhir_server.find('#') != std::string::npos) {
    return "fhirServer: a base URL has no query or fragment";
  }
  if (has_ambiguous_path(url.target)) return "fhirServer has dot segments or encoded separators in its path";
  const std::string path = without_trailing_slash(url.target);
  for (const auto& entry : allowed) {
    if (entry.scheme == url.scheme && entry.host == url.host && entry.port == url.port &&
        path_under(path, entry.path_prefix)) {
      return {};
    }
  }
  return "fhirServer is not among the FHIR servers allowed";
}

}  // namespace icans
