#pragma once

// Customer events (payments, promises, any fact a CRM sends) applied as a batch over a
// JourneyStore, as dispositions are (disposition_batch.h): mark the event ids processed,
// upsert each event's attributes as facts, lock the running journeys of every customer at
// once, update the customers' engagement profiles, read every journey's facts at once, step
// each journey with its customer's event, then write history, touches, outbox rows, timers
// and journeys as one Effects and one UpdateJourneys. One by one, an event cost about ten
// round trips plus three per journey it stepped.
//
// Which events: CustomerEventAppliesInBatch. At most one event per customer in a batch (the
// caller ends a batch where a customer comes again), so every step sees its customer's facts
// exactly as the one-by-one path would. Opt-outs stay one by one: they write the consent
// record and withdraw voice contacts before the journeys step.

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/orchestrator/engagement_recorder.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {

// InvalidArgument unless the event has an id, a customer and a type.
absl::Status ValidateCustomerEvent(const blend::v1::CustomerEvent& event);

// A valid event that is not an opt-out.
bool CustomerEventAppliesInBatch(const blend::v1::CustomerEvent& event);

// Applies the events (each CustomerEventAppliesInBatch, no two of one customer) in `store`
// (one transaction). `results` gets one status per event: OK (applied, or a redelivered event
// id: nothing written). Any error returned (kAborted: a journey changed concurrently; a
// journey that cannot be read) aborts the transaction.
absl::Status ApplyCustomerEventBatch(JourneyStore& store, JourneyStepper& stepper,
                                     const EngagementRecorder& engagement,
                                     const std::vector<const blend::v1::CustomerEvent*>& events,
                                     absl::Time now, TxNotes& notes,
                                     std::vector<absl::Status>& results);

}  // namespace blend::orchestrator
