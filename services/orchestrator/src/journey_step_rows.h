#pragma once

// How an interpreter step lands in a journey row; shared by the files that step journeys
// (journey_runner.cc, timer_firing.cc). Private to src/.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/journey/interpreter.h"
#include "blend/orchestrator/pg_store.h"

namespace blend::orchestrator::detail {

// The interpreter's view of the main run: its current state name.
std::string CurrentState(const journey::JourneyState& s);

// Copies the interpreter's verdict into the row (everything but pending_timer).
void FillRow(pg::JourneyRow& row, const journey::StepResult& r, absl::Time now);

// kAborted ("<what> changed concurrently; retry") when a versioned write found another version.
absl::Status TxOk(bool ok, const std::string& what);

}  // namespace blend::orchestrator::detail
