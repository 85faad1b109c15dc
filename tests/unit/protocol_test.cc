#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cards/protocol.h"

using fhir::Concept;
using icans::Protocol;
using icans::ProtocolLoadResult;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

const std::string kDefaultFile = std::string(ICANS_SOURCE_DIR) + "/cards/default_protocol.json";

Protocol loaded_default() {
  auto result = icans::default_protocol();
  INFO([&] {
    std::string all;
    for (const auto& error : result.errors) all += error + "\n";
    return all;
  }());
  REQUIRE(result.errors.empty());
  REQUIRE(result.protocol);
  return *result.protocol;
}

rapidjson::Document default_document() {
  rapidjson::Document document;
  document.Parse(icans::default_protocol_json().data(), icans::default_protocol_json().size());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

std::string to_text(const rapidjson::Document& document) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The default protocol with one JSON pointer set to `value` (JSON text).
std::string default_with(const char* pointer, const char* value_json) {
  auto document = default_document();
  rapidjson::Document value;
  value.Parse(value_json);
  REQUIRE_FALSE(value.HasParseError());
  rapidjson::Pointer(pointer).Set(document, rapidjson::Value(value, document.GetAllocator()));
  return to_text(document);
}

std::string default_without(const char* pointer) {
  auto document = default_document();
  REQUIRE(rapidjson::Pointer(pointer).Erase(document));
  return to_text(document);
}

std::vector<std::string> refusal(const std::string& json) {
  auto result = icans::load_protocol(json, "site.json");
  CHECK_FALSE(result.protocol);
  REQUIRE_FALSE(result.errors.empty());
  return result.errors;
}

bool has_error(const std::vector<std::string>& errors, const std::string& expected) {
  return std::find(errors.begin(), errors.end(), expected) != errors.end();
}

std::string listed(const std::vector<std::string>& errors) {
  std::string all;
  for (const auto& error : errors) all += error + "\n";
  return all;
}

#define REQUIRE_REFUSED_WITH(json, expected)                 \
  do {                                                       \
    const auto errors_ = refusal(json);                      \
    INFO("errors:\n" << listed(errors_));                    \
    CHECK(has_error(errors_, expected));                     \
  } while (false)

const icans::Regimen& regimen(const Protocol& protocol, const std::string& id) {
  const auto* found = icans::find_regimen(protocol, id);
  REQUIRE(found);
  return *found;
}

}  // namespace

TEST_CASE("the shipped default protocol loads without a single problem", "[protocol]") {
  const auto protocol = loaded_default();
  CHECK(protocol.version == "1.0.0");
  CHECK(protocol.format_version == icans::kProtocolFormatVersion);
  CHECK(protocol.documentation_url == "https://icans-cds.github.io/docs/clinical-rules.md");
}

TEST_CASE("the embedded default protocol is byte for byte cards/default_protocol.json", "[protocol]") {
  const std::string file = read_text(kDefaultFile);
  REQUIRE_FALSE(file.empty());
  CHECK(file == std::string(icans::default_protocol_json()));
}

TEST_CASE("load_protocol_file reads the shipped file and reports its version", "[protocol]") {
  auto result = icans::load_protocol_file(kDefaultFile);
  INFO(listed(result.errors));
  REQUIRE(result.protocol);
  CHECK(result.protocol->version == "1.0.0");
  CHECK(result.protocol->name == "icans-cds default protocol");
}

TEST_CASE("a missing protocol file is an error naming the path", "[protocol]") {
  auto result = icans::load_protocol_file("/nonexistent/protocol.json");
  CHECK_FALSE(result.protocol);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] == "/nonexistent/protocol.json: cannot open the protocol file");
}

TEST_CASE("every section names sources that are defined", "[protocol]") {
  const auto protocol = loaded_default();
  for (const auto* sources :
       {&protocol.icans_steroids.sources, &protocol.seizure_prophylaxis.sources,
        &protocol.seizure_management.sources, &protocol.workup.sources, &protocol.crs.sources,
        &protocol.monitoring.sources, &protocol.other_causes.sources, &protocol.documentation.sources}) {
    REQUIRE_FALSE(sources->empty());
    for (const auto& id : *sources) CHECK(protocol.sources.count(id) == 1);
  }
  CHECK(protocol.sources.at("astct-2019").find("2019;25:625-638") != std::string::npos);
  CHECK(protocol.sources.at("asco-2021").find("2021;39:3978-3992") != std::string::npos);
  CHECK(protocol.sources.at("cartox-2018").find("2018;15:47-62") != std::string::npos);
}

// Issue: "ICANS corticosteroids ... grade 1 none; grade 2 dexamethasone 10 mg IV
// once, reassess, repeat every 6-12 h if no improvement (grade2_steroids: default on);
// grade 3 dexamethasone 10 mg IV every 6 h; grade 4 methylprednisolone 1000 mg IV
// daily for 3 days then taper".
TEST_CASE("default ICANS corticosteroids by grade follow the issue", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& steroids = protocol.icans_steroids;
  CHECK(steroids.enabled);

  CHECK(steroids.by_grade[0].enabled);
  CHECK_FALSE(steroids.by_grade[0].regimen);

  REQUIRE(steroids.by_grade[1].enabled);  // the grade2_steroids switch
  REQUIRE(steroids.by_grade[1].regimen);
  const auto& grade2 = regimen(protocol, *steroids.by_grade[1].regimen);
  CHECK(grade2.drug == Concept::dexamethasone);
  CHECK(grade2.route == icans::Route::intravenous);
  CHECK(grade2.adult.dose_mg == 10.0);
  REQUIRE(grade2.adult.every);
  CHECK(grade2.adult.every->min_hours == 6);
  CHECK(grade2.adult.every->max_hours == 12);
  CHECK_FALSE(grade2.adult.doses);  // repeated until reassessed

  REQUIRE(steroids.by_grade[2].regimen);
  const auto& grade3 = regimen(protocol, *steroids.by_grade[2].regimen);
  CHECK(grade3.drug == Concept::dexamethasone);
  CHECK(grade3.adult.dose_mg == 10.0);
  REQUIRE(grade3.adult.every);
  CHECK(grade3.adult.every->min_hours == 6);
  CHECK(grade3.adult.every->max_hours == 6);

  REQUIRE(steroids.by_grade[3].regimen);
  const auto& grade4 = regimen(protocol, *steroids.by_grade[3].regimen);
  CHECK(grade4.drug == Concept::methylprednisolone);
  CHECK(grade4.route == icans::Route::intravenous);
  CHECK(grade4.adult.dose_mg == 1000.0);
  REQUIRE(grade4.adult.every);
  CHECK(grade4.adult.every->min_hours == 24);
  CHECK(grade4.adult.doses == 3);

  CHECK(steroids.escalation_not_delayed_by_recent_dexamethasone);
}

// Issue: "taper ... e.g. 250 mg q12h x2 days, 125 mg q12h x2 days, 60 mg q12h x2 days";
// "Taper card on improvement to grade <= 1".
TEST_CASE("default taper after high-dose methylprednisolone is 250, 125, 60 mg every 12 h for 2 days each",
          "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& taper = protocol.icans_steroids.taper;
  CHECK(taper.enabled);
  CHECK(taper.when_grade_at_most == 1);
  CHECK_FALSE(taper.text.empty());
  REQUIRE(taper.after_regimen);
  CHECK(*taper.after_regimen == *protocol.icans_steroids.by_grade[3].regimen);
  REQUIRE(taper.steps.size() == 3);
  const double expected_mg[] = {250, 125, 60};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& step = regimen(protocol, taper.steps[i]);
    CHECK(step.drug == Concept::methylprednisolone);
    CHECK(step.adult.dose_mg == expected_mg[i]);
    REQUIRE(step.adult.every);
    CHECK(step.adult.every->min_hours == 12);
    CHECK(step.adult.doses == 4);  // two days every 12 h
  }
}

// Issue: "lisocabtagene maraleucel and idecabtagene vicleucel with onset < 72 h:
// dexamethasone 10 mg every 12-24 h for 2 doses and reassess ("consider");
// axicabtagene ciloleucel and brexucabtagene autoleucel: steroids may start at grade 1".
TEST_CASE("default grade-1 product exceptions follow the product labels", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& exceptions = protocol.icans_steroids.grade_1_product_exceptions;
  REQUIRE(exceptions.size() == 2);

  CHECK(exceptions[0].products ==
        std::vector<Concept>{Concept::lisocabtagene_maraleucel, Concept::idecabtagene_vicleucel});
  CHECK(exceptions[0].onset_within_hours_of_infusion == 72.0);
  CHECK(exceptions[0].consider);
  const auto& early = regimen(protocol, exceptions[0].regimen);
  CHECK(early.drug == Concept::dexamethasone);
  CHECK(early.adult.dose_mg == 10.0);
  REQUIRE(early.adult.every);
  CHECK(early.adult.every->min_hours == 12);
  CHECK(early.adult.every->max_hours == 24);
  CHECK(early.adult.doses == 2);

  CHECK(exceptions[1].products ==
        std::vector<Concept>{Concept::axicabtagene_ciloleucel, Concept::brexucabtagene_autoleucel});
  CHECK_FALSE(exceptions[1].onset_within_hours_of_infusion);
  const auto& any_time = regimen(protocol, exceptions[1].regimen);
  CHECK(any_time.drug == Concept::dexamethasone);
  CHECK(any_time.adult.dose_mg == 10.0);
}

// Issue: "levetiracetam regimen (default 750 mg every 12 h) ... default from ICANS
// grade 2 for all; axicabtagene ciloleucel from grade 1; brexucabtagene autoleucel
// from grade 2; routine_from_day0 default false. active_if_dose_within_hours: 24".
TEST_CASE("default seizure prophylaxis is levetiracetam 750 mg every 12 h from grade 2, axi-cel from grade 1",
          "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& prophylaxis = protocol.seizure_prophylaxis;
  const auto& levetiracetam = regimen(protocol, prophylaxis.regimen);
  CHECK(levetiracetam.drug == Concept::levetiracetam);
  CHECK(levetiracetam.adult.dose_mg == 750.0);
  REQUIRE(levetiracetam.adult.every);
  CHECK(levetiracetam.adult.every->min_hours == 12);
  CHECK(levetiracetam.adult.every->max_hours == 12);

  CHECK(prophylaxis.all_products.from_icans_grade == 2);
  CHECK_FALSE(prophylaxis.all_products.routine_from_day0);
  CHECK(icans::prophylaxis_rule_for(prophylaxis, Concept::axicabtagene_ciloleucel).from_icans_grade == 1);
  CHECK(icans::prophylaxis_rule_for(prophylaxis, Concept::brexucabtagene_autoleucel).from_icans_grade == 2);
  CHECK(&icans::prophylaxis_rule_for(prophylaxis, Concept::tisagenlecleucel) == &prophylaxis.all_products);
  for (const auto& rule : prophylaxis.product_rules) CHECK_FALSE(rule.routine_from_day0);
  CHECK(prophylaxis.active_if_dose_within_hours == 24);
  CHECK_FALSE(prophylaxis.renal_note.empty());
}

// Issue: "levetiracetam 500 mg IV bolus; non-convulsive status: lorazepam 0.5 mg IV
// repeated every 5 min up to 2 mg total".
TEST_CASE("default seizure management is a levetiracetam 500 mg bolus and lorazepam 0.5 mg every 5 min to 2 mg",
          "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& management = protocol.seizure_management;
  const auto& bolus = regimen(protocol, management.seizure_regimen);
  CHECK(bolus.drug == Concept::levetiracetam);
  CHECK(bolus.route == icans::Route::intravenous);
  CHECK(bolus.adult.dose_mg == 500.0);
  CHECK_FALSE(bolus.adult.every);  // a single dose

  const auto& lorazepam = regimen(protocol, management.nonconvulsive_status_regimen);
  CHECK(lorazepam.drug == Concept::lorazepam);
  CHECK(lorazepam.adult.dose_mg == 0.5);
  REQUIRE(lorazepam.adult.every);
  CHECK(lorazepam.adult.every->min_hours == Approx(5.0 / 60));
  REQUIRE(lorazepam.adult.max_doses_total);
  CHECK(*lorazepam.adult.max_doses_total * *lorazepam.adult.dose_mg == 2.0);
  CHECK_FALSE(management.convulsive_status_text.empty());
}

// Issue: "neurology consult any grade >= 1; MRI brain w/wo contrast (CT head if MRI
// not feasible) >= 2; EEG >= 2; ICU-level care >= 3; fundoscopy >= 3; lumbar puncture
// with opening pressure >= 3 ("consider"; show latest platelets and INR); repeat
// imaging every 48-72 h for grade >= 3 persisting".
TEST_CASE("default ICANS work-up thresholds follow the issue", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& items = protocol.workup.items;
  auto item = [&](const std::string& id) -> const icans::WorkupItem& {
    auto found = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.id == id; });
    REQUIRE(found != items.end());
    return *found;
  };
  CHECK(item("neurology-consult").from_icans_grade == 1);
  CHECK(item("neurology-consult").orderable == "neurology-consult");
  CHECK(item("brain-imaging").from_icans_grade == 2);
  CHECK(item("brain-imaging").orderable == "mri-brain");
  CHECK(item("brain-imaging").alternative_orderable == std::string("ct-head"));
  CHECK(item("eeg").from_icans_grade == 2);
  CHECK(item("icu-care").from_icans_grade == 3);
  CHECK(item("icu-care").orderable == "icu-transfer");
  CHECK(item("fundoscopy").from_icans_grade == 3);
  const auto& lp = item("lumbar-puncture");
  CHECK(lp.from_icans_grade == 3);
  CHECK(lp.consider);
  CHECK(lp.show_latest == std::vector<Concept>{Concept::platelets, Concept::inr});
  const auto& repeat = item("repeat-imaging");
  CHECK(repeat.from_icans_grade == 3);
  CHECK(repeat.persisting_hours == 48.0);
  CHECK(repeat.repeat_interval_hours == 48);
  for (const auto& each : items) CHECK(each.repeat_interval_hours > 0);

  const auto* mri = icans::find_orderable(protocol, "mri-brain");
  REQUIRE(mri);
  CHECK(mri->system == fhir::kProjectSystem);
  CHECK(mri->code == "mri-brain");
  CHECK(mri->meaning == Concept::mri_brain);
}

// Issue: "8 mg/kg IV (12 mg/kg under 30 kg), max 800 mg per dose, at least 8 h apart,
// max 3 doses in 24 h, max 4 in total; from CRS grade 2, and from grade 1 when ICANS
// coexists; CRS grade 3: add dexamethasone 10 mg IV q6h; grade 4: methylprednisolone".
TEST_CASE("default tocilizumab and CRS corticosteroids follow the ACTEMRA label and ASCO 2021",
          "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& crs = protocol.crs;
  CHECK(crs.tocilizumab.enabled);
  CHECK(crs.tocilizumab.from_crs_grade == 2);
  CHECK(crs.tocilizumab.from_crs_grade_with_icans == 1);
  const auto& tocilizumab = regimen(protocol, crs.tocilizumab.regimen);
  CHECK(tocilizumab.drug == Concept::tocilizumab);
  CHECK(tocilizumab.adult.dose_mg_per_kg == 8.0);
  REQUIRE(tocilizumab.adult.weight_bands.size() == 1);
  CHECK(tocilizumab.adult.weight_bands[0].below_kg == 30);
  CHECK(tocilizumab.adult.weight_bands[0].dose_mg_per_kg == 12);
  CHECK(tocilizumab.adult.max_dose_mg == 800.0);
  REQUIRE(tocilizumab.adult.every);
  CHECK(tocilizumab.adult.every->min_hours == 8);
  CHECK(tocilizumab.adult.max_doses_per_24h == 3);
  CHECK(tocilizumab.adult.max_doses_total == 4);
  REQUIRE(tocilizumab.pediatric);
  CHECK(tocilizumab.pediatric->max_dose_mg == 800.0);

  const auto& grade3 = regimen(protocol, crs.grade_3.regimen);
  CHECK(grade3.drug == Concept::dexamethasone);
  CHECK(grade3.adult.dose_mg == 10.0);
  CHECK(grade3.adult.every->min_hours == 6);
  CHECK(regimen(protocol, crs.grade_4.regimen).drug == Concept::methylprednisolone);
  CHECK_FALSE(crs.antimicrobials_reminder.empty());
  CHECK_FALSE(crs.tocilizumab_icans_without_crs_warning.empty());
}

TEST_CASE("only the regimens the file defines have a pediatric dose", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  CHECK(regimen(protocol, protocol.crs.tocilizumab.regimen).pediatric);
  CHECK_FALSE(regimen(protocol, *protocol.icans_steroids.by_grade[2].regimen).pediatric);
  CHECK_FALSE(regimen(protocol, protocol.seizure_prophylaxis.regimen).pediatric);
}

// Issue: "days 0-10 after infusion (configurable end day): ICE overdue after 12 h,
// 4 h when ICE declining or CRS active".
TEST_CASE("default ICE monitoring is days 0-10, overdue after 12 h or 4 h", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  CHECK(protocol.monitoring.from_day == 0);
  CHECK(protocol.monitoring.to_day == 10);
  CHECK(protocol.monitoring.ice_overdue_after_hours == 12);
  CHECK(protocol.monitoring.ice_overdue_after_hours_if_declining_or_crs == 4);
}

// Issue: "Rule-out-other-causes list (glucose, sodium, infection, sedating drugs)".
TEST_CASE("default other causes are glucose, sodium, infection and sedating drugs", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& items = protocol.other_causes.items;
  REQUIRE(items.size() == 4);
  CHECK(items[0].show_latest == std::vector<Concept>{Concept::glucose});
  CHECK(items[1].show_latest == std::vector<Concept>{Concept::sodium});
  CHECK(items[2].id == "infection");
  CHECK(std::find(items[3].show_latest.begin(), items[3].show_latest.end(), Concept::propofol) !=
        items[3].show_latest.end());
}

// Issue: "ICANS G92.01-G92.04 by grade, CRS D89.831-D89.834 by grade, T80.82XA coded
// first; verificationStatus provisional".
TEST_CASE("default documentation codes are the ICD-10-CM ICANS and CRS codes", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const auto& documentation = protocol.documentation;
  CHECK(documentation.verification_status == "provisional");
  CHECK(documentation.coded_first.code == "T80.82XA");
  for (int grade = 1; grade <= 4; ++grade) {
    CHECK(documentation.icans_by_grade[grade - 1].code == "G92.0" + std::to_string(grade));
    CHECK(documentation.crs_by_grade[grade - 1].code == "D89.83" + std::to_string(grade));
    CHECK_FALSE(documentation.icans_by_grade[grade - 1].display.empty());
  }
}

TEST_CASE("default override reasons are the project codes of the issue", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  std::vector<std::string> codes;
  for (const auto& reason : protocol.override_reasons) codes.push_back(reason.code);
  CHECK(codes == std::vector<std::string>{"attributed-to-other-cause", "already-done-elsewhere",
                                          "goals-of-care", "clinical-judgement"});
}

TEST_CASE("drug orderables carry RxNorm codes of their ingredient or clinical drug", "[protocol][defaults]") {
  const auto protocol = loaded_default();
  const std::pair<const char*, const char*> expected[] = {
      {"dexamethasone-iv", "3264"},   {"methylprednisolone-iv", "6902"}, {"levetiracetam-iv", "114477"},
      {"levetiracetam-oral", "311290"}, {"tocilizumab-iv", "612865"},     {"lorazepam-iv", "6470"}};
  for (const auto& [id, code] : expected) {
    const auto* orderable = icans::find_orderable(protocol, id);
    REQUIRE(orderable);
    CHECK(orderable->system == fhir::kRxNorm);
    CHECK(orderable->code == code);
  }
  for (const auto& [id, each] : protocol.regimens) {
    const auto* orderable = icans::find_orderable(protocol, each.orderable);
    REQUIRE(orderable);
    CHECK(orderable->meaning == each.drug);
  }
}

TEST_CASE("routes carry their SNOMED CT codes", "[protocol]") {
  CHECK(icans::route_code(icans::Route::intravenous).code == "47625008");
  CHECK(icans::route_code(icans::Route::oral).code == "26643006");
  CHECK(icans::route_name(icans::Route::oral) == "oral");
}

TEST_CASE("tocilizumab dose is 8 mg/kg, 12 mg/kg under 30 kg, capped at 800 mg", "[protocol][dose]") {
  const auto protocol = loaded_default();
  const auto& dosing = regimen(protocol, protocol.crs.tocilizumab.regimen).adult;

  auto adult = icans::calculate_dose(dosing, 70);
  CHECK(adult.mg == 560.0);
  CHECK_FALSE(adult.capped);
  CHECK(adult.explanation == "8 mg/kg x 70 kg = 560 mg");

  auto heavy = icans::calculate_dose(dosing, 105);
  CHECK(heavy.mg == 800.0);
  CHECK(heavy.capped);
  CHECK(heavy.explanation == "8 mg/kg x 105 kg = 840 mg, capped at 800 mg");

  CHECK(icans::calculate_dose(dosing, 20).mg == 240.0);  // 12 mg/kg
  CHECK(icans::calculate_dose(dosing, 30).mg == 240.0);  // 8 mg/kg from 30 kg on

  auto unknown = icans::calculate_dose(dosing, std::nullopt);
  CHECK_FALSE(unknown.mg);
  CHECK(unknown.explanation.find("no usable body weight") != std::string::npos);
  CHECK_FALSE(icans::calculate_dose(dosing, -5).mg);
}

TEST_CASE("a fixed dose needs no weight", "[protocol][dose]") {
  const auto protocol = loaded_default();
  auto dose = icans::calculate_dose(regimen(protocol, protocol.seizure_management.seizure_regimen).adult,
                                    std::nullopt);
  CHECK(dose.mg == 500.0);
}

TEST_CASE("cards link their rule into docs/clinical-rules.md", "[protocol]") {
  const auto protocol = loaded_default();
  CHECK(icans::rule_url(protocol, icans::rule::kIcansSteroids) ==
        "https://icans-cds.github.io/docs/clinical-rules.md#cards.icans-steroids");
  Protocol without_url;
  CHECK(icans::rule_url(without_url, icans::rule::kIcansSteroids).empty());
}

TEST_CASE("a site protocol can switch rules off and is reported with its version", "[protocol][site]") {
  auto document = default_document();
  rapidjson::Pointer("/version").Set(document, "site-2026.3");
  rapidjson::Pointer("/seizure_prophylaxis/enabled").Set(document, false);
  rapidjson::Pointer("/icans_steroids/grade_2/enabled").Set(document, false);  // grade2_steroids off
  rapidjson::Pointer("/workup/items/5/enabled").Set(document, false);          // lumbar puncture
  auto result = icans::load_protocol(to_text(document), "site.json");
  INFO(listed(result.errors));
  REQUIRE(result.protocol);
  CHECK(result.protocol->version == "site-2026.3");
  CHECK_FALSE(result.protocol->seizure_prophylaxis.enabled);
  CHECK_FALSE(result.protocol->icans_steroids.by_grade[1].enabled);
  CHECK(result.protocol->icans_steroids.by_grade[2].enabled);
  CHECK_FALSE(result.protocol->workup.items[5].enabled);
  CHECK(result.protocol->workup.items[5].id == "lumbar-puncture");
}

TEST_CASE("a site may add a pediatric regimen", "[protocol][site]") {
  auto json = default_with("/regimens/dexamethasone-10mg-iv-q6h/pediatric",
                           R"({"dose_mg_per_kg": 0.5, "max_dose_mg": 10, "every_hours_min": 6,
                               "every_hours_max": 6, "instruction": "Dexamethasone 0.5 mg/kg IV every 6 hours (max 10 mg)."})");
  auto result = icans::load_protocol(json, "site.json");
  INFO(listed(result.errors));
  REQUIRE(result.protocol);
  const auto& pediatric = regimen(*result.protocol, "dexamethasone-10mg-iv-q6h").pediatric;
  REQUIRE(pediatric);
  CHECK(icans::calculate_dose(*pediatric, 12).mg == 6.0);
}

TEST_CASE("unsafe doses are refused with the JSON path", "[protocol][refuse]") {
  SECTION("negative dose") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/dose_mg", "-10"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6h.dose_mg: must be > 0 (got -10)");
  }
  SECTION("zero dose") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/dose_mg", "0"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6h.dose_mg: must be > 0 (got 0)");
  }
  SECTION("NaN is not JSON and fails to parse, naming the place") {
    auto text = std::string(icans::default_protocol_json());
    const auto at = text.find("\"dose_mg\": 10,");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "\"dose_mg\": NaN,");
    const auto errors = refusal(text);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].rfind("site.json: line ", 0) == 0);
  }
  SECTION("a number too large for a double fails to parse") {
    auto text = std::string(icans::default_protocol_json());
    const auto at = text.find("\"dose_mg\": 10,");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "\"dose_mg\": 1e999,");
    CHECK(refusal(text).size() == 1);
  }
  SECTION("weight-based dose without a cap") {
    REQUIRE_REFUSED_WITH(default_without("/regimens/tocilizumab-8mg-per-kg-iv/max_dose_mg"),
                         "site.json: regimens.tocilizumab-8mg-per-kg-iv.max_dose_mg: missing: a weight-based "
                         "dose needs a cap");
  }
  SECTION("weight-based pediatric dose without a cap") {
    REQUIRE_REFUSED_WITH(default_without("/regimens/tocilizumab-8mg-per-kg-iv/pediatric/max_dose_mg"),
                         "site.json: regimens.tocilizumab-8mg-per-kg-iv.pediatric.max_dose_mg: missing: a "
                         "weight-based dose needs a cap");
  }
  SECTION("cap below the fixed dose") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/max_dose_mg", "5"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6h.max_dose_mg: must be >= dose_mg "
                         "(got 5 < 10)");
  }
  SECTION("fixed and weight-based dose together") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/dose_mg", "400"),
                         "site.json: regimens.tocilizumab-8mg-per-kg-iv: give dose_mg or dose_mg_per_kg, not both");
  }
}

TEST_CASE("impossible intervals are refused", "[protocol][refuse]") {
  SECTION("min above max") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6-12h/every_hours_min", "24"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6-12h.every_hours_min: must be <= "
                         "every_hours_max (got 24 > 12)");
  }
  SECTION("zero interval") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6-12h/every_hours_min", "0"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6-12h.every_hours_min: must be > 0 (got 0)");
  }
  SECTION("negative interval") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6-12h/every_hours_max", "-6"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6-12h.every_hours_max: must be > 0 (got -6)");
  }
  SECTION("half an interval") {
    REQUIRE_REFUSED_WITH(default_without("/regimens/dexamethasone-10mg-iv-q6-12h/every_hours_max"),
                         "site.json: regimens.dexamethasone-10mg-iv-q6-12h.every_hours_max: missing "
                         "(every_hours_min is given)");
  }
  SECTION("several doses without an interval") {
    REQUIRE_REFUSED_WITH(default_with("/regimens/levetiracetam-500mg-iv-bolus/doses", "3"),
                         "site.json: regimens.levetiracetam-500mg-iv-bolus.doses: more than one dose needs an "
                         "interval (every_hours_min/max)");
  }
}

TEST_CASE("levetiracetam outside 500-750 mg is refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/regimens/levetiracetam-750mg-oral-q12h/dose_mg", "1000"),
                       "site.json: regimens.levetiracetam-750mg-oral-q12h.dose_mg: levetiracetam must be "
                       "500-750 mg per dose (got 1000)");
  REQUIRE_REFUSED_WITH(default_with("/regimens/levetiracetam-750mg-oral-q12h/dose_mg", "250"),
                       "site.json: regimens.levetiracetam-750mg-oral-q12h.dose_mg: levetiracetam must be "
                       "500-750 mg per dose (got 250)");
  CHECK(icans::load_protocol(default_with("/regimens/levetiracetam-750mg-oral-q12h/dose_mg", "500"), "site.json")
            .protocol);
}

TEST_CASE("tocilizumab above 12 mg/kg or 800 mg is refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/dose_mg_per_kg", "13"),
                       "site.json: regimens.tocilizumab-8mg-per-kg-iv.dose_mg_per_kg: tocilizumab must be at "
                       "most 12 mg/kg (got 13)");
  REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/max_dose_mg", "1000"),
                       "site.json: regimens.tocilizumab-8mg-per-kg-iv.max_dose_mg: tocilizumab must be at most "
                       "800 mg per dose (got 1000)");
  REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/weight_bands/0/dose_mg_per_kg", "15"),
                       "site.json: regimens.tocilizumab-8mg-per-kg-iv.weight_bands[0].dose_mg_per_kg: "
                       "tocilizumab must be at most 12 mg/kg (got 15)");
  REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/pediatric/dose_mg_per_kg", "20"),
                       "site.json: regimens.tocilizumab-8mg-per-kg-iv.pediatric.dose_mg_per_kg: tocilizumab "
                       "must be at most 12 mg/kg (got 20)");
}

TEST_CASE("a missing or empty version is refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_without("/version"), "site.json: version: missing");
  REQUIRE_REFUSED_WITH(default_with("/version", "\"\""), "site.json: version: must not be empty");
}

TEST_CASE("an unsupported format version is refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/format_version", "2"),
                       "site.json: format_version: unsupported format 2 (this program reads format 1)");
}

TEST_CASE("unknown concept codes are refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/drug", "\"dexametasone\""),
                       "site.json: regimens.dexamethasone-10mg-iv-q6h.drug: unknown concept code 'dexametasone'");
  REQUIRE_REFUSED_WITH(
      default_with("/icans_steroids/grade_1_product_exceptions/0/products/0", "\"liso-cel\""),
      "site.json: icans_steroids.grade_1_product_exceptions[0].products[0]: unknown concept code 'liso-cel'");
  REQUIRE_REFUSED_WITH(default_with("/workup/items/5/show_latest/1", "\"inr-value\""),
                       "site.json: workup.items[5].show_latest[1]: unknown concept code 'inr-value'");
}

TEST_CASE("a concept of the wrong kind is refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(
      default_with("/icans_steroids/grade_1_product_exceptions/0/products/0", "\"dexamethasone\""),
      "site.json: icans_steroids.grade_1_product_exceptions[0].products[0]: 'dexamethasone' is not an immune "
      "effector cell therapy");
  REQUIRE_REFUSED_WITH(default_with("/icans_steroids/grade_3/regimen", "\"levetiracetam-500mg-iv-bolus\""),
                       "site.json: icans_steroids.grade_3.regimen: regimen 'levetiracetam-500mg-iv-bolus' gives "
                       "levetiracetam, not a corticosteroid");
}

TEST_CASE("references to undefined regimens, orderables and sources are refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/icans_steroids/grade_3/regimen", "\"dex-10-q4h\""),
                       "site.json: icans_steroids.grade_3.regimen: regimen 'dex-10-q4h' is not defined");
  REQUIRE_REFUSED_WITH(default_with("/crs/tocilizumab/regimen", "\"tocilizumab-4mg\""),
                       "site.json: crs.tocilizumab.regimen: regimen 'tocilizumab-4mg' is not defined");
  REQUIRE_REFUSED_WITH(default_with("/icans_steroids/taper/steps/1", "\"mp-100\""),
                       "site.json: icans_steroids.taper.steps[1]: regimen 'mp-100' is not defined");
  REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/orderable", "\"dex-po\""),
                       "site.json: regimens.dexamethasone-10mg-iv-q6h.orderable: orderable 'dex-po' is not defined");
  REQUIRE_REFUSED_WITH(default_with("/workup/items/1/alternative_orderable", "\"ct-brain\""),
                       "site.json: workup.items[1].alternative_orderable: orderable 'ct-brain' is not defined");
  REQUIRE_REFUSED_WITH(default_with("/monitoring/source/0", "\"who-2030\""),
                       "site.json: monitoring.source[0]: source 'who-2030' is not defined under \"sources\"");
}

TEST_CASE("a regimen whose orderable is another drug is refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/orderable", "\"lorazepam-iv\""),
                       "site.json: regimens.dexamethasone-10mg-iv-q6h.orderable: orderable 'lorazepam-iv' is "
                       "lorazepam, but the regimen's drug is dexamethasone");
}

TEST_CASE("unknown fields are refused so a typo cannot disable a rule", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/seizure_prophylaxis/enabeld", "false"),
                       "site.json: seizure_prophylaxis.enabeld: unknown field");
  REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/dose_mg_per_kilo", "8"),
                       "site.json: regimens.tocilizumab-8mg-per-kg-iv.dose_mg_per_kilo: unknown field");
  REQUIRE_REFUSED_WITH(default_with("/protocol_name", "\"x\""), "site.json: protocol_name: unknown field");
  REQUIRE_REFUSED_WITH(default_with("/workup/items/0/from_grade", "2"),
                       "site.json: workup.items[0].from_grade: unknown field");
  // A pediatric variant inherits drug, route and orderable; restating them is a mistake.
  REQUIRE_REFUSED_WITH(default_with("/regimens/tocilizumab-8mg-per-kg-iv/pediatric/route", "\"oral\""),
                       "site.json: regimens.tocilizumab-8mg-per-kg-iv.pediatric.route: unknown field");
}

TEST_CASE("a repeated field is refused", "[protocol][refuse]") {
  auto text = std::string(icans::default_protocol_json());
  const auto at = text.find("\"version\": \"1.0.0\",");
  REQUIRE(at != std::string::npos);
  text.insert(at, "\"version\": \"0.9\",\n  ");
  // The JSON parser refuses a repeated member before the loader sees it,
  // naming where it is.
  REQUIRE_REFUSED_WITH(text, "site.json: line 5, column 12: member 'version' appears twice in one object");
}

TEST_CASE("wrong JSON types are refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/seizure_prophylaxis/enabled", "\"no\""),
                       "site.json: seizure_prophylaxis.enabled: must be true or false (got string)");
  REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/dose_mg", "\"10\""),
                       "site.json: regimens.dexamethasone-10mg-iv-q6h.dose_mg: must be a number (got string)");
  REQUIRE_REFUSED_WITH(default_with("/workup/items", "{}"),
                       "site.json: workup.items: must be an array (got object)");
  REQUIRE_REFUSED_WITH(default_with("/regimens", "[]"), "site.json: regimens: must be an object (got array)");
  REQUIRE_REFUSED_WITH(default_with("/workup/items/0/from_icans_grade", "1.5"),
                       "site.json: workup.items[0].from_icans_grade: must be a whole number (got 1.5)");
  REQUIRE_REFUSED_WITH(default_with("/crs/tocilizumab/from_crs_grade", "5"),
                       "site.json: crs.tocilizumab.from_crs_grade: must be between 1 and 4 (got 5)");
  REQUIRE_REFUSED_WITH(default_with("/regimens/dexamethasone-10mg-iv-q6h/route", "\"iv\""),
                       "site.json: regimens.dexamethasone-10mg-iv-q6h.route: must be \"intravenous\" or \"oral\" "
                       "(got 'iv')");
  const auto errors = refusal("[1, 2]");
  CHECK(has_error(errors, "site.json: (top level): must be an object (got array)"));
}

TEST_CASE("a missing section is refused rather than silently dropping its cards", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_without("/seizure_management"),
                       "site.json: seizure_management: missing (write \"enabled\": false to switch a rule off)");
  REQUIRE_REFUSED_WITH(default_without("/icans_steroids/grade_4"), "site.json: icans_steroids.grade_4: missing");
  REQUIRE_REFUSED_WITH(default_without("/icans_steroids/grade_1/regimen"),
                       "site.json: icans_steroids.grade_1.regimen: missing (null for no corticosteroid)");
}

TEST_CASE("nesting deeper than 16 levels is refused before it is read", "[protocol][refuse]") {
  std::string deep;
  for (int i = 0; i < 17; ++i) deep += "[";
  for (int i = 0; i < 17; ++i) deep += "]";
  const auto errors = refusal(default_with("/publisher", deep.c_str()));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("nesting deeper than 16 levels") != std::string::npos);
}

TEST_CASE("every problem is reported, not just the first", "[protocol][refuse]") {
  auto document = default_document();
  rapidjson::Pointer("/regimens/dexamethasone-10mg-iv-q6h/dose_mg").Set(document, -10);
  rapidjson::Pointer("/regimens/levetiracetam-750mg-oral-q12h/dose_mg").Set(document, 2000);
  rapidjson::Pointer("/monitoring/to_dya").Set(document, 12);
  rapidjson::Pointer("/version").Set(document, "");
  const auto errors = refusal(to_text(document));
  INFO(listed(errors));
  CHECK(errors.size() == 4);
  CHECK(has_error(errors, "site.json: regimens.dexamethasone-10mg-iv-q6h.dose_mg: must be > 0 (got -10)"));
  CHECK(has_error(errors, "site.json: regimens.levetiracetam-750mg-oral-q12h.dose_mg: levetiracetam must be "
                          "500-750 mg per dose (got 2000)"));
  CHECK(has_error(errors, "site.json: monitoring.to_dya: unknown field"));
  CHECK(has_error(errors, "site.json: version: must not be empty"));
}

TEST_CASE("other inconsistent settings are refused", "[protocol][refuse]") {
  REQUIRE_REFUSED_WITH(default_with("/monitoring/to_day", "-1"),
                       "site.json: monitoring.to_day: must be between 0 and 3650 (got -1)");
  REQUIRE_REFUSED_WITH(default_with("/monitoring/ice_overdue_after_hours_if_declining_or_crs", "24"),
                       "site.json: monitoring.ice_overdue_after_hours_if_declining_or_crs: must be <= "
                       "ice_overdue_after_hours (got 24 > 12)");
  REQUIRE_REFUSED_WITH(default_with("/documentation/icans/grade_2/code", "\"G9202\""),
                       "site.json: documentation.icans.grade_2.code: not an ICD-10-CM code (got 'G9202')");
  REQUIRE_REFUSED_WITH(default_with("/documentation/verification_status", "\"maybe\""),
                       "site.json: documentation.verification_status: must be unconfirmed, provisional, "
                       "differential or confirmed (got 'maybe')");
  REQUIRE_REFUSED_WITH(default_with("/seizure_prophylaxis/product_rules/1/products/0", "\"axicabtagene-ciloleucel\""),
                       "site.json: seizure_prophylaxis.product_rules[1].products: 'axicabtagene-ciloleucel' already "
                       "has a rule");
  REQUIRE_REFUSED_WITH(default_with("/seizure_prophylaxis/all_products/routine_from_day0", "true"),
                       "site.json: seizure_prophylaxis.all_products.from_icans_grade: give from_icans_grade or "
                       "routine_from_day0 true, not both");
  REQUIRE_REFUSED_WITH(default_with("/orderables/mri-brain/code", "\"mri-head\""),
                       "site.json: orderables.mri-brain.code: project code 'mri-head' does not match concept "
                       "'mri-brain'");
  REQUIRE_REFUSED_WITH(default_with("/override_reasons/1/code", "\"goals-of-care\""),
                       "site.json: override_reasons[2].code: code 'goals-of-care' is used twice");
}

TEST_CASE("routine prophylaxis from day 0 is a valid site choice", "[protocol][site]") {
  auto document = default_document();
  rapidjson::Pointer("/seizure_prophylaxis/product_rules/0/routine_from_day0").Set(document, true);
  REQUIRE(rapidjson::Pointer("/seizure_prophylaxis/product_rules/0/from_icans_grade").Erase(document));
  auto result = icans::load_protocol(to_text(document), "site.json");
  INFO(listed(result.errors));
  REQUIRE(result.protocol);
  const auto& rule =
      icans::prophylaxis_rule_for(result.protocol->seizure_prophylaxis, Concept::axicabtagene_ciloleucel);
  CHECK(rule.routine_from_day0);
  CHECK_FALSE(rule.from_icans_grade);
}
