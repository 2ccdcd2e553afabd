#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace blend::store {

namespace internal {
struct StoreMetrics;
}  // namespace internal

class ConnectionPool;

// Callers use designated initializers ({.size = 16, .registry = r}): add new fields at the
// end only.
struct PoolOptions {
  // Maximum number of open connections. Connections open lazily, on first demand.
  int size = 8;
  // How long Acquire() waits for a free connection before it returns kUnavailable.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Added to the URL as `connect_timeout` unless the URL already sets one.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Value of the `pool` label on this pool's metrics (several pools may share a registry).
  std::string name = "main";
  // When set, the pool and the transactions run on it export blend_store_* metrics here.
  // Must outlive the pool.
  prometheus::Registry* registry = nullptr;
  // Source of time for latency metrics; RealClock when null. Must outlive the pool.
  const Clock* clock = nullptr;
  // Runs on every newly opened connection (also on replacements), e.g. to register
  // prepared statements with conn.prepare(name, sql) or to SET session parameters.
  // A non-OK status or an exception closes the connection and fails the borrow.
  std::function<absl::Status(pqxx::connection&)> on_connect = nullptr;
};

// One borrowed connection, returned to its pool when the lease is destroyed (RAII).
// Move-only; not thread-safe (one thread uses a lease at a time). The pool must outlive it.
class ConnectionLease {
 public:
  ConnectionLease(ConnectionLease&& other) noexcept;
  ConnectionLease& operator=(ConnectionLease&& other) noexcept;
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;
  ~ConnectionLease();

  pqxx::connection& connection() { return *conn_; }
  pqxx::connection& operator*() { return *conn_; }
  pqxx::connection* operator->() { return conn_.get(); }

  // The connection failed in a way that leaves its state unknown (lost socket, protocol
  // error): close it on return instead of handing it to the next borrower.
  void MarkBroken() { broken_ = true; }

 private:
  friend class ConnectionPool;
  ConnectionLease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  void Release();

  ConnectionPool* pool_ = nullptr;
  std::unique_ptr<pqxx::connection> conn_;
  bool broken_ = false;
};

// A bounded pool of libpqxx connections to one PostgreSQL database.
//
// Lifecycle: Create() validates the URL but opens nothing; connections open on demand up to
// `size` and stay open. A connection found closed when borrowed, or marked broken by its
// lease, is discarded and a fresh one is opened in its place ("lazy reconnect"), so a
// restarted or failed-over server needs no service restart. The pool must outlive every
// lease and every WithTransaction call on it.
//
// Thread-safety: Acquire() and the accessors may be called from any thread.
//
// Status codes: Create → kInvalidArgument (bad URL or size, metrics name clash);
// Acquire → kUnavailable (every connection busy for acquire_timeout, or the server refused
// or could not be reached).
class ConnectionPool {
 public:
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Create(std::string url, int size);
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Create(std::string url,
                                                                PoolOptions options);
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Borrows a connection, waiting at most the pool's acquire_timeout (or `timeout`).
  absl::StatusOr<ConnectionLease> Acquire();
  absl::StatusOr<ConnectionLease> Acquire(absl::Duration timeout);

  int size() const { return options_.size; }
  const std::string& name() const { return options_.name; }
  // Connections currently lent out.
  int in_use() const;
  // Connections open or being opened (idle + in use).
  int open() const;
  // Connections discarded because they were found broken, since creation.
  int replaced() const;

  // For the transaction helper; null without a registry.
  internal::StoreMetrics* metrics() const { return metrics_.get(); }
  const Clock& clock() const { return *options_.clock; }

 private:
  friend class ConnectionLease;
  ConnectionPool(std::string url, PoolOptions options,
                 std::unique_ptr<internal::StoreMetrics> metrics);

  bool CanAcquireLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits for an idle connection (returned) or a free slot (reserved; returns null).
  absl::StatusOr<std::unique_ptr<pqxx::connection>> TakeSlot(absl::Duration timeout);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();
  void Return(std::unique_ptr<pqxx::connection> conn, bool broken);
  void ForgetSlot(bool replaced);
  void PublishGaugesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string url_;  // may hold a password: never log or put it in a Status
  const PoolOptions options_;
  const std::unique_ptr<internal::StoreMetrics> metrics_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int replaced_ ABSL_GUARDED_BY(mu_) = 0;
};

// Readiness probe: borrows a connection (waiting at most `timeout`) and runs `SELECT 1`.
// OK when the database answers; kUnavailable otherwise.
absl::Status Ping(ConnectionPool& pool, absl::Duration timeout = absl::Seconds(2));

}  // namespace blend::store
