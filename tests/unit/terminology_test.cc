#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "fhir/terminology.h"

using fhir::Concept;
using fhir::ConceptKind;
using fhir::Terminology;

namespace {

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(ICANS_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Concept> all_concepts() {
  std::vector<Concept> concepts;
  for (int i = 1; i < static_cast<int>(Concept::kCount); ++i) concepts.push_back(static_cast<Concept>(i));
  return concepts;
}

fhir::CodeableConcept coded(std::vector<fhir::Coding> codings, std::string text = "") {
  return fhir::CodeableConcept{std::move(codings), std::move(text)};
}

std::string kLoinc(fhir::kLoinc);
std::string kRxNorm(fhir::kRxNorm);
std::string kSnomed(fhir::kSnomed);
std::string kProject(fhir::kProjectSystem);

const char* kFlowsheet = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679";

std::string site_map(const std::string& mappings) {
  return R"({"name": "test map", "version": "1", "mappings": [)" + mappings + "]}";
}

}  // namespace

TEST_CASE("every concept's code is its enum name in kebab case and round-trips", "[terminology]") {
  std::set<std::string> seen;
  for (Concept c : all_concepts()) {
    const auto code = fhir::concept_code(c);
    INFO("concept #" << static_cast<int>(c) << " code '" << code << "'");
    REQUIRE_FALSE(code.empty());
    CHECK(code.find('_') == std::string_view::npos);
    for (char ch : code) CHECK(((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'));
    CHECK(seen.insert(std::string(code)).second);
    CHECK(fhir::concept_from_code(code) == c);
    CHECK(fhir::concept_info(c).id == c);
    CHECK_FALSE(fhir::concept_info(c).display.empty());
  }
  CHECK(fhir::concept_code(Concept::ice_total) == "ice-total");
  CHECK(fhir::concept_code(Concept::loc_awakens_to_voice) == "loc-awakens-to-voice");
  CHECK(fhir::concept_code(Concept::o2_high_flow_nasal_cannula) == "o2-high-flow-nasal-cannula");
  CHECK(fhir::concept_code(Concept::axicabtagene_ciloleucel) == "axicabtagene-ciloleucel");
  CHECK(fhir::concept_code(Concept::capd_item_7) == "capd-item-7");
  CHECK(fhir::concept_code(Concept::icp_cranial_nerve_vi_palsy) == "icp-cranial-nerve-vi-palsy");
}

TEST_CASE("unknown codes and the unknown concept do not round-trip into a concept", "[terminology]") {
  CHECK_FALSE(fhir::concept_from_code(""));
  CHECK_FALSE(fhir::concept_from_code("ice-totl"));
  CHECK_FALSE(fhir::concept_from_code("ICE-TOTAL"));
  CHECK_FALSE(fhir::concept_from_code("ice_total"));
  CHECK(fhir::concept_info(Concept::kCount).id == Concept::unknown);
}

TEST_CASE("measurements carry canonical UCUM units and conversion constants", "[terminology]") {
  CHECK(fhir::concept_info(Concept::body_temperature).unit == "Cel");
  CHECK(fhir::concept_info(Concept::systolic_bp).unit == "mm[Hg]");
  CHECK(fhir::concept_info(Concept::heart_rate).unit == "/min");
  CHECK(fhir::concept_info(Concept::respiratory_rate).unit == "/min");
  CHECK(fhir::concept_info(Concept::spo2).unit == "%");
  CHECK(fhir::concept_info(Concept::fio2).unit == "%");
  CHECK(fhir::concept_info(Concept::o2_flow_rate).unit == "L/min");
  CHECK(fhir::concept_info(Concept::body_weight).unit == "kg");
  CHECK(fhir::concept_info(Concept::platelets).unit == "10*3/uL");
  CHECK(fhir::concept_info(Concept::inr).unit == "{INR}");
  CHECK(fhir::concept_info(Concept::crp).unit == "mg/L");
  CHECK(fhir::concept_info(Concept::ferritin).unit == "ng/mL");
  CHECK(fhir::concept_info(Concept::ice_total).unit == "{score}");
  CHECK(fhir::concept_info(Concept::capd_item_3).unit == "{score}");

  const auto& sodium = fhir::concept_info(Concept::sodium);
  CHECK(sodium.unit == "mmol/L");
  CHECK(sodium.valence == 1);
  CHECK(sodium.molar_mass == Approx(22.99));
  CHECK(fhir::concept_info(Concept::glucose).molar_mass == Approx(180.156));
  CHECK(fhir::concept_info(Concept::glucose).unit == "mg/dL");
  CHECK(fhir::concept_info(Concept::creatinine).molar_mass == Approx(113.12));

  for (Concept c : all_concepts()) {
    const auto& info = fhir::concept_info(c);
    INFO(info.code);
    if (info.kind == ConceptKind::measurement) {
      CHECK_FALSE(info.unit.empty());
      CHECK(info.plausible_max > info.plausible_min);
    }
  }
}

TEST_CASE("plausibility limits reject impossible values but keep extreme real ones", "[terminology]") {
  auto plausible = [](Concept c, double value) {
    const auto& info = fhir::concept_info(c);
    return value >= info.plausible_min && value <= info.plausible_max;
  };
  CHECK_FALSE(plausible(Concept::body_temperature, 45));
  CHECK(plausible(Concept::body_temperature, 41.5));
  CHECK(plausible(Concept::body_temperature, 34));
  CHECK_FALSE(plausible(Concept::systolic_bp, 400));
  CHECK(plausible(Concept::systolic_bp, 65));
  CHECK_FALSE(plausible(Concept::spo2, 101));
  CHECK_FALSE(plausible(Concept::fio2, 15));
  CHECK(plausible(Concept::o2_flow_rate, 0));
  CHECK_FALSE(plausible(Concept::o2_flow_rate, 90));
  CHECK(plausible(Concept::sodium, 115));
  CHECK_FALSE(plausible(Concept::sodium, 1400));
  CHECK_FALSE(plausible(Concept::ice_total, 11));
  CHECK(plausible(Concept::ice_naming, 3));
  CHECK_FALSE(plausible(Concept::ice_writing, 2));
  CHECK_FALSE(plausible(Concept::capd_total, 33));
  CHECK_FALSE(plausible(Concept::capd_item_1, 5));
}

TEST_CASE("category predicates", "[terminology]") {
  for (Concept c : {Concept::dexamethasone, Concept::methylprednisolone, Concept::hydrocortisone,
                    Concept::prednisone}) {
    CHECK(fhir::is_corticosteroid(c));
    CHECK(fhir::is_antipyretic_or_anticytokine(c));
  }
  for (Concept c : {Concept::norepinephrine, Concept::epinephrine, Concept::phenylephrine,
                    Concept::dopamine, Concept::vasopressin}) {
    CHECK(fhir::is_vasopressor(c));
  }
  for (Concept c : {Concept::propofol, Concept::midazolam, Concept::dexmedetomidine, Concept::lorazepam}) {
    CHECK(fhir::is_sedative(c));
  }
  for (Concept c : {Concept::acetaminophen, Concept::ibuprofen, Concept::tocilizumab,
                    Concept::siltuximab, Concept::anakinra}) {
    CHECK(fhir::is_antipyretic_or_anticytokine(c));
  }
  CHECK_FALSE(fhir::is_corticosteroid(Concept::tocilizumab));
  CHECK_FALSE(fhir::is_vasopressor(Concept::dexamethasone));
  CHECK_FALSE(fhir::is_sedative(Concept::levetiracetam));
  CHECK_FALSE(fhir::is_antipyretic_or_anticytokine(Concept::levetiracetam));
  CHECK_FALSE(fhir::is_antipyretic_or_anticytokine(Concept::norepinephrine));

  int cell_therapies = 0;
  for (Concept c : all_concepts()) {
    if (fhir::is_immune_effector_cell_therapy(c)) ++cell_therapies;
  }
  CHECK(cell_therapies == 16);  // seven CAR-T products, unspecified CAR-T, eight engagers
  CHECK(fhir::is_immune_effector_cell_therapy(Concept::car_t_unspecified));
  CHECK(fhir::is_immune_effector_cell_therapy(Concept::tarlatamab));
  CHECK(fhir::concept_info(Concept::blinatumomab).kind == ConceptKind::t_cell_engager);
  CHECK(fhir::concept_info(Concept::obecabtagene_autoleucel).kind == ConceptKind::car_t);
  CHECK_FALSE(fhir::is_immune_effector_cell_therapy(Concept::tocilizumab));
}

TEST_CASE("every issue-listed LOINC code maps to its concept", "[terminology]") {
  const Terminology terminology;
  const std::vector<std::pair<std::string, Concept>> expected = {
      {"8310-5", Concept::body_temperature}, {"8480-6", Concept::systolic_bp},
      {"8462-4", Concept::diastolic_bp},     {"8478-0", Concept::mean_bp},
      {"85354-9", Concept::bp_panel},        {"8867-4", Concept::heart_rate},
      {"9279-1", Concept::respiratory_rate}, {"59408-5", Concept::spo2},
      {"2708-6", Concept::spo2},             {"3151-8", Concept::o2_flow_rate},
      {"3150-0", Concept::fio2},             {"29463-7", Concept::body_weight},
      {"3141-9", Concept::body_weight},      {"2951-2", Concept::sodium},
      {"2345-7", Concept::glucose},          {"2160-0", Concept::creatinine},
      {"777-3", Concept::platelets},         {"6301-6", Concept::inr},
      {"1988-5", Concept::crp},              {"2276-4", Concept::ferritin},
      {"2947-0", Concept::sodium},           {"2339-0", Concept::glucose},
      {"26515-7", Concept::platelets},       {"8331-1", Concept::body_temperature},
  };
  for (const auto& [code, meaning] : expected) {
    INFO("LOINC " << code);
    const auto match = terminology.lookup(kLoinc, code);
    CHECK(match.meaning == meaning);
    CHECK_FALSE(match.by_text);
    CHECK(match.unit.empty());
  }
  CHECK(terminology.lookup(kLoinc, "8310-6").meaning == Concept::unknown);
  CHECK(terminology.lookup(kSnomed, "8310-5").meaning == Concept::unknown);
}

TEST_CASE("every issue-listed RxNorm ingredient maps to its drug", "[terminology]") {
  const Terminology terminology;
  const std::vector<std::pair<std::string, Concept>> expected = {
      {"3264", Concept::dexamethasone},    {"6902", Concept::methylprednisolone},
      {"5492", Concept::hydrocortisone},   {"8640", Concept::prednisone},
      {"114477", Concept::levetiracetam},  {"612865", Concept::tocilizumab},
      {"72435", Concept::anakinra},        {"1535218", Concept::siltuximab},
      {"6470", Concept::lorazepam},        {"7512", Concept::norepinephrine},
      {"3992", Concept::epinephrine},      {"8163", Concept::phenylephrine},
      {"3628", Concept::dopamine},         {"11149", Concept::vasopressin},
      {"161", Concept::acetaminophen},     {"5640", Concept::ibuprofen},
      {"8782", Concept::propofol},         {"6960", Concept::midazolam},
      {"48937", Concept::dexmedetomidine},
  };
  for (const auto& [code, meaning] : expected) {
    INFO("RxNorm " << code);
    CHECK(terminology.lookup(kRxNorm, code).meaning == meaning);
  }
}

TEST_CASE("clinical-drug and product codes map to their ingredient or product", "[terminology]") {
  const Terminology terminology;
  CHECK(terminology.lookup(kRxNorm, "1116927").meaning == Concept::dexamethasone);
  CHECK(terminology.lookup(kRxNorm, "1743704").meaning == Concept::methylprednisolone);
  CHECK(terminology.lookup(kRxNorm, "207191").meaning == Concept::methylprednisolone);
  CHECK(terminology.lookup(kRxNorm, "647121").meaning == Concept::levetiracetam);
  CHECK(terminology.lookup(kRxNorm, "1441527").meaning == Concept::tocilizumab);
  CHECK(terminology.lookup(kRxNorm, "238100").meaning == Concept::lorazepam);
  CHECK(terminology.lookup(kRxNorm, "242969").meaning == Concept::norepinephrine);
  CHECK(terminology.lookup(kRxNorm, "1987402").meaning == Concept::axicabtagene_ciloleucel);
  CHECK(terminology.lookup(kRxNorm, "2387352").meaning == Concept::brexucabtagene_autoleucel);
  CHECK(terminology.lookup(kRxNorm, "1597262").meaning == Concept::blinatumomab);
  CHECK(terminology.lookup(kRxNorm, "2619432").meaning == Concept::teclistamab);
}

TEST_CASE("SNOMED CT seizure is the finding; status epilepticus is the prolonged answer", "[terminology]") {
  const Terminology terminology;
  CHECK(terminology.lookup(kSnomed, "91175000").meaning == Concept::seizure);
  CHECK(fhir::concept_info(Concept::seizure).kind == ConceptKind::finding);
  CHECK(terminology.lookup(kSnomed, "230456007").meaning == Concept::seizure_prolonged_or_repetitive);
  CHECK(terminology.lookup(kSnomed, "423341008").meaning == Concept::icp_papilledema);
  CHECK(terminology.lookup(kSnomed, "427591007").meaning == Concept::o2_non_rebreather);
  CHECK(terminology.lookup(kSnomed, "426854004").meaning == Concept::o2_high_flow_nasal_cannula);
  CHECK(terminology.lookup(kSnomed, "425478008").meaning == Concept::o2_blow_by);
  CHECK(terminology.lookup(kSnomed, "722742002").meaning == Concept::o2_room_air);
  CHECK(terminology.lookup(kSnomed, "277762005").meaning == Concept::lumbar_puncture);
}

TEST_CASE("every project code is a built-in code in the project CodeSystem", "[terminology]") {
  const Terminology terminology;
  for (Concept c : all_concepts()) {
    INFO(fhir::concept_code(c));
    CHECK(terminology.lookup(kProject, std::string(fhir::concept_code(c))).meaning == c);
  }
  CHECK(terminology.lookup(kProject, "").meaning == Concept::unknown);
  CHECK(terminology.lookup("", "ice-total").meaning == Concept::unknown);
}

TEST_CASE("built-in codes are unique and every concept they name exists", "[terminology]") {
  const Terminology terminology;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& entry : terminology.entries()) {
    INFO(entry.system << "|" << entry.code);
    CHECK_FALSE(entry.from_site_map);
    CHECK(seen.insert({entry.system, entry.code}).second);
    CHECK(entry.meaning != Concept::unknown);
    CHECK(entry.meaning < Concept::kCount);
  }
}

TEST_CASE("drug brand and generic names are recognised", "[terminology][names]") {
  const Terminology terminology;
  const std::vector<std::pair<std::string, Concept>> expected = {
      {"Decadron", Concept::dexamethasone},        {"Solu-Medrol 125 mg", Concept::methylprednisolone},
      {"Keppra 500 mg PO", Concept::levetiracetam}, {"ACTEMRA IV", Concept::tocilizumab},
      {"Kineret", Concept::anakinra},               {"Sylvant infusion", Concept::siltuximab},
      {"Ativan 1 mg", Concept::lorazepam},          {"Levophed drip", Concept::norepinephrine},
      {"Tylenol 650 mg", Concept::acetaminophen},   {"Diprivan", Concept::propofol},
      {"Precedex", Concept::dexmedetomidine},       {"Versed 2 mg IV", Concept::midazolam},
      {"Yescarta", Concept::axicabtagene_ciloleucel}, {"Tecartus", Concept::brexucabtagene_autoleucel},
      {"Kymriah", Concept::tisagenlecleucel},       {"Breyanzi", Concept::lisocabtagene_maraleucel},
      {"Abecma", Concept::idecabtagene_vicleucel},  {"Carvykti", Concept::ciltacabtagene_autoleucel},
      {"Aucatzyl", Concept::obecabtagene_autoleucel}, {"Blincyto", Concept::blinatumomab},
      {"Tecvayli", Concept::teclistamab},           {"Talvey", Concept::talquetamab},
      {"Elrexfio", Concept::elranatamab},           {"Epkinly", Concept::epcoritamab},
      {"Columvi", Concept::glofitamab},             {"Lunsumio", Concept::mosunetuzumab},
      {"Imdelltra", Concept::tarlatamab},           {"axi-cel", Concept::axicabtagene_ciloleucel},
      {"brexu-cel", Concept::brexucabtagene_autoleucel}, {"tisa-cel", Concept::tisagenlecleucel},
      {"liso-cel", Concept::lisocabtagene_maraleucel}, {"ide-cel", Concept::idecabtagene_vicleucel},
      {"cilta-cel", Concept::ciltacabtagene_autoleucel}, {"obe-cel", Concept::obecabtagene_autoleucel},
      {"axicabtagene ciloleucel suspension", Concept::axicabtagene_ciloleucel},
      {"teclistamab-cqyv 10 mg/mL", Concept::teclistamab},
  };
  for (const auto& [text, meaning] : expected) {
    INFO(text);
    CHECK(terminology.lookup_name(text) == meaning);
  }
}

TEST_CASE("names match whole words only", "[terminology][names]") {
  const Terminology terminology;
  CHECK(terminology.lookup_name("dexamethasone sodium phosphate 4 MG/ML Injectable Solution") ==
        Concept::dexamethasone);
  CHECK(terminology.lookup_name("methylprednisolone sodium succinate 125 mg") ==
        Concept::methylprednisolone);
  CHECK(terminology.lookup_name("predniSONE 20 mg tablet") == Concept::prednisone);
  CHECK(terminology.lookup_name("norepinephrine 4 mg in 250 mL") == Concept::norepinephrine);
  CHECK(terminology.lookup_name("noradrenaline") == Concept::norepinephrine);
  CHECK(terminology.lookup_name("tocilizumab-anoh") == Concept::tocilizumab);
  CHECK(terminology.lookup_name("(Decadron)") == Concept::dexamethasone);
  CHECK(terminology.lookup_name("Decadron\xC2\xAE 4 mg") == Concept::dexamethasone);  // ®
  CHECK(terminology.lookup_name("Decadrons") == Concept::unknown);
  CHECK(terminology.lookup_name("xdexamethasone") == Concept::unknown);
  CHECK(terminology.lookup_name("prednisolone 5 mg") == Concept::unknown);
  CHECK(terminology.lookup_name("") == Concept::unknown);
  CHECK(terminology.lookup_name("normal saline") == Concept::unknown);
}

TEST_CASE("a text naming two different drugs is ambiguous, the same drug twice is not",
          "[terminology][names]") {
  const Terminology terminology;
  CHECK(terminology.lookup_name("dexamethasone and tocilizumab") == Concept::unknown);
  CHECK(terminology.lookup_name("Yescarta or Kymriah") == Concept::unknown);
  CHECK(terminology.lookup_name("epinephrine / norepinephrine") == Concept::unknown);
  CHECK(terminology.lookup_name("Decadron (dexamethasone) 10 mg") == Concept::dexamethasone);
  CHECK(terminology.lookup_name("Solu-Medrol (methylprednisolone)") == Concept::methylprednisolone);
  // Class words are not names: the drug order stays unambiguous.
  CHECK(terminology.lookup_name("dexamethasone for CAR-T neurotoxicity") == Concept::dexamethasone);
}

TEST_CASE("resolve uses codes first and agrees across codings", "[terminology][resolve]") {
  const Terminology terminology;
  const auto both = terminology.resolve(
      coded({{kLoinc, "59408-5", "SpO2"}, {kLoinc, "2708-6", "Oxygen saturation"}}));
  CHECK(both.conflict.empty());
  CHECK(both.match.meaning == Concept::spo2);
  CHECK_FALSE(both.match.by_text);

  // A known code wins over a text that names a drug.
  const auto coded_wins = terminology.resolve(coded({{kRxNorm, "3264", ""}}, "Keppra"));
  CHECK(coded_wins.match.meaning == Concept::dexamethasone);
  CHECK(coded_wins.conflict.empty());

  // Unknown codings are ignored when another is known.
  const auto partial = terminology.resolve(
      coded({{"urn:local", "X1", "whatever"}, {kRxNorm, "1116927", "dexamethasone 4 MG/ML"}}));
  CHECK(partial.match.meaning == Concept::dexamethasone);
}

TEST_CASE("codings that map to different concepts are a conflict, never a guess",
          "[terminology][resolve]") {
  const Terminology terminology;
  const auto result = terminology.resolve(
      coded({{kRxNorm, "3264", "dexamethasone"}, {kRxNorm, "6902", "methylprednisolone"}}));
  CHECK(result.match.meaning == Concept::unknown);
  CHECK_THAT(result.conflict, Catch::Contains("3264") && Catch::Contains("6902") &&
                                  Catch::Contains("dexamethasone") &&
                                  Catch::Contains("methylprednisolone"));
}

TEST_CASE("names stand in only when no coding is known, and only for drugs and products",
          "[terminology][resolve]") {
  const Terminology terminology;
  const auto by_display = terminology.resolve(coded({{"urn:local:meds", "123", "Decadron 4 mg tab"}}));
  CHECK(by_display.match.meaning == Concept::dexamethasone);
  CHECK(by_display.match.by_text);
  CHECK(by_display.conflict.empty());

  const auto by_text = terminology.resolve(coded({}, "Kymriah infusion"));
  CHECK(by_text.match.meaning == Concept::tisagenlecleucel);
  CHECK(by_text.match.by_text);

  // Findings are never read from free text.
  const auto finding = terminology.resolve(coded({}, "Seizure"));
  CHECK(finding.match.meaning == Concept::unknown);
  CHECK(finding.conflict.empty());

  const auto nothing = terminology.resolve(coded({{"urn:local", "1", ""}}, ""));
  CHECK(nothing.match.meaning == Concept::unknown);
  CHECK(nothing.conflict.empty());
}

TEST_CASE("names that disagree, or a name listing two drugs, are a conflict", "[terminology][resolve]") {
  const Terminology terminology;
  const auto disagree =
      terminology.resolve(coded({{"urn:local:meds", "123", "Decadron"}}, "tocilizumab 8 mg/kg"));
  CHECK(disagree.match.meaning == Concept::unknown);
  CHECK_THAT(disagree.conflict, Catch::Contains("Decadron") && Catch::Contains("tocilizumab"));

  const auto two = terminology.resolve(coded({}, "acetaminophen and ibuprofen"));
  CHECK(two.match.meaning == Concept::unknown);
  CHECK_THAT(two.conflict, Catch::Contains("more than one"));

  const auto agree = terminology.resolve(coded({{"urn:local:meds", "123", "Decadron"}}, "dexamethasone"));
  CHECK(agree.match.meaning == Concept::dexamethasone);
  CHECK(agree.conflict.empty());
}

TEST_CASE("a site map adds local codes and overrides built-in ones", "[terminology][sitemap]") {
  Terminology terminology;
  const std::string error = terminology.load_site_map_json(
      site_map(std::string(R"({"system": ")") + kFlowsheet +
               R"(", "code": "1001", "concept": "ice-total"},
                {"system": ")" + kFlowsheet + R"(", "code": "1002", "concept": "body-temperature", "unit": "[degF]"},
                {"system": "http://loinc.org", "code": "8331-1", "concept": "body-temperature", "unit": "[degF]"},
                {"system": "http://loinc.org", "code": "9279-1", "concept": "heart-rate"})"),
      "site-map.json");
  REQUIRE(error.empty());

  CHECK(terminology.lookup(kFlowsheet, "1001").meaning == Concept::ice_total);
  const auto temperature = terminology.lookup(kFlowsheet, "1002");
  CHECK(temperature.meaning == Concept::body_temperature);
  CHECK(temperature.unit == "[degF]");
  CHECK(terminology.lookup(kLoinc, "8331-1").unit == "[degF]");
  // The site entry wins over the built-in respiratory-rate meaning.
  CHECK(terminology.lookup(kLoinc, "9279-1").meaning == Concept::heart_rate);
  // Other built-ins are untouched.
  CHECK(terminology.lookup(kLoinc, "8310-5").meaning == Concept::body_temperature);

  const auto resolved = terminology.resolve(coded({{kFlowsheet, "1002", "Temp"}}));
  CHECK(resolved.match.unit == "[degF]");

  int from_site = 0;
  for (const auto& entry : terminology.entries()) from_site += entry.from_site_map ? 1 : 0;
  CHECK(from_site == 4);
}

TEST_CASE("codings of one concept charted in different units are a conflict", "[terminology][sitemap]") {
  Terminology terminology;
  REQUIRE(terminology
              .load_site_map_json(site_map(R"({"system": "urn:a", "code": "t", "concept": "body-temperature", "unit": "[degF]"},
                                             {"system": "urn:b", "code": "t", "concept": "body-temperature", "unit": "Cel"})"),
                                  "m.json")
              .empty());
  const auto result = terminology.resolve(coded({{"urn:a", "t", ""}, {"urn:b", "t", ""}}));
  CHECK(result.match.meaning == Concept::unknown);
  CHECK_THAT(result.conflict, Catch::Contains("[degF]") && Catch::Contains("Cel"));
  // A unit from one coding and none from the other is no conflict.
  const auto one_unit = terminology.resolve(coded({{"urn:a", "t", ""}, {kLoinc, "8310-5", ""}}));
  CHECK(one_unit.match.meaning == Concept::body_temperature);
  CHECK(one_unit.match.unit == "[degF]");
}

TEST_CASE("the example site map loads cleanly", "[terminology][sitemap]") {
  Terminology terminology;
  const std::string path = std::string(ICANS_SOURCE_DIR) + "/examples/site-map.json";
  const std::string error = terminology.load_site_map_file(path);
  INFO(error);
  REQUIRE(error.empty());
  CHECK(terminology.lookup(kFlowsheet, "EXAMPLE-1001").meaning == Concept::ice_total);
  CHECK(terminology.lookup(kFlowsheet, "EXAMPLE-1002").unit == "[degF]");
  CHECK(terminology.lookup(kFlowsheet, "EXAMPLE-1003").meaning == Concept::oxygen_delivery);
  CHECK(terminology.lookup("urn:oid:1.2.840.114350.1.13.0.1.7.2.698288", "EXAMPLE-2001").meaning ==
        Concept::dexamethasone);
}

TEST_CASE("site map errors name the file, the mapping index and the field", "[terminology][sitemap]") {
  struct Case {
    const char* what;
    std::string json;
    std::string expected;
  };
  const std::string ok_row = R"({"system": "urn:x", "code": "1", "concept": "ice-total"})";
  const std::vector<Case> cases = {
      {"malformed JSON", R"({"name": "x", )", "site-map.json: line 1"},
      {"not an object", "[]", "site-map.json: a site map is a JSON object, found array"},
      {"missing name", R"({"version": "1", "mappings": []})", "site-map.json: name: missing"},
      {"name of the wrong type", R"({"name": 3, "version": "1", "mappings": []})",
       "site-map.json: name: expected a string, found number"},
      {"missing version", R"({"name": "x", "mappings": []})", "site-map.json: version: missing"},
      {"extra top-level field", R"({"name": "x", "version": "1", "mappings": [], "extra": 1})",
       "site-map.json: extra: unexpected field"},
      {"missing mappings", R"({"name": "x", "version": "1"})", "site-map.json: mappings: missing"},
      {"mappings not an array", R"({"name": "x", "version": "1", "mappings": {}})",
       "site-map.json: mappings: expected an array, found object"},
      {"mapping not an object", site_map(ok_row + R"(, "row")"),
       "site-map.json: mappings[1]: expected an object, found string"},
      {"missing system", site_map(R"({"code": "1", "concept": "ice-total"})"),
       "site-map.json: mappings[0].system: missing"},
      {"empty code", site_map(R"({"system": "urn:x", "code": "", "concept": "ice-total"})"),
       "site-map.json: mappings[0].code: must not be empty"},
      {"numeric code", site_map(R"({"system": "urn:x", "code": 1001, "concept": "ice-total"})"),
       "site-map.json: mappings[0].code: expected a string, found number"},
      {"extra mapping field", site_map(R"({"system": "urn:x", "code": "1", "concept": "ice-total", "display": "ICE"})"),
       "site-map.json: mappings[0].display: unexpected field"},
      {"unknown concept",
       site_map(ok_row + R"(, {"system": "urn:x", "code": "2", "concept": "ice-naming"},
                            {"system": "urn:x", "code": "3", "concept": "ice-writing"},
                            {"system": "urn:x", "code": "4", "concept": "ice-totl"})"),
       "site-map.json: mappings[3].concept: unknown concept 'ice-totl'"},
      {"unknown unit", site_map(R"({"system": "urn:x", "code": "1", "concept": "body-temperature", "unit": "degrees"})"),
       "site-map.json: mappings[0].unit: unknown unit 'degrees'"},
      {"unit of the wrong dimension",
       site_map(R"({"system": "urn:x", "code": "1", "concept": "body-temperature", "unit": "mg/dL"})"),
       "site-map.json: mappings[0].unit: 'mg/dL' cannot express 'body-temperature'"},
      {"unit on a concept that is not a measurement",
       site_map(R"({"system": "urn:x", "code": "1", "concept": "seizure", "unit": "kg"})"),
       "site-map.json: mappings[0].unit: concept 'seizure' is not a measurement"},
      {"duplicate system and code",
       site_map(ok_row + R"(, {"system": "urn:x", "code": "2", "concept": "ice-naming"},
                            {"system": "urn:x", "code": "1", "concept": "ice-writing"})"),
       "site-map.json: mappings[2]: urn:x|1 repeats mappings[0]"},
      {"remapping the project CodeSystem",
       site_map(R"({"system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds", "code": "ice-total", "concept": "ice-naming"})"),
       "site-map.json: mappings[0].system: the project CodeSystem"},
      {"whitespace in a code", site_map(R"({"system": "urn:x", "code": "10 01", "concept": "ice-total"})"),
       "site-map.json: mappings[0].code: must not contain whitespace"},
      {"nesting deeper than a site map ever needs",
       R"({"name": "x", "version": "1", "mappings": [{"system": "urn:x", "code": {"a": [1]}, "concept": "ice-total"}]})",
       "site-map.json: line 1"},
      {"deep nesting attack", std::string(100000, '['), "nesting deeper than 4"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    Terminology terminology;
    const std::string error = terminology.load_site_map_json(c.json, "site-map.json");
    CHECK_THAT(error, Catch::StartsWith(c.expected) || Catch::Contains(c.expected));
    CHECK(error.rfind("site-map.json: ", 0) == 0);
    // A rejected map changes nothing.
    CHECK(terminology.lookup("urn:x", "1").meaning == Concept::unknown);
    for (const auto& entry : terminology.entries()) CHECK_FALSE(entry.from_site_map);
  }
}

TEST_CASE("a site map with one bad row applies none of its rows", "[terminology][sitemap]") {
  Terminology terminology;
  const std::string error = terminology.load_site_map_json(
      site_map(R"({"system": "urn:x", "code": "1", "concept": "ice-total"},
                 {"system": "http://loinc.org", "code": "8310-5", "concept": "heart-rate"},
                 {"system": "urn:x", "code": "3", "concept": "nope"})"),
      "m.json");
  CHECK_THAT(error, Catch::Contains("mappings[2].concept"));
  CHECK(terminology.lookup("urn:x", "1").meaning == Concept::unknown);
  CHECK(terminology.lookup(kLoinc, "8310-5").meaning == Concept::body_temperature);
}

TEST_CASE("a second site map may not silently remap what the first one mapped", "[terminology][sitemap]") {
  Terminology terminology;
  REQUIRE(terminology.load_site_map_json(site_map(R"({"system": "urn:x", "code": "1", "concept": "ice-total"})"),
                                         "first.json")
              .empty());
  // Repeating the same row is harmless.
  CHECK(terminology.load_site_map_json(site_map(R"({"system": "urn:x", "code": "1", "concept": "ice-total"})"),
                                       "again.json")
            .empty());
  const std::string error = terminology.load_site_map_json(
      site_map(R"({"system": "urn:x", "code": "1", "concept": "ice-naming"})"), "second.json");
  CHECK_THAT(error, Catch::StartsWith("second.json: mappings[0]") && Catch::Contains("first.json"));
  CHECK(terminology.lookup("urn:x", "1").meaning == Concept::ice_total);
  int from_site = 0;
  for (const auto& entry : terminology.entries()) from_site += entry.from_site_map ? 1 : 0;
  CHECK(from_site == 1);
}

TEST_CASE("an unreadable site map file is an error naming the file", "[terminology][sitemap]") {
  Terminology terminology;
  const std::string missing = terminology.load_site_map_file("/nonexistent/dir/site-map.json");
  CHECK_THAT(missing, Catch::StartsWith("/nonexistent/dir/site-map.json: cannot read site map"));
  const std::string directory = terminology.load_site_map_file(ICANS_SOURCE_DIR);
  CHECK_THAT(directory, Catch::Contains("cannot read site map"));
}

TEST_CASE("the FHIR CodeSystem lists exactly the project codes", "[terminology][docs]") {
  const std::string text = read_source_file("docs/fhir/CodeSystem-icans-cds.json");
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  CHECK(std::string(doc["resourceType"].GetString()) == "CodeSystem");
  CHECK(std::string(doc["url"].GetString()) == fhir::kProjectSystem);
  CHECK(std::string(doc["status"].GetString()) == "active");
  CHECK(std::string(doc["content"].GetString()) == "complete");
  REQUIRE(doc["concept"].IsArray());

  std::set<std::string> listed;
  for (const auto& entry : doc["concept"].GetArray()) {
    const std::string code = entry["code"].GetString();
    INFO(code);
    CHECK(listed.insert(code).second);
    const auto meaning = fhir::concept_from_code(code);
    REQUIRE(meaning);
    CHECK(std::string(entry["display"].GetString()) == fhir::concept_info(*meaning).display);
    CHECK(std::string(entry["definition"].GetString()).size() > 10);
  }
  std::set<std::string> project;
  for (Concept c : all_concepts()) project.insert(std::string(fhir::concept_code(c)));
  CHECK(listed == project);
  CHECK(doc["count"].GetUint() == project.size());
}

TEST_CASE("docs/terminology.md lists every built-in standard code and project code", "[terminology][docs]") {
  const std::string doc = read_source_file("docs/terminology.md");
  const Terminology terminology;
  for (const auto& entry : terminology.entries()) {
    INFO(entry.system << "|" << entry.code);
    CHECK(doc.find("`" + entry.code + "`") != std::string::npos);
  }
}
