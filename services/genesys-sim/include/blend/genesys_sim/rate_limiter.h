#pragma once

// Per-OAuth-client request budget: a fixed one-minute window that opens with the client's
// first request, like Genesys's "N requests per minute per token" (see README for why per
// client). Thread-safe. Answers when the next request may go rather than sleeping.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"

namespace blend::genesys_sim {

struct RateDecision {
  bool allowed = false;
  int count = 0;                // requests counted in the current window (inin-ratelimit-count)
  int limit = 0;                // window budget (inin-ratelimit-allowed)
  int reset_seconds = 0;        // whole seconds until the window resets (inin-ratelimit-reset)
  int retry_after_seconds = 0;  // Retry-After when !allowed, >= 1
};

class RateLimiter {
 public:
  static constexpr absl::Duration kWindow = absl::Minutes(1);

  RateLimiter(const Clock& clock, int requests_per_minute)
      : clock_(clock), limit_(requests_per_minute) {}

  // Counts one request of `client_id` if the budget allows it; a refused request is not counted.
  RateDecision Acquire(const std::string& client_id);
  void SetLimit(int requests_per_minute);
  int limit() const;

 private:
  struct Window {
    absl::Time start;
    int count = 0;
  };
  const Clock& clock_;
  mutable absl::Mutex mu_;
  int limit_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

// Whole seconds in `d`, rounded up, at least `min`.
int CeilSeconds(absl::Duration d, int min = 0);

}  // namespace blend::genesys_sim
