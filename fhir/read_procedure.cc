// Procedure: above all the immune effector cell therapy infusion, day 0 of
// every grading window.
#include "fhir/read_helpers.h"

namespace fhir::detail {
namespace {

constexpr StatusCode<ProcedureStatus> kStatuses[] = {
    {"preparation", ProcedureStatus::preparation},
    {"in-progress", ProcedureStatus::in_progress},
    {"not-done", ProcedureStatus::not_done},
    {"on-hold", ProcedureStatus::on_hold},
    {"stopped", ProcedureStatus::stopped},
    {"completed", ProcedureStatus::completed},
    {"entered-in-error", ProcedureStatus::entered_in_error},
    {"unknown", ProcedureStatus::unknown},
};

// Keeps the first named product; a generic "CAR-T infusion" only when nothing
// more specific is charted anywhere.
void consider_product(Concept candidate, Procedure& procedure) {
  if (!is_immune_effector_cell_therapy(candidate)) return;
  if (procedure.product == Concept::unknown ||
      (procedure.product == Concept::car_t_unspecified && candidate != Concept::car_t_unspecified)) {
    procedure.product = candidate;
  }
}

void find_product(const Json& json, Procedure& procedure, ReadContext& context) {
  consider_product(procedure.meaning, procedure);
  const auto used_codes = codeable_concept_array(json, "usedCode", context);
  for (std::size_t i = 0; i < used_codes.size(); ++i) {
    consider_product(resolve_concept(used_codes[i], FieldPath("usedCode", i), context).meaning,
                     procedure);
  }
  // Infusions are often charted as text only ("Yescarta infusion").
  consider_product(context.terminology().lookup_name(procedure.code.text), procedure);
  for (const auto& note : note_texts(json, context)) {
    consider_product(context.terminology().lookup_name(note), procedure);
  }
}

}  // namespace

void read_procedure(const Json& json, ReadResource& out, ReadContext& context) {
  Procedure procedure;
  procedure.status = read_status(json, kStatuses, ProcedureStatus::unknown, context);
  if (procedure.status == ProcedureStatus::entered_in_error ||
      procedure.status == ProcedureStatus::not_done) {
    out.resource = std::move(procedure);
    return;
  }
  procedure.code = codeable_concept_member(json, "code", "code", context);
  procedure.meaning = resolve_concept(procedure.code, "code", context).meaning;
  procedure.performed = read_choice_time(json, "performed", false, context).time;
  find_product(json, procedure, context);
  out.resource = std::move(procedure);
}

}  // namespace fhir::detail
