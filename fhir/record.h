#pragma once
// One patient's charted data, as intake leaves it: deduplicated by version,
// stripped of resources that never count (entered-in-error, cancelled,
// not-done), and sorted by time.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "fhir/resources.h"
#include "fhir/warning.h"

namespace fhir {

struct PatientRecord {
  std::string patient_id;
  std::optional<Patient> patient;  // absent when the input held no Patient resource
  std::vector<Observation> observations;                  // by effective.earliest
  std::vector<MedicationAdministration> administrations;  // by start.earliest
  std::vector<MedicationRequest> medication_requests;     // by authored_on (absent first)
  std::vector<ServiceRequest> service_requests;
  std::vector<DiagnosticReport> reports;
  std::vector<Procedure> procedures;
  std::vector<Warning> warnings;  // about this patient's resources
  // Resources left out because they never count (entered-in-error, cancelled,
  // not-done), after versions were resolved.
  std::size_t dropped = 0;
};

}  // namespace fhir
