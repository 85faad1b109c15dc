#include "fhir/assemble.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>

#include "fhir/content_hash.h"
#include "fhir/server_reference.h"

namespace fhir::detail {
namespace {

// ---- Versions -------------------------------------------------------------

std::optional<std::uint64_t> numeric_version(const std::string& version_id) {
  if (version_id.empty() || version_id.size() > 18) return std::nullopt;
  std::uint64_t number = 0;
  for (char c : version_id) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return number;
}

enum class Order { older, newer, same, unordered };

// How `candidate` relates to `kept`: versionIds when both are numbers (servers
// number versions 1, 2, 3...), else lastUpdated, else equal versionIds.
Order compare_versions(const VersionInfo& kept, const VersionInfo& candidate) {
  const auto kept_number = numeric_version(kept.version_id);
  const auto candidate_number = numeric_version(candidate.version_id);
  if (kept_number && candidate_number) {
    if (*candidate_number == *kept_number) return Order::same;
    return *candidate_number > *kept_number ? Order::newer : Order::older;
  }
  if (kept.last_updated && candidate.last_updated) {
    if (*candidate.last_updated == *kept.last_updated) return Order::same;
    return *candidate.last_updated > *kept.last_updated ? Order::newer : Order::older;
  }
  if (!kept.version_id.empty() && kept.version_id == candidate.version_id) return Order::same;
  return Order::unordered;
}

std::string where(const ReadResource& resource) {
  std::string text = resource.origin.input;
  if (resource.origin.entry != 0) text += " entry " + std::to_string(resource.origin.entry);
  return text;
}

Warning warning_at(const ReadResource& resource, std::string field, std::string message) {
  return {resource.origin.input, resource.origin.entry, resource.type + "/" + resource.id,
          std::move(field), std::move(message)};
}

struct Winner {
  std::size_t index;
  std::vector<Warning> dedup_warnings;
};

// Inputs are scanned in order; of equal or unordered copies the later one is
// kept, as a later export or a later bundle entry is the likelier correction.
Winner pick_latest(const std::vector<ReadResource>& resources,
                   const std::vector<std::size_t>& copies) {
  Winner winner{copies.front(), {}};
  for (std::size_t k = 1; k < copies.size(); ++k) {
    const ReadResource& kept = resources[winner.index];
    const ReadResource& candidate = resources[copies[k]];
    const bool same_content = kept.content_hash == candidate.content_hash;
    switch (compare_versions(kept.version, candidate.version)) {
      case Order::older:
        continue;
      case Order::newer:
        winner.index = copies[k];
        continue;
      case Order::same:
        if (!same_content) {
          winner.dedup_warnings.push_back(warning_at(
              candidate, "meta",
              "the same version (" +
                  (candidate.version.version_id.empty() ? std::string("lastUpdated")
                                                        : candidate.version.version_id) +
                  ") appears twice with different content (other copy: " + where(kept) +
                  "); kept the later entry"));
        }
        winner.index = copies[k];
        continue;
      case Order::unordered:
        if (!same_content) {
          winner.dedup_warnings.push_back(warning_at(
              candidate, "meta",
              "duplicate id " + candidate.type + "/" + candidate.id +
                  " without version information (other copy: " + where(kept) +
                  "); kept the later entry"));
        }
        winner.index = copies[k];
        continue;
    }
  }
  return winner;
}

// Copies of one resource, in input order. Most resources come once: they are
// told apart by a hash of type and id counted in an open-addressing table,
// and only positions whose hashes repeat are grouped (a sort of those
// positions) and compared by their text.
std::vector<Winner> latest_versions(std::vector<ReadResource>& resources, std::size_t max_json_depth) {
  const std::size_t count = resources.size();
  std::vector<std::uint64_t> hashes(count);
  const std::hash<std::string_view> hash_text;
  for (std::size_t i = 0; i < count; ++i) {
    hashes[i] = hash_text(resources[i].type) * 0x9E3779B97F4A7C15ull ^ hash_text(resources[i].id);
  }
  struct Slot {
    std::uint64_t hash = 0;
    std::size_t uses = 0;  // 0: empty
  };
  int bits = 4;
  while ((std::size_t{1} << bits) < 2 * count) ++bits;
  std::vector<Slot> table(std::size_t{1} << bits);
  const std::size_t mask = table.size() - 1;
  std::vector<std::size_t> slot_of(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t slot = (hashes[i] * 0x9E3779B97F4A7C15ull) >> (64 - bits);
    while (table[slot].uses != 0 && table[slot].hash != hashes[i]) slot = (slot + 1) & mask;
    table[slot].hash = hashes[i];
    ++table[slot].uses;
    slot_of[i] = slot;
  }

  std::vector<Winner> winners;
  winners.reserve(count);
  struct Keyed {
    std::uint64_t hash;
    std::size_t index;
  };
  std::vector<Keyed> repeated;
  for (std::size_t i = 0; i < count; ++i) {
    if (table[slot_of[i]].uses == 1) {
      winners.push_back({i, {}});
    } else {
      repeated.push_back({hashes[i], i});
    }
  }
  if (repeated.empty()) return winners;  // in input order already

  std::sort(repeated.begin(), repeated.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.hash, a.index) < std::tie(b.hash, b.index);
  });
  const auto same_resource = [&resources](std::size_t a, std::size_t b) {
    return resources[a].type == resources[b].type && resources[a].id == resources[b].id;
  };
  std::vector<std::size_t> colliding;
  std::vector<std::size_t> copies;
  for (std::size_t first = 0; first < repeated.size();) {
    std::size_t end = first + 1;
    while (end < repeated.size() && repeated[end].hash == repeated[first].hash) ++end;
    colliding.clear();
    for (std::size_t k = first; k < end; ++k) colliding.push_back(repeated[k].index);
    // In input order; each pass takes the first position left and its copies.
    while (!colliding.empty()) {
      copies.clear();
      std::vector<std::size_t> others;
      for (std::size_t index : colliding) {
        (same_resource(index, colliding.front()) ? copies : others).push_back(index);
      }
      colliding = std::move(others);
      if (copies.size() == 1) {
        winners.push_back({copies.front(), {}});
        continue;
      }
      for (std::size_t index : copies) {
        ReadResource& copy = resources[index];
        if (copy.source) copy.content_hash = content_hash(*copy.source, max_json_depth);
      }
      winners.push_back(pick_latest(resources, copies));
    }
    first = end;
  }
  std::sort(winners.begin(), winners.end(),
            [](const Winner& a, const Winner& b) { return a.index < b.index; });
  return winners;
}

// ---- References -----------------------------------------------------------

struct Target {
  std::string type;
  std::string id;
  std::string problem;  // set when the reference names nothing usable
};

Target resolve_reference(const std::string& reference, const ReferenceScope& scope) {
  if (const auto it = scope.full_urls.find(reference); it != scope.full_urls.end()) {
    if (it->second.ambiguous) return {{}, {}, "fullUrl '" + reference + "' names two resources"};
    return {it->second.type, it->second.id, {}};
  }
  const auto target = parse_reference(reference);
  if (!target) return {{}, {}, "'" + reference + "' is not a reference this service can follow"};
  if (!target->urn.empty()) {
    return {{}, {}, "'" + reference + "' matches no fullUrl in the inputs"};
  }
  // The same type and id on another server is another resource.
  if (!scope.server_base.empty() && is_absolute_url(reference) && !path_on_server(reference, scope.server_base)) {
    return {{}, {}, "'" + reference + "' is not on the FHIR server the data came from (" +
                        std::string(scope.server_base) + ")"};
  }
  return {target->type, target->id, {}};
}

std::optional<std::string> patient_id(const ReadResource& resource, const ReferenceScope& scope,
                                      std::vector<Warning>& warnings) {
  if (resource.type == "Patient") return resource.id;
  if (!resource.subject_reference) return std::nullopt;  // warned when read
  const Target target = resolve_reference(*resource.subject_reference, scope);
  std::string problem = target.problem;
  if (problem.empty() && target.type != "Patient") {
    problem = "'" + *resource.subject_reference + "' is a " + target.type + ", not a Patient";
  }
  if (problem.empty()) return target.id;
  warnings.push_back(warning_at(resource, "subject", problem + "; resource not kept"));
  return std::nullopt;
}

using Medications = std::map<std::string, const CodeableConcept*, std::less<>>;

template <typename Ordered>
void resolve_medication(ReadResource& read, Ordered& resource, const Medications& medications,
                        const ReferenceScope& scope, const Terminology& terminology) {
  if (read.medication_reference.empty()) return;
  ReadContext context(terminology, read.origin.input, read.origin.entry, read.warnings);
  context.set_resource(read.type, read.id);
  const std::string& reference = read.medication_reference;
  const Target target = resolve_reference(reference, scope);
  std::string problem = target.problem;
  const CodeableConcept* code = nullptr;
  if (problem.empty() && target.type != "Medication") {
    problem = "'" + reference + "' is a " + target.type + ", not a Medication";
  } else if (problem.empty()) {
    const auto it = medications.find(target.id);
    if (it == medications.end()) {
      problem = "'" + reference + "' matches no Medication in the inputs";
    } else {
      code = it->second;
    }
  }
  if (!code) {
    context.warn("medicationReference.reference", problem + "; drug unknown");
    return;
  }
  const std::string display = resource.medication.text;
  resource.medication = *code;
  if (resource.medication.text.empty()) resource.medication.text = display;
  const CodeMatch match = resolve_concept(resource.medication, "medicationReference", context);
  resource.drug = match.meaning;
  resource.drug_by_name = match.by_text;
}

// ---- Filing ---------------------------------------------------------------

// Resources that never happened, or never should have been charted.
bool never_counts(const AnyResource& resource) {
  if (const auto* o = std::get_if<Observation>(&resource)) {
    return o->status == ObservationStatus::entered_in_error ||
           o->status == ObservationStatus::cancelled;
  }
  if (const auto* a = std::get_if<MedicationAdministration>(&resource)) {
    return a->status == AdministrationStatus::entered_in_error ||
           a->status == AdministrationStatus::not_done;
  }
  if (const auto* r = std::get_if<MedicationRequest>(&resource)) {
    return r->status == RequestStatus::entered_in_error;
  }
  if (const auto* s = std::get_if<ServiceRequest>(&resource)) {
    return s->status == RequestStatus::entered_in_error;
  }
  if (const auto* d = std::get_if<DiagnosticReport>(&resource)) {
    return d->status == ReportStatus::entered_in_error || d->status == ReportStatus::cancelled;
  }
  if (const auto* p = std::get_if<Procedure>(&resource)) {
    return p->status == ProcedureStatus::entered_in_error ||
           p->status == ProcedureStatus::not_done;
  }
  return false;
}

// Stamps the resource in place, where it is kept: a resource is a large
// struct, and each move of it costs. `read` is spent: filing is the last use.
template <typename Typed>
void stamp(ReadResource& read, Typed& resource, const std::string& patient) {
  resource.id = std::move(read.id);
  resource.origin = std::move(read.origin);
  resource.version = std::move(read.version);
  if constexpr (requires { resource.subject; }) resource.subject = patient;
}

template <typename Typed>
void file_into(std::vector<Typed>& list, ReadResource& read, Typed&& resource,
               const std::string& patient) {
  stamp(read, list.emplace_back(std::move(resource)), patient);
}

void file(ReadResource& read, const std::string& patient, PatientRecord& record) {
  std::visit(
      [&](auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, Patient>) {
          record.patient = std::move(typed);
          stamp(read, *record.patient, patient);
        } else if constexpr (std::is_same_v<T, Observation>) {
          file_into(record.observations, read, std::move(typed), patient);
        } else if constexpr (std::is_same_v<T, MedicationAdministration>) {
          file_into(record.administrations, read, std::move(typed), patient);
        } else if constexpr (std::is_same_v<T, MedicationRequest>) {
          file_into(record.medication_requests, read, std::move(typed), patient);
        } else if constexpr (std::is_same_v<T, ServiceRequest>) {
          file_into(record.service_requests, read, std::move(typed), patient);
        } else if constexpr (std::is_same_v<T, DiagnosticReport>) {
          file_into(record.reports, read, std::move(typed), patient);
        } else if constexpr (std::is_same_v<T, Procedure>) {
          file_into(record.procedures, read, std::move(typed), patient);
        }
      },
      read.resource);
}

// ---- Sorting --------------------------------------------------------------

// Absent times sort first: they are the ones a reader must look at.
Instant sort_key(const std::optional<TimeRange>& time) {
  return time ? time->earliest : std::numeric_limits<Instant>::min();
}

template <typename T, typename Key>
void sort_by(std::vector<T>& items, Key key) {
  // A resource is a large struct that a merge sort would move about log2(n)
  // times: the positions are sorted instead, and each resource moved once.
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::forward_as_tuple(key(items[a]), items[a].id) <
           std::forward_as_tuple(key(items[b]), items[b].id);
  });
  if (std::is_sorted(order.begin(), order.end())) return;
  std::vector<T> sorted;
  sorted.reserve(items.size());
  for (const std::size_t i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

// Observations are filed in order already (assemble).
void sort_record(PatientRecord& record) {
  sort_by(record.administrations,
          [](const MedicationAdministration& a) { return a.start.earliest; });
  sort_by(record.medication_requests,
          [](const MedicationRequest& r) { return sort_key(r.authored_on); });
  sort_by(record.service_requests, [](const ServiceRequest& r) {
    return sort_key(r.authored_on ? r.authored_on : r.occurrence);
  });
  sort_by(record.reports, [](const DiagnosticReport& r) {
    return sort_key(r.effective ? r.effective : r.issued);
  });
  sort_by(record.procedures, [](const Procedure& p) { return sort_key(p.performed); });
}

// Codes of standard systems we do not read are expected (an EHR sends many);
// observations coded only in a local system usually are flowsheet rows that
// need a site terminology map, so they are counted and said once.
void report_unmapped_local_codes(PatientRecord& record) {
  std::map<std::string, std::size_t> count_by_system;
  for (const Observation& observation : record.observations) {
    if (observation.meaning != Concept::unknown || observation.code.codings.empty()) continue;
    bool standard = false;
    for (const Coding& coding : observation.code.codings) {
      standard = standard || coding.system == kLoinc || coding.system == kSnomed ||
                 coding.system == kProjectSystem;
    }
    if (!standard) ++count_by_system[observation.code.codings.front().system];
  }
  for (const auto& [system, count] : count_by_system) {
    Warning warning;
    warning.field = "code";
    warning.message = std::to_string(count) + " Observation(s) coded only in '" + system +
                      "' are not recognised; if they chart ICE, neurological findings, vitals "
                      "or oxygen, map them with a site terminology map (docs/terminology.md)";
    record.warnings.push_back(std::move(warning));
  }
}

void append(std::vector<Warning>& to, std::vector<Warning>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  from.clear();
}

}  // namespace

IntakeResult assemble(std::vector<ReadResource> resources, std::vector<InputWarning> input_warnings,
                      const ReferenceScope& scope, const Terminology& terminology,
                      std::size_t max_json_depth) {
  IntakeResult result;
  std::vector<InputWarning> unfiled = std::move(input_warnings);
  const auto leave_unfiled = [&unfiled](std::size_t input_index, std::vector<Warning>& warnings) {
    for (auto& warning : warnings) unfiled.push_back({input_index, std::move(warning)});
    warnings.clear();
  };
  std::vector<Winner> winners = latest_versions(resources, max_json_depth);

  Medications medications;
  for (const Winner& winner : winners) {
    if (const auto* medication = std::get_if<MedicationCode>(&resources[winner.index].resource)) {
      medications[resources[winner.index].id] = &medication->code;
    }
  }

  // Every winner's patient first, so that each record's observations can be
  // sized before filing: an Observation is a large struct, and a list grown
  // one push at a time moves all of them again at every doubling. A prefetch
  // names one subject on every resource: a reference that resolved is not
  // resolved again (one that failed is, so each resource gets its warning).
  constexpr std::size_t kNoPatient = std::numeric_limits<std::size_t>::max();
  std::vector<std::string> patient_ids;  // distinct, in order of first use
  std::map<std::string, std::size_t, std::less<>> patient_index;
  std::vector<std::size_t> observations_of;  // by patient
  std::vector<std::size_t> patient_of;       // by winner
  patient_of.reserve(winners.size());
  std::string_view last_reference;
  std::size_t last_patient = kNoPatient;
  for (const Winner& winner : winners) {
    ReadResource& read = resources[winner.index];
    std::size_t patient = kNoPatient;
    if (std::holds_alternative<MedicationCode>(read.resource)) {
      // filed nowhere: a Medication is read through the references to it
    } else if (read.subject_reference && last_patient != kNoPatient &&
               *read.subject_reference == last_reference) {
      patient = last_patient;
    } else if (auto id = patient_id(read, scope, read.warnings)) {
      const auto [it, inserted] = patient_index.try_emplace(std::move(*id), patient_ids.size());
      if (inserted) {
        patient_ids.push_back(it->first);
        observations_of.push_back(0);
      }
      patient = it->second;
      if (read.subject_reference) {
        last_reference = *read.subject_reference;
        last_patient = patient;
      }
    }
    patient_of.push_back(patient);
    if (patient != kNoPatient && std::holds_alternative<Observation>(read.resource)) {
      ++observations_of[patient];
    }
  }

  std::vector<PatientRecord*> records(patient_ids.size(), nullptr);
  // Observations are filed last, each patient's in time order: a prefetch
  // sends them newest first (_sort=-date), and sorting them once filed would
  // move every one of them a second time.
  std::vector<std::vector<std::size_t>> observations_to_file(patient_ids.size());
  for (std::size_t k = 0; k < winners.size(); ++k) {
    Winner& winner = winners[k];
    ReadResource& read = resources[winner.index];
    const std::size_t patient = patient_of[k];
    if (patient == kNoPatient) {
      leave_unfiled(read.input_index, winner.dedup_warnings);
      leave_unfiled(read.input_index, read.warnings);
      continue;
    }
    if (!records[patient]) {
      records[patient] = &result.patients[patient_ids[patient]];
      records[patient]->patient_id = patient_ids[patient];
      records[patient]->observations.reserve(observations_of[patient]);
    }
    PatientRecord& record = *records[patient];
    append(record.warnings, winner.dedup_warnings);
    if (never_counts(read.resource)) {
      ++record.dropped;  // its own warnings concern nothing that is used
      continue;
    }
    if (auto* a = std::get_if<MedicationAdministration>(&read.resource)) {
      resolve_medication(read, *a, medications, scope, terminology);
    } else if (auto* r = std::get_if<MedicationRequest>(&read.resource)) {
      resolve_medication(read, *r, medications, scope, terminology);
    }
    append(record.warnings, read.warnings);
    if (std::holds_alternative<Observation>(read.resource)) {
      observations_to_file[patient].push_back(winner.index);
    } else {
      file(read, patient_ids[patient], record);
    }
  }
  for (std::size_t patient = 0; patient < patient_ids.size(); ++patient) {
    std::vector<std::size_t>& order = observations_to_file[patient];
    const auto time_and_id = [&resources](std::size_t index) {
      return std::forward_as_tuple(std::get<Observation>(resources[index].resource).effective.earliest,
                                   resources[index].id);
    };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return time_and_id(a) < time_and_id(b);
    });
    for (const std::size_t index : order) file(resources[index], patient_ids[patient], *records[patient]);
  }
  for (auto& [id, record] : result.patients) {
    sort_record(record);
    report_unmapped_local_codes(record);
  }
  std::stable_sort(unfiled.begin(), unfiled.end(), [](const InputWarning& a, const InputWarning& b) {
    return std::tie(a.input_index, a.warning.entry) < std::tie(b.input_index, b.warning.entry);
  });
  for (auto& item : unfiled) result.warnings.push_back(std::move(item.warning));
  return result;
}

}  // namespace fhir::detail
