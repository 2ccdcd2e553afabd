#pragma once

// How an interpreter step lands in a journey row; shared by the files that step journeys
// (journey_runner.cc and the batches: batch_stepping.cc, timer_firing.cc,
// disposition_batch.cc). Private to src/.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/journey/campaign.h"
#include "blend/journey/interpreter.h"
#include "blend/orchestrator/pg_store.h"

namespace blend::orchestrator::detail {

// The interpreter's view of the main run: its current state name.
std::string CurrentState(const journey::JourneyState& s);

// Copies the interpreter's verdict into the row (everything but pending_timer).
void FillRow(pg::JourneyRow& row, const journey::StepResult& r, absl::Time now);

// How many history rows a step writes (its HistoryEntry effects): the next step of the same
// journey in a batch numbers its rows after them.
int64_t HistoryRowsOf(const journey::StepResult& result);

// The claim times each query's campaign's frequency caps look at, set in its facts, with one
// statement per (channel, window) capped whatever the number of queries (batch_stepping.cc).
struct CapQuery {
  const journey::CompiledCampaign* campaign;
  std::string customer_id;
  journey::CustomerFacts* facts;
};
void AddCapHistories(pqxx::work& tx, const std::vector<CapQuery>& queries, absl::Time now);

// kAborted ("<what> changed concurrently; retry") when a versioned write found another version.
absl::Status TxOk(bool ok, const std::string& what);

}  // namespace blend::orchestrator::detail
