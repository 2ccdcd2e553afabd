#pragma once

// Reads what the chaos report checks from PostgreSQL: the orchestrator's journeys (with the
// states they entered), touches and timers, the workers' ledger (touch_outcomes, dispositions
// decoded) and the commit time of every payment event (processed_messages).

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/demo/chaos_report.h"

namespace blend::demo {

struct DbSnapshot {
  std::vector<DbJourney> journeys;
  std::vector<DbTouch> touches;
  std::vector<DbTimer> timers;
  std::vector<LedgerRow> ledger;
  // Customer id -> when the orchestrator committed its "payment-<customer>" event.
  std::map<std::string, absl::Time> payment_commits;
};

absl::StatusOr<DbSnapshot> ReadDatabase(const std::string& pg_url);

}  // namespace blend::demo
