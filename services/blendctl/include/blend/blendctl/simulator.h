#pragma once

// Dry-runs one journey of a campaign on a virtual clock through a scripted sequence of
// triggers (see libs/journey/README.md, "simulate script format"). Pure: no I/O, no clock.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/journey/campaign.h"

namespace blend::blendctl {

// One line of the timeline: `record` has "kind" (trigger, enter, touch, timer, ...) and
// details; `at` is the virtual time.
struct TimelineEntry {
  absl::Time at;
  nlohmann::json record;
};

struct SimulationResult {
  std::vector<TimelineEntry> timeline;
  std::string final_status;  // RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT
  nlohmann::json output;
  std::string error;
  std::string cause;
};

// InvalidArgument for a malformed script (message names the step and field).
absl::StatusOr<SimulationResult> Simulate(const journey::CompiledCampaign& campaign,
                                          const nlohmann::json& input,
                                          const nlohmann::json& script);

// "TIME  WHAT  STATE  DETAIL" table, times in UTC (and in `display_zone` when given).
std::string FormatTimelineTable(const SimulationResult& result);
// One JSON object per line: {"at": ..., <record fields>}; the last line is the final status.
std::string FormatTimelineJsonLines(const SimulationResult& result);

}  // namespace blend::blendctl
