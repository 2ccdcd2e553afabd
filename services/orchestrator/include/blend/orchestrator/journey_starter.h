#pragma once

// Journey starts over a JourneyStore (journey_store.h): a batch of start requests becomes
// journeys with a fixed number of store calls (consent, profiles, cap histories, one insert,
// one write of every first step's effects), whatever its size. No transaction of its own and
// no SQL: JourneyRunner runs a batch in one PostgreSQL transaction; the unit tests
// (journey_starter_test.cc) on InMemoryJourneyStore.

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {

// Validates and normalises a start request before any database work (phone to E.164,
// e-mail lower-cased). InvalidArgument with a reason for the caller.
absl::Status NormalizeStartRequest(blend::v1::StartJourneyRequest& request);

// Starts (normalised) requests: every first step runs in memory, then the journeys, their
// history, touches, outbox rows and timers are written at once. One result per request, in
// order; row_status[i] is OK for an accepted row (new, or a duplicate of the journey that holds
// its client key with the same input), kNotFound for an unknown campaign, kAlreadyExists for
// a client key held with another input, kAborted when the key's journey vanished meanwhile
// (re-run the transaction). Accepted rows are noted (started, and finished for a journey that
// ended in its first step).
std::vector<blend::v1::StartJourneyResult> StartJourneys(
    JourneyStore& store, JourneyStepper& stepper, CampaignCache& campaigns,
    const std::vector<blend::v1::StartJourneyRequest>& requests, absl::Time now, TxNotes& notes,
    std::vector<absl::Status>& row_status);

}  // namespace blend::orchestrator
