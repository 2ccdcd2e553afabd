#include "blend/store/dedupe_pruner.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"

namespace blend::store {

DedupePruner::DedupePruner(ConnectionPool& pool, const Clock& clock,
                           std::vector<PruneTarget> targets, PrunerOptions options,
                           prometheus::Registry* registry)
    : pool_(pool), clock_(clock), targets_(std::move(targets)), options_(options) {
  prometheus::Family<prometheus::Counter>* family = nullptr;
  if (registry != nullptr) {
    family = &prometheus::BuildCounter()
                  .Name("blend_dedupe_pruned_total")
                  .Help("Rows deleted from a dedupe table once older than the retention")
                  .Register(*registry);
  }
  for (const PruneTarget& t : targets_) {
    pruned_.push_back(family != nullptr ? &family->Add({{"table", t.table}}) : nullptr);
  }
}

absl::StatusOr<int> DedupePruner::PruneOnce() {
  const absl::Time before = clock_.Now() - options_.retention;
  const std::string cutoff = absl::FormatTime(absl::RFC3339_full, before, absl::UTCTimeZone());
  int total = 0;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const PruneTarget& t = targets_[i];
    // ctid picks the batch without a key; ORDER BY the indexed time column makes it the oldest.
    const std::string sql =
        absl::StrCat("DELETE FROM ", t.table, " WHERE ctid = ANY(ARRAY(SELECT ctid FROM ", t.table,
                     " WHERE ", t.time_column, " < $1::timestamptz",
                     t.condition.empty() ? "" : absl::StrCat(" AND (", t.condition, ")"),
                     " ORDER BY ", t.time_column, " LIMIT $2))");
    absl::StatusOr<int> deleted = WithTransaction(
        pool_,
        [&](pqxx::work& tx) -> absl::StatusOr<int> {
          return static_cast<int>(tx.exec_params(sql, cutoff, options_.batch).affected_rows());
        },
        {.name = "dedupe_prune"});
    if (!deleted.ok()) return deleted.status();
    if (pruned_[i] != nullptr) pruned_[i]->Increment(*deleted);
    total += *deleted;
  }
  return total;
}

void DedupePruner::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    while (!stop_.HasBeenNotified()) {
      absl::StatusOr<int> n = PruneOnce();
      if (!n.ok()) {
        BLEND_LOG(kWarn, "pruning dedupe tables failed; will retry",
                  {{"error", std::string(n.status().message())}});
      }
      // A full batch from some table: more is due, go on without waiting.
      const bool more = n.ok() && *n >= options_.batch;
      if (!more) stop_.WaitForNotificationWithTimeout(options_.interval);
    }
  });
}

void DedupePruner::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

DedupePruner::~DedupePruner() { Stop(); }

}  // namespace blend::store
