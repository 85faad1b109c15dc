#include "cds/hooks/trusted_clients.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <rapidjson/document.h>

#include "fhir/json.h"

namespace icans {
namespace {

using Json = rapidjson::Value;

// The file is small and written by an operator; deeper nesting is a mistake.
constexpr std::size_t kMaxDepth = 8;

struct Problems {
  std::string text;
  void add(const std::string& where, const std::string& what) {
    text += (text.empty() ? "" : "\n") + where + ": " + what;
  }
};

std::string view(const Json& value) { return {value.GetString(), value.GetStringLength()}; }

void refuse_unknown_members(const Json& object, std::initializer_list<std::string_view> known,
                            const std::string& where, Problems& problems) {
  for (const auto& member : object.GetObject()) {
    const std::string name = view(member.name);
    bool is_known = false;
    for (auto k : known) is_known |= name == k;
    if (!is_known) problems.add(where, "unknown member '" + name + "'");
  }
}

// A non-empty string member, or empty when absent (problems noted).
std::string string_member(const Json& object, const char* name, const std::string& where, Problems& problems,
                          bool required) {
  const auto found = object.FindMember(name);
  if (found == object.MemberEnd()) {
    if (required) problems.add(where + "." + name, "required");
    return {};
  }
  if (!found->value.IsString() || found->value.GetStringLength() == 0) {
    problems.add(where + "." + name, "must be a non-empty string");
    return {};
  }
  return view(found->value);
}

AllowedFhirServer read_fhir_server(const Json& value, const std::string& where, Problems& problems) {
  AllowedFhirServer entry;
  if (!value.IsObject()) {
    problems.add(where, "must be an object {scheme, host, port, path_prefix}");
    return entry;
  }
  refuse_unknown_members(value, {"scheme", "host", "port", "path_prefix"}, where, problems);
  entry.scheme = string_member(value, "scheme", where, problems, true);
  entry.host = string_member(value, "host", where, problems, true);
  if (const auto port = value.FindMember("port"); port != value.MemberEnd()) {
    if (!port->value.IsInt() || port->value.GetInt() < 1 || port->value.GetInt() > 65535) {
      problems.add(where + ".port", "must be an integer 1-65535");
    } else {
      entry.port = port->value.GetInt();
    }
  }
  if (value.HasMember("path_prefix")) entry.path_prefix = string_member(value, "path_prefix", where, problems, false);
  if (!entry.scheme.empty() && !entry.host.empty()) {
    if (auto problem = normalize_allowed_fhir_server(entry); !problem.empty()) problems.add(where, problem);
  }
  return entry;
}

}  // namespace

std::string parse_trusted_clients(std::string_view json, const std::string& base_directory,
                                  std::vector<TrustedClient>& out) {
  out.clear();
  rapidjson::Document document;
  if (auto problem = fhir::parse_json(json, document, fhir::JsonLimits{kMaxDepth}); !problem.empty()) {
    return "not valid JSON: " + problem;
  }
  if (!document.IsArray()) return "must be a JSON array of issuers ([{\"iss\": ...}, ...])";
  Problems problems;
  for (rapidjson::SizeType i = 0; i < document.Size(); ++i) {
    const Json& item = document[i];
    const std::string where = "[" + std::to_string(i) + "]";
    if (!item.IsObject()) {
      problems.add(where, "must be an object");
      continue;
    }
    refuse_unknown_members(item, {"iss", "jwks_file", "jku_allow", "tenant", "fhir_server_allow"}, where, problems);
    TrustedClient client;
    client.issuer.iss = string_member(item, "iss", where, problems, true);
    client.issuer.tenant = item.HasMember("tenant") ? string_member(item, "tenant", where, problems, false) : "";
    if (item.HasMember("jwks_file")) {
      std::filesystem::path file = string_member(item, "jwks_file", where, problems, false);
      if (!file.empty() && file.is_relative()) file = std::filesystem::path(base_directory) / file;
      client.issuer.jwks_file = file.string();
    }
    if (const auto jku = item.FindMember("jku_allow"); jku != item.MemberEnd()) {
      if (!jku->value.IsArray()) {
        problems.add(where + ".jku_allow", "must be an array of URL prefixes");
      } else {
        for (rapidjson::SizeType j = 0; j < jku->value.Size(); ++j) {
          const Json& prefix = jku->value[j];
          if (!prefix.IsString() || prefix.GetStringLength() == 0) {
            problems.add(where + ".jku_allow[" + std::to_string(j) + "]", "must be a non-empty string");
          } else {
            client.issuer.jku_allow.push_back(view(prefix));
          }
        }
      }
    }
    if (const auto servers = item.FindMember("fhir_server_allow"); servers != item.MemberEnd()) {
      if (!servers->value.IsArray()) {
        problems.add(where + ".fhir_server_allow", "must be an array of {scheme, host, port, path_prefix}");
      } else {
        for (rapidjson::SizeType j = 0; j < servers->value.Size(); ++j) {
          client.fhir_servers.push_back(read_fhir_server(
              servers->value[j], where + ".fhir_server_allow[" + std::to_string(j) + "]", problems));
        }
      }
    }
    out.push_back(std::move(client));
  }
  if (!problems.text.empty()) out.clear();
  return problems.text;
}

std::string load_trusted_clients(const std::string& path, std::vector<TrustedClient>& out) {
  out.clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot be read";
  std::ostringstream text;
  text << in.rdbuf();
  const std::string directory = std::filesystem::path(path).parent_path().string();
  std::string problems = parse_trusted_clients(text.str(), directory.empty() ? "." : directory, out);
  if (problems.empty()) return {};
  std::string named;
  std::istringstream lines(problems);
  for (std::string line; std::getline(lines, line);) named += (named.empty() ? "" : "\n") + path + ": " + line;
  return named;
}

}  // namespace icans
