#include "blend/genesys_sim/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace blend::genesys_sim {

int CeilSeconds(absl::Duration d, int min) {
  double s = std::ceil(absl::ToDoubleSeconds(d) - 1e-9);
  return std::max(min, static_cast<int>(s));
}

RateDecision RateLimiter::Acquire(const std::string& client_id) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  Window& w = windows_[client_id];
  if (w.count == 0 || now >= w.start + kWindow) {
    w.start = now;
    w.count = 0;
  }
  RateDecision d;
  d.limit = limit_;
  absl::Duration remaining = w.start + kWindow - now;
  d.reset_seconds = CeilSeconds(remaining, 1);
  if (w.count < limit_) {
    ++w.count;
    d.allowed = true;
  } else {
    d.retry_after_seconds = CeilSeconds(remaining, 1);
  }
  d.count = w.count;
  return d;
}

void RateLimiter::SetLimit(int requests_per_minute) {
  absl::MutexLock lock(&mu_);
  limit_ = requests_per_minute;
}

int RateLimiter::limit() const {
  absl::MutexLock lock(&mu_);
  return limit_;
}

}  // namespace blend::genesys_sim
