// The built-in terminology: what every concept is, and which standard codes and
// drug names mean it. Every standard code here was checked against a public
// source (listed per code in docs/terminology.md); a code that could not be
// checked is left out rather than remembered.

#include <array>
#include <cstddef>

#include "fhir/terminology.h"

namespace fhir {
namespace {

using K = ConceptKind;
using C = Concept;

// Measurement limits reject physiologically impossible values (a typo, a
// value in the wrong unit, a device artefact), never merely abnormal ones: a
// temperature of 41 Cel or a sodium of 115 mmol/L must still reach the rules.
// Score limits are the scale's own range.
constexpr ConceptInfo kConcepts[] = {
    {C::unknown, "", "Unknown", K::none, "", 0, 0, 0, 0},

    {C::body_temperature, "body-temperature", "Body temperature", K::measurement, "Cel", 25, 44, 0, 0},
    {C::systolic_bp, "systolic-bp", "Systolic blood pressure", K::measurement, "mm[Hg]", 30, 300, 0, 0},
    {C::diastolic_bp, "diastolic-bp", "Diastolic blood pressure", K::measurement, "mm[Hg]", 10, 200, 0, 0},
    {C::mean_bp, "mean-bp", "Mean arterial pressure", K::measurement, "mm[Hg]", 20, 250, 0, 0},
    // A panel carries no value of its own: its components are the measurements.
    {C::bp_panel, "bp-panel", "Blood pressure panel", K::none, "", 0, 0, 0, 0},
    {C::heart_rate, "heart-rate", "Heart rate", K::measurement, "/min", 10, 300, 0, 0},
    {C::respiratory_rate, "respiratory-rate", "Respiratory rate", K::measurement, "/min", 2, 80, 0, 0},
    {C::spo2, "spo2", "Oxygen saturation (SpO2)", K::measurement, "%", 30, 100, 0, 0},
    {C::o2_flow_rate, "o2-flow-rate", "Inhaled oxygen flow rate", K::measurement, "L/min", 0, 80, 0, 0},
    {C::fio2, "fio2", "Inhaled oxygen concentration (FiO2)", K::measurement, "%", 21, 100, 0, 0},
    {C::body_weight, "body-weight", "Body weight", K::measurement, "kg", 0.3, 500, 0, 0},
    {C::sodium, "sodium", "Sodium", K::measurement, "mmol/L", 90, 200, 22.99, 1},
    {C::glucose, "glucose", "Glucose", K::measurement, "mg/dL", 10, 2000, 180.156, 0},
    {C::creatinine, "creatinine", "Creatinine", K::measurement, "mg/dL", 0.05, 30, 113.12, 0},
    {C::platelets, "platelets", "Platelet count", K::measurement, "10*3/uL", 0, 2000, 0, 0},
    {C::inr, "inr", "INR", K::measurement, "{INR}", 0.5, 15, 0, 0},
    {C::crp, "crp", "C-reactive protein", K::measurement, "mg/L", 0, 1000, 0, 0},
    {C::ferritin, "ferritin", "Ferritin", K::measurement, "ng/mL", 0, 200000, 0, 0},

    {C::ice_total, "ice-total", "ICE score (total)", K::assessment_item, "{score}", 0, 10, 0, 0},
    {C::ice_orientation_year, "ice-orientation-year", "ICE: orientation to year", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_orientation_month, "ice-orientation-month", "ICE: orientation to month", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_orientation_city, "ice-orientation-city", "ICE: orientation to city", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_orientation_hospital, "ice-orientation-hospital", "ICE: orientation to hospital", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_naming, "ice-naming", "ICE: naming three objects", K::assessment_item, "{score}", 0, 3, 0, 0},
    {C::ice_commands, "ice-commands", "ICE: following simple commands", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_writing, "ice-writing", "ICE: writing a standard sentence", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_attention, "ice-attention", "ICE: attention (counting backwards from 100 by 10)", K::assessment_item, "{score}", 0, 1, 0, 0},
    {C::ice_not_assessable, "ice-not-assessable", "ICE not assessable", K::finding, "", 0, 0, 0, 0},

    {C::capd_total, "capd-total", "CAPD score (total)", K::assessment_item, "{score}", 0, 32, 0, 0},
    {C::capd_item_1, "capd-item-1", "CAPD item 1: makes eye contact with caregiver", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_2, "capd-item-2", "CAPD item 2: actions are purposeful", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_3, "capd-item-3", "CAPD item 3: aware of surroundings", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_4, "capd-item-4", "CAPD item 4: communicates needs and wants", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_5, "capd-item-5", "CAPD item 5: restless", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_6, "capd-item-6", "CAPD item 6: inconsolable", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_7, "capd-item-7", "CAPD item 7: underactive, very little movement while awake", K::assessment_item, "{score}", 0, 4, 0, 0},
    {C::capd_item_8, "capd-item-8", "CAPD item 8: takes a long time to respond to interactions", K::assessment_item, "{score}", 0, 4, 0, 0},

    {C::level_of_consciousness, "level-of-consciousness", "Level of consciousness", K::finding, "", 0, 0, 0, 0},
    {C::seizure, "seizure", "Seizure", K::finding, "", 0, 0, 0, 0},
    {C::motor_finding, "motor-finding", "Motor finding", K::finding, "", 0, 0, 0, 0},
    {C::icp_finding, "icp-finding", "Raised intracranial pressure / cerebral edema", K::finding, "", 0, 0, 0, 0},
    {C::tremor, "tremor", "Tremor", K::finding, "", 0, 0, 0, 0},
    {C::myoclonus, "myoclonus", "Myoclonus", K::finding, "", 0, 0, 0, 0},
    {C::intracranial_hemorrhage, "intracranial-hemorrhage", "Intracranial hemorrhage", K::finding, "", 0, 0, 0, 0},

    {C::oxygen_delivery, "oxygen-delivery", "Oxygen delivery device", K::finding, "", 0, 0, 0, 0},
    {C::oxygen_purpose, "oxygen-purpose", "Purpose of supplemental oxygen", K::finding, "", 0, 0, 0, 0},

    {C::attribution, "attribution", "Attribution to a cause other than ICANS or CRS", K::finding, "", 0, 0, 0, 0},
    {C::developmental_delay, "developmental-delay", "Developmental delay", K::finding, "", 0, 0, 0, 0},

    {C::ice_na_unarousable, "ice-na-unarousable", "ICE not assessable: patient unarousable", K::answer, "", 0, 0, 0, 0},
    {C::ice_na_intubated_sedated, "ice-na-intubated-sedated", "ICE not assessable: intubated or sedated", K::answer, "", 0, 0, 0, 0},
    {C::ice_na_other, "ice-na-other", "ICE not assessable: other reason", K::answer, "", 0, 0, 0, 0},
    {C::loc_awakens_spontaneously, "loc-awakens-spontaneously", "Awakens spontaneously", K::answer, "", 0, 0, 0, 0},
    {C::loc_awakens_to_voice, "loc-awakens-to-voice", "Awakens to voice", K::answer, "", 0, 0, 0, 0},
    {C::loc_awakens_to_tactile, "loc-awakens-to-tactile", "Awakens only to tactile stimulus", K::answer, "", 0, 0, 0, 0},
    {C::loc_unarousable, "loc-unarousable", "Unarousable, or needs vigorous or repetitive tactile stimuli to arouse (stupor or coma)", K::answer, "", 0, 0, 0, 0},
    {C::seizure_none, "seizure-none", "No seizure", K::answer, "", 0, 0, 0, 0},
    {C::seizure_rapidly_resolving, "seizure-rapidly-resolving", "Seizure that resolves rapidly, or nonconvulsive seizure on EEG that resolves with intervention", K::answer, "", 0, 0, 0, 0},
    {C::seizure_prolonged_or_repetitive, "seizure-prolonged-or-repetitive", "Prolonged seizure (over 5 minutes), or repetitive seizures without return to baseline in between", K::answer, "", 0, 0, 0, 0},
    {C::motor_none, "motor-none", "No focal motor weakness", K::answer, "", 0, 0, 0, 0},
    {C::motor_deep_focal_weakness, "motor-deep-focal-weakness", "Deep focal motor weakness (such as hemiparesis or paraparesis)", K::answer, "", 0, 0, 0, 0},
    {C::icp_none, "icp-none", "No sign of raised intracranial pressure or cerebral edema", K::answer, "", 0, 0, 0, 0},
    {C::icp_focal_edema, "icp-focal-edema", "Focal or local cerebral edema on neuroimaging", K::answer, "", 0, 0, 0, 0},
    {C::icp_edema_unspecified, "icp-edema-unspecified", "Cerebral edema, extent not stated", K::answer, "", 0, 0, 0, 0},
    {C::icp_diffuse_edema, "icp-diffuse-edema", "Diffuse cerebral edema on neuroimaging", K::answer, "", 0, 0, 0, 0},
    {C::icp_posturing, "icp-posturing", "Decerebrate or decorticate posturing", K::answer, "", 0, 0, 0, 0},
    {C::icp_cranial_nerve_vi_palsy, "icp-cranial-nerve-vi-palsy", "Cranial nerve VI (abducens) palsy", K::answer, "", 0, 0, 0, 0},
    {C::icp_papilledema, "icp-papilledema", "Papilledema", K::answer, "", 0, 0, 0, 0},
    {C::icp_cushings_triad, "icp-cushings-triad", "Cushing's triad", K::answer, "", 0, 0, 0, 0},
    {C::o2_room_air, "o2-room-air", "Room air (no supplemental oxygen)", K::answer, "", 0, 0, 0, 0},
    {C::o2_low_flow_nasal_cannula, "o2-low-flow-nasal-cannula", "Nasal cannula (low-flow)", K::answer, "", 0, 0, 0, 0},
    {C::o2_blow_by, "o2-blow-by", "Blow-by oxygen", K::answer, "", 0, 0, 0, 0},
    {C::o2_high_flow_nasal_cannula, "o2-high-flow-nasal-cannula", "High-flow nasal cannula", K::answer, "", 0, 0, 0, 0},
    {C::o2_facemask, "o2-facemask", "Oxygen face mask", K::answer, "", 0, 0, 0, 0},
    {C::o2_non_rebreather, "o2-non-rebreather", "Non-rebreather mask", K::answer, "", 0, 0, 0, 0},
    {C::o2_venturi, "o2-venturi", "Venturi mask", K::answer, "", 0, 0, 0, 0},
    {C::o2_cpap, "o2-cpap", "Continuous positive airway pressure (CPAP)", K::answer, "", 0, 0, 0, 0},
    {C::o2_bipap, "o2-bipap", "Bilevel positive airway pressure (BiPAP)", K::answer, "", 0, 0, 0, 0},
    {C::o2_mechanical_ventilation, "o2-mechanical-ventilation", "Invasive mechanical ventilation", K::answer, "", 0, 0, 0, 0},
    {C::comfort_only, "comfort-only", "Oxygen for comfort only", K::answer, "", 0, 0, 0, 0},
    {C::attributable_other_cause, "attributable-other-cause", "Attributable to another cause", K::answer, "", 0, 0, 0, 0},
    {C::not_attributable_other_cause, "not-attributable-other-cause", "Not attributable to another cause", K::answer, "", 0, 0, 0, 0},

    {C::dexamethasone, "dexamethasone", "Dexamethasone", K::drug, "", 0, 0, 0, 0},
    {C::methylprednisolone, "methylprednisolone", "Methylprednisolone", K::drug, "", 0, 0, 0, 0},
    {C::hydrocortisone, "hydrocortisone", "Hydrocortisone", K::drug, "", 0, 0, 0, 0},
    {C::prednisone, "prednisone", "Prednisone", K::drug, "", 0, 0, 0, 0},
    {C::levetiracetam, "levetiracetam", "Levetiracetam", K::drug, "", 0, 0, 0, 0},
    {C::tocilizumab, "tocilizumab", "Tocilizumab", K::drug, "", 0, 0, 0, 0},
    {C::anakinra, "anakinra", "Anakinra", K::drug, "", 0, 0, 0, 0},
    {C::siltuximab, "siltuximab", "Siltuximab", K::drug, "", 0, 0, 0, 0},
    {C::lorazepam, "lorazepam", "Lorazepam", K::drug, "", 0, 0, 0, 0},
    {C::norepinephrine, "norepinephrine", "Norepinephrine", K::drug, "", 0, 0, 0, 0},
    {C::epinephrine, "epinephrine", "Epinephrine", K::drug, "", 0, 0, 0, 0},
    {C::phenylephrine, "phenylephrine", "Phenylephrine", K::drug, "", 0, 0, 0, 0},
    {C::dopamine, "dopamine", "Dopamine", K::drug, "", 0, 0, 0, 0},
    {C::vasopressin, "vasopressin", "Vasopressin", K::drug, "", 0, 0, 0, 0},
    {C::acetaminophen, "acetaminophen", "Acetaminophen", K::drug, "", 0, 0, 0, 0},
    {C::ibuprofen, "ibuprofen", "Ibuprofen", K::drug, "", 0, 0, 0, 0},
    {C::propofol, "propofol", "Propofol", K::drug, "", 0, 0, 0, 0},
    {C::midazolam, "midazolam", "Midazolam", K::drug, "", 0, 0, 0, 0},
    {C::dexmedetomidine, "dexmedetomidine", "Dexmedetomidine", K::drug, "", 0, 0, 0, 0},

    {C::axicabtagene_ciloleucel, "axicabtagene-ciloleucel", "Axicabtagene ciloleucel", K::car_t, "", 0, 0, 0, 0},
    {C::brexucabtagene_autoleucel, "brexucabtagene-autoleucel", "Brexucabtagene autoleucel", K::car_t, "", 0, 0, 0, 0},
    {C::tisagenlecleucel, "tisagenlecleucel", "Tisagenlecleucel", K::car_t, "", 0, 0, 0, 0},
    {C::lisocabtagene_maraleucel, "lisocabtagene-maraleucel", "Lisocabtagene maraleucel", K::car_t, "", 0, 0, 0, 0},
    {C::idecabtagene_vicleucel, "idecabtagene-vicleucel", "Idecabtagene vicleucel", K::car_t, "", 0, 0, 0, 0},
    {C::ciltacabtagene_autoleucel, "ciltacabtagene-autoleucel", "Ciltacabtagene autoleucel", K::car_t, "", 0, 0, 0, 0},
    {C::obecabtagene_autoleucel, "obecabtagene-autoleucel", "Obecabtagene autoleucel", K::car_t, "", 0, 0, 0, 0},
    {C::car_t_unspecified, "car-t-unspecified", "CAR-T cell infusion, product not stated", K::car_t, "", 0, 0, 0, 0},
    {C::blinatumomab, "blinatumomab", "Blinatumomab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::teclistamab, "teclistamab", "Teclistamab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::talquetamab, "talquetamab", "Talquetamab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::elranatamab, "elranatamab", "Elranatamab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::epcoritamab, "epcoritamab", "Epcoritamab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::glofitamab, "glofitamab", "Glofitamab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::mosunetuzumab, "mosunetuzumab", "Mosunetuzumab", K::t_cell_engager, "", 0, 0, 0, 0},
    {C::tarlatamab, "tarlatamab", "Tarlatamab", K::t_cell_engager, "", 0, 0, 0, 0},

    {C::mri_brain, "mri-brain", "MRI of the brain", K::service, "", 0, 0, 0, 0},
    {C::ct_head, "ct-head", "CT of the head", K::service, "", 0, 0, 0, 0},
    {C::eeg, "eeg", "Electroencephalogram (EEG)", K::service, "", 0, 0, 0, 0},
    {C::neurology_consult, "neurology-consult", "Neurology consultation", K::service, "", 0, 0, 0, 0},
    {C::fundoscopy, "fundoscopy", "Fundoscopy (ophthalmoscopy)", K::service, "", 0, 0, 0, 0},
    {C::lumbar_puncture, "lumbar-puncture", "Lumbar puncture", K::service, "", 0, 0, 0, 0},
    {C::icu_transfer, "icu-transfer", "Transfer to intensive care", K::service, "", 0, 0, 0, 0},
};

// The table is indexed by the enum: a concept added to the enum without its
// row (or rows out of order) must not compile.
constexpr bool table_follows_enum() {
  if (std::size(kConcepts) != static_cast<std::size_t>(Concept::kCount)) return false;
  for (std::size_t i = 0; i < std::size(kConcepts); ++i) {
    if (static_cast<std::size_t>(kConcepts[i].id) != i) return false;
  }
  return true;
}
static_assert(table_follows_enum(), "kConcepts must list every Concept in enum order");

struct BuiltinCode {
  std::string_view system;
  std::string_view code;
  Concept meaning;
};

// Standard codes. Sources for each are in docs/terminology.md.
constexpr BuiltinCode kStandardCodes[] = {
    // LOINC vital signs (FHIR R4 vital signs value set and profiles).
    {kLoinc, "8310-5", C::body_temperature},
    {kLoinc, "8331-1", C::body_temperature},  // oral temperature
    {kLoinc, "8480-6", C::systolic_bp},
    {kLoinc, "8462-4", C::diastolic_bp},
    {kLoinc, "8478-0", C::mean_bp},
    {kLoinc, "85354-9", C::bp_panel},
    {kLoinc, "8867-4", C::heart_rate},
    {kLoinc, "9279-1", C::respiratory_rate},
    {kLoinc, "59408-5", C::spo2},
    {kLoinc, "2708-6", C::spo2},
    {kLoinc, "3151-8", C::o2_flow_rate},
    {kLoinc, "3150-0", C::fio2},
    {kLoinc, "29463-7", C::body_weight},
    {kLoinc, "3141-9", C::body_weight},  // measured
    // LOINC laboratory.
    {kLoinc, "2951-2", C::sodium},   // serum or plasma
    {kLoinc, "2947-0", C::sodium},   // blood
    {kLoinc, "2345-7", C::glucose},  // serum or plasma
    {kLoinc, "2339-0", C::glucose},  // blood
    {kLoinc, "2160-0", C::creatinine},
    {kLoinc, "777-3", C::platelets},    // automated count
    {kLoinc, "26515-7", C::platelets},  // method not stated
    {kLoinc, "6301-6", C::inr},
    {kLoinc, "1988-5", C::crp},
    {kLoinc, "2276-4", C::ferritin},
    {kLoinc, "20567-4", C::ferritin},  // immunoassay

    // RxNorm ingredients.
    {kRxNorm, "3264", C::dexamethasone},
    {kRxNorm, "6902", C::methylprednisolone},
    {kRxNorm, "5492", C::hydrocortisone},
    {kRxNorm, "8640", C::prednisone},
    {kRxNorm, "114477", C::levetiracetam},
    {kRxNorm, "612865", C::tocilizumab},
    {kRxNorm, "72435", C::anakinra},
    {kRxNorm, "1535218", C::siltuximab},
    {kRxNorm, "6470", C::lorazepam},
    {kRxNorm, "7512", C::norepinephrine},
    {kRxNorm, "3992", C::epinephrine},
    {kRxNorm, "8163", C::phenylephrine},
    {kRxNorm, "3628", C::dopamine},
    {kRxNorm, "11149", C::vasopressin},
    {kRxNorm, "161", C::acetaminophen},
    {kRxNorm, "5640", C::ibuprofen},
    {kRxNorm, "8782", C::propofol},
    {kRxNorm, "6960", C::midazolam},
    {kRxNorm, "48937", C::dexmedetomidine},

    // RxNorm clinical and branded drugs whose only active ingredient is the
    // concept (openFDA NDC listings; the HL7 PDDI CDS methylprednisolone value set).
    {kRxNorm, "309696", C::dexamethasone},
    {kRxNorm, "1116927", C::dexamethasone},
    {kRxNorm, "1812194", C::dexamethasone},
    {kRxNorm, "1812079", C::dexamethasone},
    {kRxNorm, "2099700", C::dexamethasone},
    {kRxNorm, "311659", C::methylprednisolone},   // 40 MG Injection
    {kRxNorm, "1743704", C::methylprednisolone},  // 125 MG Injection
    {kRxNorm, "1743720", C::methylprednisolone},  // 500 MG Injection
    {kRxNorm, "1743726", C::methylprednisolone},  // 1000 MG Injection
    {kRxNorm, "314099", C::methylprednisolone},   // 62.5 MG/ML Injectable Solution
    {kRxNorm, "207191", C::methylprednisolone},   // 40 MG Injection [Solu-Medrol]
    {kRxNorm, "1743707", C::methylprednisolone},  // 125 MG Injection [Solu-Medrol]
    {kRxNorm, "1743722", C::methylprednisolone},  // 500 MG Injection [Solu-Medrol]
    {kRxNorm, "1743729", C::methylprednisolone},  // 1000 MG Injection [Solu-Medrol]
    {kRxNorm, "647121", C::levetiracetam},        // 500 mg/5 mL injection
    {kRxNorm, "1193358", C::levetiracetam},       // premixed infusion bags
    {kRxNorm, "1193360", C::levetiracetam},
    {kRxNorm, "1193362", C::levetiracetam},
    {kRxNorm, "1441527", C::tocilizumab},  // Actemra (NDC 50242-136)
    {kRxNorm, "1441530", C::tocilizumab},
    {kRxNorm, "1657974", C::tocilizumab},
    {kRxNorm, "1657976", C::tocilizumab},
    {kRxNorm, "1657979", C::tocilizumab},
    {kRxNorm, "1657980", C::tocilizumab},
    {kRxNorm, "1657981", C::tocilizumab},
    {kRxNorm, "1657982", C::tocilizumab},
    {kRxNorm, "2106073", C::tocilizumab},
    {kRxNorm, "2106075", C::tocilizumab},
    {kRxNorm, "2680287", C::tocilizumab},  // Tofidence
    {kRxNorm, "2680294", C::tocilizumab},
    {kRxNorm, "2680296", C::tocilizumab},
    {kRxNorm, "2680297", C::tocilizumab},
    {kRxNorm, "2680298", C::tocilizumab},
    {kRxNorm, "2680299", C::tocilizumab},
    {kRxNorm, "2686045", C::tocilizumab},  // Tyenne
    {kRxNorm, "2686050", C::tocilizumab},
    {kRxNorm, "2686053", C::tocilizumab},
    {kRxNorm, "2686057", C::tocilizumab},
    {kRxNorm, "238100", C::lorazepam},     // 2 mg/mL injection
    {kRxNorm, "311376", C::lorazepam},     // 2 mg/mL oral concentrate
    {kRxNorm, "242969", C::norepinephrine},  // 1 mg/mL injection

    // RxNorm cell therapy and T-cell engager products (openFDA NDC listings).
    {kRxNorm, "1987402", C::axicabtagene_ciloleucel},  // Yescarta
    {kRxNorm, "1987407", C::axicabtagene_ciloleucel},
    {kRxNorm, "2387347", C::brexucabtagene_autoleucel},  // Tecartus
    {kRxNorm, "2387352", C::brexucabtagene_autoleucel},
    {kRxNorm, "2572002", C::brexucabtagene_autoleucel},
    {kRxNorm, "2572005", C::brexucabtagene_autoleucel},
    {kRxNorm, "2479140", C::lisocabtagene_maraleucel},  // Breyanzi
    {kRxNorm, "2479145", C::lisocabtagene_maraleucel},
    {kRxNorm, "2594780", C::ciltacabtagene_autoleucel},  // Carvykti
    {kRxNorm, "2700168", C::obecabtagene_autoleucel},    // Aucatzyl
    {kRxNorm, "2700173", C::obecabtagene_autoleucel},
    {kRxNorm, "2700174", C::obecabtagene_autoleucel},
    {kRxNorm, "2700175", C::obecabtagene_autoleucel},
    {kRxNorm, "1597262", C::blinatumomab},  // Blincyto
    {kRxNorm, "1597267", C::blinatumomab},
    {kRxNorm, "2619432", C::teclistamab},  // Tecvayli
    {kRxNorm, "2619438", C::teclistamab},
    {kRxNorm, "2619441", C::teclistamab},
    {kRxNorm, "2619444", C::teclistamab},
    {kRxNorm, "2637399", C::epcoritamab},  // Epkinly
    {kRxNorm, "2637405", C::epcoritamab},
    {kRxNorm, "2637408", C::epcoritamab},
    {kRxNorm, "2637411", C::epcoritamab},
    {kRxNorm, "2639786", C::glofitamab},  // Columvi
    {kRxNorm, "2639792", C::glofitamab},
    {kRxNorm, "2639794", C::glofitamab},
    {kRxNorm, "2639795", C::glofitamab},
    {kRxNorm, "2729433", C::mosunetuzumab},  // Lunsumio Velo
    {kRxNorm, "2729436", C::mosunetuzumab},
    {kRxNorm, "2729439", C::mosunetuzumab},
    {kRxNorm, "2729442", C::mosunetuzumab},

    // SNOMED CT findings. A plain seizure says nothing of its duration, so it
    // is the finding, not an answer; status epilepticus is the prolonged kind.
    {kSnomed, "91175000", C::seizure},
    {kSnomed, "230456007", C::seizure_prolonged_or_repetitive},
    {kSnomed, "423341008", C::icp_papilledema},  // optic disc edema
    {kSnomed, "50582007", C::motor_deep_focal_weakness},  // hemiplegia
    {kSnomed, "26079004", C::tremor},
    {kSnomed, "17450006", C::myoclonus},
    {kSnomed, "274100004", C::intracranial_hemorrhage},  // cerebral hemorrhage

    // SNOMED CT oxygen delivery (answers to oxygen-delivery).
    {kSnomed, "722742002", C::o2_room_air},                 // breathing room air
    {kSnomed, "336623009", C::o2_low_flow_nasal_cannula},   // oxygen nasal cannula
    {kSnomed, "426854004", C::o2_high_flow_nasal_cannula},  // high flow oxygen nasal cannula
    {kSnomed, "425478008", C::o2_blow_by},                  // blow by oxygen mask
    {kSnomed, "336602003", C::o2_facemask},                 // oxygen mask
    {kSnomed, "463587004", C::o2_facemask},                 // rebreathing (simple) oxygen face mask
    {kSnomed, "464233000", C::o2_facemask},                 // partial-rebreathing oxygen face mask
    {kSnomed, "427591007", C::o2_non_rebreather},           // nonrebreather oxygen mask
    {kSnomed, "428285009", C::o2_venturi},                  // Venturi mask
    {kSnomed, "465433006", C::o2_venturi},                  // Venturi oxygen face mask
    {kSnomed, "47545007", C::o2_cpap},                      // CPAP ventilation treatment
    {kSnomed, "243142003", C::o2_bipap},                    // dual pressure spontaneous ventilation support
    {kSnomed, "706172005", C::o2_mechanical_ventilation},   // ventilator
    {kSnomed, "243147009", C::o2_mechanical_ventilation},   // controlled ventilation

    // SNOMED CT work-up procedures.
    {kSnomed, "816077007", C::mri_brain},
    {kSnomed, "303653007", C::ct_head},
    {kSnomed, "54550000", C::eeg},
    {kSnomed, "53524009", C::fundoscopy},
    {kSnomed, "277762005", C::lumbar_puncture},
    {kSnomed, "305351004", C::icu_transfer},
};

// Drug and cell-therapy names, lower case. Matched as whole words, so a
// biosimilar suffix ("tocilizumab-anoh") still names the ingredient and
// "epinephrine" is not found inside "norepinephrine". Class words ("CAR-T",
// "steroid") are deliberately absent: an order text such as "dexamethasone for
// CAR-T neurotoxicity" must still name exactly one drug.
struct Name {
  std::string_view text;
  Concept meaning;
};

constexpr Name kNames[] = {
    {"dexamethasone", C::dexamethasone},
    {"decadron", C::dexamethasone},
    {"methylprednisolone", C::methylprednisolone},
    {"solu-medrol", C::methylprednisolone},
    {"solumedrol", C::methylprednisolone},
    {"medrol", C::methylprednisolone},
    {"hydrocortisone", C::hydrocortisone},
    {"solu-cortef", C::hydrocortisone},
    {"cortef", C::hydrocortisone},
    {"prednisone", C::prednisone},
    {"deltasone", C::prednisone},
    {"levetiracetam", C::levetiracetam},
    {"keppra", C::levetiracetam},
    {"tocilizumab", C::tocilizumab},
    {"actemra", C::tocilizumab},
    {"roactemra", C::tocilizumab},
    {"tofidence", C::tocilizumab},
    {"tyenne", C::tocilizumab},
    {"avtozma", C::tocilizumab},
    {"anakinra", C::anakinra},
    {"kineret", C::anakinra},
    {"siltuximab", C::siltuximab},
    {"sylvant", C::siltuximab},
    {"lorazepam", C::lorazepam},
    {"ativan", C::lorazepam},
    {"norepinephrine", C::norepinephrine},
    {"noradrenaline", C::norepinephrine},
    {"levophed", C::norepinephrine},
    {"epinephrine", C::epinephrine},
    {"adrenaline", C::epinephrine},
    {"phenylephrine", C::phenylephrine},
    {"neo-synephrine", C::phenylephrine},
    {"dopamine", C::dopamine},
    {"vasopressin", C::vasopressin},
    {"vasostrict", C::vasopressin},
    {"acetaminophen", C::acetaminophen},
    {"paracetamol", C::acetaminophen},
    {"tylenol", C::acetaminophen},
    {"ofirmev", C::acetaminophen},
    {"ibuprofen", C::ibuprofen},
    {"advil", C::ibuprofen},
    {"motrin", C::ibuprofen},
    {"propofol", C::propofol},
    {"diprivan", C::propofol},
    {"midazolam", C::midazolam},
    {"versed", C::midazolam},
    {"dexmedetomidine", C::dexmedetomidine},
    {"precedex", C::dexmedetomidine},

    {"axicabtagene ciloleucel", C::axicabtagene_ciloleucel},
    {"yescarta", C::axicabtagene_ciloleucel},
    {"axi-cel", C::axicabtagene_ciloleucel},
    {"brexucabtagene autoleucel", C::brexucabtagene_autoleucel},
    {"tecartus", C::brexucabtagene_autoleucel},
    {"brexu-cel", C::brexucabtagene_autoleucel},
    {"tisagenlecleucel", C::tisagenlecleucel},
    {"kymriah", C::tisagenlecleucel},
    {"tisa-cel", C::tisagenlecleucel},
    {"lisocabtagene maraleucel", C::lisocabtagene_maraleucel},
    {"breyanzi", C::lisocabtagene_maraleucel},
    {"liso-cel", C::lisocabtagene_maraleucel},
    {"idecabtagene vicleucel", C::idecabtagene_vicleucel},
    {"abecma", C::idecabtagene_vicleucel},
    {"ide-cel", C::idecabtagene_vicleucel},
    {"ciltacabtagene autoleucel", C::ciltacabtagene_autoleucel},
    {"carvykti", C::ciltacabtagene_autoleucel},
    {"cilta-cel", C::ciltacabtagene_autoleucel},
    {"obecabtagene autoleucel", C::obecabtagene_autoleucel},
    {"aucatzyl", C::obecabtagene_autoleucel},
    {"obe-cel", C::obecabtagene_autoleucel},

    {"blinatumomab", C::blinatumomab},
    {"blincyto", C::blinatumomab},
    {"teclistamab", C::teclistamab},
    {"tecvayli", C::teclistamab},
    {"talquetamab", C::talquetamab},
    {"talvey", C::talquetamab},
    {"elranatamab", C::elranatamab},
    {"elrexfio", C::elranatamab},
    {"epcoritamab", C::epcoritamab},
    {"epkinly", C::epcoritamab},
    {"glofitamab", C::glofitamab},
    {"columvi", C::glofitamab},
    {"mosunetuzumab", C::mosunetuzumab},
    {"lunsumio", C::mosunetuzumab},
    {"tarlatamab", C::tarlatamab},
    {"imdelltra", C::tarlatamab},
};

}  // namespace

const ConceptInfo& concept_info(Concept c) {
  const auto index = static_cast<std::size_t>(c);
  if (index >= std::size(kConcepts)) return kConcepts[0];
  return kConcepts[index];
}

std::string_view concept_code(Concept c) { return concept_info(c).code; }

std::optional<Concept> concept_from_code(std::string_view code) {
  if (code.empty()) return std::nullopt;
  for (const ConceptInfo& info : kConcepts) {
    if (info.code == code) return info.id;
  }
  return std::nullopt;
}

bool is_corticosteroid(Concept c) {
  return c == C::dexamethasone || c == C::methylprednisolone || c == C::hydrocortisone ||
         c == C::prednisone;
}

bool is_vasopressor(Concept c) {
  return c == C::norepinephrine || c == C::epinephrine || c == C::phenylephrine ||
         c == C::dopamine || c == C::vasopressin;
}

bool is_sedative(Concept c) {
  return c == C::propofol || c == C::midazolam || c == C::dexmedetomidine || c == C::lorazepam;
}

bool is_antipyretic_or_anticytokine(Concept c) {
  return c == C::acetaminophen || c == C::ibuprofen || c == C::tocilizumab ||
         c == C::siltuximab || c == C::anakinra || is_corticosteroid(c);
}

bool is_immune_effector_cell_therapy(Concept c) {
  const ConceptKind kind = concept_info(c).kind;
  return kind == ConceptKind::car_t || kind == ConceptKind::t_cell_engager;
}

Terminology::Terminology() {
  // Every project code is its own coding in the project CodeSystem.
  for (const ConceptInfo& info : kConcepts) {
    if (info.code.empty()) continue;
    builtin_entries_.push_back({std::string(kProjectSystem), std::string(info.code), info.id, {}, false});
  }
  for (const BuiltinCode& row : kStandardCodes) {
    builtin_entries_.push_back({std::string(row.system), std::string(row.code), row.meaning, {}, false});
  }
  for (const Entry& entry : builtin_entries_) {
    codes_[{entry.system, entry.code}] = CodeMatch{entry.meaning, {}, false};
  }
  for (const Name& name : kNames) names_.emplace_back(std::string(name.text), name.meaning);
}

}  // namespace fhir
