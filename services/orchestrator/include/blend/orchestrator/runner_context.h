#pragma once

// The transaction shell every part of JourneyRunner runs its work in, and what those parts
// share (pool, clock, metrics, options). Why it exists: each operation used to repeat the same
// lines (TxOptions with its name and retries, or read-only; metric notes reset on every
// attempt; notes flushed and the trigger latency recorded only after the commit). Transact is
// that code, once: a metric can no longer be recorded for a transaction that rolled back, nor
// twice for one that was retried.

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/transaction>

#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/engagement/profile.h"
#include "blend/orchestrator/metrics.h"
#include "blend/store/connection_pool.h"
#include "blend/store/transaction.h"

namespace blend::orchestrator {

// Metric events of a transaction, recorded only once it committed.
struct TxNotes {
  std::vector<std::string> started;                           // campaign
  std::vector<std::pair<std::string, std::string>> finished;  // campaign, status
  std::vector<std::string> touches;                           // channel
  std::vector<std::string> withdrawals;                       // channel (requested)
  std::vector<std::string> suppressions;                      // reason (consent record)
  struct Conversion {
    std::string channel;   // "none" when no touch within the attribution window
    std::string campaign;  // "none" likewise
    std::optional<double> seconds_since_touch;
  };
  std::vector<Conversion> conversions;
  std::vector<double> timer_lateness;  // seconds, one per fired timer
  std::vector<std::string> claims;     // claim decision ("granted", "refused", ...)
  void Flush(Metrics* metrics) const;
};

struct RunnerOptions {
  // Prepended to every Kafka topic name ("" in production; tests isolate themselves with it).
  std::string topic_prefix;
  int start_batch_size = 500;               // start-many rows per transaction
  int timer_batch_size = 1000;              // timers fired per transaction
  int tx_attempts = 3;                      // retries of a transaction aborted by a conflict
  engagement::EngagementConfig engagement;  // goal events, attribution window, RPC codes
};

// How one transaction runs.
struct TxSpec {
  std::string name;        // the store's `tx` metric label
  bool read_only = false;  // READ ONLY, one attempt
  bool retry = true;       // a write: up to RunnerOptions::tx_attempts attempts on kAborted
  bool timed = false;      // after the commit: Metrics::TriggerApplied(name, duration)
};

class RunnerContext {
 public:
  RunnerContext(store::ConnectionPool& pool, const Clock& clock, Metrics* metrics,
                RunnerOptions options)
      : pool_(pool), clock_(clock), metrics_(metrics), options_(std::move(options)) {}

  // Runs body(tx, notes) in one transaction (store::WithTransaction: commit when it returns
  // OK; retried from scratch with fresh notes when spec allows). After the commit only: the
  // notes go to the metrics, then the trigger latency when spec.timed. Returns what the body
  // returns (absl::Status or absl::StatusOr<T>).
  template <typename Fn>
  auto Transact(const TxSpec& spec, Fn&& body) const {
    const absl::Time started = clock_.Now();
    TxNotes notes;
    auto result = store::WithTransaction(
        pool_,
        [&](pqxx::work& tx) {
          notes = TxNotes{};
          return body(tx, notes);
        },
        OptionsFor(spec));
    if (result.ok()) Committed(spec, notes, started);
    return result;
  }

  // The trigger latency of `name` since `started`, for an operation that decides after its
  // commit whether it counts (a start whose row was rejected does not).
  void RecordTrigger(const std::string& name, absl::Time started) const;

  store::ConnectionPool& pool() const { return pool_; }
  const Clock& clock() const { return clock_; }
  Metrics* metrics() const { return metrics_; }
  const RunnerOptions& options() const { return options_; }

 private:
  store::TxOptions OptionsFor(const TxSpec& spec) const;
  void Committed(const TxSpec& spec, const TxNotes& notes, absl::Time started) const;

  store::ConnectionPool& pool_;
  const Clock& clock_;
  Metrics* metrics_;
  RunnerOptions options_;
};

}  // namespace blend::orchestrator
