#pragma once

// The compiled form of an ASL definition. Private to libs/journey.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "blend/journey/campaign.h"
#include "blend/journey/choice.h"
#include "blend/journey/expression.h"
#include "blend/journey/json_path.h"

namespace blend::journey::internal {

enum class StateType { kTask, kWait, kChoice, kPass, kSucceed, kFail, kParallel, kMap };

// InputPath / OutputPath / ResultPath: absent (default "$"), null, or a path.
struct OptionalPath {
  bool is_null = false;
  std::optional<ReferencePath> path;  // unset with !is_null means "$"
};

struct Retrier {
  std::vector<std::string> errors;
  double interval_seconds = 1;
  int max_attempts = 3;
  double backoff_rate = 2;
  std::optional<double> max_delay_seconds;
  bool full_jitter = false;
};

struct Catcher {
  std::vector<std::string> errors;
  OptionalPath result_path;
  int next = -1;
};

struct State {
  std::string name;
  StateType type = StateType::kPass;
  int next = -1;  // state index in the same machine, -1 when End
  bool end = false;
  OptionalPath input_path, output_path, result_path;
  std::optional<PayloadTemplate> parameters, result_selector;
  bool uses_context = false;
  // Task
  BlendResource resource = BlendResource::kFacts;
  std::string resource_name;
  std::optional<double> timeout_seconds;
  std::optional<ReferencePath> timeout_seconds_path;
  std::vector<Retrier> retry;
  std::vector<Catcher> catch_;
  // Wait
  std::optional<double> seconds;
  std::optional<ReferencePath> seconds_path;
  std::optional<absl::Time> timestamp;
  std::optional<ReferencePath> timestamp_path;
  // Choice
  std::vector<ChoiceRule> choices;
  int default_next = -1;
  // Pass
  std::optional<nlohmann::json> result;
  // Fail
  std::string error, cause;
  std::optional<ReferencePath> error_path, cause_path;
  // Parallel: machine indices of the branches; Map: one, its ItemProcessor (Iterator)
  std::vector<int> branches;
  // Map (inline)
  std::optional<ReferencePath> items_path;       // unset: the effective input itself
  std::optional<PayloadTemplate> item_selector;  // ItemSelector, or the older Parameters
  int max_concurrency = 0;                       // 0: no limit
  std::optional<int> tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
};

struct Machine {
  int start = 0;
  std::vector<State> states;
  absl::flat_hash_map<std::string, int> by_name;
};

struct Definition {
  std::vector<Machine> machines;          // [0] is the top level
  std::optional<double> timeout_seconds;  // top-level TimeoutSeconds -> TIMED_OUT
};

}  // namespace blend::journey::internal
