#include "cds/hooks/replay_cache.h"

namespace icans {

ReplayCache::ReplayCache(std::size_t max_entries) : max_entries_(max_entries) {}

void ReplayCache::forget_expired(std::int64_t now_ms) {
  while (!keys_by_forget_at_.empty() && keys_by_forget_at_.begin()->first < now_ms) {
    forget_at_by_key_.erase(keys_by_forget_at_.begin()->second);
    keys_by_forget_at_.erase(keys_by_forget_at_.begin());
  }
}

ReplayCache::Outcome ReplayCache::remember(std::string_view issuer, std::string_view jti, std::int64_t forget_at_ms,
                                           std::int64_t now_ms) {
  // The issuer's length in front keeps ("a", "bc") and ("ab", "c") apart,
  // whatever bytes either holds.
  std::string key = std::to_string(issuer.size()) + ':';
  key.append(issuer).append(jti);

  std::lock_guard<std::mutex> lock(mutex_);
  forget_expired(now_ms);
  if (forget_at_by_key_.count(key)) return Outcome::replayed;
  if (forget_at_by_key_.size() >= max_entries_) return Outcome::full;
  forget_at_by_key_.emplace(key, forget_at_ms);
  keys_by_forget_at_.emplace(forget_at_ms, std::move(key));
  return Outcome::fresh;
}

std::size_t ReplayCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return forget_at_by_key_.size();
}

}  // namespace icans
