#pragma once

// Fault injection: added latency, a share of 5xx answers, a forced 429 storm, dropped
// connections (before the request is handled) and lost answers (after it was handled). Ratios are
// applied deterministically (an accumulator, not a random draw): with errorRatio 0.25 exactly every
// 4th eligible request fails, so tests can count. Thread-safe.

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys_sim/config.h"

namespace blend::genesys_sim {

struct FaultDecision {
  absl::Duration latency = absl::ZeroDuration();
  bool drop = false;
  bool storm_429 = false;
  int retry_after_seconds = 0;  // with storm_429
  int error_status = 0;         // non-zero: answer with this 5xx
  // Handle the request, then drop the connection instead of answering.
  bool drop_after_handling = false;

  // The kinds applied, comma-separated in a fixed order (latency, drop, storm_429, error_5xx,
  // accepted_drop); "" for none. Recorded in the audit.
  std::string Kinds() const;
};

class FaultInjector {
 public:
  FaultInjector(const Clock& clock, const FaultConfig& config);

  // The faults for one `method` request to `path` (admin paths /sim/ and /healthz never get
  // any); "" matches any method filter.
  FaultDecision Decide(const std::string& path, const std::string& method = "");
  // Replaces the settings; a storm_429_for > 0 starts a storm lasting that long from now.
  void Set(const FaultConfig& config);
  FaultConfig Get() const;
  absl::Time storm_until() const;
  // Faults injected so far by kind: latency, drop, storm_429, error_5xx, accepted_drop.
  std::map<std::string, int64_t> Counts() const;

 private:
  const Clock& clock_;
  mutable absl::Mutex mu_;
  FaultConfig config_ ABSL_GUARDED_BY(mu_);
  absl::Time storm_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  double error_acc_ ABSL_GUARDED_BY(mu_) = 0;
  double drop_acc_ ABSL_GUARDED_BY(mu_) = 0;
  double latency_acc_ ABSL_GUARDED_BY(mu_) = 0;
  double accepted_drop_acc_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::genesys_sim
