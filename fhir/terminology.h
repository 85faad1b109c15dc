#pragma once
// The concepts the grading rules understand, and how charted codes map to them.
//
// Standard codes (LOINC, RxNorm, SNOMED CT, UCUM) are built in; so is the
// project's own CodeSystem (kProjectSystem) for what has no standard code:
// the ICE score and its items, CAPD, the ASTCT neurological findings, oxygen
// delivery. A site terminology map (JSON, see docs/terminology.md) adds a
// hospital's local codes without recompiling.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fhir/coding.h"

namespace fhir {

inline constexpr std::string_view kProjectSystem =
    "https://icans-cds.github.io/fhir/CodeSystem/icans-cds";
inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
inline constexpr std::string_view kSnomed = "http://snomed.info/sct";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";

enum class Concept : std::uint16_t {
  unknown,

  // Vital signs and labs (LOINC). Values are converted to the canonical unit.
  body_temperature,   // Cel
  systolic_bp,        // mm[Hg]
  diastolic_bp,       // mm[Hg]
  mean_bp,            // mm[Hg]
  bp_panel,           // components carry systolic/diastolic/mean
  heart_rate,         // /min
  respiratory_rate,   // /min
  spo2,               // %
  o2_flow_rate,       // L/min
  fio2,               // %
  body_weight,        // kg
  sodium,             // mmol/L
  glucose,            // mg/dL
  creatinine,         // mg/dL
  platelets,          // 10*3/uL
  inr,                // {INR}
  crp,                // mg/L
  ferritin,           // ng/mL

  // ICE (project codes): total 0-10 and its items. Orientation items and
  // commands, writing and attention are 0-1; naming is 0-3.
  ice_total,
  ice_orientation_year,
  ice_orientation_month,
  ice_orientation_city,
  ice_orientation_hospital,
  ice_naming,
  ice_commands,
  ice_writing,
  ice_attention,
  ice_not_assessable,  // value: ice_na_* answer

  // CAPD (project codes): total 0-32 and items 1-8, each the observed
  // frequency 0 (never) .. 4 (always); items 1-4 are reverse scored when totalled.
  capd_total,
  capd_item_1, capd_item_2, capd_item_3, capd_item_4,
  capd_item_5, capd_item_6, capd_item_7, capd_item_8,

  // Neurological findings (project codes, SNOMED CT where one exists).
  level_of_consciousness,  // value: loc_* answer
  seizure,                 // value: seizure_* answer
  motor_finding,           // value: motor_* answer
  icp_finding,             // value: icp_* answer
  tremor,
  myoclonus,
  intracranial_hemorrhage,

  // Respiratory support.
  oxygen_delivery,  // value: o2_* answer
  oxygen_purpose,   // value: comfort_only

  // Whether a finding is due to ICANS/CRS or to something else (component or
  // separate observation). Value: attributable_other_cause / not_attributable_other_cause.
  attribution,
  developmental_delay,  // a CAPD is preferred over ICE for such a patient at any age

  // Answers (valueCodeableConcept).
  ice_na_unarousable,
  ice_na_intubated_sedated,
  ice_na_other,
  loc_awakens_spontaneously,
  loc_awakens_to_voice,
  loc_awakens_to_tactile,
  loc_unarousable,
  seizure_none,
  seizure_rapidly_resolving,
  seizure_prolonged_or_repetitive,
  motor_none,
  motor_deep_focal_weakness,
  icp_none,
  icp_focal_edema,
  icp_edema_unspecified,  // cerebral oedema charted without its extent
  icp_diffuse_edema,
  icp_posturing,
  icp_cranial_nerve_vi_palsy,
  icp_papilledema,
  icp_cushings_triad,
  o2_room_air,
  o2_low_flow_nasal_cannula,
  o2_blow_by,
  o2_high_flow_nasal_cannula,
  o2_facemask,
  o2_non_rebreather,
  o2_venturi,
  o2_cpap,
  o2_bipap,
  o2_mechanical_ventilation,
  comfort_only,
  attributable_other_cause,
  not_attributable_other_cause,

  // Drugs (RxNorm ingredients; clinical-drug codes map to their ingredient).
  dexamethasone,
  methylprednisolone,
  hydrocortisone,
  prednisone,
  levetiracetam,
  tocilizumab,
  anakinra,
  siltuximab,
  lorazepam,
  norepinephrine,
  epinephrine,
  phenylephrine,
  dopamine,
  vasopressin,
  acetaminophen,
  ibuprofen,
  propofol,
  midazolam,
  dexmedetomidine,

  // Immune effector cell therapies: CAR-T products...
  axicabtagene_ciloleucel,
  brexucabtagene_autoleucel,
  tisagenlecleucel,
  lisocabtagene_maraleucel,
  idecabtagene_vicleucel,
  ciltacabtagene_autoleucel,
  obecabtagene_autoleucel,
  car_t_unspecified,  // a CAR-T infusion procedure that does not name the product
  // ...and T-cell engagers.
  blinatumomab,
  teclistamab,
  talquetamab,
  elranatamab,
  epcoritamab,
  glofitamab,
  mosunetuzumab,
  tarlatamab,

  // Work-up orders and results.
  mri_brain,
  ct_head,
  eeg,
  neurology_consult,
  fundoscopy,
  lumbar_puncture,
  icu_transfer,

  kCount  // not a concept
};

enum class ConceptKind {
  none,
  measurement,      // numeric, has a canonical unit
  assessment_item,  // numeric score without unit (ICE, CAPD)
  finding,          // coded finding whose answer is another concept
  answer,
  drug,
  car_t,
  t_cell_engager,
  service,
};

struct ConceptInfo {
  Concept id = Concept::unknown;
  std::string_view code;     // stable id; the code in kProjectSystem
  std::string_view display;
  ConceptKind kind = ConceptKind::none;
  std::string_view unit;     // canonical UCUM unit of a measurement or score ("{score}")
  double plausible_min = 0;  // outside [min, max]: rejected as physiologically impossible
  double plausible_max = 0;  // (both 0: no check)
  double molar_mass = 0;     // g/mol, for mmol/L <-> mg/dL
  int valence = 0;           // for mEq/L <-> mmol/L
};

const ConceptInfo& concept_info(Concept c);
std::string_view concept_code(Concept c);
std::optional<Concept> concept_from_code(std::string_view code);

bool is_corticosteroid(Concept c);
bool is_vasopressor(Concept c);       // vasopressin included; callers count it apart
bool is_sedative(Concept c);
bool is_antipyretic_or_anticytokine(Concept c);  // masks fever for later CRS grading
bool is_immune_effector_cell_therapy(Concept c);  // CAR-T or T-cell engager

struct CodeMatch {
  Concept meaning = Concept::unknown;
  std::string unit;  // from a site map entry: the unit its values are charted in, if the EHR omits it
  bool by_text = false;  // matched a drug or product by name, not by code
};

struct Resolution {
  CodeMatch match;
  std::string conflict;  // set when codings of one CodeableConcept map to different concepts
};

class Terminology {
 public:
  Terminology();  // built-in codes only

  // Adds a site terminology map. Returns an empty string on success, otherwise
  // the reason naming the file, the mapping's index and field. Site entries win
  // over built-in ones for the same system and code.
  std::string load_site_map_file(const std::string& path);
  std::string load_site_map_json(std::string_view json, std::string_view source_name);

  CodeMatch lookup(std::string_view system, std::string_view code) const;

  // Drug and cell-therapy names (generic or brand, case-insensitive, whole
  // words), for orders and administrations whose codes are not known.
  Concept lookup_name(std::string_view text) const;

  // Codes first (every coding); names (coding displays, then text) only for
  // drugs and cell therapies.
  Resolution resolve(const CodeableConcept& code) const;

  // Every built-in and site code, for docs/terminology.md and tests.
  struct Entry {
    std::string system;
    std::string code;
    Concept meaning;
    std::string unit;
    bool from_site_map;
  };
  std::vector<Entry> entries() const;

 private:
  const CodeMatch* find_code(std::string_view system, std::string_view code) const;
  // Distinct concepts named in `text`, in order of first appearance.
  std::vector<Concept> names_in(std::string_view text) const;

  // System and code, looked up as views: one lookup per charted coding,
  // which must neither copy both strings nor compare long system URLs along
  // a tree.
  struct CodeKey {
    using is_transparent = void;
    using View = std::pair<std::string_view, std::string_view>;
    static View view(const std::pair<std::string, std::string>& key) { return {key.first, key.second}; }
    static View view(const View& key) { return key; }
    static std::size_t hash(View key);
    template <typename K>
    std::size_t operator()(const K& key) const { return hash(view(key)); }
    // Codes first: they are short and tell most pairs apart.
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const View x = view(a), y = view(b);
      return x.second == y.second && x.first == y.first;
    }
  };
  std::unordered_map<std::pair<std::string, std::string>, CodeMatch, CodeKey, CodeKey> codes_;
  std::vector<std::pair<std::string, Concept>> names_;  // lower-case name -> concept
  std::vector<Entry> builtin_entries_;
  std::vector<Entry> site_entries_;
  std::vector<std::string> site_map_names_;  // parallel to site_entries_: which file added it
};

}  // namespace fhir
