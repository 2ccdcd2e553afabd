#pragma once

// Was a customer called after paying or opting out? The race between a payment (or a STOP)
// and a call Genesys already has queued, judged from what the outside world saw: the dials
// and the contact removals in the simulator's record, and the instants Blend committed each
// payment and opt-out and recorded each touch's outcome (PostgreSQL). Pure: no I/O.
//
// For the event instant E of a customer (payment or opt-out), each call Genesys placed to
// them is:
//   - after the event when dialled after E: an invariant violation;
//   - in progress at the event when dialled at or before E while its touch's outcome had not
//     yet reached Blend at E (the call was ringing when the customer paid): counted apart,
//     never hidden, not a violation (nothing could stop it any more);
//   - before the event otherwise (a finished call the customer paid after).
// A contact removed (contacts.delete) or made uncallable (contacts.update: the dialer's only
// use of it is to withdraw) is withdrawn; the simulator never dials a removed contact.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "blend/demo/sim_admin.h"
#include "nlohmann/json.hpp"

namespace blend::demo {

struct CallRaceInputs {
  std::vector<AuditEntry> audit;  // contacts.add / .delete / .update, precall.evaluate
  std::vector<Call> calls;        // every dial the simulator made
  std::map<std::string, std::string> customer_of_journey;  // journey id -> customer id
  std::map<std::string, std::string> customer_of_phone;    // E.164 -> customer id
  std::map<std::string, absl::Time> paid_at;               // customer -> payment committed
  std::map<std::string, absl::Time> opted_out_at;          // customer -> opt-out committed
  // Touch id -> when Blend recorded the touch's outcome; nullopt: it never did. A touch absent
  // from the map is treated as never completed.
  std::map<std::string, std::optional<absl::Time>> touch_done_at;
};

// Nearest-rank percentiles of a sample (both 0 for an empty one).
struct LatencyPercentiles {
  int64_t p50 = 0, p99 = 0;
  size_t count = 0;
};
LatencyPercentiles Percentiles(std::vector<int64_t> sample);

struct CallRace {
  int calls_after_payment = 0;  // invariant: 0
  int calls_after_opt_out = 0;  // invariant: 0
  // Calls dialled before the payment or the opt-out whose outcome Blend had not yet received
  // at that instant, and calls whose dial-time check began before it (a customer who paid and
  // opted out counts once).
  int calls_in_progress_at_payment = 0;
  // Payments committed while the customer's contact was queued in Genesys (inserted, not yet
  // dialled): the race the withdrawal and the dial-time check must win. Each ends withdrawn,
  // skipped at dial time, or as a call after payment.
  int payments_with_contact_queued = 0;
  int withdrawn = 0;  // contacts removed or made uncallable (distinct contacts)
  // Pre-call rule evaluations (the simulator asked Blend's dial-time check: > 0 means the check
  // was on), and the answers "skip" (Blend said do not dial) and "error-skip" (no usable answer).
  int precall_evaluations = 0;
  int precall_skipped = 0;
  int precall_error_skipped = 0;
  // Payment committed -> the contact's removal in the simulator's audit, for contacts queued
  // at the payment.
  LatencyPercentiles withdraw_latency_ms;
  std::vector<std::string> violations;  // one line per call after a payment or an opt-out
};

CallRace ComputeCallRace(const CallRaceInputs& in);

}  // namespace blend::demo
