#pragma once

// The pure journey interpreter: Step(campaign, state, facts, trigger, now) returns the next
// journey state and the effects the caller must carry out (emit touches, set and cancel
// timers, record history, finish). No I/O, no clock reads, no randomness: ids and UUIDs are
// derived from the journey id, the caller's uuid seed and the journey's step counter, so
// the same inputs always give byte-identical outputs. Thread-safe (no shared mutable state).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/channel.h"
#include "blend/journey/campaign.h"
#include "blend/journey/journey_status.h"

namespace blend::journey {

// Who the journey is for. Phone in E.164; time zones as IANA names (may be empty).
struct CustomerInfo {
  std::string id;
  std::string phone;
  std::string email;
  std::string declared_tz;
  std::string postal_tz;
};

// One thread of execution: the journey itself ("main"), one branch of a Parallel state or
// one iteration of a Map state (`branch_index` is then the item's index).
struct Run {
  enum class Waiting { kNone, kWait, kTask, kEvent, kRetry, kBranches };
  int machine = 0;       // index of the (sub-)state machine
  std::string state;     // current state name
  nlohmann::json input;  // the raw input of the current state
  absl::Time entered_time;
  int retry_count = 0;  // $$.State.RetryCount
  std::vector<int> retrier_attempts;
  Waiting waiting = Waiting::kNone;
  std::string timer_id;    // Wait timer, retry back-off timer or task timeout timer
  std::string touch_id;    // the touch a Task waits for
  std::string event_type;  // the event blend:await-event waits for
  std::string parent;      // parent run id; empty for "main"
  int branch_index = 0;
  int pending_branches = 0;
  nlohmann::json branch_results;  // Parallel / Map results collected so far
  // Map: the inputs of iterations not started yet (an array, null once an item has started;
  // null altogether for a Parallel), the next index to start (MaxConcurrency) and how many
  // iterations failed within ToleratedFailureCount / ToleratedFailurePercentage.
  nlohmann::json map_inputs;
  int map_next = 0;
  int map_failed = 0;
};

// Everything the interpreter remembers about one journey. ToJson() is deterministic
// (sorted keys, fixed time format): the orchestrator stores it as jsonb.
struct JourneyState {
  std::string journey_id;
  std::string campaign_id;
  JourneyStatus status = JourneyStatus::kNotStarted;
  absl::Time start_time;
  nlohmann::json execution_input;
  CustomerInfo customer;
  std::string uuid_seed;
  int64_t step_counter = 0;
  std::string journey_timer_id;  // top-level TimeoutSeconds
  // The customer's candidate time zones (IANA names), resolved from `customer` at the first
  // touch that has quiet hours and kept: phone-number parsing is the costliest part of a step.
  std::optional<std::vector<std::string>> candidate_zones;
  std::map<std::string, Run> runs;
  nlohmann::json output;
  std::string error;
  std::string cause;

  nlohmann::json ToJson() const;
  static absl::StatusOr<JourneyState> FromJson(const nlohmann::json& j);
};

// What the orchestrator knows about the customer when the trigger is applied.
struct CustomerFacts {
  nlohmann::json attributes = nlohmann::json::object();  // merged customer-event attributes
  bool sms_opted_out = false;
  bool voice_opted_out = false;
  bool email_opted_out = false;
  bool dnc_active = false;
  std::map<Channel, std::vector<absl::Time>> past_touches;  // for frequency caps
  // The engagement profile as facts (libs/engagement FactsJson); null when the customer has
  // no history. Appears as "engagement" in blend:facts.
  nlohmann::json engagement;

  // What a blend:facts task returns: the attributes plus "optedOut", "dncActive" and, when
  // known, "engagement".
  nlohmann::json ToJson() const;
};

struct StartTrigger {
  std::string journey_id;
  nlohmann::json input = nlohmann::json::object();
  CustomerInfo customer;
  std::string uuid_seed;  // caller randomness for States.UUID and jitter; journey id if empty
};
struct TimerFiredTrigger {
  std::string timer_id;
};
// The error of an in-doubt touch under onUnknown "fail". A Retry or Catch naming
// Blend.TouchUnknown (its name before the onUnknown policy) matches it too.
inline constexpr char kTouchInDoubtError[] = "Blend.TouchInDoubt";

// A touch's disposition: ok with a result (outcome, wrap-up code, provider ids), or an
// error name (e.g. "Blend.Undeliverable") and cause. `in_doubt` marks an UNKNOWN disposition
// (the touch may or may not have reached the customer): then `ok` and `error` are not used;
// the campaign's onUnknown policy decides, and `result` / `cause` describe what is known.
struct TaskResultTrigger {
  std::string touch_id;
  bool ok = true;
  nlohmann::json result = nlohmann::json::object();
  std::string error;
  std::string cause;
  bool in_doubt = false;
};
struct CustomerEventTrigger {
  std::string event_id;
  std::string type;
  nlohmann::json attributes = nlohmann::json::object();
};
struct CancelTrigger {
  std::string reason;
};
using Trigger = std::variant<StartTrigger, TimerFiredTrigger, TaskResultTrigger,
                             CustomerEventTrigger, CancelTrigger>;

// Send a touch on `channel` not before `not_before` (later than now when quiet hours or a
// frequency cap deferred it). `parameters` is the task's effective input.
struct EmitTouch {
  std::string touch_id;
  Channel channel = Channel::kSms;
  nlohmann::json parameters;
  absl::Time not_before;
  std::string state_name;
};
struct SetTimer {
  std::string timer_id;
  absl::Time at;
};
struct CancelTimer {
  std::string timer_id;
};
struct HistoryEntry {
  std::string kind;  // JourneyStarted, StateEntered, TaskScheduled, TaskSucceeded, ...
  std::string state_name;
  nlohmann::json detail;
};
// The journey ended. Pending touches it emitted that no worker has claimed yet should be
// cancelled by the caller.
struct Finish {
  JourneyStatus status = JourneyStatus::kSucceeded;
  nlohmann::json output;
  std::string error;
  std::string cause;
};
using Effect = std::variant<EmitTouch, SetTimer, CancelTimer, HistoryEntry, Finish>;

nlohmann::json EffectToJson(const Effect& effect);

struct StepResult {
  JourneyState next;
  std::vector<Effect> effects;
  int transitions = 0;  // states entered while applying this trigger
};

// Applies one trigger. Triggers that do not concern the journey (a stale timer, a result
// for a touch it no longer waits for, a trigger after it finished) leave the state as it
// was and yield one "TriggerIgnored" history entry.
StepResult Step(const CompiledCampaign& campaign, const JourneyState& state,
                const CustomerFacts& facts, const Trigger& trigger, absl::Time now);
// The same, consuming `state` (saves copying it when the caller no longer needs it).
StepResult Step(const CompiledCampaign& campaign, JourneyState&& state, const CustomerFacts& facts,
                const Trigger& trigger, absl::Time now);

// RFC 3339 in UTC with as many fractional digits as needed ("2026-11-26T18:00:00Z").
std::string FormatTimestamp(absl::Time t);

}  // namespace blend::journey
