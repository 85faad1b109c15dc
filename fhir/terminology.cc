#include "fhir/terminology.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "fhir/json.h"
#include "fhir/units.h"

namespace fhir {
namespace {

// A site map is an object holding an array of flat objects: three levels. One
// more is allowed so that a wrongly nested field gets its own clear error
// rather than a generic nesting one.
constexpr std::size_t kSiteMapMaxDepth = 4;
// Far above any real map (thousands of rows fit in a megabyte); a larger file
// is a wrong path, not a site map.
constexpr std::uintmax_t kSiteMapMaxBytes = 16u << 20;

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string coding_label(std::string_view system, std::string_view code) {
  return std::string(system) + "|" + std::string(code);
}

std::string concept_label(Concept c) {
  const ConceptInfo& info = concept_info(c);
  return in_quotes(info.code) + " (" + std::string(info.display) + ")";
}

// ASCII letters and digits make up words. Other bytes, including UTF-8 ones,
// end a word, so "Decadron®" still names dexamethasone.
bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && std::isalnum(u);
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) c = static_cast<char>(std::tolower(u));
  }
  return lower;
}

bool has_whitespace(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// Reads a required or optional string member, rejecting the wrong type.
// Returns an error message (without location) or empty.
std::string read_string(const rapidjson::Value& object, const char* field, bool required,
                        std::optional<std::string>& out) {
  const auto member = object.FindMember(field);
  if (member == object.MemberEnd()) return required ? "missing" : "";
  if (!member->value.IsString()) {
    return std::string("expected a string, found ") + json_type_name(member->value);
  }
  std::string value(member->value.GetString(), member->value.GetStringLength());
  if (value.empty()) return "must not be empty";
  out = std::move(value);
  return "";
}

struct SiteRow {
  std::string system;
  std::string code;
  Concept meaning = Concept::unknown;
  std::string unit;
};

// Checks that a site map row's unit can describe its concept: a temperature
// row charted in mg/dL would otherwise be converted by nonsense.
std::string unit_problem(Concept meaning, const std::string& unit) {
  if (!is_known_unit(unit)) return "unknown unit " + in_quotes(unit) + " (see docs/terminology.md)";
  const ConceptInfo& info = concept_info(meaning);
  if (info.kind != ConceptKind::measurement) {
    return "concept " + in_quotes(info.code) + " is not a measurement and takes no unit";
  }
  const Conversion check = convert_unit(1, unit, info.unit, info.molar_mass, info.valence);
  if (!check.value) {
    return in_quotes(unit) + " cannot express " + in_quotes(info.code) + " (canonical unit " +
           std::string(info.unit) + "): " + check.error;
  }
  return "";
}

}  // namespace

std::vector<Concept> Terminology::names_in(std::string_view text) const {
  const std::string lower = ascii_lower(text);
  std::vector<std::pair<std::size_t, Concept>> found;  // first position, concept
  for (const auto& [name, meaning] : names_) {
    for (std::size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
      const std::size_t end = at + name.size();
      const bool starts_word = at == 0 || !is_word_byte(lower[at - 1]);
      const bool ends_word = end == lower.size() || !is_word_byte(lower[end]);
      if (!starts_word || !ends_word) continue;
      // Clang before 16 cannot capture a structured binding in a lambda.
      const Concept& wanted = meaning;
      auto same = std::find_if(found.begin(), found.end(),
                               [&](const auto& f) { return f.second == wanted; });
      if (same == found.end()) {
        found.emplace_back(at, meaning);
      } else {
        same->first = std::min(same->first, at);
      }
      break;
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<Concept> concepts;
  for (const auto& f : found) concepts.push_back(f.second);
  return concepts;
}

namespace {

std::uint64_t load_eight(const char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

std::uint32_t load_four(const char* bytes) {
  std::uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// The last eight bytes, or all of fewer, in overlapping loads rather than a
// byte at a time.
std::uint64_t load_tail(std::string_view bytes) {
  const char* end = bytes.data() + bytes.size();
  if (bytes.size() >= 8) return load_eight(end - 8);
  if (bytes.size() >= 4) return load_four(bytes.data()) | std::uint64_t{load_four(end - 4)} << 32;
  std::uint64_t word = 0;
  for (const char c : bytes) word = word << 8 | static_cast<unsigned char>(c);
  return word;
}

std::uint64_t mix(std::uint64_t hash, std::uint64_t word) {
  return (hash ^ word) * 0x9e3779b97f4a7c15u;
}

}  // namespace

// Every charted coding is hashed, and std::hash of both strings was most of
// a lookup. Systems are a handful of long URLs that their length and last
// eight bytes tell apart; codes are short and hashed whole, eight bytes at a
// time. A poor spread would only make lookups slower, never wrong.
std::size_t Terminology::CodeKey::hash(View key) {
  auto [system, code] = key;
  std::uint64_t hash = mix(system.size(), code.size());
  hash = mix(hash, load_tail(system));
  for (; code.size() > 8; code.remove_prefix(8)) hash = mix(hash, load_eight(code.data()));
  hash = mix(hash, load_tail(code));
  return static_cast<std::size_t>(hash ^ (hash >> 32));
}

const CodeMatch* Terminology::find_code(std::string_view system, std::string_view code) const {
  if (system.empty() || code.empty()) return nullptr;
  const auto it = codes_.find(CodeKey::View(system, code));
  return it == codes_.end() ? nullptr : &it->second;
}

CodeMatch Terminology::lookup(std::string_view system, std::string_view code) const {
  const CodeMatch* match = find_code(system, code);
  return match ? *match : CodeMatch{};
}

Concept Terminology::lookup_name(std::string_view text) const {
  const std::vector<Concept> named = names_in(text);
  // Two different drugs in one text is not ours to choose between.
  return named.size() == 1 ? named.front() : Concept::unknown;
}

Resolution Terminology::resolve(const CodeableConcept& code) const {
  Resolution result;

  // Every known coding must mean the same concept, in the same unit where
  // it implies one; they are compared as they come, without copying them.
  const Coding* first_coding = nullptr;
  const CodeMatch* first = nullptr;
  const Coding* unit_coding = nullptr;
  const CodeMatch* with_unit = nullptr;
  for (const Coding& coding : code.codings) {
    const CodeMatch* match = find_code(coding.system, coding.code);
    if (!match || match->meaning == Concept::unknown) continue;
    if (!first) {
      first = match;
      first_coding = &coding;
    }
    if (match->meaning != first->meaning) {
      result.conflict = "codings disagree: " + coding_label(first_coding->system, first_coding->code) +
                        " means " + concept_label(first->meaning) + ", " +
                        coding_label(coding.system, coding.code) + " means " +
                        concept_label(match->meaning);
      return result;
    }
    if (match->unit.empty()) continue;
    if (with_unit && with_unit->unit != match->unit) {
      result.conflict = "codings of " + concept_label(first->meaning) +
                        " are charted in different units: " +
                        coding_label(unit_coding->system, unit_coding->code) + " in " +
                        with_unit->unit + ", " + coding_label(coding.system, coding.code) + " in " +
                        match->unit;
      return result;
    }
    with_unit = match;
    unit_coding = &coding;
  }
  if (first) {
    result.match = *first;
    if (with_unit) result.match.unit = with_unit->unit;
    return result;
  }

  // No code is known: only a drug or cell-therapy name may stand in for one,
  // and every name given must agree.
  std::vector<std::pair<std::string, Concept>> named;  // source text, concept
  auto read_names = [&](const std::string& source, const char* what) {
    if (source.empty()) return true;
    const std::vector<Concept> concepts = names_in(source);
    if (concepts.size() > 1) {
      result.conflict = std::string(what) + " " + in_quotes(source) + " names more than one drug: " +
                        concept_label(concepts[0]) + " and " + concept_label(concepts[1]);
      return false;
    }
    if (concepts.size() == 1) named.emplace_back(source, concepts.front());
    return true;
  };
  for (const Coding& coding : code.codings) {
    if (!read_names(coding.display, "coding display")) return result;
  }
  if (!read_names(code.text, "text")) return result;
  if (named.empty()) return result;
  for (const auto& [source, meaning] : named) {
    if (meaning != named.front().second) {
      result.conflict = "names disagree: " + in_quotes(named.front().first) + " names " +
                        concept_label(named.front().second) + ", " + in_quotes(source) + " names " +
                        concept_label(meaning);
      return result;
    }
  }
  result.match = CodeMatch{named.front().second, {}, true};
  return result;
}

std::string Terminology::load_site_map_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return path + ": cannot read site map: " +
           (error ? error.message() : std::string("not a regular file"));
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return path + ": cannot read site map: " + error.message();
  if (size > kSiteMapMaxBytes) {
    return path + ": site map is " + std::to_string(size) + " bytes, more than the " +
           std::to_string(kSiteMapMaxBytes) + " allowed";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read site map: cannot open file";
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return path + ": cannot read site map: read error";
  return load_site_map_json(text.str(), path);
}

std::string Terminology::load_site_map_json(std::string_view json, std::string_view source_name) {
  const std::string source(source_name);
  auto fail = [&](const std::string& where, const std::string& why) {
    return source + ": " + (where.empty() ? "" : where + ": ") + why;
  };

  rapidjson::Document doc;
  if (std::string error = parse_json(json, doc, JsonLimits{kSiteMapMaxDepth}); !error.empty()) {
    return fail("", error);
  }
  if (!doc.IsObject()) {
    return fail("", std::string("a site map is a JSON object, found ") + json_type_name(doc));
  }
  for (const auto& member : doc.GetObject()) {
    const std::string_view field(member.name.GetString(), member.name.GetStringLength());
    if (field != "name" && field != "version" && field != "mappings") {
      return fail(std::string(field), "unexpected field");
    }
  }
  std::optional<std::string> map_name;
  std::optional<std::string> map_version;
  if (std::string why = read_string(doc, "name", true, map_name); !why.empty()) {
    return fail("name", why);
  }
  if (std::string why = read_string(doc, "version", true, map_version); !why.empty()) {
    return fail("version", why);
  }
  const auto mappings = doc.FindMember("mappings");
  if (mappings == doc.MemberEnd()) return fail("mappings", "missing");
  if (!mappings->value.IsArray()) {
    return fail("mappings", std::string("expected an array, found ") + json_type_name(mappings->value));
  }

  // Every row is checked before any is applied: a map with one bad row
  // changes nothing.
  std::vector<SiteRow> rows;
  std::map<std::pair<std::string, std::string>, std::size_t> first_index;
  std::size_t index = 0;
  for (const auto& mapping : mappings->value.GetArray()) {
    const std::string where = "mappings[" + std::to_string(index) + "]";
    if (!mapping.IsObject()) {
      return fail(where, std::string("expected an object, found ") + json_type_name(mapping));
    }
    for (const auto& member : mapping.GetObject()) {
      const std::string_view field(member.name.GetString(), member.name.GetStringLength());
      if (field != "system" && field != "code" && field != "concept" && field != "unit") {
        return fail(where + "." + std::string(field), "unexpected field");
      }
    }
    std::optional<std::string> system, code, concept_text, unit;
    if (std::string why = read_string(mapping, "system", true, system); !why.empty()) {
      return fail(where + ".system", why);
    }
    if (std::string why = read_string(mapping, "code", true, code); !why.empty()) {
      return fail(where + ".code", why);
    }
    if (std::string why = read_string(mapping, "concept", true, concept_text); !why.empty()) {
      return fail(where + ".concept", why);
    }
    if (std::string why = read_string(mapping, "unit", false, unit); !why.empty()) {
      return fail(where + ".unit", why);
    }
    if (has_whitespace(*system)) return fail(where + ".system", "must not contain whitespace");
    if (*system == kProjectSystem) {
      return fail(where + ".system", "the project CodeSystem's own codes cannot be remapped");
    }
    if (has_whitespace(*code)) {
      return fail(where + ".code", "must not contain whitespace (" + in_quotes(*code) + ")");
    }
    const std::optional<Concept> meaning = concept_from_code(*concept_text);
    if (!meaning) return fail(where + ".concept", "unknown concept " + in_quotes(*concept_text));
    if (unit) {
      if (std::string why = unit_problem(*meaning, *unit); !why.empty()) {
        return fail(where + ".unit", why);
      }
    }
    const auto key = std::make_pair(*system, *code);
    if (const auto earlier = first_index.find(key); earlier != first_index.end()) {
      return fail(where, coding_label(*system, *code) + " repeats mappings[" +
                             std::to_string(earlier->second) + "]");
    }
    first_index.emplace(key, index);
    rows.push_back({*system, *code, *meaning, unit.value_or("")});
    ++index;
  }

  // A code that an earlier site map already maps differently is a conflict
  // between the two files, not something the later one may silently win.
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SiteRow& row = rows[i];
    for (std::size_t j = 0; j < site_entries_.size(); ++j) {
      const Entry& entry = site_entries_[j];
      if (entry.system != row.system || entry.code != row.code) continue;
      if (entry.meaning != row.meaning || entry.unit != row.unit) {
        return fail("mappings[" + std::to_string(i) + "]",
                    coding_label(row.system, row.code) + " is already mapped to " +
                        concept_label(entry.meaning) + " by " + site_map_names_[j]);
      }
    }
  }

  for (const SiteRow& row : rows) {
    const bool already = std::any_of(site_entries_.begin(), site_entries_.end(), [&](const Entry& e) {
      return e.system == row.system && e.code == row.code;
    });
    codes_[{row.system, row.code}] = CodeMatch{row.meaning, row.unit, false};
    if (already) continue;
    site_entries_.push_back({row.system, row.code, row.meaning, row.unit, true});
    site_map_names_.push_back(source);
  }
  return "";
}

std::vector<Terminology::Entry> Terminology::entries() const {
  std::vector<Entry> all = builtin_entries_;
  all.insert(all.end(), site_entries_.begin(), site_entries_.end());
  return all;
}

}  // namespace fhir
