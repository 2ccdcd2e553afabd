#pragma once

// "Send at best hour": delay a touch to the start of the customer's best local hour, when
// that hour comes within a maximum delay and lies inside the channel's allowed window in
// every candidate zone. Pure (zone rules from tzdata, no clock reads); thread-safe.

#include <optional>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blend/policy/policy.h"

namespace blend::engagement {

// The earliest instant >= t whose local hour in `zone` is `hour` (t itself when t is in that
// hour). On a day where DST skips the hour, the instant the clocks jump (the first existing
// local time after the gap); on a day where it repeats, its first occurrence.
absl::Time NextLocalHour(int hour, absl::TimeZone zone, absl::Time t);

struct BestHourPolicy {
  absl::Duration max_delay = absl::Hours(24);
};

// When a touch due at `t` should go: the start of `best_hour` in `zone` (the customer's
// primary zone) if that is at most `policy.max_delay` after t and inside `window` (nullopt:
// any time) in every zone of `zones`; nullopt otherwise (send as usual).
std::optional<absl::Time> DeferToBestHour(int best_hour, absl::TimeZone zone,
                                          const std::optional<policy::DailyWindow>& window,
                                          absl::Span<const absl::TimeZone> zones,
                                          const BestHourPolicy& policy, absl::Time t);

}  // namespace blend::engagement
