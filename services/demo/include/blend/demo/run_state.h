#pragma once

// What a run of blend-demo hands to a later chaos report (`--run-state`): scripts/chaos runs the
// campaign, injects faults while it runs, lets the system drain, and only then checks; the
// report needs what only the run knew — which journey each customer got, which starts never
// got an answer, when each payment was acknowledged.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/demo/summary.h"
#include "nlohmann/json.hpp"

namespace blend::demo {

struct RunState {
  absl::Time started = absl::UnixEpoch();
  std::map<std::string, std::string> journey_of_customer;  // customer id -> journey id
  int rejected = 0;                            // rows the orchestrator refused (validation)
  std::vector<std::string> not_started;        // customers whose start was never acknowledged
  std::map<std::string, Payment> payments;     // acknowledged payments, by customer id
  std::vector<std::string> payments_not_sent;  // customers whose payment never went through
};

nlohmann::json RunStateToJson(const RunState& state);
absl::StatusOr<RunState> RunStateFromJson(const nlohmann::json& j);
absl::Status WriteRunState(const std::string& path, const RunState& state);
absl::StatusOr<RunState> ReadRunState(const std::string& path);

}  // namespace blend::demo
