#pragma once

// The consumed bus messages — dispositions (blend.dispositions) and customer events
// (blend.customer-events) — applied over a JourneyStore (journey_store.h), one by one or as a
// batch of runs. No transaction of its own and no SQL: JourneyRunner runs each call in one
// PostgreSQL transaction; the unit tests (event_applier_test.cc) on InMemoryJourneyStore.
//
// Exactly once per message id: a message id (a customer event's event id) already processed
// changes nothing. Lock order, as every trigger: journeys by id, then touches, then profiles.

#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/orchestrator/engagement_recorder.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {

// A consumed bus message: a disposition or a customer event, with its envelope id.
struct BusEvent {
  std::string message_id;
  std::variant<blend::v1::Disposition, blend::v1::CustomerEvent> payload;
};

class EventApplier {
 public:
  EventApplier(JourneyStepper& stepper, const EngagementRecorder& engagement)
      : stepper_(stepper), engagement_(engagement) {}

  // One disposition: the touch's status, the customer's engagement profile, the consent record
  // for an OPTED_OUT or DNC_ACTIVE outcome (unless it echoes a refused claim), then the
  // journey's step. kNotFound (unknown touch) and kInvalidArgument (no touch id) write
  // nothing: dead-letter the message. A redelivery (same message id, or a touch already done)
  // is OK and changes nothing, but for a WITHDRAWN answer to a touch left in doubt, which is
  // recorded on the touch and in the history.
  absl::Status Disposition(JourneyStore& store, const std::string& message_id,
                           const blend::v1::Disposition& d, absl::Time now, TxNotes& notes);
  // One customer event (validated by the caller: ValidateCustomerEvent): its attributes become
  // facts, its profile change and conversion are recorded, an opt-out goes on the consent
  // record, then every running journey of the customer steps with it.
  absl::StatusOr<blend::v1::SendCustomerEventResponse> CustomerEvent(
      JourneyStore& store, const blend::v1::CustomerEvent& ev, absl::Time now, TxNotes& notes);
  // Several messages in one store (transaction): runs of consecutive ordinary dispositions
  // (disposition_batch.h) and of consecutive ordinary customer events (customer_event_batch.h,
  // one per customer: a customer's second event starts the next run) set-wise, the others one
  // by one in their place. One status per message: OK (applied or duplicate), kNotFound /
  // kInvalidArgument (nothing written: dead-letter it). Any other failure is returned and
  // must abort the transaction.
  absl::StatusOr<std::vector<absl::Status>> Events(JourneyStore& store,
                                                   const std::vector<BusEvent>& events,
                                                   absl::Time now, TxNotes& notes);

  // Whether Events may batch `event`: a disposition with a touch id whose outcome writes
  // nothing but the touch, the profile and the journey's step (not WITHDRAWN, DNC_ACTIVE or
  // OPTED_OUT, which touch the consent record or a done touch).
  static bool DispositionAppliesInBatch(const BusEvent& event);

 private:
  // An OPTED_OUT or DNC_ACTIVE outcome, remembered on the consent record: every later touch it
  // blocks is refused at emit and claim, and queued voice contacts are withdrawn.
  absl::Status RecordOutcomeSuppression(JourneyStore& store, const blend::v1::Disposition& d,
                                        const blend::v1::Customer& customer, absl::Time now,
                                        TxNotes& notes);

  JourneyStepper& stepper_;
  const EngagementRecorder& engagement_;
};

}  // namespace blend::orchestrator
