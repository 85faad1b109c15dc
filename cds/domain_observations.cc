#include "cds/domain_observations.h"

namespace icans {

DomainObservations::DomainObservations(const std::vector<fhir::Observation>& observations) {
  using fhir::Concept;
  for (const auto& observation : observations) {
    switch (observation.meaning) {
      case Concept::level_of_consciousness:
      case Concept::loc_awakens_spontaneously:
      case Concept::loc_awakens_to_voice:
      case Concept::loc_awakens_to_tactile:
      case Concept::loc_unarousable:
        consciousness.add(observation);
        break;
      // seizure_none is an answer only: coded as itself, it is no seizure.
      case Concept::seizure:
      case Concept::seizure_rapidly_resolving:
      case Concept::seizure_prolonged_or_repetitive:
        seizure.add(observation);
        break;
      case Concept::motor_finding:
      case Concept::motor_none:
      case Concept::motor_deep_focal_weakness:
        motor.add(observation);
        break;
      case Concept::icp_finding:
      case Concept::icp_none:
      case Concept::icp_focal_edema:
      case Concept::icp_edema_unspecified:
      case Concept::icp_diffuse_edema:
      case Concept::icp_posturing:
      case Concept::icp_cranial_nerve_vi_palsy:
      case Concept::icp_papilledema:
      case Concept::icp_cushings_triad:
        icp.add(observation);
        break;
      case Concept::tremor:
      case Concept::myoclonus:
      case Concept::intracranial_hemorrhage:
        not_graded.add(observation);
        break;
      case Concept::body_temperature:
        temperature.add(observation);
        break;
      case Concept::systolic_bp:
      case Concept::mean_bp:
      case Concept::bp_panel:
        pressure.add(observation);
        break;
      case Concept::oxygen_delivery:
      case Concept::o2_flow_rate:
        oxygen.add(observation);
        break;
      default:
        break;
    }
  }
}

}  // namespace icans
