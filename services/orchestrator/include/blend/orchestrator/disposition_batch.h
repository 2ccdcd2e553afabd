#pragma once

// Dispositions applied as a batch over a JourneyStore: a run of consecutive ordinary
// dispositions costs a fixed number of store calls, whatever its length, as due timers do
// (timer_firing.h). Find the touches, mark the message ids processed, lock the journeys and
// then the touches by id, update the customers' engagement profiles and the touches' statuses
// at once, read the facts of every journey that steps, step them in memory (several
// dispositions of one journey in message order), and write history, touches, outbox rows,
// timers and journeys as one Effects and one UpdateJourneys. Applied one by one, a
// disposition cost about ten round trips.
//
// What differs from the one-by-one path (EventApplier::Disposition): every step of the
// batch sees the profile after all of the batch's interactions, not only those before it.
// Outcomes that write the consent record or revisit a done touch (WITHDRAWN, DNC_ACTIVE,
// OPTED_OUT) are not batched (EventApplier::DispositionAppliesInBatch).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/orchestrator/engagement_recorder.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/v1/bus.pb.h"

namespace blend::orchestrator {

struct DispositionMessage {
  std::string message_id;  // the bus envelope's id; "" when none
  const blend::v1::Disposition* disposition;
};

// Applies the dispositions, in order, in `store` (one transaction). `results` gets one status
// per message: OK (applied, or a redelivery: a message id already processed, a touch already
// done), or kNotFound for an unknown touch (nothing written for it: dead-letter it). Any
// error returned (kAborted: a journey changed concurrently) aborts the transaction.
absl::Status ApplyDispositionBatch(JourneyStore& store, JourneyStepper& stepper,
                                   const EngagementRecorder& engagement,
                                   const std::vector<DispositionMessage>& messages, absl::Time now,
                                   TxNotes& notes, std::vector<absl::Status>& results);

}  // namespace blend::orchestrator
