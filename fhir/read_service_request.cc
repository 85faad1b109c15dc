// ServiceRequest: work-up orders (imaging, EEG, consults, ICU transfer).
#include "fhir/read_helpers.h"

namespace fhir::detail {
namespace {

// FHIR request-status; "revoked" is the order being cancelled.
constexpr StatusCode<RequestStatus> kStatuses[] = {
    {"draft", RequestStatus::draft},
    {"active", RequestStatus::active},
    {"on-hold", RequestStatus::on_hold},
    {"revoked", RequestStatus::cancelled},
    {"completed", RequestStatus::completed},
    {"entered-in-error", RequestStatus::entered_in_error},
    {"unknown", RequestStatus::unknown},
};

}  // namespace

void read_service_request(const Json& json, ReadResource& out, ReadContext& context) {
  ServiceRequest request;
  request.status = read_status(json, kStatuses, RequestStatus::unknown, context);
  if (request.status == RequestStatus::entered_in_error) {
    out.resource = std::move(request);
    return;
  }
  request.intent = string_member(json, "intent", "intent", context).value_or("");
  request.code = codeable_concept_member(json, "code", "code", context);
  request.service = resolve_concept(request.code, "code", context).meaning;
  request.authored_on = datetime_member(json, "authoredOn", "authoredOn", context);
  request.occurrence = read_choice_time(json, "occurrence", false, context).time;
  out.resource = std::move(request);
}

}  // namespace fhir::detail
