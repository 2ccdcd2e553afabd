#include "blend/quota/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace blend::quota {

double QuotaConfig::capacity() const { return std::max(1, burst); }

double QuotaConfig::refill_per_second() const {
  double usable = std::max(1.0, requests_per_minute - capacity());
  return usable / absl::ToDoubleSeconds(absl::Minutes(1) + lease_ttl);
}

BucketState NewBucket(const QuotaConfig& config, absl::Time now) {
  return BucketState{config.capacity(), now, absl::InfinitePast()};
}

namespace {

void Refill(const QuotaConfig& config, BucketState& s, absl::Time now) {
  if (now <= s.updated_at) return;
  double elapsed = absl::ToDoubleSeconds(now - s.updated_at);
  s.tokens = std::min(config.capacity(), s.tokens + elapsed * config.refill_per_second());
  s.updated_at = now;
}

}  // namespace

TakeResult Take(const QuotaConfig& config, const BucketState& state, int wanted, absl::Time now) {
  TakeResult result{state, 0, now};
  BucketState& s = result.state;
  Refill(config, s, now);
  if (now < s.paused_until) {
    result.retry_at = s.paused_until;
    return result;
  }
  // The tolerance absorbs floating-point error: at retry_at the bucket holds one whole token
  // up to rounding, and must grant it.
  constexpr double kEpsilon = 1e-9;
  result.granted =
      std::clamp(static_cast<int>(std::floor(s.tokens + kEpsilon)), 0, std::max(0, wanted));
  s.tokens = std::max(0.0, s.tokens - result.granted);
  if (result.granted == 0) {
    double missing = 1.0 - s.tokens;
    result.retry_at = s.updated_at + absl::Seconds(missing / config.refill_per_second());
  }
  return result;
}

BucketState GiveBack(const QuotaConfig& config, const BucketState& state, int count,
                     absl::Time now) {
  BucketState s = state;
  Refill(config, s, now);
  // Tokens given back during a pause are dropped: the pause emptied the bucket on purpose.
  if (now >= s.paused_until) s.tokens = std::min(config.capacity(), s.tokens + std::max(0, count));
  return s;
}

BucketState Pause(const BucketState& state, absl::Time until, absl::Time now) {
  BucketState s = state;
  s.paused_until = std::max(s.paused_until, until);
  s.tokens = 0;
  s.updated_at = std::max(s.updated_at, now);
  return s;
}

}  // namespace blend::quota
