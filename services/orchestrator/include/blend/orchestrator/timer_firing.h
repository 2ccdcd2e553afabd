#pragma once

// A batch of due timers applied with a fixed number of store calls, whatever its size: claim
// the due timers, lock their journeys (skipping those another transaction holds: their timers
// stay due for the next poll, and waiting could deadlock with that holder), read every
// journey's facts at once, step each journey in memory (several timers of one journey in due
// order), then write history, touches, outbox rows and timers as one Effects and the journeys
// with one UpdateJourneys. Applying timers one by one cost about ten round trips each, and
// 10,000 timers due in the same second took 30-60 s to fire.
//
// A journey that cannot be stepped (its stored state unreadable, its campaign gone) has its
// timers postponed by a minute, said loudly, and does not hold the rest of the batch back.

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"

namespace blend::orchestrator {

// Fires up to `batch_size` timers due at `now` in `store` (one transaction); returns how many
// fired. kAborted when a journey changed concurrently (retry the transaction).
absl::StatusOr<int> FireDueTimerBatch(JourneyStore& store, JourneyStepper& stepper, absl::Time now,
                                      int batch_size, TxNotes& notes);

}  // namespace blend::orchestrator
