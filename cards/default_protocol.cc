// The shipped protocol, compiled in so the program runs without its data
// files. This text must equal cards/default_protocol.json byte for byte
// (tests/unit/protocol_test.cc checks it): edit the JSON file, then paste it
// between the raw-string markers below.

#include <string_view>

#include "cards/protocol.h"

namespace icans {
namespace {

// One literal keeps the embedded text identical to the file; GCC's pedantic
// limit on literal length (4095) is a portability note for old compilers, not
// a problem for the C++20 compilers this project builds with.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
constexpr std::string_view kDefaultProtocolJson = R"json(
{
  "format_version": 1,
  "name": "icans-cds default protocol",
  "version": "1.0.0",
  "publisher": "icans-cds project",
  "date": "2026-11-21",
  "documentation_url": "https://icans-cds.github.io/docs/clinical-rules.md",
  "sources": {
    "astct-2019": "Lee DW, Santomasso BD, Locke FL, et al. ASTCT consensus grading for cytokine release syndrome and neurologic toxicity associated with immune effector cells. Biol Blood Marrow Transplant 2019;25:625-638.",
    "asco-2021": "Santomasso BD, Nastoupil LJ, Adkins S, et al. Management of immune-related adverse events in patients treated with chimeric antigen receptor T-cell therapy: ASCO guideline. J Clin Oncol 2021;39:3978-3992.",
    "cartox-2018": "Neelapu SS, Tummala S, Kebriaei P, et al. Chimeric antigen receptor T-cell therapy - assessment and management of toxicities. Nat Rev Clin Oncol 2018;15:47-62.",
    "nccn-cart": "NCCN Clinical Practice Guidelines in Oncology: Management of CAR T-cell-related toxicities, CART-9 (treatment of neurotoxicity by grade, with and without concurrent CRS), version 2.2026.",
    "actemra-uspi": "ACTEMRA (tocilizumab) injection, US prescribing information, Genentech: dosage in cytokine release syndrome.",
    "yescarta-uspi": "YESCARTA (axicabtagene ciloleucel), US prescribing information, Kite Pharma: management of cytokine release syndrome and neurologic toxicities.",
    "tecartus-uspi": "TECARTUS (brexucabtagene autoleucel), US prescribing information, Kite Pharma: management of cytokine release syndrome and neurologic toxicities.",
    "breyanzi-uspi": "BREYANZI (lisocabtagene maraleucel), US prescribing information, Juno Therapeutics / Bristol-Myers Squibb: management of neurologic toxicities.",
    "abecma-uspi": "ABECMA (idecabtagene vicleucel), US prescribing information, Bristol-Myers Squibb: management of neurologic toxicities.",
    "kymriah-uspi": "KYMRIAH (tisagenlecleucel), US prescribing information, Novartis: management of cytokine release syndrome and neurologic toxicities.",
    "carvykti-uspi": "CARVYKTI (ciltacabtagene autoleucel), US prescribing information, Janssen: management of cytokine release syndrome and neurologic toxicities.",
    "keppra-uspi": "KEPPRA (levetiracetam), US prescribing information, UCB: dosage adjustments in adult patients with renal impairment.",
    "icd-10-cm": "ICD-10-CM (from fiscal year 2022): G92.0- immune effector cell-associated neurotoxicity syndrome, D89.83- cytokine release syndrome, T80.82- complication of immune effector cellular therapy.",
    "site-choice": "Choice of the icans-cds default protocol where the sources leave a number open; to be reviewed by each site."
  },
  "orderables": {
    "dexamethasone-iv": {
      "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
      "code": "3264",
      "display": "dexamethasone",
      "concept": "dexamethasone"
    },
    "methylprednisolone-iv": {
      "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
      "code": "6902",
      "display": "methylprednisolone",
      "concept": "methylprednisolone"
    },
    "levetiracetam-oral": {
      "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
      "code": "311290",
      "display": "levetiracetam 750 MG Oral Tablet",
      "concept": "levetiracetam"
    },
    "levetiracetam-iv": {
      "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
      "code": "114477",
      "display": "levetiracetam",
      "concept": "levetiracetam"
    },
    "tocilizumab-iv": {
      "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
      "code": "612865",
      "display": "tocilizumab",
      "concept": "tocilizumab"
    },
    "lorazepam-iv": {
      "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
      "code": "6470",
      "display": "lorazepam",
      "concept": "lorazepam"
    },
    "mri-brain": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "mri-brain",
      "display": "MRI brain with and without contrast",
      "concept": "mri-brain"
    },
    "ct-head": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "ct-head",
      "display": "CT head",
      "concept": "ct-head"
    },
    "eeg": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "eeg",
      "display": "Electroencephalogram (EEG)",
      "concept": "eeg"
    },
    "neurology-consult": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "neurology-consult",
      "display": "Neurology consultation",
      "concept": "neurology-consult"
    },
    "fundoscopy": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "fundoscopy",
      "display": "Fundoscopy for papilloedema",
      "concept": "fundoscopy"
    },
    "lumbar-puncture": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "lumbar-puncture",
      "display": "Lumbar puncture with opening pressure",
      "concept": "lumbar-puncture"
    },
    "icu-transfer": {
      "system": "https://icans-cds.github.io/fhir/CodeSystem/icans-cds",
      "code": "icu-transfer",
      "display": "Transfer to intensive care",
      "concept": "icu-transfer"
    }
  },
  "regimens": {
    "dexamethasone-10mg-iv-q6-12h": {
      "drug": "dexamethasone",
      "route": "intravenous",
      "dose_mg": 10,
      "every_hours_min": 6,
      "every_hours_max": 12,
      "max_doses_per_24h": 4,
      "orderable": "dexamethasone-iv",
      "instruction": "Dexamethasone 10 mg IV once, then reassess; repeat every 6-12 hours if there is no improvement.",
      "source": ["asco-2021", "nccn-cart"]
    },
    "dexamethasone-10mg-iv-q6h": {
      "drug": "dexamethasone",
      "route": "intravenous",
      "dose_mg": 10,
      "every_hours_min": 6,
      "every_hours_max": 6,
      "max_doses_per_24h": 4,
      "orderable": "dexamethasone-iv",
      "instruction": "Dexamethasone 10 mg IV every 6 hours until improvement to grade 1, then taper.",
      "source": ["asco-2021", "nccn-cart"]
    },
    "dexamethasone-10mg-iv-q12-24h-x2": {
      "drug": "dexamethasone",
      "route": "intravenous",
      "dose_mg": 10,
      "every_hours_min": 12,
      "every_hours_max": 24,
      "doses": 2,
      "max_doses_per_24h": 2,
      "max_doses_total": 2,
      "orderable": "dexamethasone-iv",
      "instruction": "Consider dexamethasone 10 mg IV every 12-24 hours for 2 doses, then reassess.",
      "source": ["breyanzi-uspi", "abecma-uspi"]
    },
    "dexamethasone-10mg-iv-once": {
      "drug": "dexamethasone",
      "route": "intravenous",
      "dose_mg": 10,
      "orderable": "dexamethasone-iv",
      "instruction": "Consider dexamethasone 10 mg IV once, then reassess.",
      "source": ["yescarta-uspi", "tecartus-uspi", "nccn-cart"]
    },
    "methylprednisolone-1000mg-iv-daily-x3": {
      "drug": "methylprednisolone",
      "route": "intravenous",
      "dose_mg": 1000,
      "every_hours_min": 24,
      "every_hours_max": 24,
      "doses": 3,
      "max_doses_per_24h": 1,
      "max_doses_total": 3,
      "orderable": "methylprednisolone-iv",
      "instruction": "Methylprednisolone 1000 mg IV once daily for 3 days, then taper.",
      "source": ["asco-2021", "nccn-cart"]
    },
    "methylprednisolone-250mg-iv-q12h-x4": {
      "drug": "methylprednisolone",
      "route": "intravenous",
      "dose_mg": 250,
      "every_hours_min": 12,
      "every_hours_max": 12,
      "doses": 4,
      "max_doses_per_24h": 2,
      "max_doses_total": 4,
      "orderable": "methylprednisolone-iv",
      "instruction": "Methylprednisolone 250 mg IV every 12 hours for 2 days.",
      "source": ["nccn-cart"]
    },
    "methylprednisolone-125mg-iv-q12h-x4": {
      "drug": "methylprednisolone",
      "route": "intravenous",
      "dose_mg": 125,
      "every_hours_min": 12,
      "every_hours_max": 12,
      "doses": 4,
      "max_doses_per_24h": 2,
      "max_doses_total": 4,
      "orderable": "methylprednisolone-iv",
      "instruction": "Methylprednisolone 125 mg IV every 12 hours for 2 days.",
      "source": ["nccn-cart"]
    },
    "methylprednisolone-60mg-iv-q12h-x4": {
      "drug": "methylprednisolone",
      "route": "intravenous",
      "dose_mg": 60,
      "every_hours_min": 12,
      "every_hours_max": 12,
      "doses": 4,
      "max_doses_per_24h": 2,
      "max_doses_total": 4,
      "orderable": "methylprednisolone-iv",
      "instruction": "Methylprednisolone 60 mg IV every 12 hours for 2 days.",
      "source": ["nccn-cart"]
    },
    "levetiracetam-750mg-oral-q12h": {
      "drug": "levetiracetam",
      "route": "oral",
      "dose_mg": 750,
      "every_hours_min": 12,
      "every_hours_max": 12,
      "max_doses_per_24h": 2,
      "orderable": "levetiracetam-oral",
      "instruction": "Levetiracetam 750 mg orally every 12 hours (the same dose IV if the patient cannot swallow safely).",
      "source": ["cartox-2018"]
    },
    "levetiracetam-500mg-iv-bolus": {
      "drug": "levetiracetam",
      "route": "intravenous",
      "dose_mg": 500,
      "orderable": "levetiracetam-iv",
      "instruction": "Levetiracetam 500 mg IV bolus.",
      "source": ["cartox-2018"]
    },
    "lorazepam-0.5mg-iv-q5min": {
      "drug": "lorazepam",
      "route": "intravenous",
      "dose_mg": 0.5,
      "every_minutes_min": 5,
      "every_minutes_max": 5,
      "max_doses_total": 4,
      "orderable": "lorazepam-iv",
      "instruction": "Lorazepam 0.5 mg IV, repeated every 5 minutes as needed up to 2 mg in total, to control electrographic seizures.",
      "source": ["cartox-2018"]
    },
    "tocilizumab-8mg-per-kg-iv": {
      "drug": "tocilizumab",
      "route": "intravenous",
      "dose_mg_per_kg": 8,
      "weight_bands": [{"below_kg": 30, "dose_mg_per_kg": 12}],
      "max_dose_mg": 800,
      "every_hours_min": 8,
      "every_hours_max": 8,
      "max_doses_per_24h": 3,
      "max_doses_total": 4,
      "orderable": "tocilizumab-iv",
      "instruction": "Tocilizumab 8 mg/kg IV over 1 hour (12 mg/kg under 30 kg), not more than 800 mg per dose. Repeat every 8 hours if there is no improvement: at most 3 doses in 24 hours and 4 in total.",
      "pediatric": {
        "dose_mg_per_kg": 8,
        "weight_bands": [{"below_kg": 30, "dose_mg_per_kg": 12}],
        "max_dose_mg": 800,
        "every_hours_min": 8,
        "every_hours_max": 8,
        "max_doses_per_24h": 3,
        "max_doses_total": 4,
        "instruction": "Tocilizumab 12 mg/kg IV over 1 hour if under 30 kg, 8 mg/kg from 30 kg, not more than 800 mg per dose (label: patients 2 years and older). Repeat every 8 hours if there is no improvement: at most 3 doses in 24 hours and 4 in total."
      },
      "source": ["actemra-uspi", "yescarta-uspi", "nccn-cart"]
    }
  },
  "icans_steroids": {
    "enabled": true,
    "source": ["asco-2021", "cartox-2018", "nccn-cart"],
    "grade_1": {
      "enabled": true,
      "regimen": null,
      "note": "Supportive care; no corticosteroids at grade 1 except the product exceptions below."
    },
    "grade_2": {
      "enabled": true,
      "regimen": "dexamethasone-10mg-iv-q6-12h",
      "note": "This is the grade2_steroids switch: on in this protocol. ASCO 2021 reserves corticosteroids at grade 2 for high-risk products or patients."
    },
    "grade_3": {
      "enabled": true,
      "regimen": "dexamethasone-10mg-iv-q6h",
      "note": "ICU-level care; dexamethasone 10 mg IV every 6 hours."
    },
    "grade_4": {
      "enabled": true,
      "regimen": "methylprednisolone-1000mg-iv-daily-x3",
      "note": "High-dose methylprednisolone; ICU care, consider airway protection."
    },
    "escalation_not_delayed_by_recent_dexamethasone": true,
    "grade_1_product_exceptions": [
      {
        "enabled": true,
        "products": ["lisocabtagene-maraleucel", "idecabtagene-vicleucel"],
        "onset_within_hours_of_infusion": 72,
        "regimen": "dexamethasone-10mg-iv-q12-24h-x2",
        "consider": true,
        "note": "Labels of lisocabtagene maraleucel and idecabtagene vicleucel: for grade 1 ICANS beginning within 72 hours of the infusion, consider dexamethasone.",
        "source": ["breyanzi-uspi", "abecma-uspi"]
      },
      {
        "enabled": true,
        "products": ["axicabtagene-ciloleucel", "brexucabtagene-autoleucel"],
        "regimen": "dexamethasone-10mg-iv-once",
        "consider": true,
        "note": "Labels of axicabtagene ciloleucel and brexucabtagene autoleucel allow corticosteroids from grade 1 ICANS.",
        "source": ["yescarta-uspi", "tecartus-uspi", "nccn-cart"]
      }
    ],
    "taper": {
      "enabled": true,
      "when_grade_at_most": 1,
      "text": "ICANS has improved to grade 1 or less: taper corticosteroids rapidly as clinically appropriate.",
      "after_regimen": "methylprednisolone-1000mg-iv-daily-x3",
      "steps": [
        "methylprednisolone-250mg-iv-q12h-x4",
        "methylprednisolone-125mg-iv-q12h-x4",
        "methylprednisolone-60mg-iv-q12h-x4"
      ],
      "source": ["asco-2021", "nccn-cart"]
    }
  },
  "seizure_prophylaxis": {
    "enabled": true,
    "source": ["cartox-2018", "asco-2021", "yescarta-uspi", "tecartus-uspi", "keppra-uspi"],
    "regimen": "levetiracetam-750mg-oral-q12h",
    "all_products": {
      "from_icans_grade": 2,
      "routine_from_day0": false,
      "note": "Levetiracetam prophylaxis from ICANS grade 2."
    },
    "product_rules": [
      {
        "products": ["axicabtagene-ciloleucel"],
        "from_icans_grade": 1,
        "routine_from_day0": false,
        "note": "Axicabtagene ciloleucel: levetiracetam prophylaxis from ICANS grade 1 (label)."
      },
      {
        "products": ["brexucabtagene-autoleucel"],
        "from_icans_grade": 2,
        "routine_from_day0": false,
        "note": "Brexucabtagene autoleucel: levetiracetam prophylaxis from ICANS grade 2 (label)."
      }
    ],
    "active_if_dose_within_hours": 24,
    "renal_note": "Levetiracetam is cleared by the kidneys: adjust the dose to creatinine clearance as the levetiracetam prescribing information directs."
  },
  "seizure_management": {
    "enabled": true,
    "source": ["cartox-2018"],
    "seizure_regimen": "levetiracetam-500mg-iv-bolus",
    "nonconvulsive_status_regimen": "lorazepam-0.5mg-iv-q5min",
    "nonconvulsive_status_text": "Non-convulsive status epilepticus on EEG: assess airway, breathing and circulation and check glucose; levetiracetam 500 mg IV bolus and lorazepam 0.5 mg IV every 5 minutes up to 2 mg in total. If seizures persist, transfer to ICU.",
    "convulsive_status_text": "Convulsive status epilepticus: follow the institution's status epilepticus protocol, call neurology and transfer to ICU."
  },
  "workup": {
    "enabled": true,
    "source": ["asco-2021", "cartox-2018", "nccn-cart"],
    "items": [
      {
        "id": "neurology-consult",
        "enabled": true,
        "orderable": "neurology-consult",
        "from_icans_grade": 1,
        "repeat_interval_hours": 72,
        "note": "Neurology consultation at the first sign of ICANS.",
        "source": ["asco-2021", "nccn-cart"]
      },
      {
        "id": "brain-imaging",
        "enabled": true,
        "orderable": "mri-brain",
        "alternative_orderable": "ct-head",
        "from_icans_grade": 2,
        "repeat_interval_hours": 72,
        "note": "MRI brain with and without contrast; CT head if MRI is not feasible.",
        "source": ["nccn-cart", "cartox-2018"]
      },
      {
        "id": "eeg",
        "enabled": true,
        "orderable": "eeg",
        "from_icans_grade": 2,
        "repeat_interval_hours": 24,
        "note": "EEG for non-convulsive seizure activity.",
        "source": ["nccn-cart", "cartox-2018"]
      },
      {
        "id": "icu-care",
        "enabled": true,
        "orderable": "icu-transfer",
        "from_icans_grade": 3,
        "repeat_interval_hours": 24,
        "note": "ICU-level care from ICANS grade 3.",
        "source": ["asco-2021", "nccn-cart"]
      },
      {
        "id": "fundoscopy",
        "enabled": true,
        "orderable": "fundoscopy",
        "from_icans_grade": 3,
        "repeat_interval_hours": 72,
        "note": "Look for papilloedema and other signs of raised intracranial pressure.",
        "source": ["cartox-2018", "nccn-cart"]
      },
      {
        "id": "lumbar-puncture",
        "enabled": true,
        "orderable": "lumbar-puncture",
        "from_icans_grade": 3,
        "repeat_interval_hours": 72,
        "consider": true,
        "show_latest": ["platelets", "inr"],
        "note": "Consider a diagnostic lumbar puncture with opening pressure once raised intracranial pressure is excluded; check platelets and INR first.",
        "source": ["nccn-cart", "cartox-2018"]
      },
      {
        "id": "repeat-imaging",
        "enabled": true,
        "orderable": "mri-brain",
        "alternative_orderable": "ct-head",
        "from_icans_grade": 3,
        "repeat_interval_hours": 48,
        "persisting_hours": 48,
        "consider": true,
        "note": "Repeat neuroimaging every 48-72 hours while ICANS grade 3 or higher persists.",
        "source": ["nccn-cart"]
      }
    ]
  },
  "crs": {
    "enabled": true,
    "source": ["asco-2021", "astct-2019", "actemra-uspi", "nccn-cart"],
    "tocilizumab": {
      "enabled": true,
      "regimen": "tocilizumab-8mg-per-kg-iv",
      "from_crs_grade": 2,
      "from_crs_grade_with_icans": 1
    },
    "grade_3": {
      "enabled": true,
      "regimen": "dexamethasone-10mg-iv-q6h",
      "note": "CRS grade 3: add dexamethasone 10 mg IV every 6 hours to tocilizumab."
    },
    "grade_4": {
      "enabled": true,
      "regimen": "methylprednisolone-1000mg-iv-daily-x3",
      "note": "CRS grade 4: high-dose methylprednisolone."
    },
    "antimicrobials_reminder": "Fever after CAR-T cell therapy may be infection: take cultures and start empiric broad-spectrum antimicrobials per the institution's neutropenic fever guideline.",
    "tocilizumab_icans_without_crs_warning": "Tocilizumab is not recommended for ICANS without CRS: it does not treat neurotoxicity and may worsen it. Use corticosteroids."
  },
  "monitoring": {
    "enabled": true,
    "source": ["nccn-cart", "asco-2021", "site-choice"],
    "from_day": 0,
    "to_day": 10,
    "ice_overdue_after_hours": 12,
    "ice_overdue_after_hours_if_declining_or_crs": 4
  },
  "other_causes": {
    "enabled": true,
    "source": ["astct-2019", "asco-2021"],
    "items": [
      {
        "id": "glucose",
        "enabled": true,
        "text": "Hypo- or hyperglycaemia",
        "show_latest": ["glucose"]
      },
      {
        "id": "sodium",
        "enabled": true,
        "text": "Hypo- or hypernatraemia",
        "show_latest": ["sodium"]
      },
      {
        "id": "infection",
        "enabled": true,
        "text": "Infection, including CNS infection",
        "show_latest": ["body-temperature", "crp"]
      },
      {
        "id": "sedating-drugs",
        "enabled": true,
        "text": "Sedating drugs",
        "show_latest": ["propofol", "midazolam", "dexmedetomidine", "lorazepam"]
      }
    ]
  },
  "documentation": {
    "enabled": true,
    "source": ["icd-10-cm"],
    "verification_status": "provisional",
    "coded_first": {"code": "T80.82XA", "display": "Complication of immune effector cellular therapy, initial encounter"},
    "icans": {
      "grade_1": {"code": "G92.01", "display": "Immune effector cell-associated neurotoxicity syndrome, grade 1"},
      "grade_2": {"code": "G92.02", "display": "Immune effector cell-associated neurotoxicity syndrome, grade 2"},
      "grade_3": {"code": "G92.03", "display": "Immune effector cell-associated neurotoxicity syndrome, grade 3"},
      "grade_4": {"code": "G92.04", "display": "Immune effector cell-associated neurotoxicity syndrome, grade 4"}
    },
    "crs": {
      "grade_1": {"code": "D89.831", "display": "Cytokine release syndrome, grade 1"},
      "grade_2": {"code": "D89.832", "display": "Cytokine release syndrome, grade 2"},
      "grade_3": {"code": "D89.833", "display": "Cytokine release syndrome, grade 3"},
      "grade_4": {"code": "D89.834", "display": "Cytokine release syndrome, grade 4"}
    }
  },
  "override_reasons": [
    {"code": "attributed-to-other-cause", "display": "Attributed to another cause"},
    {"code": "already-done-elsewhere", "display": "Already done or ordered elsewhere"},
    {"code": "goals-of-care", "display": "Not in line with the goals of care"},
    {"code": "clinical-judgement", "display": "Clinical judgement"}
  ]
}
)json";
#pragma GCC diagnostic pop

}  // namespace

// The raw string starts with the newline after its opening marker; the file does not.
std::string_view default_protocol_json() { return kDefaultProtocolJson.substr(1); }

}  // namespace icans
