#pragma once
// A record's observations sorted out once by the grading domain that reads
// them. The worst-grade scan grades every relevant time since day 0; with
// this each domain looks only at its own observations inside its window,
// instead of at every observation charted around it.

#include <vector>

#include "cds/window.h"
#include "fhir/resources.h"

namespace icans {

// Refers to the observations, which must outlive it and stay unchanged.
struct DomainObservations {
  explicit DomainObservations(const std::vector<fhir::Observation>& observations);

  // ICANS
  ObservationTimes consciousness;  // level of consciousness, or its answer as the code
  ObservationTimes seizure;        // seizure, or a seizure answer as the code
  ObservationTimes motor;
  ObservationTimes icp;            // raised ICP / cerebral oedema findings
  ObservationTimes not_graded;     // tremor, myoclonus, intracranial haemorrhage: said, never graded
  // CRS
  ObservationTimes temperature;
  ObservationTimes pressure;       // systolic, mean, or the blood pressure panel
  ObservationTimes oxygen;         // oxygen delivery and flow
};

}  // namespace icans
