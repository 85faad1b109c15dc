// Reading inputs: Bundles, single resources and NDJSON into ReadResources.
// What happens to them afterwards is in assemble.cc.
#include "fhir/intake.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fhir/assemble.h"
#include "fhir/content_hash.h"
#include "fhir/line_reader.h"
#include "fhir/read_helpers.h"

namespace fhir {
namespace {

// ASCII only, as FHIR's id regex is, and without a call per byte: every
// resource's id is checked.
bool is_fhir_id(std::string_view text) {
  return !text.empty() && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
         });
}

using detail::Json;
using detail::ReadContext;
using detail::ReadResource;

struct ResourceReader {
  std::string_view type;
  bool has_subject;
  void (*read)(const Json&, ReadResource&, ReadContext&);
};

constexpr ResourceReader kReaders[] = {
    {"Patient", false, detail::read_patient},
    {"Observation", true, detail::read_observation},
    {"MedicationAdministration", true, detail::read_medication_administration},
    {"MedicationRequest", true, detail::read_medication_request},
    {"Medication", false, detail::read_medication},
    {"ServiceRequest", true, detail::read_service_request},
    {"DiagnosticReport", true, detail::read_diagnostic_report},
    {"Procedure", true, detail::read_procedure},
};

const ResourceReader* reader_for(std::string_view type) {
  for (const auto& reader : kReaders) {
    if (reader.type == type) return &reader;
  }
  return nullptr;
}

std::string_view as_view(const Json& string) {
  return {string.GetString(), string.GetStringLength()};
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

struct Intake::State {
  const Terminology& terminology;
  IntakeLimits limits;
  std::vector<ReadResource> resources;
  std::vector<detail::InputWarning> input_warnings;
  detail::FullUrls full_urls;
  std::string server_base;
  std::size_t input_index = 0;
  bool sources_outlive_intake = false;  // while reading an add_json_value input

  // Per input: resource types not read, reported once each at the end.
  struct Unread {
    std::size_t first_entry = 0;
    std::size_t count = 0;
  };
  std::map<std::string, Unread> unread;

  State(const Terminology& t, IntakeLimits l) : terminology(t), limits(l) {}

  void warn(std::string_view input, std::size_t entry, std::string field, std::string message) {
    input_warnings.push_back(
        {input_index, {std::string(input), entry, {}, std::move(field), std::move(message)}});
  }

  void begin_input() {
    ++input_index;
    unread.clear();
  }

  void end_input(std::string_view input) {
    for (const auto& [type, seen] : unread) {
      warn(input, seen.first_entry, "resourceType",
           "'" + type + "' is not read; " + std::to_string(seen.count) +
               (seen.count == 1 ? " resource" : " resources") + " skipped");
    }
    unread.clear();
  }

  void register_full_url(const std::string& full_url, const ReadResource& resource) {
    auto [it, inserted] = full_urls.try_emplace(full_url, detail::FullUrlTarget{resource.type, resource.id});
    if (!inserted && (it->second.type != resource.type || it->second.id != resource.id)) {
      it->second.ambiguous = true;
    }
  }

  // `subject` and `patient` are the resource's members of those names, if any.
  std::optional<std::string> read_subject(const Json* subject, const Json* patient,
                                          ReadContext& context);
  // `type` is json's resourceType member, which every caller has looked up.
  std::string add_resource(const Json& json, const Json* type, std::string_view input,
                           std::size_t entry, const std::string& full_url);
  std::string add_bundle(const Json& bundle, std::string_view input);
  std::string add_top_level(const Json& value, std::string_view input_name,
                            bool value_outlives_intake);
};

std::optional<std::string> Intake::State::read_subject(const Json* subject, const Json* patient,
                                                       ReadContext& context) {
  const char* name = "subject";
  if (!subject) {
    name = "patient";
    subject = patient;
  }
  if (!subject) {
    context.warn("subject", "missing; resource not kept (no patient to file it under)");
    return std::nullopt;
  }
  if (!subject->IsObject()) {
    context.warn(name, detail::type_mismatch("object", *subject) + "; resource not kept");
    return std::nullopt;
  }
  const Json* reference = detail::member(*subject, "reference");
  if (reference && reference->IsString()) return std::string(as_view(*reference));
  const std::string why = reference ? detail::type_mismatch("string", *reference)
                          : detail::member(*subject, "identifier")
                              ? "missing; an identifier alone cannot be matched to a patient"
                              : "missing";
  const detail::FieldPath subject_field(name);
  context.warn(detail::FieldPath(subject_field, "reference"), why + "; resource not kept");
  return std::nullopt;
}

std::string Intake::State::add_resource(const Json& json, const Json* type,
                                        std::string_view input, std::size_t entry,
                                        const std::string& full_url) {
  if (!json.IsObject()) {
    warn(input, entry, "resource", detail::type_mismatch("object", json) + "; skipped");
    return {};
  }
  if (!type || !type->IsString()) {
    warn(input, entry, "resourceType",
         type ? detail::type_mismatch("string", *type) + "; resource skipped"
              : "missing; resource skipped");
    return {};
  }
  const ResourceReader* reader = reader_for(as_view(*type));
  if (!reader) {
    auto& seen = unread[std::string(as_view(*type))];
    if (seen.count++ == 0) seen.first_entry = entry;
    return {};
  }
  if (resources.size() >= limits.max_resources) {
    return std::string(input) + " entry " + std::to_string(entry) + ": more than " +
           std::to_string(limits.max_resources) +
           " resources in the inputs; split them or raise the limit";
  }

  // Built where it is kept: a resource is a large struct, moved once less.
  ReadResource& read = resources.emplace_back();
  read.type = std::string(as_view(*type));
  read.origin = {std::string(input), entry};
  read.input_index = input_index;
  ReadContext context(terminology, read.origin.input, entry, read.warnings);
  // One pass for the members every resource is looked up for; meta is
  // usually absent, and a lookup of its own would scan every member for it.
  enum { id_member, meta_member, subject_member, patient_member };
  const auto found = detail::members<4>(json, {"id", "meta", "subject", "patient"});
  const auto id = detail::as_string(found[id_member], "id", context);
  if (!id || id->empty()) {
    // Without an id a resource cannot be matched with its other versions; the
    // synthetic id ('#' never occurs in FHIR ids) keeps it apart from all others.
    read.id = std::string(input) + "#" + std::to_string(entry);
    context.set_resource(read.type, read.id);
    context.warn("id", "missing; cannot be matched with other versions of the resource; kept as " +
                           read.id);
  } else {
    read.id = std::string(*id);
    context.set_resource(read.type, read.id);
    // Kept (its other versions still match it), but said: an id like this
    // comes from a broken or hostile sender, and it is quoted on cards.
    if (!is_fhir_id(read.id)) {
      context.warn("id", "not a FHIR id (1 to 64 letters, digits, '-' or '.'); kept as charted");
    }
  }
  if (const Json* meta = detail::as_object(found[meta_member], "meta", context)) {
    read.version.version_id =
        detail::string_member(*meta, "versionId", "meta.versionId", context).value_or("");
    if (auto updated = detail::instant_member(*meta, "lastUpdated", "meta.lastUpdated", context)) {
      read.version.last_updated = updated->earliest;
    }
  }
  if (reader->has_subject) {
    read.subject_reference = read_subject(found[subject_member], found[patient_member], context);
  }
  if (!reader->has_subject || read.subject_reference) {
    reader->read(json, read, context);
  }
  // A value that outlives the intake is fingerprinted only if another copy
  // of it turns up (assemble.cc): most resources come once.
  if (sources_outlive_intake) {
    read.source = &json;
  } else {
    read.content_hash = detail::content_hash(json, limits.json.max_depth + 1);
  }
  if (!full_url.empty()) register_full_url(full_url, read);
  return {};
}

std::string Intake::State::add_bundle(const Json& bundle, std::string_view input) {
  std::vector<Warning> sink;
  ReadContext context(terminology, input, 0, sink);
  const Json* entries = detail::array_member(bundle, "entry", "entry", context);
  for (auto& warning : sink) input_warnings.push_back({input_index, std::move(warning)});
  if (!entries) return {};
  // Sized once for an ordinary bundle (a growing list would move every
  // resource read so far at each doubling), but not on a hostile bundle's
  // word: entries may be anything, even skipped. Across bundles it still
  // grows geometrically: a prefetch comes as several, and sizing for each
  // exactly would move every earlier resource again at each one.
  const std::size_t needed = resources.size() + std::min<std::size_t>(entries->Size(), 4096);
  if (needed > resources.capacity()) resources.reserve(std::max(needed, 2 * resources.capacity()));
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    const std::size_t number = i + 1;
    const Json& entry = (*entries)[i];
    if (!entry.IsObject()) {
      warn(input, number, "entry", detail::type_mismatch("object", entry) + "; skipped");
      continue;
    }
    std::string full_url;
    if (const Json* url = detail::member(entry, "fullUrl"); url && url->IsString()) {
      full_url = std::string(as_view(*url));
    }
    const Json* resource = detail::member(entry, "resource");
    if (!resource) {
      const Json* request = detail::member(entry, "request");
      const Json* method = request ? detail::member(*request, "method") : nullptr;
      if (method && method->IsString() && as_view(*method) == "DELETE") {
        warn(input, number, "request", "DELETE is not applied; earlier copies are still read");
      } else if (!detail::member(entry, "response")) {
        warn(input, number, "resource", "missing; entry skipped");
      }
      continue;  // a response entry without the resource is normal
    }
    const Json* type = detail::member(*resource, "resourceType");
    if (type && type->IsString() && as_view(*type) == "Bundle") {
      warn(input, number, "resource", "a Bundle inside a Bundle is not read");
      continue;
    }
    if (auto error = add_resource(*resource, type, input, number, full_url); !error.empty()) {
      return error;
    }
  }
  return {};
}

Intake::Intake(const Terminology& terminology, IntakeLimits limits)
    : state_(std::make_unique<State>(terminology, limits)) {}

Intake::~Intake() = default;

std::string Intake::add_json(std::string_view text, std::string_view input_name) {
  const std::string input(input_name);
  if (is_blank(text)) {
    return input + ": empty input; expected a FHIR resource, a Bundle or NDJSON";
  }
  if (text.size() > state_->limits.max_document_bytes) {
    return input + ": " + std::to_string(text.size()) + " bytes is over the limit of " +
           std::to_string(state_->limits.max_document_bytes) +
           " bytes for one JSON document; send large exports as NDJSON (one resource per line)";
  }
  rapidjson::Document document;
  if (auto error = parse_json(text, document, state_->limits.json); !error.empty()) {
    return input + ": " + error;
  }
  return state_->add_top_level(document, input_name, false);
}

std::string Intake::add_json_value(const rapidjson::Value& value, std::string_view input_name) {
  return state_->add_top_level(value, input_name, true);
}

std::string Intake::State::add_top_level(const Json& value, std::string_view input_name,
                                         bool value_outlives_intake) {
  const std::string input(input_name);
  if (!value.IsObject()) {
    return input + ": top-level JSON is " + json_type_name(value) +
           "; expected a FHIR resource or Bundle (an object)";
  }
  const Json* type = detail::member(value, "resourceType");
  if (!type || !type->IsString()) {
    return input + ": top-level object has no resourceType string; not a FHIR resource";
  }
  begin_input();
  sources_outlive_intake = value_outlives_intake;
  std::string error = as_view(*type) == "Bundle" ? add_bundle(value, input)
                                                 : add_resource(value, type, input, 0, {});
  sources_outlive_intake = false;
  end_input(input);
  return error;
}

std::string Intake::add_ndjson(std::istream& lines, std::string_view input_name) {
  const std::string input(input_name);
  State& state = *state_;
  state.begin_input();
  detail::LineReader reader(lines, state.limits.max_line_bytes);
  std::string line;
  std::size_t non_blank = 0;
  for (;;) {
    const auto result = reader.next(line);
    const std::size_t number = reader.line_number();
    if (result == detail::LineReader::Result::end) break;
    if (result == detail::LineReader::Result::read_error) {
      state.end_input(input);
      return input + ": read error after line " + std::to_string(number);
    }
    if (result == detail::LineReader::Result::too_long) {
      ++non_blank;
      state.warn(input, number, {},
                 "line longer than " + std::to_string(state.limits.max_line_bytes) +
                     " bytes; skipped");
      continue;
    }
    if (is_blank(line)) continue;
    ++non_blank;
    rapidjson::Document document;
    if (auto error = parse_json(line, document, state.limits.json); !error.empty()) {
      // Each line is its own document: its "line 1" would only mislead.
      if (error.starts_with("line 1, ")) error.erase(0, std::strlen("line 1, "));
      state.warn(input, number, {}, "malformed JSON (" + error + "); line skipped");
      continue;
    }
    if (!document.IsObject()) {
      state.warn(input, number, {},
                 std::string("expected a FHIR resource (an object), found ") +
                     json_type_name(document) + "; line skipped");
      continue;
    }
    const Json* type = detail::member(document, "resourceType");
    if (type && type->IsString() && as_view(*type) == "Bundle") {
      state.warn(input, number, "resourceType", "a Bundle in NDJSON is not read; line skipped");
      continue;
    }
    if (auto error = state.add_resource(document, type, input, number, {}); !error.empty()) {
      state.end_input(input);
      return error;
    }
  }
  if (non_blank == 0) state.warn(input, 0, {}, "no resources (empty NDJSON input)");
  state.end_input(input);
  return {};
}

std::string Intake::add_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) return path + ": no such file";
  if (fs::is_directory(status)) return path + ": is a directory, not a FHIR file";
  const bool ndjson = path.ends_with(".ndjson") || path.ends_with(".jsonl");
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot be opened for reading";
  if (ndjson) return add_ndjson(in, path);

  const std::uintmax_t size = fs::file_size(path, error);
  const std::size_t limit = state_->limits.max_document_bytes;
  if (!error && size > limit) {
    return path + ": " + std::to_string(size) + " bytes is over the limit of " +
           std::to_string(limit) +
           " bytes for one JSON document; export large data as NDJSON (.ndjson, one resource "
           "per line)";
  }
  // Read up to the limit, not up to the measured size: the file may have grown.
  std::string text;
  text.reserve(error ? 0 : static_cast<std::size_t>(size));
  std::vector<char> chunk(64 * 1024);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > limit) {
      return path + ": over the limit of " + std::to_string(limit) +
             " bytes for one JSON document; export large data as NDJSON";
    }
  }
  if (in.bad()) return path + ": read error";
  return add_json(text, path);
}

void Intake::reserve(std::size_t resources) {
  // The count comes from the inputs, whose entries may be anything, even
  // empty objects: a hostile count must not reserve gigabytes up front.
  constexpr std::size_t kMaxReserved = 16384;
  state_->resources.reserve(std::min({resources, state_->limits.max_resources, kMaxReserved}));
}

void Intake::set_server_base(std::string_view base) { state_->server_base = base; }

IntakeResult Intake::finish() {
  auto state = std::make_unique<State>(state_->terminology, state_->limits);
  std::swap(state, state_);
  state_->server_base = state->server_base;
  return detail::assemble(std::move(state->resources), std::move(state->input_warnings),
                          {state->full_urls, state->server_base}, state->terminology,
                          state->limits.json.max_depth + 1);
}

}  // namespace fhir
