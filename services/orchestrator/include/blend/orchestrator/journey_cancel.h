#pragma once

// CancelJourney over a JourneyStore: the operator's (or an API client's) stop of one journey.
// JourneyRunner::CancelJourney runs it in one PostgreSQL transaction; the unit tests
// (journey_cancel_test.cc) on InMemoryJourneyStore.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/orchestrator/store_rows.h"

namespace blend::orchestrator {

// Locks the journey and, when it is running, steps it with a cancel (`reason`, "cancelled"
// when empty): it ends CANCELLED, its pending touches are cancelled and its voice contacts
// still queued in Genesys withdrawn. A journey that already ended is left as it is (a cancel
// is idempotent). Returns the journey row as stored; kNotFound for an unknown id.
absl::StatusOr<JourneyRow> CancelJourney(JourneyStore& store, JourneyStepper& stepper,
                                         const std::string& journey_id, const std::string& reason,
                                         absl::Time now, TxNotes& notes);

}  // namespace blend::orchestrator
