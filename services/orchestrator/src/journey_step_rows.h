#pragma once

// How an interpreter step lands in a journey row; shared by the files that step journeys
// (journey_stepper.cc, which defines them, journey_starter.cc and the batches:
// timer_firing.cc, disposition_batch.cc, customer_event_batch.cc). Private to src/.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/journey/campaign.h"
#include "blend/journey/interpreter.h"
#include "blend/orchestrator/store_rows.h"

namespace blend::orchestrator::detail {

// The interpreter's view of the main run: its current state name.
std::string CurrentState(const journey::JourneyState& s);

// Copies the interpreter's verdict into the row (everything but pending_timer).
void FillRow(JourneyRow& row, const journey::StepResult& r, absl::Time now);

// How many history rows a step writes (its HistoryEntry effects): the next step of the same
// journey in a batch numbers its rows after them.
int64_t HistoryRowsOf(const journey::StepResult& result);

// kAborted ("<what> changed concurrently; retry") when a versioned write found another version.
absl::Status TxOk(bool ok, const std::string& what);

}  // namespace blend::orchestrator::detail
