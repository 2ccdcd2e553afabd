#pragma once

// When Blend committed what the customer did, read from PostgreSQL after the run: each
// payment's commit (processed_messages), each opt-out's commit (suppressions), and when each
// touch's outcome was recorded (touches.completed_at). The demo summary judges the race
// between these instants and the calls in the simulator's record (call_race.h).

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace blend::demo {

struct DbEventTimes {
  std::map<std::string, absl::Time> payment_commits;  // customer id -> "payment-<id>" committed
  std::map<std::string, absl::Time> opt_out_commits;  // E.164 -> first opt-out recorded
  // Touch id -> when its outcome was recorded; nullopt: still open (e.g. a call in flight).
  std::map<std::string, std::optional<absl::Time>> touch_done_at;
};

absl::StatusOr<DbEventTimes> ReadEventTimes(const std::string& pg_url);

}  // namespace blend::demo
