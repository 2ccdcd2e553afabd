#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/v1/bus.pb.h"

namespace blend::store {
class ConnectionPool;
}

namespace blend::worker {

// A worker's durable record of each touch it sends (what makes a send exactly-once).
struct LedgerEntry {
  enum class State { kCalling, kDone };
  State state = State::kCalling;
  std::optional<v1::Disposition> disposition;    // when kDone
  std::string worker_id;                         // who wrote the row
  absl::Time started_at = absl::InfinitePast();  // when "calling" was written
};

// Thread-safe. Status codes: kUnavailable when the database cannot be reached.
class TouchLedger {
 public:
  virtual ~TouchLedger() = default;
  virtual absl::StatusOr<std::optional<LedgerEntry>> Find(const std::string& touch_id) = 0;
  // Atomically records "about to call Genesys". false when a row already exists (another
  // attempt owns or owned this touch): the caller must not call Genesys.
  virtual absl::StatusOr<bool> BeginCall(const std::string& touch_id, const std::string& channel,
                                         const std::string& worker_id, absl::Time now) = 0;
  // Genesys did not accept the request (429, or a transient error to retry): forget the
  // 'calling' row so a later attempt may call again.
  virtual absl::Status AbortCall(const std::string& touch_id) = 0;
  // Records the final disposition (inserting the row if BeginCall was never needed) and
  // returns the one on record: the first writer wins, so when another attempt finished the
  // touch first its disposition comes back, and that is the one to publish.
  virtual absl::StatusOr<v1::Disposition> Complete(const v1::Disposition& disposition,
                                                   const std::string& worker_id,
                                                   absl::Time now) = 0;

  // Many Find / BeginCall / Complete at once, one result per request in order, each what the single
  // call would return. The defaults call the single versions one by one; PgTouchLedger writes
  // each batch in one transaction (one commit). A failed transaction fails every request.
  struct BeginRequest {
    std::string touch_id;
    std::string channel;
    std::string worker_id;
    absl::Time now;
  };
  struct CompleteRequest {
    v1::Disposition disposition;
    std::string worker_id;
    absl::Time now;
  };
  virtual std::vector<absl::StatusOr<std::optional<LedgerEntry>>> Finds(
      const std::vector<std::string>& touch_ids);
  virtual std::vector<absl::StatusOr<bool>> BeginCalls(const std::vector<BeginRequest>& requests);
  virtual std::vector<absl::StatusOr<v1::Disposition>> Completes(
      const std::vector<CompleteRequest>& requests);
};

class PgTouchLedger final : public TouchLedger {
 public:
  explicit PgTouchLedger(store::ConnectionPool& pool) : pool_(pool) {}
  absl::StatusOr<std::optional<LedgerEntry>> Find(const std::string& touch_id) override;
  absl::StatusOr<bool> BeginCall(const std::string& touch_id, const std::string& channel,
                                 const std::string& worker_id, absl::Time now) override;
  absl::Status AbortCall(const std::string& touch_id) override;
  absl::StatusOr<v1::Disposition> Complete(const v1::Disposition& disposition,
                                           const std::string& worker_id, absl::Time now) override;
  std::vector<absl::StatusOr<std::optional<LedgerEntry>>> Finds(
      const std::vector<std::string>& touch_ids) override;
  std::vector<absl::StatusOr<bool>> BeginCalls(const std::vector<BeginRequest>& requests) override;
  std::vector<absl::StatusOr<v1::Disposition>> Completes(
      const std::vector<CompleteRequest>& requests) override;

 private:
  store::ConnectionPool& pool_;
};

// Coalesces the Find, BeginCall and Complete calls that K processing threads make at the
// same moment into one Finds / BeginCalls / Completes of `inner` (one statement, one commit);
// AbortCall (a 429 or a transient error: rare) goes straight through. Thread-safe like `inner`,
// which must outlive it.
class BatchingTouchLedger final : public TouchLedger {
 public:
  explicit BatchingTouchLedger(TouchLedger& inner, size_t max_batch = 64);
  ~BatchingTouchLedger() override;
  absl::StatusOr<std::optional<LedgerEntry>> Find(const std::string& touch_id) override;
  absl::StatusOr<bool> BeginCall(const std::string& touch_id, const std::string& channel,
                                 const std::string& worker_id, absl::Time now) override;
  absl::Status AbortCall(const std::string& touch_id) override;
  absl::StatusOr<v1::Disposition> Complete(const v1::Disposition& disposition,
                                           const std::string& worker_id, absl::Time now) override;

 private:
  struct Combiners;
  TouchLedger& inner_;
  std::unique_ptr<Combiners> combiners_;
};

class InMemoryTouchLedger final : public TouchLedger {
 public:
  absl::StatusOr<std::optional<LedgerEntry>> Find(const std::string& touch_id) override;
  absl::StatusOr<bool> BeginCall(const std::string& touch_id, const std::string& channel,
                                 const std::string& worker_id, absl::Time now) override;
  absl::Status AbortCall(const std::string& touch_id) override;
  absl::StatusOr<v1::Disposition> Complete(const v1::Disposition& disposition,
                                           const std::string& worker_id, absl::Time now) override;

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, LedgerEntry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::worker
