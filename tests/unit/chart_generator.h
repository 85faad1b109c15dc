#pragma once
// Random charts for differential tests: many patients whose records reach
// every corner the grading rules and the cards look at (imprecise times,
// preliminary and unknown statuses, findings attributed elsewhere, CAPD and
// ICE with items missing or out of range, sedation, vasopressors, masking
// antipyretics, imaging, children and unknown ages), so that a faster path
// can be compared with the straightforward one on far more charts than a
// person would write. Deterministic for a seed.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "record_builder.h"

namespace icans::test {

class ChartGenerator {
 public:
  explicit ChartGenerator(std::uint32_t seed) : random_(seed) {}

  // Day 0 of every chart; the charting runs for up to `max_days` after it.
  static constexpr fhir::Instant kDay0 = 1772359200000;  // 2026-03-01T10:00:00Z

  fhir::PatientRecord chart(int max_days = 8) {
    fhir::PatientRecord record;
    next_id_ = 0;
    record.patient_id = "p1";
    // Most charts stay mild for long stretches, so that grades rise and fall
    // and runs of "at least grade g" start and end.
    severity_ = between(0, 4) * between(0, 10);
    add_patient(record);
    add_infusion(record);
    const int days = between(1, max_days);
    const fhir::Instant end = kDay0 + days * fhir::kMillisPerDay;
    // Charting starts a little before day 0 (baseline) and comes at
    // irregular steps, a few events at the same instant.
    fhir::Instant t = kDay0 - between(0, 12) * fhir::kMillisPerHour;
    const int step_hours = between(1, 8);
    while (t < end) {
      add_moment(record, t);
      t += between(1, step_hours) * fhir::kMillisPerHour + (chance(10) ? between(1, 59) * fhir::kMillisPerMinute : 0);
    }
    const int administrations = between(0, 6);
    for (int i = 0; i < administrations; ++i) add_administration(record, some_time(end));
    const int reports = chance(30) ? between(1, 3) : 0;
    for (int i = 0; i < reports; ++i) add_report(record, some_time(end));
    if (chance(20)) {
      record.medication_requests.push_back(medication_request(
          id("mr"), Concept::levetiracetam, chance(70) ? fhir::RequestStatus::active : fhir::RequestStatus::completed));
    }
    if (!chance(10)) {  // intake sorts; a record built by hand may not be
      std::stable_sort(record.observations.begin(), record.observations.end(), [](const auto& a, const auto& b) {
        return a.effective.earliest < b.effective.earliest;
      });
      std::stable_sort(record.administrations.begin(), record.administrations.end(),
                       [](const auto& a, const auto& b) { return a.start.earliest < b.start.earliest; });
    }
    return record;
  }

  // Instants worth evaluating a chart at: every relevant charted time and
  // around it, and between.
  std::vector<fhir::Instant> times_around(const std::vector<fhir::Instant>& relevant) {
    std::vector<fhir::Instant> times;
    for (fhir::Instant t : relevant) {
      times.push_back(t);
      if (chance(30)) times.push_back(t - 1);
      if (chance(30)) times.push_back(t + 1);
      if (chance(20)) times.push_back(t + between(1, 72) * fhir::kMillisPerHour);
    }
    return times;
  }

  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  bool chance(int percent) { return between(1, 100) <= percent; }

 private:
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(between(0, static_cast<int>(items.size()) - 1))];
  }

  std::string id(const char* prefix) { return std::string(prefix) + std::to_string(++next_id_); }

  fhir::Instant some_time(fhir::Instant end) {
    return kDay0 - 2 * fhir::kMillisPerDay +
           static_cast<fhir::Instant>(between(0, static_cast<int>((end - kDay0) / fhir::kMillisPerHour) + 48)) *
               fhir::kMillisPerHour;
  }

  // Mostly exact; sometimes a whole day, or an hour, that straddles window edges.
  fhir::TimeRange time_at(fhir::Instant t) {
    if (chance(4)) {
      const fhir::Instant day = t - ((t % fhir::kMillisPerDay) + fhir::kMillisPerDay) % fhir::kMillisPerDay;
      return {day, day + fhir::kMillisPerDay - 1, fhir::TimePrecision::day};
    }
    if (chance(3)) return {t, t + fhir::kMillisPerHour - 1, fhir::TimePrecision::second};
    return {t, t, fhir::TimePrecision::second};
  }

  fhir::ObservationStatus status() {
    const int roll = between(1, 100);
    if (roll <= 85) return fhir::ObservationStatus::final_;
    if (roll <= 90) return fhir::ObservationStatus::preliminary;
    if (roll <= 93) return fhir::ObservationStatus::unknown;
    if (roll <= 96) return fhir::ObservationStatus::amended;
    if (roll <= 98) return fhir::ObservationStatus::registered;
    return fhir::ObservationStatus::cancelled;
  }

  fhir::Observation& add(fhir::PatientRecord& record, fhir::Observation observation, const fhir::TimeRange& time) {
    observation.effective = time;
    observation.status = status();
    if (chance(3)) observation.attribution = Concept::attributable_other_cause;
    else if (chance(3)) observation.attribution = Concept::not_attributable_other_cause;
    record.observations.push_back(std::move(observation));
    return record.observations.back();
  }

  void add_patient(fhir::PatientRecord& record) {
    const int roll = between(1, 100);
    if (roll <= 5) return;  // no Patient resource
    if (roll <= 12) {
      record.patient = patient("p1", std::nullopt);
      return;
    }
    static const std::vector<const char*> births = {"1968-02-10", "1990-07-01", "2014-03-01", "2014-02-28",
                                                   "2019-05-05", "2021-01-01", "2008-09-09", "1955"};
    record.patient = patient("p1", pick(births));
  }

  void add_infusion(fhir::PatientRecord& record) {
    const int roll = between(1, 100);
    if (roll <= 4) return;  // never in scope
    static const std::vector<Concept> products = {Concept::axicabtagene_ciloleucel, Concept::tisagenlecleucel,
                                                  Concept::lisocabtagene_maraleucel, Concept::brexucabtagene_autoleucel,
                                                  Concept::ciltacabtagene_autoleucel, Concept::idecabtagene_vicleucel};
    const Concept product = roll <= 8 ? Concept::teclistamab : pick(products);
    fhir::Procedure procedure = cell_therapy("cart", product, "2026-03-01T10:00:00Z");
    if (chance(5)) procedure.performed = fhir::TimeRange{kDay0 - 10 * fhir::kMillisPerHour,
                                                         kDay0 + 14 * fhir::kMillisPerHour - 1, fhir::TimePrecision::day};
    if (chance(3)) procedure.status = fhir::ProcedureStatus::in_progress;
    record.procedures.push_back(procedure);
  }

  void add_moment(fhir::PatientRecord& record, fhir::Instant t) {
    const fhir::TimeRange time = time_at(t);
    if (chance(80)) add_temperature(record, time);
    if (chance(70)) add_pressure(record, time);
    if (chance(60)) add_oxygen(record, time);
    if (chance(45)) add_assessment(record, time);
    if (chance(35)) add(record, coded(id("loc"), Concept::level_of_consciousness, "2026-03-01", loc()), time);
    if (chance(severity_ / 4)) add_seizure(record, time);
    if (chance(severity_ / 3)) add(record, coded(id("mot"), Concept::motor_finding, "2026-03-01",
                                     chance(70) ? Concept::motor_none : chance(85) ? Concept::motor_deep_focal_weakness
                                                                                   : Concept::o2_facemask),
                       time);
    if (chance(severity_ / 6)) add(record, coded(id("icp"), Concept::icp_finding, "2026-03-01", icp()), time);
    if (chance(3)) {
      static const std::vector<Concept> ungraded = {Concept::tremor, Concept::myoclonus, Concept::intracranial_hemorrhage};
      fhir::Observation finding = observation(id("ug"), pick(ungraded), "2026-03-01");
      if (chance(30)) {
        finding.value.kind = fhir::Value::Kind::boolean;
        finding.value.boolean = chance(50);
      }
      add(record, std::move(finding), time);
    }
    if (chance(10)) add(record, quantity(id("na"), Concept::sodium, "2026-03-01", between(125, 145), "mmol/L"), time);
    if (chance(3)) add(record, quantity(id("wt"), Concept::body_weight, "2026-03-01", between(15, 110), "kg"), time);
  }

  void add_temperature(fhir::PatientRecord& record, const fhir::TimeRange& time) {
    const double celsius = chance(severity_ + 5) ? 38.0 + between(0, 25) / 10.0 : 36.0 + between(0, 19) / 10.0;
    fhir::Observation observation = temperature(id("t"), "2026-03-01", celsius);
    if (chance(2)) observation.value.unit = "[degF]";
    if (chance(1)) observation.value.kind = fhir::Value::Kind::none;
    add(record, std::move(observation), time);
  }

  void add_pressure(fhir::PatientRecord& record, const fhir::TimeRange& time) {
    const double systolic_mm_hg = chance(severity_) ? between(55, 89) : between(90, 140);
    const int roll = between(1, 100);
    if (roll <= 60) {
      std::optional<double> mean;
      if (chance(50)) mean = chance(25) ? between(45, 64) : between(65, 100);
      add(record, blood_pressure(id("bp"), "2026-03-01", systolic_mm_hg, systolic_mm_hg - 35, mean), time);
    } else if (roll <= 85) {
      add(record, systolic(id("sbp"), "2026-03-01", systolic_mm_hg), time);
    } else if (roll <= 97) {
      add(record, mean_pressure(id("map"), "2026-03-01", chance(30) ? between(45, 64) : between(65, 100)), time);
    } else {
      add(record, quantity(id("sbp"), Concept::systolic_bp, "2026-03-01", systolic_mm_hg, "kPa"), time);
    }
  }

  void add_oxygen(fhir::PatientRecord& record, const fhir::TimeRange& time) {
    static const std::vector<Concept> devices = {
        Concept::o2_room_air,         Concept::o2_room_air,      Concept::o2_room_air,     Concept::o2_low_flow_nasal_cannula,
        Concept::o2_low_flow_nasal_cannula, Concept::o2_blow_by, Concept::o2_high_flow_nasal_cannula,
        Concept::o2_facemask,         Concept::o2_non_rebreather, Concept::o2_venturi,     Concept::o2_cpap,
        Concept::o2_bipap,            Concept::o2_mechanical_ventilation, Concept::unknown};
    const int roll = between(1, 100);
    if (roll <= 75) {
      std::optional<double> flow;
      if (chance(50)) flow = between(0, 15);
      fhir::Observation delivery =
          oxygen(id("o2"), "2026-03-01", chance(severity_ + 5) ? pick(devices) : Concept::o2_room_air, flow);
      if (chance(5)) delivery = comfort_only(std::move(delivery));
      add(record, std::move(delivery), time);
      if (!flow && chance(20)) add(record, oxygen_flow(id("fl"), "2026-03-01", between(0, 12)), time);
    } else if (roll <= 92) {
      add(record, oxygen_flow(id("fl"), "2026-03-01", between(0, 12)), time);
    } else {
      add(record, quantity(id("fl"), Concept::o2_flow_rate, "2026-03-01", 3, "mL/s"), time);
    }
  }

  Concept loc() {
    static const std::vector<Concept> answers = {Concept::loc_awakens_to_voice, Concept::loc_awakens_to_voice,
                                                 Concept::loc_awakens_to_tactile, Concept::loc_unarousable,
                                                 Concept::o2_room_air};
    return chance(severity_) ? pick(answers) : Concept::loc_awakens_spontaneously;
  }

  Concept icp() {
    static const std::vector<Concept> answers = {
        Concept::icp_none,        Concept::icp_none,         Concept::icp_focal_edema,
        Concept::icp_edema_unspecified, Concept::icp_diffuse_edema, Concept::icp_posturing,
        Concept::icp_cranial_nerve_vi_palsy, Concept::icp_papilledema, Concept::icp_cushings_triad};
    return pick(answers);
  }

  void add_seizure(fhir::PatientRecord& record, const fhir::TimeRange& time) {
    const int roll = between(1, 100);
    if (roll <= 60) {
      static const std::vector<Concept> answers = {Concept::seizure_none, Concept::seizure_rapidly_resolving,
                                                   Concept::seizure_prolonged_or_repetitive};
      add(record, coded(id("sz"), Concept::seizure, "2026-03-01", pick(answers)), time);
    } else if (roll <= 80) {
      fhir::Observation plain = observation(id("sz"), Concept::seizure, "2026-03-01");
      if (chance(60)) {
        plain.value.kind = fhir::Value::Kind::boolean;
        plain.value.boolean = chance(70);
      }
      add(record, std::move(plain), time);
    } else {
      add(record, observation(id("sz"), chance(50) ? Concept::seizure_rapidly_resolving : Concept::seizure_prolonged_or_repetitive,
                              "2026-03-01"),
          time);
    }
  }

  void add_assessment(fhir::PatientRecord& record, const fhir::TimeRange& time) {
    const int roll = between(1, 100);
    if (roll <= 45) {
      const int ice = chance(severity_) ? between(0, 9) : between(9, 10);
      add(record, score(id("ice"), Concept::ice_total, "2026-03-01", chance(3) ? 11 : ice), time);
      if (chance(10)) add(record, score(id("ice"), Concept::ice_total, "2026-03-01", between(0, 10)), time);
    } else if (roll <= 60) {
      static const std::vector<std::pair<Concept, int>> items = {
          {Concept::ice_orientation_year, 1}, {Concept::ice_orientation_month, 1}, {Concept::ice_orientation_city, 1},
          {Concept::ice_orientation_hospital, 1}, {Concept::ice_naming, 3}, {Concept::ice_commands, 1},
          {Concept::ice_writing, 1}, {Concept::ice_attention, 1}};
      const bool as_components = chance(50);
      fhir::Observation total = score(id("ice"), Concept::ice_total, "2026-03-01", between(0, 10));
      if (as_components && chance(50)) total.value.kind = fhir::Value::Kind::none;
      for (const auto& [item, max] : items) {
        if (chance(8)) continue;  // incomplete
        const int value = chance(3) ? max + 1 : between(0, max);
        if (as_components) total.components.push_back(component(item, integer_value(value)));
        else add(record, score(id("it"), item, "2026-03-01", value), time);
      }
      if (as_components || chance(50)) add(record, std::move(total), time);
    } else if (roll <= 75) {
      add(record, score(id("capd"), Concept::capd_total, "2026-03-01", chance(3) ? 40 : between(0, 20)), time);
      if (chance(40)) {
        static const std::vector<Concept> items = {Concept::capd_item_1, Concept::capd_item_2, Concept::capd_item_3,
                                                   Concept::capd_item_4, Concept::capd_item_5, Concept::capd_item_6,
                                                   Concept::capd_item_7, Concept::capd_item_8};
        for (Concept item : items) {
          if (!chance(10)) add(record, score(id("ci"), item, "2026-03-01", between(0, 4)), time);
        }
      }
    } else if (roll <= 88) {
      static const std::vector<Concept> answers = {Concept::ice_na_unarousable, Concept::ice_na_intubated_sedated,
                                                   Concept::ice_na_other};
      add(record, coded(id("na"), Concept::ice_not_assessable, "2026-03-01", pick(answers)), time);
    } else if (roll <= 94) {
      fhir::Observation odd = score(id("ice"), Concept::ice_total, "2026-03-01", 0);
      odd.value = chance(50) ? quantity_value(7.5, "{score}") : coded_value(Concept::o2_room_air);
      add(record, std::move(odd), time);
    } else {
      // ICE and CAPD at the same moment
      add(record, score(id("ice"), Concept::ice_total, "2026-03-01", between(0, 10)), time);
      add(record, score(id("capd"), Concept::capd_total, "2026-03-01", between(0, 20)), time);
    }
  }

  void add_administration(fhir::PatientRecord& record, fhir::Instant t) {
    static const std::vector<Concept> drugs = {
        Concept::norepinephrine, Concept::vasopressin, Concept::phenylephrine, Concept::epinephrine,
        Concept::propofol,       Concept::midazolam,   Concept::dexmedetomidine, Concept::lorazepam,
        Concept::acetaminophen,  Concept::ibuprofen,   Concept::tocilizumab,    Concept::siltuximab,
        Concept::anakinra,       Concept::dexamethasone, Concept::methylprednisolone, Concept::levetiracetam,
        Concept::unknown};
    const Concept drug = pick(drugs);
    fhir::AdministrationStatus status = fhir::AdministrationStatus::completed;
    const int roll = between(1, 100);
    if (roll <= 8) status = fhir::AdministrationStatus::on_hold;
    else if (roll <= 12) status = fhir::AdministrationStatus::unknown;
    else if (roll <= 18) status = fhir::AdministrationStatus::stopped;
    fhir::MedicationAdministration given =
        administration(id("ma"), drug, "2026-03-01T10:00:00Z", std::nullopt, status, chance(80) ? std::optional<double>(10) : std::nullopt);
    given.start = time_at(t);
    const int shape = between(1, 100);
    if (shape <= 30) {
      given.is_period = true;
      const fhir::Instant end = t + between(1, 12) * fhir::kMillisPerHour;
      given.end = fhir::TimeRange{end, end, fhir::TimePrecision::second};
    } else if (shape <= 45) {
      given.is_period = true;  // open: still running when in progress
      if (chance(70)) given.status = fhir::AdministrationStatus::in_progress;
    }
    record.administrations.push_back(std::move(given));
  }

  void add_report(fhir::PatientRecord& record, fhir::Instant t) {
    fhir::DiagnosticReport report;
    report.id = id("dr");
    static const std::vector<Concept> services = {Concept::mri_brain, Concept::ct_head, Concept::fundoscopy, Concept::eeg};
    report.service = pick(services);
    const int roll = between(1, 100);
    report.status = roll <= 70 ? fhir::ReportStatus::final_ : roll <= 85 ? fhir::ReportStatus::preliminary
                                                                          : fhir::ReportStatus::registered;
    if (chance(80)) report.effective = time_at(t);
    else report.issued = time_at(t);
    const int findings = between(0, 2);
    for (int i = 0; i < findings; ++i) report.findings.push_back(icp());
    record.reports.push_back(std::move(report));
  }

  std::mt19937 random_;
  int next_id_ = 0;
  int severity_ = 0;  // percent: how often a finding is abnormal
};

}  // namespace icans::test
