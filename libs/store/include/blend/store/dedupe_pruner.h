#pragma once

// Keeps dedupe tables from growing forever. A dedupe table (the orchestrator's
// processed_messages, the dialer's dialer_webhook_events) holds one row per message already
// applied, so a redelivery is applied zero more times; a row is only useful while its message
// can still come back. The pruner deletes rows older than the retention, a small batch per
// table per call, so no long transaction or lock stands in the way of the writers. Call
// PruneOnce from a background loop: it returns how many rows it deleted (0: nothing due, the
// loop may sleep). Time comes from the injected Clock. Thread-compatible: one loop per pruner.

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/store/connection_pool.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace blend::store {

// The default retention: longer than any redelivery window (Kafka's default retention is
// 7 days; Genesys and EventBridge retry webhooks for hours), so a message can only come back
// while its row is still there.
inline constexpr absl::Duration kDefaultDedupeRetention = absl::Hours(24 * 30);

struct PruneTarget {
  std::string table;        // e.g. "processed_messages"
  std::string time_column;  // when the row was written, e.g. "processed_at"
  // Extra SQL condition on the rows that may go (from code, never from input), e.g. keep the
  // rows that stand for a permanent promise. Empty: every expired row.
  std::string condition;
};

struct PrunerOptions {
  absl::Duration retention = kDefaultDedupeRetention;
  int batch = 1000;  // rows per table per PruneOnce, each table in its own transaction
  absl::Duration interval = absl::Minutes(1);  // Start(): the pause once nothing is due
};

class DedupePruner {
 public:
  // `registry` (optional) gets blend_dedupe_pruned_total{table}.
  DedupePruner(ConnectionPool& pool, const Clock& clock, std::vector<PruneTarget> targets,
               PrunerOptions options, prometheus::Registry* registry);

  // Deletes up to options.batch rows older than now - retention from each target, oldest
  // first; the number deleted in all. Errors as from WithTransaction.
  absl::StatusOr<int> PruneOnce();

  // For a service without a background loop of its own: a thread calling PruneOnce, again at
  // once while batches come back full, else after options.interval (also after an error,
  // logged). Stop() ends it (idempotent; the destructor calls it).
  void Start();
  void Stop();
  ~DedupePruner();

 private:
  ConnectionPool& pool_;
  const Clock& clock_;
  std::vector<PruneTarget> targets_;
  PrunerOptions options_;
  std::vector<prometheus::Counter*> pruned_;  // per target, or null without a registry
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace blend::store
