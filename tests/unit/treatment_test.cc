// What has been given by T: steroids, tocilizumab, levetiracetam,
// vasopressors, sedatives. Infusion 2024-03-01T10:00Z, T = 2024-03-03T12:00Z.

#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/treatment.h"
#include "record_builder.h"

namespace {

using namespace icans;
using namespace icans::test;
using fhir::AdministrationStatus;
using fhir::RequestStatus;
using Catch::Matchers::Equals;

constexpr std::string_view kInfusion = "2024-03-01T10:00:00Z";
constexpr std::string_view kT = "2024-03-03T12:00:00Z";

Treatment summarize(const fhir::PatientRecord& record, const GradingConfig& config = {}) {
  return summarize_treatment(record, instant(kT), instant(kInfusion), config);
}

std::vector<std::string> resources(const std::vector<Dose>& doses) {
  std::vector<std::string> result;
  for (const auto& dose : doses) result.push_back(dose.resource);
  return result;
}

}  // namespace

TEST_CASE("Treatment dexamethasone equivalents follow the conversion table") {
  CHECK(dexamethasone_equivalent_mg(Concept::dexamethasone, 10) == Approx(10));
  CHECK(dexamethasone_equivalent_mg(Concept::methylprednisolone, 4) == Approx(0.75));
  CHECK(dexamethasone_equivalent_mg(Concept::prednisone, 5) == Approx(0.75));
  CHECK(dexamethasone_equivalent_mg(Concept::hydrocortisone, 20) == Approx(0.75));
  CHECK(dexamethasone_equivalent_mg(Concept::methylprednisolone, 1000) == Approx(187.5));
  CHECK(dexamethasone_equivalent_mg(Concept::tocilizumab, 560) == 0);
}

TEST_CASE("Treatment steroid doses in 24 h and since infusion with dexamethasone sums") {
  fhir::PatientRecord record;
  record.administrations = {
      dose_mg("hc1", Concept::hydrocortisone, "2024-03-01T09:00:00Z", 100),  // before infusion
      dose_mg("pred1", Concept::prednisone, "2024-03-02T06:00:00Z", 50),    // 30 h before T
      dose_mg("mp1", Concept::methylprednisolone, "2024-03-03T02:00:00Z", 1000),
      dose_mg("dex1", Concept::dexamethasone, "2024-03-03T10:00:00Z", 10),
      dose_mg("dex9", Concept::dexamethasone, "2024-03-03T12:00:01Z", 10),  // after T
  };
  const Treatment treatment = summarize(record);
  CHECK_THAT(resources(treatment.steroid_doses_24h),
             Equals(std::vector<std::string>{"MedicationAdministration/mp1",
                                             "MedicationAdministration/dex1"}));
  CHECK_THAT(resources(treatment.steroid_doses_total),
             Equals(std::vector<std::string>{"MedicationAdministration/pred1",
                                             "MedicationAdministration/mp1",
                                             "MedicationAdministration/dex1"}));
  CHECK(treatment.dexamethasone_equivalent_mg_24h == Approx(10 + 187.5));
  CHECK(treatment.dexamethasone_equivalent_mg_total == Approx(7.5 + 187.5 + 10));
  CHECK_FALSE(treatment.steroid_dose_unknown);
  const Dose& dex = treatment.steroid_doses_24h.at(1);
  CHECK(dex.drug == Concept::dexamethasone);
  CHECK(dex.mg == 10);
  CHECK(dex.time == instant("2024-03-03T10:00:00Z"));
  CHECK_FALSE(dex.partial);
}

TEST_CASE("Treatment steroid dose without mass units makes the sum a lower bound") {
  fhir::PatientRecord record;
  auto tablet = dose_mg("dex1", Concept::dexamethasone, "2024-03-03T10:00:00Z", 0);
  tablet.dose = fhir::Dose{2, "{tbl}"};
  auto no_dose = administration("dex2", Concept::dexamethasone, "2024-03-03T06:00:00Z");
  record.administrations = {no_dose, tablet,
                            dose_mg("dex3", Concept::dexamethasone, "2024-03-03T11:00:00Z", 10)};
  const Treatment treatment = summarize(record);
  REQUIRE(treatment.steroid_doses_24h.size() == 3);
  CHECK_FALSE(treatment.steroid_doses_24h[0].mg.has_value());
  CHECK_FALSE(treatment.steroid_doses_24h[1].mg.has_value());
  CHECK(treatment.steroid_dose_unknown);
  CHECK(treatment.dexamethasone_equivalent_mg_24h == Approx(10));
}

TEST_CASE("Treatment stopped dose counts as partly given") {
  fhir::PatientRecord record;
  record.administrations = {administration("mp1", Concept::methylprednisolone,
                                           "2024-03-03T02:00:00Z", "2024-03-03T02:20:00Z",
                                           AdministrationStatus::stopped, 1000)};
  const Treatment treatment = summarize(record);
  REQUIRE(treatment.steroid_doses_24h.size() == 1);
  CHECK(treatment.steroid_doses_24h[0].partial);
}

TEST_CASE("Treatment on-hold and unknown-status doses are not counted") {
  fhir::PatientRecord record;
  record.administrations = {
      administration("dex1", Concept::dexamethasone, "2024-03-03T10:00:00Z", std::nullopt,
                     AdministrationStatus::on_hold, 10),
      administration("dex2", Concept::dexamethasone, "2024-03-03T10:00:00Z", std::nullopt,
                     AdministrationStatus::unknown, 10),
      administration("toc1", Concept::tocilizumab, "2024-03-03T10:00:00Z", std::nullopt,
                     AdministrationStatus::on_hold, 560),
      administration("lev1", Concept::levetiracetam, "2024-03-03T10:00:00Z", std::nullopt,
                     AdministrationStatus::on_hold, 500),
      administration("ne1", Concept::norepinephrine, "2024-03-03T10:00:00Z", std::nullopt,
                     AdministrationStatus::on_hold),
      administration("prop1", Concept::propofol, "2024-03-03T11:30:00Z", std::nullopt,
                     AdministrationStatus::unknown),
  };
  const Treatment treatment = summarize(record);
  CHECK(treatment.steroid_doses_24h.empty());
  CHECK(treatment.steroid_doses_total.empty());
  CHECK(treatment.tocilizumab_doses_24h.empty());
  CHECK_FALSE(treatment.levetiracetam_active);
  CHECK(treatment.running_vasopressors.empty());
  CHECK(treatment.active_sedatives.empty());
}

TEST_CASE("Treatment tocilizumab doses in 24 h and since infusion") {
  fhir::PatientRecord record;
  record.administrations = {
      dose_mg("toc0", Concept::tocilizumab, "2024-03-01T08:00:00Z", 560),  // before infusion
      dose_mg("toc1", Concept::tocilizumab, "2024-03-02T06:00:00Z", 560),
      dose_mg("toc2", Concept::tocilizumab, "2024-03-03T04:00:00Z", 560),
      dose_mg("toc9", Concept::tocilizumab, "2024-03-03T13:00:00Z", 560),  // after T
  };
  const Treatment treatment = summarize(record);
  CHECK_THAT(resources(treatment.tocilizumab_doses_24h),
             Equals(std::vector<std::string>{"MedicationAdministration/toc2"}));
  CHECK_THAT(resources(treatment.tocilizumab_doses_total),
             Equals(std::vector<std::string>{"MedicationAdministration/toc1",
                                             "MedicationAdministration/toc2"}));
  CHECK(treatment.tocilizumab_doses_24h[0].mg == 560);
}

TEST_CASE("Treatment levetiracetam active by an active order") {
  fhir::PatientRecord record;
  SECTION("authored before T") {
    record.medication_requests = {medication_request("lev-order", Concept::levetiracetam,
                                                     RequestStatus::active,
                                                     "2024-03-01T08:00:00Z")};
  }
  SECTION("authored date absent") {
    record.medication_requests = {
        medication_request("lev-order", Concept::levetiracetam, RequestStatus::active)};
  }
  const Treatment treatment = summarize(record);
  CHECK(treatment.levetiracetam_active);
  CHECK(treatment.levetiracetam_evidence == "MedicationRequest/lev-order active");
}

TEST_CASE("Treatment levetiracetam order not active or authored after T does not count") {
  fhir::PatientRecord record;
  record.medication_requests = {
      medication_request("lev-done", Concept::levetiracetam, RequestStatus::completed,
                         "2024-03-01T08:00:00Z"),
      medication_request("lev-hold", Concept::levetiracetam, RequestStatus::on_hold,
                         "2024-03-01T08:00:00Z"),
      medication_request("lev-later", Concept::levetiracetam, RequestStatus::active,
                         "2024-03-03T14:00:00Z"),
      medication_request("dex-order", Concept::dexamethasone, RequestStatus::active,
                         "2024-03-01T08:00:00Z"),
  };
  const Treatment treatment = summarize(record);
  CHECK_FALSE(treatment.levetiracetam_active);
  CHECK(treatment.levetiracetam_evidence.empty());
}

TEST_CASE("Treatment levetiracetam active by a dose in the last 24 h") {
  fhir::PatientRecord record;
  record.administrations = {
      dose_mg("lev0", Concept::levetiracetam, "2024-03-02T10:00:00Z", 500),  // 26 h before T
  };
  CHECK_FALSE(summarize(record).levetiracetam_active);
  record.administrations.push_back(
      dose_mg("lev1", Concept::levetiracetam, "2024-03-03T00:00:00Z", 500));
  const Treatment treatment = summarize(record);
  CHECK(treatment.levetiracetam_active);
  CHECK(treatment.levetiracetam_evidence ==
        "MedicationAdministration/lev1 at 2024-03-03T00:00:00Z");
}

TEST_CASE("Treatment running vasopressors are distinct drugs acting at T") {
  fhir::PatientRecord record;
  record.administrations = {
      administration("ne1", Concept::norepinephrine, "2024-03-03T01:00:00Z",
                     "2024-03-03T08:00:00Z"),
      running_infusion("ne2", Concept::norepinephrine, "2024-03-03T08:00:00Z"),
      administration("vp1", Concept::vasopressin, "2024-03-02T20:00:00Z",
                     "2024-03-03T05:00:00Z"),  // ended 7 h ago: effect (6 h) over
      dose_mg("epi1", Concept::epinephrine, "2024-03-03T10:00:00Z", 0.1),  // bolus 2 h ago
      running_infusion("phe9", Concept::phenylephrine, "2024-03-03T12:30:00Z"),  // after T
  };
  const Treatment treatment = summarize(record);
  CHECK(treatment.running_vasopressors ==
        std::vector<Concept>{Concept::norepinephrine, Concept::epinephrine});
}

TEST_CASE("Treatment vasopressor effect hours follow the configuration") {
  fhir::PatientRecord record;
  record.administrations = {administration("vp1", Concept::vasopressin, "2024-03-02T20:00:00Z",
                                           "2024-03-03T05:00:00Z")};
  GradingConfig config;
  config.vasopressor_effect_hours = 8;
  CHECK(summarize(record, config).running_vasopressors ==
        std::vector<Concept>{Concept::vasopressin});
}

TEST_CASE("Treatment sedatives act for their configured hours") {
  fhir::PatientRecord record;
  SECTION("propofol: 1 h after the infusion ends") {
    record.administrations = {administration("prop1", Concept::propofol, "2024-03-03T08:00:00Z",
                                             "2024-03-03T11:30:00Z")};
    CHECK(summarize(record).active_sedatives == std::vector<Concept>{Concept::propofol});
    record.administrations[0].end = when("2024-03-03T10:30:00Z");
    CHECK(summarize(record).active_sedatives.empty());
  }
  SECTION("lorazepam 8 h, midazolam 6 h after a bolus 7 h ago") {
    record.administrations = {dose_mg("lzp1", Concept::lorazepam, "2024-03-03T05:00:00Z", 1),
                              dose_mg("mdz1", Concept::midazolam, "2024-03-03T05:00:00Z", 2)};
    CHECK(summarize(record).active_sedatives == std::vector<Concept>{Concept::lorazepam});
  }
  SECTION("a sedative missing from the map counts only while running") {
    GradingConfig config;
    config.sedative_effect_hours.erase(Concept::dexmedetomidine);
    record.administrations = {
        running_infusion("dex-med1", Concept::dexmedetomidine, "2024-03-03T09:00:00Z")};
    CHECK(summarize(record, config).active_sedatives ==
          std::vector<Concept>{Concept::dexmedetomidine});
    record.administrations = {administration("dex-med2", Concept::dexmedetomidine,
                                             "2024-03-03T09:00:00Z", "2024-03-03T11:59:00Z")};
    CHECK(summarize(record, config).active_sedatives.empty());
    CHECK(summarize(record).active_sedatives == std::vector<Concept>{Concept::dexmedetomidine});
  }
}
