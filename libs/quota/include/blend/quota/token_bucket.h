#pragma once

// The pure arithmetic of a global quota: a token bucket that also carries a pause (a 429 from
// Genesys stops every replica until Retry-After). No I/O, no clock: `now` is an argument.
//
// Why these numbers: Genesys limits requests per OAuth client per minute, and the guarantee
// Blend makes is "never more than Q requests in ANY 60-second window". A bucket of capacity
// B refilled at r tokens/s lets at most B + r*T requests through in a window of length T, and
// a replica may still hold a leased token for up to `lease_ttl` after the lease. So
//   r = (Q - B) / (60 s + lease_ttl)
// keeps every 60 s window at or below Q while using almost all of it (B small).

#include <cstdint>

#include "absl/time/time.h"

namespace blend::quota {

struct QuotaConfig {
  int requests_per_minute = 300;  // Q: Genesys's per-client limit (or what Blend may use of it)
  // B: bucket capacity, also the largest lease. Larger absorbs replica stalls (tokens are
  // kept, not lost, while every replica is busy) at no cost to the 60 s guarantee: with 4,
  // three replicas on a loaded machine used only 76-85 % of a 900/min limit, because tokens
  // overflowed the bucket while every replica was between two requests.
  int burst = 16;
  // Tokens taken from the shared bucket per lease. 1 (the default) leases exactly the token
  // a request needs, so no replica holds tokens another could use; more saves database
  // round trips at high rates, and what a replica does not use in time goes back.
  int lease_size = 1;
  // How long a leased token may wait before its request goes (the claim and the ledger write
  // come in between); after that it goes back to the bucket. The refill rate leaves room for
  // it, so keep it short: the rate is (Q - B) / (60 s + lease_ttl).
  absl::Duration lease_ttl = absl::Milliseconds(500);

  double capacity() const;
  double refill_per_second() const;
};

struct BucketState {
  double tokens = 0;
  absl::Time updated_at = absl::InfinitePast();
  absl::Time paused_until = absl::InfinitePast();
};

struct TakeResult {
  BucketState state;    // the bucket after the take
  int granted = 0;      // tokens handed out, 0..wanted
  absl::Time retry_at;  // when granted == 0: the earliest time a token may be available
};

// A full bucket, as created.
BucketState NewBucket(const QuotaConfig& config, absl::Time now);

// Refills for the time since updated_at (never backwards: a replica whose clock is behind
// adds nothing), then takes up to `wanted` whole tokens unless the bucket is paused.
TakeResult Take(const QuotaConfig& config, const BucketState& state, int wanted, absl::Time now);

// Puts back `count` tokens that were leased and not used (after refilling, never above the
// capacity): they were part of the bucket's supply, so the window guarantee is unchanged.
BucketState GiveBack(const QuotaConfig& config, const BucketState& state, int count,
                     absl::Time now);

// Pauses until `until` (a later pause wins; an earlier one never shortens it) and empties
// the bucket, so work resumes gently after the pause instead of with a burst.
BucketState Pause(const BucketState& state, absl::Time until, absl::Time now);

}  // namespace blend::quota
