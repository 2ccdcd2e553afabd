#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "blend/common/clock.h"
#include "blend/quota/quota_store.h"

namespace prometheus {
class Registry;
}

namespace blend::quota {

// One replica's view of a global quota. It leases config.lease_size tokens at a time from
// the shared QuotaStore and hands them out one per Genesys request; it never sleeps: it
// answers *when* the next request may go, and the worker pauses its Kafka partitions until
// then.
//
// No token is lost: leased tokens not used within config.lease_ttl (see token_bucket.h for
// why) go back to the shared bucket, and so does a token whose request did not go after all
// (Release: the claim was refused or deferred). A 429 drops local tokens at once and pauses
// the quota for every replica.
// Thread-safe. Status codes: those of the store (kUnavailable when it cannot be reached).
class QuotaGovernor {
 public:
  struct Decision {
    bool granted = false;
    absl::Time retry_at;  // when !granted: ask again at (or after) this time
  };

  QuotaGovernor(QuotaStore& store, const Clock& clock, std::string name, QuotaConfig config,
                prometheus::Registry* registry = nullptr);
  ~QuotaGovernor();

  absl::StatusOr<Decision> TryAcquire();
  // Gives back one granted token whose request will not go (so it is not spent).
  absl::Status Release();
  absl::Status OnRateLimited(absl::Duration retry_after);

  const std::string& name() const { return name_; }
  const QuotaConfig& config() const { return config_; }

 private:
  struct Metrics;

  QuotaStore& store_;
  const Clock& clock_;
  const std::string name_;
  const QuotaConfig config_;
  std::unique_ptr<Metrics> metrics_;

  absl::Mutex mu_;
  int local_tokens_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time lease_expires_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_lease_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace blend::quota
