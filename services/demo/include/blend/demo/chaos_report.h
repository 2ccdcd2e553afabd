#pragma once

// The verdict of a chaos run (scripts/chaos): after services were killed, Kafka and PostgreSQL
// restarted and genesys-sim answered with faults, and after the system drained, check from
// what really happened — the simulator's audit and the orchestrator's tables — not from
// Blend's own counters:
//   - every journey finished or waits for a legitimate reason (a timer, quiet hours); none is
//     lost, none stuck (e.g. a claimed touch without a disposition), none failed;
//   - the demo's invariants (no duplicate touch, none after a payment or an opt-out, none
//     outside the calling window: ComputeSummary), where a touch after the payment breaks the
//     fence unless its claim came first and it was its first request to Genesys;
//   - every UNKNOWN touch has a cause (an injected in-doubt request, a killed worker), and
//     there are no more of them than the faults could put in doubt.
// Pure: the inputs are plain rows (chaos_sources.h reads them), so tests build them by hand.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "blend/demo/fault_log.h"
#include "blend/demo/summary.h"
#include "nlohmann/json.hpp"

namespace blend::demo {

// Rows of the orchestrator's and the workers' tables (libs/store/migrations).
struct DbJourney {
  std::string journey_id;
  std::string customer_id;
  std::string status;  // RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT
  std::string current_state;
  std::string error, cause;
  std::vector<std::string> states_entered;  // journey_history StateEntered, in order
};

struct DbTouch {
  std::string touch_id;
  std::string journey_id;
  std::string channel;  // sms, voice, email
  std::string status;   // pending, claimed, sent, deferred, done, refused, cancelled
  std::string reason;   // done: the outcome (TOUCH_OUTCOME_...); deferred: quiet_hours, ...
  absl::Time created_at;
  std::optional<absl::Time> not_before, claimed_at, completed_at;
  std::string claimed_by;
};

struct DbTimer {
  std::string journey_id;
  absl::Time due_at;
};

// A worker's ledger row (touch_outcomes) with its disposition decoded.
struct LedgerRow {
  std::string touch_id;
  std::string channel;  // sms, voice, email
  std::string state;    // calling, done
  std::string worker_id;
  std::string outcome;  // TOUCH_OUTCOME_... ("" while calling)
  std::string reason;
  absl::Time started_at;
  std::optional<absl::Time> finished_at;
};

struct ChaosInputs {
  // The demo's view: customers, payments (their commit times where the database has them),
  // the simulator's audit, opt-outs and calls. Its journeys are made from `journeys` below.
  SummaryInputs demo;
  std::vector<std::string> not_started;  // starts never acknowledged (run state)
  std::vector<DbJourney> journeys;
  std::vector<DbTouch> touches;
  std::vector<DbTimer> timers;
  std::vector<LedgerRow> ledger;
  std::vector<FaultEvent> faults;               // scripts/chaos's faults file
  std::map<std::string, int64_t> sim_injected;  // genesys-sim's count, by kind
  absl::Time now;
  // A timer this late, or a touch due this long, is stuck rather than about to fire.
  absl::Duration grace = absl::Seconds(20);
  // A touch claimed (or a contact inserted) this long ago with no disposition is stuck; a
  // younger one is in flight (a request, a backoff after a 5xx or a 429, a call being dialled).
  absl::Duration in_flight_grace = absl::Seconds(60);
  // The workers' --max-in-flight: the Genesys requests one replica can have open at once, so
  // the touches one worker fault can leave in doubt.
  int64_t worker_in_flight = 1;
};

// One finding: what (a journey or touch id) and why, in words.
struct Finding {
  std::string id;
  std::string detail;
};

struct UnknownTouch {
  std::string touch_id;
  std::string journey_id;
  std::string channel;
  // accepted_drop (Genesys took it, the answer was dropped), drop (connection dropped before
  // Genesys handled it), worker_killed / worker_exited (the replica that began the request
  // died during it), postgresql_stopped (the answer came while the ledger was down), latency
  // (a delayed request timed out), or unexplained.
  std::string cause;
  std::string detail;
};

struct ChaosReport {
  Summary demo;
  std::map<std::string, int64_t> faults_by_kind;
  std::map<std::string, int64_t> faults_by_service;
  std::vector<Finding> lost, stuck, failed;
  // Replicas that exited while serving, and start-ups that gave up (e.g. Kafka was down).
  std::vector<Finding> unexpected_exits, failed_starts;
  // Touches accepted by Genesys after the payment committed whose claim was granted before it,
  // on their first request: in flight when the payment came (the claim is the fence).
  // Information; the others count in demo.touches_after_payment.
  std::vector<Finding> in_flight_at_payment;
  // Running journeys that wait legitimately, by reason: timer, quiet_hours, touch_due (due
  // just now), in_flight (claimed just now), scheduled (a touch held until later, the window
  // open now), deferred (<reason>).
  std::map<std::string, int> waiting;
  std::vector<UnknownTouch> unknown;
  int unknown_unexplained = 0;
  // The in-doubt requests the faults could create: the simulator's dropped connections and
  // lost answers, one per killed (or crashed) worker replica, and one per worker replica for
  // each immediate stop of PostgreSQL (a replica has one Genesys request in flight at a time).
  int64_t unknown_bound = 0;
  int ledger_calling = 0;  // worker ledger rows still "calling": the outcome was never settled
  int rate_limited_outside_storm = 0;  // 429s the simulator's own rate limit answered
  Recovery recovery;                   // Blend services: kill -> /readyz
  Recovery infra_recovery;             // Kafka and PostgreSQL: kill/stop -> accepting again

  // Every chaos invariant holds.
  bool Clean() const;
  nlohmann::json ToJson() const;
  std::string ToText() const;
};

ChaosReport ComputeChaosReport(const ChaosInputs& in);

// "sms-worker" for sms, "dialer-worker" for voice, "email-worker" for email.
std::string WorkerServiceOf(const std::string& channel);

}  // namespace blend::demo
