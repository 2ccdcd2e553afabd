#pragma once

// The demo's closing summary, computed from what really happened: the journeys' final states
// and histories (orchestrator), and the requests the simulator received (its audit). The
// invariants (no duplicate touch, no touch after a payment or an opt-out, none outside the
// calling window, no 429) are checked here, against the simulator's record, not against
// Blend's own counters.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "blend/demo/call_race.h"
#include "blend/demo/event_times.h"
#include "blend/demo/population.h"
#include "blend/demo/sim_admin.h"
#include "blend/policy/policy.h"
#include "nlohmann/json.hpp"

namespace blend::demo {

// One journey at the end of the run.
struct JourneyRecord {
  std::string journey_id;
  std::string customer_id;
  std::string status;                       // RUNNING, SUCCEEDED, FAILED, ...
  std::vector<std::string> states_entered;  // in order
  bool waiting_on_touch = false;            // RUNNING and waiting for a touch's outcome
};

struct Payment {
  absl::Time acknowledged;  // SendCustomerEvent returned: the payment is committed
  int journeys_matched = 0;
};

struct SummaryInputs {
  std::vector<DemoCustomer> customers;
  std::string run_id;  // names this run's journeys (client keys) and payments (event ids)
  absl::Time run_start = absl::InfinitePast();
  std::map<std::string, std::string> journey_of_customer;  // customer id -> journey id
  int rejected = 0;
  std::vector<JourneyRecord> journeys;
  std::map<std::string, Payment> payments;  // by customer id
  std::vector<AuditEntry> audit;
  std::vector<OptOutEvent> opt_outs;
  std::vector<Call> calls;
  // From PostgreSQL (event_times.h): payment and opt-out commits, touch outcomes. A payment
  // missing there falls back to its acknowledgement, an opt-out to the STOP's own time.
  DbEventTimes db;
  std::string dial_check;  // "on", "off" or "" (not said): printed beside the dial-time skips
  // Calling windows of the campaign by channel ("sms", "voice"); absent = no window.
  std::map<std::string, policy::DailyWindow> windows;
  absl::Time end;
  double elapsed_seconds = 0;
};

// A touch Genesys accepted after the customer's payment.
struct TouchAfterPayment {
  std::string touch_id;
  std::string customer_id;
  absl::Time sent;
  absl::Time paid;
};

struct Summary {
  int started = 0, rejected = 0, succeeded = 0, failed = 0, cancelled = 0, still_running = 0;
  int held_by_quiet_hours = 0;  // running, waiting for a touch the calling window holds back
  int paid = 0, paid_before_any_touch = 0, paid_after_sms = 0, paid_after_voice = 0,
      paid_after_email = 0;
  // The channel each journey opened with (its first touch state), as history and DNC decided.
  std::map<std::string, int> first_channel;
  // Payments after at least one touch, by the channel of the journey's first touch.
  std::map<std::string, int> conversions_by_first_channel;
  int answered = 0, no_answer_email = 0, blocked_by_dnc = 0, opted_out = 0;
  std::map<std::string, int> touches;  // sms, voice, email: successful Genesys sends
  int calls_dialed = 0;                // calls Genesys placed (not scrubbed at dial time)
  int rate_limited_responses = 0;
  int duplicate_touches = 0;
  int touches_after_payment = 0;
  std::vector<TouchAfterPayment> after_payment;  // each of them
  int touches_outside_quiet_hours = 0;
  // What reached a customer after their STOP: SMS accepted, calls placed. A contact inserted
  // just before Blend learnt of the STOP is caught by Genesys's DNC scrub (the opt-out is
  // written to the DNC list at once) and counted apart, as information.
  int touches_after_opt_out = 0;
  int inserts_scrubbed_after_opt_out = 0;
  // Calls Genesys placed after Blend committed the customer's payment / opt-out: invariants.
  // A call dialled at or before that instant whose outcome Blend had not yet received was
  // ringing: calls_in_progress_at_payment (payment or opt-out), information. See call_race.h.
  int calls_after_payment = 0;
  int calls_after_opt_out = 0;
  int calls_in_progress_at_payment = 0;
  // Payments that found the customer's contact queued in Genesys (the race is real when > 0),
  // contacts withdrawn (removed or made uncallable), payment -> removal latency, and the
  // contacts Blend's dial-time check skipped (pre-call rule answers).
  int payments_with_contact_queued = 0;
  int withdrawn = 0;
  LatencyPercentiles withdraw_latency_ms;
  int precall_evaluations = 0;
  int precall_skipped = 0;
  int precall_error_skipped = 0;
  std::string dial_check;  // as scripts/demo asked ("on", "off", "" not said)
  double elapsed_seconds = 0;
  // One line per invariant violation (which touch, customer, when), the first
  // kMaxViolationsListed of them.
  static constexpr size_t kMaxViolationsListed = 200;
  std::vector<std::string> violations;

  // The invariants the demo promises: all zero.
  bool Clean() const;
  nlohmann::json ToJson() const;
  std::string ToText() const;
};

Summary ComputeSummary(const SummaryInputs& in);

// True when at `t` the SMS or voice calling window is closed in one of the customer's
// candidate zones (declared zone and phone-number zones), i.e. a touch would be held back.
bool CallingWindowClosed(const std::map<std::string, policy::DailyWindow>& windows,
                         const DemoCustomer& customer, absl::Time t);

// Parses the "quietHours" of a campaign's policies JSON into windows per channel, with the
// same defaults as libs/journey (sms and voice 08:00-21:00, email none).
std::map<std::string, policy::DailyWindow> CallingWindows(const std::string& policies_json);

}  // namespace blend::demo
