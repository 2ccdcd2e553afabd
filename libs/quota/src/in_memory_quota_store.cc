#include "blend/quota/quota_store.h"

namespace blend::quota {

absl::StatusOr<TakeResult> InMemoryQuotaStore::Lease(const std::string& name,
                                                     const QuotaConfig& config, int wanted,
                                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(name, NewBucket(config, now));
  TakeResult result = Take(config, it->second, wanted, now);
  it->second = result.state;
  return result;
}

absl::Status InMemoryQuotaStore::PauseUntil(const std::string& name, const QuotaConfig& config,
                                            absl::Time until, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(name, NewBucket(config, now));
  it->second = Pause(it->second, until, now);
  return absl::OkStatus();
}

absl::Status InMemoryQuotaStore::GiveBack(const std::string& name, const QuotaConfig& config,
                                          int count, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(name, NewBucket(config, now));
  it->second = quota::GiveBack(config, it->second, count, now);
  return absl::OkStatus();
}

}  // namespace blend::quota
