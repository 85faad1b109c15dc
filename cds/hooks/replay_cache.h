#pragma once
// The jti values of accepted tokens, so a captured token cannot be sent twice
// (CDS Hooks 2.0: jti "used to protect against replay attacks").
//
// An entry is needed only while its token could still be accepted, so it is
// forgotten at that moment. Memory is bounded by a number of entries; when
// every slot holds a live token the cache refuses new ones rather than forget
// a live jti, which would reopen the replay it exists to close. Token
// lifetimes are capped (ClaimsPolicy::max_lifetime_seconds), so a full cache
// empties itself within one lifetime.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace icans {

class ReplayCache {
 public:
  explicit ReplayCache(std::size_t max_entries);

  enum class Outcome {
    fresh,     // first use: remembered until `forget_at_ms`
    replayed,  // seen before and not yet forgotten
    full,      // max_entries live tokens already remembered; nothing recorded
  };

  // Records that `issuer` used `jti`, until `forget_at_ms` (milliseconds since
  // the epoch: the last instant the token is accepted, clock skew included).
  // jti values are unique per issuer only, so the pair is the key. Safe from
  // many threads.
  Outcome remember(std::string_view issuer, std::string_view jti, std::int64_t forget_at_ms, std::int64_t now_ms);

  std::size_t size() const;
  std::size_t max_entries() const { return max_entries_; }

 private:
  void forget_expired(std::int64_t now_ms);

  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> forget_at_by_key_;
  std::multimap<std::int64_t, std::string> keys_by_forget_at_;
};

}  // namespace icans
