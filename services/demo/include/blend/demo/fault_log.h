#pragma once

// The faults file scripts/chaos writes while it injects faults, one event per line:
//   <RFC 3339 time> TAB <event> TAB <target> TAB <detail>
// events: `start` (a replica started, detail pid=N), `kill` (SIGKILL of a service replica,
// detail pid=N, or of the Kafka broker: target `kafka`),
// `stop` (immediate shutdown of PostgreSQL: target `postgresql`), `ready` (the target answers
// /readyz again, or the server accepts connections again), `exit` (the target exited without
// being killed; "during start-up" when it never got ready), `sim-faults` / `storm` / `faults-off`
// (genesys-sim settings, target `genesys-sim`), `phase` (chaos, drain, report). Lines starting with
// # are comments.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace blend::demo {

struct FaultEvent {
  absl::Time time;
  std::string event;
  std::string target;
  std::string detail;
};

// Events in file order; InvalidArgument names the first bad line.
absl::StatusOr<std::vector<FaultEvent>> ParseFaultLog(std::string_view text);

// The Kafka broker and PostgreSQL, as named in the faults file.
bool IsInfrastructure(std::string_view target);

// Seconds from each `kill`/`stop` of a target to its next `ready`, for the targets `select`
// accepts; a kill with no ready after it is `unrecovered`.
struct Recovery {
  std::vector<double> seconds;  // in kill order
  int unrecovered = 0;
  double p50 = 0, max = 0;  // 0 when nothing recovered
};
Recovery RecoveryTimes(const std::vector<FaultEvent>& events, bool infrastructure);

}  // namespace blend::demo
