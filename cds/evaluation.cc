#include "cds/evaluation.h"

namespace icans {

std::vector<const DomainResult*> GradeResult::drivers() const {
  std::vector<const DomainResult*> result;
  if (!grade) return result;
  for (const auto& domain : domains) {
    if (domain.grade && *domain.grade == *grade) result.push_back(&domain);
  }
  return result;
}

}  // namespace icans
