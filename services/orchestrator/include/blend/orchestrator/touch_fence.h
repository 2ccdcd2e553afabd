#pragma once

// The touch claim fence (TouchService) over a JourneyStore (journey_store.h). A worker claims
// a touch right before it contacts Genesys, and the dialer checks it again right before a
// call; the decision and the claim record are written in the caller's transaction, under the
// journey's row lock, so a payment (or opt-out, or cancel) that committed first always wins.
// No transaction of its own and no SQL: JourneyRunner runs each call in one PostgreSQL
// transaction (touch_claim.cc), the unit tests on InMemoryJourneyStore (touch_fence_test.cc).
//
// The fence, in order: the message is one Blend wrote (its id and every field it sets match
// the stored touch), the journey is running and still waiting on this touch, no suppression
// blocks the channel, the calling window is open and the frequency cap not reached. A paused
// campaign holds the touch instead of granting it. Thread-safe: nothing is kept between calls.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/orchestrator/store_rows.h"
#include "blend/v1/touch_service.pb.h"

namespace blend::orchestrator {

class TouchFence {
 public:
  explicit TouchFence(JourneyStepper& stepper) : stepper_(stepper) {}

  // One claim. `bus_copy`: the touch message as the worker read it from Kafka; a field it sets
  // that differs from the stored touch, or an unknown id, is DECISION_NOT_ISSUED and changes
  // nothing. GRANTED (and a re-claim of a touch whose attempt sent nothing, ALREADY_CLAIMED)
  // carries the stored touch: what the worker sends. REFUSED marks the touch refused; DEFERRED
  // stores its next attempt, with an outbox row at the allowed moment (none for a paused
  // campaign: the resume emits it). Each decision is noted in notes.claims.
  absl::StatusOr<blend::v1::ClaimTouchResponse> Claim(JourneyStore& store,
                                                      const std::string& touch_id,
                                                      const std::string& worker_id,
                                                      const blend::v1::TouchCommand& bus_copy,
                                                      absl::Time now, TxNotes& notes);
  // Many claims in one transaction: one answer per claim, in request order, each what Claim
  // would answer. Journeys are locked in id order (claims of one journey in request order), the
  // order of every multi-journey writer, so two batches cannot deadlock on each other. The
  // request is assumed valid (JourneyRunner::ClaimTouches checks its size and ids).
  absl::StatusOr<blend::v1::ClaimTouchesResponse> ClaimMany(
      JourneyStore& store, const blend::v1::ClaimTouchesRequest& request, absl::Time now,
      TxNotes& notes);
  // Read-only: may this claimed (or sent) touch be dialed now? The same fence; also "no" while
  // a withdrawal of its contact is requested.
  absl::StatusOr<blend::v1::CheckTouchResponse> Check(JourneyStore& store,
                                                      const std::string& touch_id, absl::Time now);

 private:
  struct Verdict {
    enum class Kind { kPass, kRefuse, kDefer };
    Kind kind = Kind::kPass;
    std::string reason;
    absl::Time send_at;  // kDefer: the allowed moment
    Channel channel = Channel::kSms;
  };
  // The fence on a loaded journey and its touch; writes nothing. `own_claim_counted`: the
  // touch's own claim is in the cap history and must not count against it.
  absl::StatusOr<Verdict> Decide(JourneyStore& store, const LoadedJourney& j, const TouchRow& touch,
                                 bool own_claim_counted, absl::Time now);

  JourneyStepper& stepper_;
};

}  // namespace blend::orchestrator
