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

// The event id of a customer's payment in the demo run `run_id`: "payment-<customer>@<run>".
// The run is part of it because the orchestrator applies an event id once, ever: a second demo
// on the same database would otherwise have every payment dropped as a duplicate of the first
// run's (and its customers called after "paying").
std::string PaymentEventId(const std::string& customer_id, const std::string& run_id);
// The customer of a processed_messages id "customer-event:payment-<customer>[@<run>]"; empty
// when `message_id` is not a payment of `run_id` (any run when `run_id` is empty).
std::string PaymentCustomer(const std::string& message_id, const std::string& run_id);

// An instant as the reports print it: "HH:MM:SS.mmm", UTC.
std::string ClockText(absl::Time t);

struct DbEventTimes {
  std::map<std::string, absl::Time> payment_commits;  // customer id -> its payment committed
  std::map<std::string, absl::Time> opt_out_commits;  // E.164 -> first opt-out recorded
  // Touch id -> when its outcome was recorded; nullopt: still open (e.g. a call in flight).
  std::map<std::string, std::optional<absl::Time>> touch_done_at;
};

// The instants Blend recorded: payments of the demo run `run_id` only (every run when empty),
// opt-outs recorded since `since` (a STOP of an earlier run on the same database is that run's:
// the simulator, and the Genesys DNC entry the dialer wrote for it, start afresh each run).
absl::StatusOr<DbEventTimes> ReadEventTimes(const std::string& pg_url, const std::string& run_id,
                                            absl::Time since = absl::InfinitePast());

}  // namespace blend::demo
