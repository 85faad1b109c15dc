#pragma once
// The institutional protocol: every dose, interval, cap, grade threshold,
// product rule, orderable code and monitoring interval the recommendation
// cards use. A hospital adapts the cards by editing a JSON file, never code;
// docs/protocol.md describes every field, its unit, its source and the rule
// of docs/clinical-rules.md that reads it.
//
// The loader is strict on purpose: an unknown field (a typo), a wrong type, a
// dose that is not a positive number, a weight-based dose without a cap or a
// reference to an undefined regimen refuses the whole file, listing every
// problem. A protocol that loads is complete: every section is present (a rule
// is switched off with "enabled": false, never by leaving it out), and every
// regimen, orderable and source id it names is defined.
//
// Units: doses in mg, weights in kg, intervals in hours, days counted from the
// first infusion (day 0). Grades are ASTCT 2019 grades 1-4.

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/terminology.h"

namespace icans {

// Rule ids of docs/clinical-rules.md, one per card family. A card links to
// rule_url(protocol, rule) so the clinician can read what it rests on.
namespace rule {
inline constexpr std::string_view kIcansSteroids = "cards.icans-steroids";
inline constexpr std::string_view kIcansSteroidTaper = "cards.icans-steroid-taper";
inline constexpr std::string_view kSeizureProphylaxis = "cards.seizure-prophylaxis";
inline constexpr std::string_view kSeizureManagement = "cards.seizure-management";
inline constexpr std::string_view kIcansWorkup = "cards.icans-workup";
inline constexpr std::string_view kCrsTocilizumab = "cards.crs-tocilizumab";
inline constexpr std::string_view kCrsSteroids = "cards.crs-steroids";
inline constexpr std::string_view kIceMonitoring = "cards.ice-monitoring";
inline constexpr std::string_view kOtherCauses = "cards.other-causes";
inline constexpr std::string_view kDocumentation = "cards.documentation";
}  // namespace rule

inline constexpr int kProtocolFormatVersion = 1;
inline constexpr std::string_view kIcd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";

enum class Route { intravenous, oral };

struct RouteCode {
  std::string_view code;     // SNOMED CT (fhir::kSnomed)
  std::string_view display;
};

// 47625008 "Intravenous route", 26643006 "Oral route".
RouteCode route_code(Route route);
std::string_view route_name(Route route);  // "intravenous", "oral": as written in the file

// Something a card can propose to order: a drug (an RxNorm clinical drug or,
// where no clinical-drug code could be verified, the ingredient) or a service
// (imaging, EEG, consult, ICU transfer).
struct Orderable {
  std::string id;
  std::string system;
  std::string code;
  std::string display;
  fhir::Concept meaning = fhir::Concept::unknown;  // the drug ingredient or the service
};

// [min_hours, max_hours] between doses: 6-12 h is "every 6 to 12 hours";
// min == max is a fixed interval. A card never proposes the next dose sooner
// than min_hours after the last one.
struct Interval {
  double min_hours = 0;
  double max_hours = 0;
};

// A different mg/kg below a body weight (tocilizumab 12 mg/kg under 30 kg).
struct WeightBand {
  double below_kg = 0;
  double dose_mg_per_kg = 0;
};

// How much, how often, how many. Exactly one of dose_mg and dose_mg_per_kg is
// set; a weight-based dose always has max_dose_mg.
struct Dosing {
  std::optional<double> dose_mg;
  std::optional<double> dose_mg_per_kg;
  std::vector<WeightBand> weight_bands;  // ascending below_kg; the first band the weight is under wins
  std::optional<double> max_dose_mg;     // cap on a single dose
  std::optional<Interval> every;         // empty: a single dose
  std::optional<int> doses;              // empty with `every`: repeat until reassessed
  std::optional<int> max_doses_per_24h;
  std::optional<int> max_doses_total;
  std::string instruction;               // shown on the card as written
};

struct Regimen {
  std::string id;
  fhir::Concept drug = fhir::Concept::unknown;
  Route route = Route::intravenous;
  std::string orderable;                 // id in Protocol::orderables; its meaning is `drug`
  Dosing adult;
  // Used below the pediatric age cut-off (GradingConfig::pediatric_cutoff_years).
  // Empty: the protocol defines no pediatric dose; the card proposes none and says so.
  std::optional<Dosing> pediatric;
  std::vector<std::string> sources;      // ids in Protocol::sources
};

struct DoseCalculation {
  std::optional<double> mg;  // empty when it cannot be computed (weight-based, no weight)
  bool capped = false;       // max_dose_mg applied
  std::string explanation;   // "8 mg/kg x 105 kg = 840 mg, capped at 800 mg", or why no dose
};

// The dose for a patient of `weight_kg` (needed only for weight-based dosing).
DoseCalculation calculate_dose(const Dosing& dosing, std::optional<double> weight_kg);

// One grade's corticosteroid in a section that varies by grade.
struct GradeRegimen {
  bool enabled = true;               // false: no card for this grade
  std::optional<std::string> regimen;  // empty: no corticosteroid at this grade
  bool consider = false;             // the card says "consider" rather than "give"
  std::string note;
};

// ICANS grade 1 is treated without corticosteroids except for some products.
struct ProductException {
  bool enabled = true;
  std::vector<fhir::Concept> products;
  // Only when ICANS began less than this many hours after the infusion.
  std::optional<double> onset_within_hours_of_infusion;
  std::string regimen;
  bool consider = false;
  std::string note;
  std::vector<std::string> sources;
};

// Once ICANS improves to `when_grade_at_most` or less on corticosteroids.
struct Taper {
  bool enabled = true;
  int when_grade_at_most = 1;
  std::string text;
  // After a course of `after_regimen` (high-dose methylprednisolone) the taper
  // is the regimens of `steps`, in order; after anything else only `text`.
  std::optional<std::string> after_regimen;
  std::vector<std::string> steps;
  std::vector<std::string> sources;
};

struct IcansSteroids {
  bool enabled = true;
  std::vector<std::string> sources;
  std::array<GradeRegimen, 4> by_grade;  // [grade - 1]; by_grade[1].enabled is the "grade2_steroids" switch
  // A dexamethasone dose given in the last hours never delays the next grade's regimen.
  bool escalation_not_delayed_by_recent_dexamethasone = true;
  std::vector<ProductException> grade_1_product_exceptions;
  Taper taper;
};

// When levetiracetam prophylaxis starts for the patient's product.
struct ProphylaxisRule {
  std::vector<fhir::Concept> products;  // empty in SeizureProphylaxis::all_products
  std::optional<int> from_icans_grade;  // set unless routine_from_day0
  bool routine_from_day0 = false;       // from the infusion on, whatever the grade
  std::string note;
};

struct SeizureProphylaxis {
  bool enabled = true;
  std::vector<std::string> sources;
  std::string regimen;                  // levetiracetam, 500-750 mg per dose
  ProphylaxisRule all_products;         // products without a rule of their own
  std::vector<ProphylaxisRule> product_rules;
  // Prophylaxis counts as running when a levetiracetam dose was given (or an
  // active order exists) within this many hours.
  double active_if_dose_within_hours = 24;
  std::string renal_note;
};

// The rule for `product`: its own rule, else all_products.
const ProphylaxisRule& prophylaxis_rule_for(const SeizureProphylaxis& prophylaxis,
                                            fhir::Concept product);

struct SeizureManagement {
  bool enabled = true;
  std::vector<std::string> sources;
  std::string seizure_regimen;               // levetiracetam bolus
  std::string nonconvulsive_status_regimen;  // lorazepam, repeated
  std::string nonconvulsive_status_text;
  std::string convulsive_status_text;
};

struct WorkupItem {
  std::string id;
  bool enabled = true;
  std::string orderable;
  std::optional<std::string> alternative_orderable;  // when the first is not feasible (CT for MRI)
  int from_icans_grade = 1;
  // Not proposed again while a matching order or result younger than this exists.
  double repeat_interval_hours = 0;
  // Only once ICANS >= from_icans_grade has lasted this long (repeat imaging).
  std::optional<double> persisting_hours;
  bool consider = false;
  std::vector<fhir::Concept> show_latest;  // shown with their latest value (platelets, INR)
  std::string note;
  std::vector<std::string> sources;
};

struct Workup {
  bool enabled = true;
  std::vector<std::string> sources;
  std::vector<WorkupItem> items;  // in display order
};

struct GradeSteroid {
  bool enabled = true;
  std::string regimen;
  std::string note;
};

struct CrsTocilizumab {
  bool enabled = true;
  std::string regimen;
  int from_crs_grade = 2;
  int from_crs_grade_with_icans = 1;  // when ICANS (any grade) coexists
};

struct Crs {
  bool enabled = true;
  std::vector<std::string> sources;
  CrsTocilizumab tocilizumab;
  GradeSteroid grade_3;  // added to tocilizumab
  GradeSteroid grade_4;
  std::string antimicrobials_reminder;
  std::string tocilizumab_icans_without_crs_warning;
};

struct Monitoring {
  bool enabled = true;
  std::vector<std::string> sources;
  int from_day = 0;  // days after the first infusion, inclusive
  int to_day = 10;
  double ice_overdue_after_hours = 12;
  double ice_overdue_after_hours_if_declining_or_crs = 4;  // ICE falling, or CRS grade >= 1 at T
};

struct OtherCause {
  std::string id;
  bool enabled = true;
  std::string text;
  std::vector<fhir::Concept> show_latest;  // a measurement's latest value, or a drug's latest dose
};

struct OtherCauses {
  bool enabled = true;
  std::vector<std::string> sources;
  std::vector<OtherCause> items;
};

struct Icd10Code {
  std::string code;
  std::string display;
};

struct Documentation {
  bool enabled = true;
  std::vector<std::string> sources;
  std::string verification_status = "provisional";  // Condition.verificationStatus
  Icd10Code coded_first;                  // T80.82XA
  std::array<Icd10Code, 4> icans_by_grade;  // [grade - 1]
  std::array<Icd10Code, 4> crs_by_grade;    // [grade - 1]
};

// Why a clinician may dismiss a card (codes in fhir::kProjectSystem).
struct OverrideReason {
  std::string code;
  std::string display;
};

struct Protocol {
  int format_version = kProtocolFormatVersion;
  std::string name;
  std::string version;
  std::string publisher;
  std::string date;
  std::string documentation_url;  // docs/clinical-rules.md; rule ids are its anchors
  std::map<std::string, std::string> sources;  // id -> citation
  std::map<std::string, Orderable> orderables;
  std::map<std::string, Regimen> regimens;
  IcansSteroids icans_steroids;
  SeizureProphylaxis seizure_prophylaxis;
  SeizureManagement seizure_management;
  Workup workup;
  Crs crs;
  Monitoring monitoring;
  OtherCauses other_causes;
  Documentation documentation;
  std::vector<OverrideReason> override_reasons;
};

// Lookups by id. In a protocol returned by the loader every id it names
// resolves; nullptr means the id came from somewhere else.
const Regimen* find_regimen(const Protocol& protocol, std::string_view id);
const Orderable* find_orderable(const Protocol& protocol, std::string_view id);

// documentation_url + "#" + rule id; empty when the protocol has no URL.
std::string rule_url(const Protocol& protocol, std::string_view rule_id);

struct ProtocolLoadResult {
  std::optional<Protocol> protocol;  // empty when anything is wrong
  // Every problem found, each "source: json.path: what is wrong", e.g.
  // "protocol.json: regimens.dex10-q6.dose_mg: must be > 0 (got -10)".
  std::vector<std::string> errors;
};

ProtocolLoadResult load_protocol(std::string_view json, std::string_view source_name);
ProtocolLoadResult load_protocol_file(const std::string& path);

// The protocol shipped with the program (cards/default_protocol.json, compiled in).
std::string_view default_protocol_json();
ProtocolLoadResult default_protocol();

}  // namespace icans
