// load_protocol: JSON text -> Protocol, or every problem found.
//
// Each object is read through a FieldReader that remembers which fields were
// asked for; whatever is left over is an unknown field and refuses the file,
// because a misspelt "enabeld" or "dose_mg_per_kilo" must never silently
// switch a rule off or drop a cap.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>

#include <rapidjson/document.h>

#include "cards/protocol.h"
#include "fhir/json.h"
#include "fhir/time.h"

namespace icans {
namespace {

using rapidjson::Value;

// A protocol nests six levels deep; anything far deeper is not a protocol.
constexpr std::size_t kMaxDepth = 16;

// Safety limits refused whatever the file says: levetiracetam per
// CARTOX 2018 / the seed protocol, tocilizumab per the ACTEMRA label.
constexpr double kLevetiracetamMinMg = 500;
constexpr double kLevetiracetamMaxMg = 750;
constexpr double kTocilizumabMaxMgPerKg = 12;
constexpr double kTocilizumabMaxDoseMg = 800;

std::string format_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

class Problems {
 public:
  explicit Problems(std::string_view source) : source_(source) {}
  void add(const std::string& path, const std::string& message) {
    errors_.push_back(source_ + ": " + (path.empty() ? std::string("(top level)") : path) + ": " +
                      message);
  }
  bool empty() const { return errors_.empty(); }
  std::vector<std::string> take() { return std::move(errors_); }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

enum class Need { required, optional };

// Reads one JSON object. Members never asked for are reported by finish().
class FieldReader {
 public:
  FieldReader(const Value& value, std::string path, Problems& problems)
      : path_(std::move(path)), problems_(problems) {
    if (!value.IsObject()) {
      problems_.add(path_, std::string("must be an object (got ") + fhir::json_type_name(value) + ")");
      return;
    }
    object_ = &value;
    std::set<std::string> seen;
    for (const auto& member : value.GetObject()) {
      const std::string name(member.name.GetString(), member.name.GetStringLength());
      // RapidJSON keeps both copies of a repeated key; which one wins would be
      // an accident of lookup order.
      if (!seen.insert(name).second) problems_.add(child(path_, name), "field appears more than once");
    }
  }

  bool valid() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child(path_, key); }
  Problems& problems() { return problems_; }

  const Value* member(std::string_view key, Need need) {
    asked_.insert(std::string(key));
    if (!object_) return nullptr;
    const auto found = object_->FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
    if (found == object_->MemberEnd()) {
      if (need == Need::required) problems_.add(path_of(key), "missing");
      return nullptr;
    }
    return &found->value;
  }

  bool has(std::string_view key) const {
    return object_ && object_->HasMember(Value(rapidjson::StringRef(key.data(), key.size())));
  }

  // Required strings must not be empty: an empty instruction or code is as
  // useless on a card as a missing one.
  std::optional<std::string> string(std::string_view key, Need need) {
    const Value* value = member(key, need);
    if (!value) return std::nullopt;
    if (!value->IsString()) {
      type_error(key, "a string", *value);
      return std::nullopt;
    }
    std::string text(value->GetString(), value->GetStringLength());
    if (text.empty()) {
      problems_.add(path_of(key), "must not be empty");
      return std::nullopt;
    }
    return text;
  }

  // A string, or null meaning "none"; `present` tells whether the key was there.
  std::optional<std::string> string_or_null(std::string_view key, Need need, bool* present = nullptr) {
    const Value* value = member(key, need);
    if (present) *present = value != nullptr;
    if (!value || value->IsNull()) return std::nullopt;
    return string(key, need);
  }

  std::optional<double> number(std::string_view key, Need need) {
    const Value* value = member(key, need);
    if (!value) return std::nullopt;
    if (!value->IsNumber()) {
      type_error(key, "a number", *value);
      return std::nullopt;
    }
    const double number = value->GetDouble();
    if (!std::isfinite(number)) {
      problems_.add(path_of(key), "must be a finite number");
      return std::nullopt;
    }
    return number;
  }

  std::optional<double> positive(std::string_view key, Need need) {
    auto value = number(key, need);
    if (value && !(*value > 0)) {
      problems_.add(path_of(key), "must be > 0 (got " + format_number(*value) + ")");
      return std::nullopt;
    }
    return value;
  }

  std::optional<int> integer(std::string_view key, Need need, int min, int max) {
    auto value = number(key, need);
    if (!value) return std::nullopt;
    if (*value != std::floor(*value)) {
      problems_.add(path_of(key), "must be a whole number (got " + format_number(*value) + ")");
      return std::nullopt;
    }
    if (*value < min || *value > max) {
      problems_.add(path_of(key), "must be between " + std::to_string(min) + " and " +
                                      std::to_string(max) + " (got " + format_number(*value) + ")");
      return std::nullopt;
    }
    return static_cast<int>(*value);
  }

  std::optional<int> grade(std::string_view key, Need need) { return integer(key, need, 1, 4); }

  std::optional<bool> boolean(std::string_view key, Need need) {
    const Value* value = member(key, need);
    if (!value) return std::nullopt;
    if (!value->IsBool()) {
      type_error(key, "true or false", *value);
      return std::nullopt;
    }
    return value->GetBool();
  }

  // Absent means on: switching a rule off is always written out.
  bool enabled() { return boolean("enabled", Need::optional).value_or(true); }

  const Value* array(std::string_view key, Need need) {
    const Value* value = member(key, need);
    if (!value) return nullptr;
    if (!value->IsArray()) {
      type_error(key, "an array", *value);
      return nullptr;
    }
    return value;
  }

  void finish() {
    if (!object_) return;
    for (const auto& member : object_->GetObject()) {
      const std::string name(member.name.GetString(), member.name.GetStringLength());
      if (!asked_.count(name)) problems_.add(path_of(name), "unknown field");
    }
  }

 private:
  void type_error(std::string_view key, const char* expected, const Value& value) {
    problems_.add(path_of(key), std::string("must be ") + expected + " (got " +
                                    fhir::json_type_name(value) + ")");
  }

  const Value* object_ = nullptr;
  std::string path_;
  Problems& problems_;
  std::set<std::string> asked_;
};

bool is_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '.' || c == '_';
  });
}

bool is_project_code(std::string_view code) {
  return !code.empty() && std::all_of(code.begin(), code.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-';
  });
}

// ICD-10-CM: a letter, two characters, then optionally a dot and 1-4 more.
bool is_icd10cm_code(std::string_view code) {
  if (code.size() < 3 || !std::isupper(static_cast<unsigned char>(code[0])) ||
      !std::isdigit(static_cast<unsigned char>(code[1])))
    return false;
  auto alnum = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c));
  };
  if (!alnum(code[2])) return false;
  if (code.size() == 3) return true;
  if (code[3] != '.' || code.size() < 5 || code.size() > 8) return false;
  return std::all_of(code.begin() + 4, code.end(), alnum);
}

std::string concept_name(fhir::Concept meaning) {
  return std::string(fhir::concept_code(meaning));
}

// Reads the protocol; every check that can be made is made, so one load
// reports every problem.
class ProtocolReader {
 public:
  explicit ProtocolReader(Problems& problems) : problems_(problems) {}

  void read(const Value& root, Protocol& protocol) {
    FieldReader fields(root, "", problems_);
    if (!fields.valid()) return;
    protocol_ = &protocol;

    if (auto format = fields.integer("format_version", Need::required, 0, 1000000)) {
      if (*format != kProtocolFormatVersion) {
        problems_.add("format_version", "unsupported format " + std::to_string(*format) +
                                            " (this program reads format " +
                                            std::to_string(kProtocolFormatVersion) + ")");
      }
    }
    protocol.name = fields.string("name", Need::optional).value_or("");
    protocol.version = fields.string("version", Need::required).value_or("");
    protocol.publisher = fields.string("publisher", Need::optional).value_or("");
    if (auto date = fields.string("date", Need::optional)) {
      if (!fhir::parse_datetime(*date).range) {
        problems_.add("date", "not a date (got " + in_quotes(*date) + ")");
      }
      protocol.date = *date;
    }
    if (auto url = fields.string("documentation_url", Need::optional)) {
      if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
        problems_.add("documentation_url", "must be an http(s) URL (got " + in_quotes(*url) + ")");
      }
      protocol.documentation_url = *url;
    }

    // Definitions first: the sections refer to them.
    read_sources(fields);
    read_orderables(fields);
    read_regimens(fields);

    section(fields, "icans_steroids", [&](FieldReader& f) { read_icans_steroids(f); });
    section(fields, "seizure_prophylaxis", [&](FieldReader& f) { read_seizure_prophylaxis(f); });
    section(fields, "seizure_management", [&](FieldReader& f) { read_seizure_management(f); });
    section(fields, "workup", [&](FieldReader& f) { read_workup(f); });
    section(fields, "crs", [&](FieldReader& f) { read_crs(f); });
    section(fields, "monitoring", [&](FieldReader& f) { read_monitoring(f); });
    section(fields, "other_causes", [&](FieldReader& f) { read_other_causes(f); });
    section(fields, "documentation", [&](FieldReader& f) { read_documentation(f); });
    read_override_reasons(fields);
    fields.finish();
  }

 private:
  // A missing section would silently drop its cards; switching off is explicit.
  void section(FieldReader& parent, std::string_view key,
               const std::function<void(FieldReader&)>& read_section) {
    const Value* value = parent.member(key, Need::optional);
    if (!value) {
      problems_.add(parent.path_of(key), "missing (write \"enabled\": false to switch a rule off)");
      return;
    }
    FieldReader fields(*value, parent.path_of(key), problems_);
    if (!fields.valid()) return;
    read_section(fields);
    fields.finish();
  }

  void read_sources(FieldReader& parent) {
    const Value* value = parent.member("sources", Need::required);
    if (!value) return;
    FieldReader fields(*value, "sources", problems_);
    if (!fields.valid()) return;
    for (const auto& member : value->GetObject()) {
      const std::string id(member.name.GetString(), member.name.GetStringLength());
      if (!is_id(id)) problems_.add(fields.path_of(id), "source id must be lower-case letters, digits, '-', '.' or '_'");
      if (auto citation = fields.string(id, Need::required)) protocol_->sources[id] = *citation;
    }
    fields.finish();
  }

  // The "source" list of a section or item: ids defined under "sources".
  std::vector<std::string> read_source_list(FieldReader& fields, Need need) {
    std::vector<std::string> ids;
    const Value* list = fields.array("source", need);
    if (!list) return ids;
    const std::string path = fields.path_of("source");
    if (list->Empty() && need == Need::required) problems_.add(path, "must name at least one source");
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const Value& item = (*list)[i];
      if (!item.IsString()) {
        problems_.add(element(path, i), std::string("must be a string (got ") + fhir::json_type_name(item) + ")");
        continue;
      }
      std::string id(item.GetString(), item.GetStringLength());
      if (!protocol_->sources.count(id)) {
        problems_.add(element(path, i), "source " + in_quotes(id) + " is not defined under \"sources\"");
      }
      ids.push_back(std::move(id));
    }
    return ids;
  }

  std::optional<fhir::Concept> concept_from(const Value& value, const std::string& path) {
    if (!value.IsString()) {
      problems_.add(path, std::string("must be a concept code string (got ") + fhir::json_type_name(value) + ")");
      return std::nullopt;
    }
    const std::string_view code(value.GetString(), value.GetStringLength());
    auto meaning = fhir::concept_from_code(code);
    if (!meaning || *meaning == fhir::Concept::unknown) {
      problems_.add(path, "unknown concept code " + in_quotes(code));
      return std::nullopt;
    }
    return meaning;
  }

  std::optional<fhir::Concept> read_concept(FieldReader& fields, std::string_view key, Need need) {
    const Value* value = fields.member(key, need);
    if (!value) return std::nullopt;
    return concept_from(*value, fields.path_of(key));
  }

  std::vector<fhir::Concept> read_concept_list(FieldReader& fields, std::string_view key, Need need,
                                               const std::function<std::string(fhir::Concept)>& check) {
    std::vector<fhir::Concept> concepts;
    const Value* list = fields.array(key, need);
    if (!list) return concepts;
    const std::string path = fields.path_of(key);
    if (list->Empty() && need == Need::required) problems_.add(path, "must name at least one");
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      auto meaning = concept_from((*list)[i], element(path, i));
      if (!meaning) continue;
      if (auto wrong = check(*meaning); !wrong.empty()) {
        problems_.add(element(path, i), in_quotes(concept_name(*meaning)) + " is not " + wrong);
        continue;
      }
      if (std::find(concepts.begin(), concepts.end(), *meaning) != concepts.end()) {
        problems_.add(element(path, i), in_quotes(concept_name(*meaning)) + " is listed twice");
        continue;
      }
      concepts.push_back(*meaning);
    }
    return concepts;
  }

  std::vector<fhir::Concept> read_products(FieldReader& fields, Need need) {
    return read_concept_list(fields, "products", need, [](fhir::Concept c) {
      return fhir::is_immune_effector_cell_therapy(c) ? "" : "an immune effector cell therapy";
    });
  }

  void read_orderables(FieldReader& parent) {
    const Value* value = parent.member("orderables", Need::required);
    if (!value) return;
    FieldReader all(*value, "orderables", problems_);
    if (!all.valid()) return;
    for (const auto& member : value->GetObject()) {
      const std::string id(member.name.GetString(), member.name.GetStringLength());
      const std::string path = all.path_of(id);
      if (!is_id(id)) problems_.add(path, "orderable id must be lower-case letters, digits, '-', '.' or '_'");
      FieldReader fields(member.value, path, problems_);
      if (!fields.valid()) continue;
      Orderable orderable;
      orderable.id = id;
      orderable.system = fields.string("system", Need::required).value_or("");
      orderable.code = fields.string("code", Need::required).value_or("");
      orderable.display = fields.string("display", Need::required).value_or("");
      if (auto meaning = read_concept(fields, "concept", Need::required)) {
        const auto kind = fhir::concept_info(*meaning).kind;
        if (kind != fhir::ConceptKind::drug && kind != fhir::ConceptKind::service) {
          problems_.add(fields.path_of("concept"),
                        in_quotes(concept_name(*meaning)) + " is neither a drug nor a service");
        }
        orderable.meaning = *meaning;
      }
      check_orderable_code(fields, orderable);
      fields.finish();
      protocol_->orderables[id] = std::move(orderable);
    }
  }

  void check_orderable_code(FieldReader& fields, const Orderable& orderable) {
    if (orderable.system.empty() || orderable.code.empty()) return;
    if (orderable.system.find(':') == std::string::npos) {
      problems_.add(fields.path_of("system"), "must be an absolute URI (got " + in_quotes(orderable.system) + ")");
    }
    if (orderable.system == fhir::kRxNorm &&
        !std::all_of(orderable.code.begin(), orderable.code.end(),
                     [](unsigned char c) { return std::isdigit(c); })) {
      problems_.add(fields.path_of("code"), "an RxNorm code is all digits (got " + in_quotes(orderable.code) + ")");
    }
    // A project code names its concept; a mismatch is a copy-paste slip.
    if (orderable.system == fhir::kProjectSystem && orderable.meaning != fhir::Concept::unknown &&
        orderable.code != fhir::concept_code(orderable.meaning)) {
      problems_.add(fields.path_of("code"), "project code " + in_quotes(orderable.code) +
                                                " does not match concept " +
                                                in_quotes(concept_name(orderable.meaning)));
    }
  }

  void read_regimens(FieldReader& parent) {
    const Value* value = parent.member("regimens", Need::required);
    if (!value) return;
    FieldReader all(*value, "regimens", problems_);
    if (!all.valid()) return;
    for (const auto& member : value->GetObject()) {
      const std::string id(member.name.GetString(), member.name.GetStringLength());
      const std::string path = all.path_of(id);
      if (!is_id(id)) problems_.add(path, "regimen id must be lower-case letters, digits, '-', '.' or '_'");
      FieldReader fields(member.value, path, problems_);
      if (!fields.valid()) continue;
      Regimen regimen;
      regimen.id = id;
      if (auto drug = read_concept(fields, "drug", Need::required)) {
        if (fhir::concept_info(*drug).kind != fhir::ConceptKind::drug) {
          problems_.add(fields.path_of("drug"), in_quotes(concept_name(*drug)) + " is not a drug");
        } else {
          regimen.drug = *drug;
        }
      }
      if (auto route = fields.string("route", Need::required)) {
        if (*route == "intravenous") {
          regimen.route = Route::intravenous;
        } else if (*route == "oral") {
          regimen.route = Route::oral;
        } else {
          problems_.add(fields.path_of("route"), "must be \"intravenous\" or \"oral\" (got " + in_quotes(*route) + ")");
        }
      }
      if (auto orderable = fields.string("orderable", Need::required)) {
        regimen.orderable = *orderable;
        const auto found = protocol_->orderables.find(*orderable);
        if (found == protocol_->orderables.end()) {
          problems_.add(fields.path_of("orderable"), "orderable " + in_quotes(*orderable) + " is not defined");
        } else if (regimen.drug != fhir::Concept::unknown && found->second.meaning != fhir::Concept::unknown &&
                   found->second.meaning != regimen.drug) {
          problems_.add(fields.path_of("orderable"),
                        "orderable " + in_quotes(*orderable) + " is " +
                            concept_name(found->second.meaning) + ", but the regimen's drug is " +
                            concept_name(regimen.drug));
        }
      }
      regimen.adult = read_dosing(fields, regimen.drug, /*pediatric=*/false);
      if (const Value* pediatric = fields.member("pediatric", Need::optional)) {
        FieldReader pediatric_fields(*pediatric, fields.path_of("pediatric"), problems_);
        if (pediatric_fields.valid()) {
          regimen.pediatric = read_dosing(pediatric_fields, regimen.drug, /*pediatric=*/true);
          pediatric_fields.finish();
        }
      }
      regimen.sources = read_source_list(fields, Need::optional);
      fields.finish();
      protocol_->regimens[id] = std::move(regimen);
    }
  }

  std::optional<Interval> read_interval(FieldReader& fields) {
    const bool hours = fields.has("every_hours_min") || fields.has("every_hours_max");
    const bool minutes = fields.has("every_minutes_min") || fields.has("every_minutes_max");
    if (hours && minutes) {
      problems_.add(fields.path(), "give the interval in hours or in minutes, not both");
    }
    const char* min_key = minutes && !hours ? "every_minutes_min" : "every_hours_min";
    const char* max_key = minutes && !hours ? "every_minutes_max" : "every_hours_max";
    const double per_hour = minutes && !hours ? 60 : 1;
    // Ask for all four so none is reported as unknown twice.
    const bool had_min = fields.has(min_key), had_max = fields.has(max_key);
    auto min = fields.positive(min_key, Need::optional);
    auto max = fields.positive(max_key, Need::optional);
    fields.member("every_hours_min", Need::optional);
    fields.member("every_hours_max", Need::optional);
    fields.member("every_minutes_min", Need::optional);
    fields.member("every_minutes_max", Need::optional);
    if (!hours && !minutes) return std::nullopt;
    if (had_min != had_max) {
      problems_.add(fields.path_of(had_min ? max_key : min_key),
                    std::string("missing (") + (had_min ? min_key : max_key) + " is given)");
      return std::nullopt;
    }
    if (!min || !max) return std::nullopt;
    if (*min > *max) {
      problems_.add(fields.path_of(min_key), std::string("must be <= ") + max_key + " (got " +
                                                 format_number(*min) + " > " + format_number(*max) + ")");
      return std::nullopt;
    }
    return Interval{*min / per_hour, *max / per_hour};
  }

  Dosing read_dosing(FieldReader& fields, fhir::Concept drug, bool pediatric) {
    Dosing dosing;
    dosing.dose_mg = fields.positive("dose_mg", Need::optional);
    dosing.dose_mg_per_kg = fields.positive("dose_mg_per_kg", Need::optional);
    dosing.max_dose_mg = fields.positive("max_dose_mg", Need::optional);
    const bool fixed = fields.has("dose_mg"), per_kg = fields.has("dose_mg_per_kg");
    if (fixed && per_kg) problems_.add(fields.path(), "give dose_mg or dose_mg_per_kg, not both");
    if (!fixed && !per_kg) problems_.add(fields.path_of("dose_mg"), "missing (or dose_mg_per_kg)");
    if (per_kg && !fields.has("max_dose_mg")) {
      problems_.add(fields.path_of("max_dose_mg"), "missing: a weight-based dose needs a cap");
    }
    if (dosing.dose_mg && dosing.max_dose_mg && *dosing.max_dose_mg < *dosing.dose_mg) {
      problems_.add(fields.path_of("max_dose_mg"), "must be >= dose_mg (got " +
                                                       format_number(*dosing.max_dose_mg) + " < " +
                                                       format_number(*dosing.dose_mg) + ")");
    }
    read_weight_bands(fields, dosing, per_kg);

    dosing.every = read_interval(fields);
    dosing.doses = fields.integer("doses", Need::optional, 1, 1000);
    dosing.max_doses_per_24h = fields.integer("max_doses_per_24h", Need::optional, 1, 1000);
    dosing.max_doses_total = fields.integer("max_doses_total", Need::optional, 1, 1000);
    const bool has_interval = fields.has("every_hours_min") || fields.has("every_hours_max") ||
                              fields.has("every_minutes_min") || fields.has("every_minutes_max");
    if (!has_interval && dosing.doses && *dosing.doses > 1) {
      problems_.add(fields.path_of("doses"), "more than one dose needs an interval (every_hours_min/max)");
    }
    if (dosing.doses && dosing.max_doses_total && *dosing.doses > *dosing.max_doses_total) {
      problems_.add(fields.path_of("doses"), "must be <= max_doses_total (got " +
                                                 std::to_string(*dosing.doses) + " > " +
                                                 std::to_string(*dosing.max_doses_total) + ")");
    }
    if (dosing.max_doses_per_24h && dosing.max_doses_total &&
        *dosing.max_doses_per_24h > *dosing.max_doses_total) {
      problems_.add(fields.path_of("max_doses_per_24h"),
                    "must be <= max_doses_total (got " + std::to_string(*dosing.max_doses_per_24h) +
                        " > " + std::to_string(*dosing.max_doses_total) + ")");
    }
    dosing.instruction = fields.string("instruction", Need::required).value_or("");
    check_drug_limits(fields, drug, dosing, pediatric);
    return dosing;
  }

  void read_weight_bands(FieldReader& fields, Dosing& dosing, bool per_kg) {
    const Value* bands = fields.array("weight_bands", Need::optional);
    if (!bands) return;
    const std::string path = fields.path_of("weight_bands");
    if (!per_kg) problems_.add(path, "weight bands need dose_mg_per_kg");
    for (rapidjson::SizeType i = 0; i < bands->Size(); ++i) {
      FieldReader band_fields((*bands)[i], element(path, i), problems_);
      if (!band_fields.valid()) continue;
      auto below = band_fields.positive("below_kg", Need::required);
      auto dose = band_fields.positive("dose_mg_per_kg", Need::required);
      band_fields.finish();
      if (!below || !dose) continue;
      if (!dosing.weight_bands.empty() && *below <= dosing.weight_bands.back().below_kg) {
        problems_.add(band_fields.path_of("below_kg"), "bands must be in ascending below_kg (got " +
                                                           format_number(*below) + " after " +
                                                           format_number(dosing.weight_bands.back().below_kg) + ")");
        continue;
      }
      dosing.weight_bands.push_back({*below, *dose});
    }
  }

  // Limits no protocol may exceed: a mistyped 7500 mg of levetiracetam or
  // 80 mg/kg of tocilizumab must not reach a card.
  void check_drug_limits(FieldReader& fields, fhir::Concept drug, const Dosing& dosing, bool pediatric) {
    if (drug == fhir::Concept::levetiracetam) {
      if (!pediatric && fields.has("dose_mg_per_kg")) {
        problems_.add(fields.path_of("dose_mg_per_kg"), "adult levetiracetam must be a fixed dose of 500-750 mg");
      }
      if (dosing.dose_mg && (*dosing.dose_mg > kLevetiracetamMaxMg ||
                             (!pediatric && *dosing.dose_mg < kLevetiracetamMinMg))) {
        problems_.add(fields.path_of("dose_mg"),
                      std::string("levetiracetam must be ") + (pediatric ? "at most 750 mg" : "500-750 mg") +
                          " per dose (got " + format_number(*dosing.dose_mg) + ")");
      }
      if (dosing.max_dose_mg && *dosing.max_dose_mg > kLevetiracetamMaxMg) {
        problems_.add(fields.path_of("max_dose_mg"), "levetiracetam must be at most 750 mg per dose (got " +
                                                         format_number(*dosing.max_dose_mg) + ")");
      }
    }
    if (drug == fhir::Concept::tocilizumab) {
      auto check_per_kg = [&](double per_kg, const std::string& path) {
        if (per_kg > kTocilizumabMaxMgPerKg) {
          problems_.add(path, "tocilizumab must be at most 12 mg/kg (got " + format_number(per_kg) + ")");
        }
      };
      if (dosing.dose_mg_per_kg) check_per_kg(*dosing.dose_mg_per_kg, fields.path_of("dose_mg_per_kg"));
      for (std::size_t i = 0; i < dosing.weight_bands.size(); ++i) {
        check_per_kg(dosing.weight_bands[i].dose_mg_per_kg,
                     child(element(fields.path_of("weight_bands"), i), "dose_mg_per_kg"));
      }
      if (dosing.max_dose_mg && *dosing.max_dose_mg > kTocilizumabMaxDoseMg) {
        problems_.add(fields.path_of("max_dose_mg"), "tocilizumab must be at most 800 mg per dose (got " +
                                                         format_number(*dosing.max_dose_mg) + ")");
      }
      if (dosing.dose_mg && *dosing.dose_mg > kTocilizumabMaxDoseMg) {
        problems_.add(fields.path_of("dose_mg"), "tocilizumab must be at most 800 mg per dose (got " +
                                                     format_number(*dosing.dose_mg) + ")");
      }
    }
  }

  // A reference to a regimen, checked to exist and to give the right kind of drug.
  std::string regimen_ref(FieldReader& fields, std::string_view key, const std::string& id,
                          const std::function<bool(fhir::Concept)>& drug_ok, const char* expected) {
    const auto found = protocol_->regimens.find(id);
    if (found == protocol_->regimens.end()) {
      problems_.add(fields.path_of(key), "regimen " + in_quotes(id) + " is not defined");
    } else if (found->second.drug != fhir::Concept::unknown && !drug_ok(found->second.drug)) {
      problems_.add(fields.path_of(key), "regimen " + in_quotes(id) + " gives " +
                                             concept_name(found->second.drug) + ", not " + expected);
    }
    return id;
  }

  std::string required_regimen(FieldReader& fields, std::string_view key,
                               const std::function<bool(fhir::Concept)>& drug_ok, const char* expected) {
    auto id = fields.string(key, Need::required);
    if (!id) return {};
    return regimen_ref(fields, key, *id, drug_ok, expected);
  }

  std::string orderable_ref(FieldReader& fields, std::string_view key, const std::string& id) {
    const auto found = protocol_->orderables.find(id);
    if (found == protocol_->orderables.end()) {
      problems_.add(fields.path_of(key), "orderable " + in_quotes(id) + " is not defined");
    } else if (found->second.meaning != fhir::Concept::unknown &&
               fhir::concept_info(found->second.meaning).kind != fhir::ConceptKind::service) {
      problems_.add(fields.path_of(key), "orderable " + in_quotes(id) + " is not a service");
    }
    return id;
  }

  static bool corticosteroid(fhir::Concept c) { return fhir::is_corticosteroid(c); }

  GradeRegimen read_grade_regimen(FieldReader& parent, std::string_view key) {
    GradeRegimen grade;
    const Value* value = parent.member(key, Need::required);
    if (!value) return grade;
    FieldReader fields(*value, parent.path_of(key), problems_);
    if (!fields.valid()) return grade;
    grade.enabled = fields.enabled();
    bool present = false;
    grade.regimen = fields.string_or_null("regimen", Need::optional, &present);
    if (!present) problems_.add(fields.path_of("regimen"), "missing (null for no corticosteroid)");
    if (grade.regimen) regimen_ref(fields, "regimen", *grade.regimen, corticosteroid, "a corticosteroid");
    grade.consider = fields.boolean("consider", Need::optional).value_or(false);
    grade.note = fields.string("note", Need::optional).value_or("");
    fields.finish();
    return grade;
  }

  void read_icans_steroids(FieldReader& fields) {
    IcansSteroids& steroids = protocol_->icans_steroids;
    steroids.enabled = fields.enabled();
    steroids.sources = read_source_list(fields, Need::required);
    for (int grade = 1; grade <= 4; ++grade) {
      steroids.by_grade[grade - 1] = read_grade_regimen(fields, "grade_" + std::to_string(grade));
    }
    steroids.escalation_not_delayed_by_recent_dexamethasone =
        fields.boolean("escalation_not_delayed_by_recent_dexamethasone", Need::required).value_or(true);

    if (const Value* list = fields.array("grade_1_product_exceptions", Need::required)) {
      const std::string path = fields.path_of("grade_1_product_exceptions");
      for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        FieldReader item((*list)[i], element(path, i), problems_);
        if (!item.valid()) continue;
        ProductException exception;
        exception.enabled = item.enabled();
        exception.products = read_products(item, Need::required);
        exception.onset_within_hours_of_infusion =
            item.positive("onset_within_hours_of_infusion", Need::optional);
        exception.regimen = required_regimen(item, "regimen", corticosteroid, "a corticosteroid");
        exception.consider = item.boolean("consider", Need::optional).value_or(false);
        exception.note = item.string("note", Need::optional).value_or("");
        exception.sources = read_source_list(item, Need::required);
        item.finish();
        steroids.grade_1_product_exceptions.push_back(std::move(exception));
      }
    }

    if (const Value* value = fields.member("taper", Need::required)) {
      FieldReader taper_fields(*value, fields.path_of("taper"), problems_);
      if (taper_fields.valid()) {
        Taper& taper = steroids.taper;
        taper.enabled = taper_fields.enabled();
        taper.when_grade_at_most = taper_fields.integer("when_grade_at_most", Need::required, 0, 3).value_or(1);
        taper.text = taper_fields.string("text", Need::required).value_or("");
        taper.after_regimen = taper_fields.string_or_null("after_regimen", Need::optional);
        if (taper.after_regimen) {
          regimen_ref(taper_fields, "after_regimen", *taper.after_regimen, corticosteroid, "a corticosteroid");
        }
        if (const Value* steps = taper_fields.array("steps", Need::optional)) {
          const std::string steps_path = taper_fields.path_of("steps");
          for (rapidjson::SizeType i = 0; i < steps->Size(); ++i) {
            const Value& step = (*steps)[i];
            if (!step.IsString()) {
              problems_.add(element(steps_path, i),
                            std::string("must be a regimen id (got ") + fhir::json_type_name(step) + ")");
              continue;
            }
            std::string id(step.GetString(), step.GetStringLength());
            const auto found = protocol_->regimens.find(id);
            if (found == protocol_->regimens.end()) {
              problems_.add(element(steps_path, i), "regimen " + in_quotes(id) + " is not defined");
            } else if (found->second.drug != fhir::Concept::unknown && !corticosteroid(found->second.drug)) {
              problems_.add(element(steps_path, i), "regimen " + in_quotes(id) + " is not a corticosteroid");
            }
            taper.steps.push_back(std::move(id));
          }
          if (!taper.steps.empty() && !taper.after_regimen) {
            problems_.add(steps_path, "taper steps need after_regimen (the course they follow)");
          }
        }
        taper.sources = read_source_list(taper_fields, Need::required);
        taper_fields.finish();
      }
    }
  }

  ProphylaxisRule read_prophylaxis_rule(const Value& value, const std::string& path, bool with_products) {
    ProphylaxisRule rule;
    FieldReader fields(value, path, problems_);
    if (!fields.valid()) return rule;
    if (with_products) rule.products = read_products(fields, Need::required);
    rule.routine_from_day0 = fields.boolean("routine_from_day0", Need::optional).value_or(false);
    rule.from_icans_grade = fields.grade("from_icans_grade", Need::optional);
    if (rule.routine_from_day0 && fields.has("from_icans_grade")) {
      problems_.add(fields.path_of("from_icans_grade"), "give from_icans_grade or routine_from_day0 true, not both");
    } else if (!rule.routine_from_day0 && !fields.has("from_icans_grade")) {
      problems_.add(fields.path_of("from_icans_grade"), "missing (or routine_from_day0: true)");
    }
    rule.note = fields.string("note", Need::optional).value_or("");
    fields.finish();
    return rule;
  }

  void read_seizure_prophylaxis(FieldReader& fields) {
    SeizureProphylaxis& prophylaxis = protocol_->seizure_prophylaxis;
    prophylaxis.enabled = fields.enabled();
    prophylaxis.sources = read_source_list(fields, Need::required);
    prophylaxis.regimen = required_regimen(
        fields, "regimen", [](fhir::Concept c) { return c == fhir::Concept::levetiracetam; }, "levetiracetam");
    if (const Value* all = fields.member("all_products", Need::required)) {
      prophylaxis.all_products = read_prophylaxis_rule(*all, fields.path_of("all_products"), false);
    }
    if (const Value* list = fields.array("product_rules", Need::required)) {
      const std::string path = fields.path_of("product_rules");
      std::set<fhir::Concept> seen;
      for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        auto rule = read_prophylaxis_rule((*list)[i], element(path, i), true);
        for (auto product : rule.products) {
          // Two rules for one product: which applies would depend on order.
          if (!seen.insert(product).second) {
            problems_.add(child(element(path, i), "products"),
                          in_quotes(concept_name(product)) + " already has a rule");
          }
        }
        prophylaxis.product_rules.push_back(std::move(rule));
      }
    }
    prophylaxis.active_if_dose_within_hours =
        fields.positive("active_if_dose_within_hours", Need::required).value_or(24);
    prophylaxis.renal_note = fields.string("renal_note", Need::required).value_or("");
  }

  void read_seizure_management(FieldReader& fields) {
    SeizureManagement& management = protocol_->seizure_management;
    management.enabled = fields.enabled();
    management.sources = read_source_list(fields, Need::required);
    management.seizure_regimen = required_regimen(
        fields, "seizure_regimen", [](fhir::Concept c) { return c == fhir::Concept::levetiracetam; },
        "levetiracetam");
    management.nonconvulsive_status_regimen = required_regimen(
        fields, "nonconvulsive_status_regimen", [](fhir::Concept c) { return fhir::is_sedative(c); },
        "a benzodiazepine");
    management.nonconvulsive_status_text = fields.string("nonconvulsive_status_text", Need::required).value_or("");
    management.convulsive_status_text = fields.string("convulsive_status_text", Need::required).value_or("");
  }

  // The "items" array of a section: objects with a unique "id" and an
  // "enabled" switch, the rest read by `read_rest`.
  template <typename Item, typename ReadRest>
  std::vector<Item> read_items(FieldReader& fields, ReadRest read_rest) {
    std::vector<Item> items;
    const Value* list = fields.array("items", Need::required);
    if (!list) return items;
    const std::string path = fields.path_of("items");
    std::set<std::string> ids;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      FieldReader item_fields((*list)[i], element(path, i), problems_);
      if (!item_fields.valid()) continue;
      Item item;
      item.id = item_fields.string("id", Need::required).value_or("");
      if (!item.id.empty() && !ids.insert(item.id).second) {
        problems_.add(item_fields.path_of("id"), "id " + in_quotes(item.id) + " is used twice");
      }
      item.enabled = item_fields.enabled();
      read_rest(item_fields, item);
      item_fields.finish();
      items.push_back(std::move(item));
    }
    return items;
  }

  void read_workup(FieldReader& fields) {
    Workup& workup = protocol_->workup;
    workup.enabled = fields.enabled();
    workup.sources = read_source_list(fields, Need::required);
    workup.items = read_items<WorkupItem>(fields, [this](FieldReader& item_fields, WorkupItem& item) {
      if (auto orderable = item_fields.string("orderable", Need::required)) {
        item.orderable = orderable_ref(item_fields, "orderable", *orderable);
      }
      if (auto alternative = item_fields.string_or_null("alternative_orderable", Need::optional)) {
        item.alternative_orderable = orderable_ref(item_fields, "alternative_orderable", *alternative);
      }
      item.from_icans_grade = item_fields.grade("from_icans_grade", Need::required).value_or(1);
      item.repeat_interval_hours = item_fields.positive("repeat_interval_hours", Need::required).value_or(0);
      item.persisting_hours = item_fields.positive("persisting_hours", Need::optional);
      item.consider = item_fields.boolean("consider", Need::optional).value_or(false);
      item.show_latest = read_concept_list(item_fields, "show_latest", Need::optional, [](fhir::Concept c) {
        return fhir::concept_info(c).kind == fhir::ConceptKind::measurement ? "" : "a measurement";
      });
      item.note = item_fields.string("note", Need::optional).value_or("");
      item.sources = read_source_list(item_fields, Need::optional);
    });
  }

  GradeSteroid read_grade_steroid(FieldReader& parent, std::string_view key) {
    GradeSteroid grade;
    const Value* value = parent.member(key, Need::required);
    if (!value) return grade;
    FieldReader fields(*value, parent.path_of(key), problems_);
    if (!fields.valid()) return grade;
    grade.enabled = fields.enabled();
    grade.regimen = required_regimen(fields, "regimen", corticosteroid, "a corticosteroid");
    grade.note = fields.string("note", Need::optional).value_or("");
    fields.finish();
    return grade;
  }

  void read_crs(FieldReader& fields) {
    Crs& crs = protocol_->crs;
    crs.enabled = fields.enabled();
    crs.sources = read_source_list(fields, Need::required);
    if (const Value* value = fields.member("tocilizumab", Need::required)) {
      FieldReader toci(*value, fields.path_of("tocilizumab"), problems_);
      if (toci.valid()) {
        crs.tocilizumab.enabled = toci.enabled();
        crs.tocilizumab.regimen = required_regimen(
            toci, "regimen", [](fhir::Concept c) { return c == fhir::Concept::tocilizumab; }, "tocilizumab");
        crs.tocilizumab.from_crs_grade = toci.grade("from_crs_grade", Need::required).value_or(2);
        crs.tocilizumab.from_crs_grade_with_icans = toci.grade("from_crs_grade_with_icans", Need::required).value_or(1);
        toci.finish();
      }
    }
    crs.grade_3 = read_grade_steroid(fields, "grade_3");
    crs.grade_4 = read_grade_steroid(fields, "grade_4");
    crs.antimicrobials_reminder = fields.string("antimicrobials_reminder", Need::required).value_or("");
    crs.tocilizumab_icans_without_crs_warning =
        fields.string("tocilizumab_icans_without_crs_warning", Need::required).value_or("");
  }

  void read_monitoring(FieldReader& fields) {
    Monitoring& monitoring = protocol_->monitoring;
    monitoring.enabled = fields.enabled();
    monitoring.sources = read_source_list(fields, Need::required);
    auto from = fields.integer("from_day", Need::required, 0, 3650);
    auto to = fields.integer("to_day", Need::required, 0, 3650);
    if (from && to && *to < *from) {
      problems_.add(fields.path_of("to_day"), "must be >= from_day (got " + std::to_string(*to) + " < " +
                                                  std::to_string(*from) + ")");
    }
    monitoring.from_day = from.value_or(0);
    monitoring.to_day = to.value_or(10);
    auto usual = fields.positive("ice_overdue_after_hours", Need::required);
    auto closer = fields.positive("ice_overdue_after_hours_if_declining_or_crs", Need::required);
    if (usual && closer && *closer > *usual) {
      problems_.add(fields.path_of("ice_overdue_after_hours_if_declining_or_crs"),
                    "must be <= ice_overdue_after_hours (got " + format_number(*closer) + " > " +
                        format_number(*usual) + ")");
    }
    monitoring.ice_overdue_after_hours = usual.value_or(12);
    monitoring.ice_overdue_after_hours_if_declining_or_crs = closer.value_or(4);
  }

  void read_other_causes(FieldReader& fields) {
    OtherCauses& causes = protocol_->other_causes;
    causes.enabled = fields.enabled();
    causes.sources = read_source_list(fields, Need::required);
    causes.items = read_items<OtherCause>(fields, [this](FieldReader& item_fields, OtherCause& item) {
      item.text = item_fields.string("text", Need::required).value_or("");
      item.show_latest = read_concept_list(item_fields, "show_latest", Need::optional, [](fhir::Concept c) {
        const auto kind = fhir::concept_info(c).kind;
        return kind == fhir::ConceptKind::measurement || kind == fhir::ConceptKind::drug ? ""
                                                                                         : "a measurement or a drug";
      });
    });
  }

  Icd10Code read_icd10(FieldReader& parent, std::string_view key) {
    Icd10Code icd;
    const Value* value = parent.member(key, Need::required);
    if (!value) return icd;
    FieldReader fields(*value, parent.path_of(key), problems_);
    if (!fields.valid()) return icd;
    icd.code = fields.string("code", Need::required).value_or("");
    if (!icd.code.empty() && !is_icd10cm_code(icd.code)) {
      problems_.add(fields.path_of("code"), "not an ICD-10-CM code (got " + in_quotes(icd.code) + ")");
    }
    icd.display = fields.string("display", Need::required).value_or("");
    fields.finish();
    return icd;
  }

  std::array<Icd10Code, 4> read_icd10_by_grade(FieldReader& parent, std::string_view key) {
    std::array<Icd10Code, 4> codes;
    const Value* value = parent.member(key, Need::required);
    if (!value) return codes;
    FieldReader fields(*value, parent.path_of(key), problems_);
    if (!fields.valid()) return codes;
    for (int grade = 1; grade <= 4; ++grade) codes[grade - 1] = read_icd10(fields, "grade_" + std::to_string(grade));
    fields.finish();
    return codes;
  }

  void read_documentation(FieldReader& fields) {
    Documentation& documentation = protocol_->documentation;
    documentation.enabled = fields.enabled();
    documentation.sources = read_source_list(fields, Need::required);
    if (auto status = fields.string("verification_status", Need::required)) {
      static const std::set<std::string> kStatuses = {"unconfirmed", "provisional", "differential", "confirmed"};
      if (!kStatuses.count(*status)) {
        problems_.add(fields.path_of("verification_status"),
                      "must be unconfirmed, provisional, differential or confirmed (got " + in_quotes(*status) + ")");
      }
      documentation.verification_status = *status;
    }
    documentation.coded_first = read_icd10(fields, "coded_first");
    documentation.icans_by_grade = read_icd10_by_grade(fields, "icans");
    documentation.crs_by_grade = read_icd10_by_grade(fields, "crs");
  }

  void read_override_reasons(FieldReader& parent) {
    const Value* list = parent.array("override_reasons", Need::required);
    if (!list) return;
    std::set<std::string> codes;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      FieldReader fields((*list)[i], element("override_reasons", i), problems_);
      if (!fields.valid()) continue;
      OverrideReason reason;
      reason.code = fields.string("code", Need::required).value_or("");
      if (!reason.code.empty() && !is_project_code(reason.code)) {
        problems_.add(fields.path_of("code"), "must be lower-case letters, digits and '-' (got " +
                                                  in_quotes(reason.code) + ")");
      } else if (!reason.code.empty() && !codes.insert(reason.code).second) {
        problems_.add(fields.path_of("code"), "code " + in_quotes(reason.code) + " is used twice");
      }
      reason.display = fields.string("display", Need::required).value_or("");
      fields.finish();
      protocol_->override_reasons.push_back(std::move(reason));
    }
  }

  Problems& problems_;
  Protocol* protocol_ = nullptr;
};

}  // namespace

ProtocolLoadResult load_protocol(std::string_view json, std::string_view source_name) {
  Problems problems(source_name);
  rapidjson::Document document;
  if (auto error = fhir::parse_json(json, document, fhir::JsonLimits{kMaxDepth}); !error.empty()) {
    ProtocolLoadResult result;
    result.errors.push_back(std::string(source_name) + ": " + error);
    return result;
  }
  Protocol protocol;
  ProtocolReader(problems).read(document, protocol);
  ProtocolLoadResult result;
  if (problems.empty()) {
    result.protocol = std::move(protocol);
  } else {
    result.errors = problems.take();
  }
  return result;
}

}  // namespace icans
