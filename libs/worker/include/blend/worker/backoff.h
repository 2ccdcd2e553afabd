#pragma once

#include "absl/time/time.h"

namespace blend::worker {

// Jittered exponential backoff for transient Genesys errors (5xx, timeouts). Pure: the
// caller passes a uniform random number in [0, 1), so tests are deterministic.
struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(500);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
  int max_attempts = 5;  // then the touch fails with FAILED and the last error

  // "Full jitter": a uniform delay in [0, min(max, initial * multiplier^(attempt-1))].
  // attempt counts from 1 (the first retry).
  absl::Duration Delay(int attempt, double uniform01) const;
  bool ShouldRetry(int attempts_made) const { return attempts_made < max_attempts; }
};

}  // namespace blend::worker
