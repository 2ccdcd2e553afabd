#include "blend/worker/backoff.h"

#include <algorithm>
#include <cmath>

namespace blend::worker {

absl::Duration BackoffPolicy::Delay(int attempt, double uniform01) const {
  double growth = std::pow(multiplier, std::max(0, attempt - 1));
  absl::Duration cap = std::min(max, initial * growth);
  return cap * std::clamp(uniform01, 0.0, 1.0);
}

}  // namespace blend::worker
