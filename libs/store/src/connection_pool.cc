#include "blend/store/connection_pool.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <pqxx/except>
#include <pqxx/nontransaction>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/store/errors.h"
#include "metrics.h"

namespace blend::store {
namespace {

// Validates the URL with libpq's own parser (so any form libpq accepts is accepted) and
// adds connect_timeout when missing: without it a black-holed server hangs a borrower for
// the kernel's TCP timeout (minutes) instead of failing over to the caller's retry policy.
absl::StatusOr<std::string> PrepareUrl(const std::string& url, absl::Duration connect_timeout) {
  if (url.empty()) return absl::InvalidArgumentError("PostgreSQL URL is empty (--pg-url)");
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    // libpq's message names the bad part; it never echoes a password.
    return absl::InvalidArgumentError(absl::StrCat("invalid PostgreSQL URL: ", message));
  }
  bool has_timeout = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (absl::string_view(o->keyword) == "connect_timeout" && o->val != nullptr) {
      has_timeout = true;
    }
  }
  PQconninfoFree(options);
  if (has_timeout || connect_timeout <= absl::ZeroDuration()) return url;
  const int64_t seconds = std::max<int64_t>(2, absl::ToInt64Seconds(connect_timeout));
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    return absl::StrCat(url, url.find('?') == std::string::npos ? "?" : "&",
                        "connect_timeout=", seconds);
  }
  return absl::StrCat(url, " connect_timeout=", seconds);
}

// A pooled idle connection may have been closed by the server (restart, failover,
// pg_terminate_backend, idle timeout) since it was returned. Reading whatever the server
// sent, without a round trip, reveals that: libpq then reports the connection closed.
bool LooksAlive(pqxx::connection& conn) {
  try {
    conn.get_notifs();
    return conn.is_open();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

ConnectionLease::ConnectionLease(ConnectionLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      broken_(other.broken_) {}

ConnectionLease& ConnectionLease::operator=(ConnectionLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    broken_ = other.broken_;
  }
  return *this;
}

ConnectionLease::~ConnectionLease() { Release(); }

void ConnectionLease::Release() {
  if (pool_ != nullptr) pool_->Return(std::move(conn_), broken_);
  pool_ = nullptr;
}

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Create(std::string url, int size) {
  PoolOptions options;
  options.size = size;
  return Create(std::move(url), std::move(options));
}

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Create(std::string url,
                                                                       PoolOptions options) {
  if (options.size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL pool size must be at least 1, got ", options.size));
  }
  if (options.acquire_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("PostgreSQL pool acquire timeout must not be negative");
  }
  absl::StatusOr<std::string> prepared = PrepareUrl(url, options.connect_timeout);
  if (!prepared.ok()) return prepared.status();
  if (options.clock == nullptr) options.clock = &RealClock::Instance();
  std::unique_ptr<internal::StoreMetrics> metrics;
  if (options.registry != nullptr) {
    absl::StatusOr<std::unique_ptr<internal::StoreMetrics>> created =
        internal::StoreMetrics::Create(*options.registry, options.name);
    if (!created.ok()) return created.status();
    metrics = *std::move(created);
    metrics->max->Set(options.size);
  }
  return std::unique_ptr<ConnectionPool>(
      new ConnectionPool(*std::move(prepared), std::move(options), std::move(metrics)));
}

ConnectionPool::ConnectionPool(std::string url, PoolOptions options,
                               std::unique_ptr<internal::StoreMetrics> metrics)
    : url_(std::move(url)), options_(std::move(options)), metrics_(std::move(metrics)) {
  idle_.reserve(options_.size);
}

ConnectionPool::~ConnectionPool() {
  absl::MutexLock lock(&mu_);
  // A lease outliving its pool would write to freed memory on return.
  if (in_use_ != 0) {
    std::fprintf(stderr, "blend::store::ConnectionPool destroyed with %d connections lent\n",
                 in_use_);
    std::abort();
  }
}

bool ConnectionPool::CanAcquireLocked() const { return !idle_.empty() || open_ < options_.size; }

absl::StatusOr<ConnectionLease> ConnectionPool::Acquire() {
  return Acquire(options_.acquire_timeout);
}

absl::StatusOr<ConnectionLease> ConnectionPool::Acquire(absl::Duration timeout) {
  const absl::Time start = options_.clock->Now();
  absl::StatusOr<std::unique_ptr<pqxx::connection>> taken = TakeSlot(timeout);
  if (!taken.ok()) return taken.status();
  std::unique_ptr<pqxx::connection> conn = *std::move(taken);
  if (conn != nullptr && !LooksAlive(*conn)) {
    conn.reset();  // keep the slot and open a replacement below
    absl::MutexLock lock(&mu_);
    ++replaced_;
    if (metrics_) metrics_->replaced->Increment();
  }
  if (conn == nullptr) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> opened = Connect();
    if (!opened.ok()) {
      ForgetSlot(/*replaced=*/false);
      return opened.status();
    }
    conn = *std::move(opened);
  }
  if (metrics_) {
    metrics_->acquire_wait->Observe(absl::ToDoubleSeconds(options_.clock->Now() - start));
  }
  return ConnectionLease(this, std::move(conn));
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::TakeSlot(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  // The wait is on real time (absl::Mutex), by nature: it bounds a real resource wait.
  if (!mu_.AwaitWithTimeout(absl::Condition(this, &ConnectionPool::CanAcquireLocked), timeout)) {
    if (metrics_) metrics_->acquire_timeouts->Increment();
    return absl::UnavailableError(absl::StrCat(
        "PostgreSQL connection pool '", options_.name, "' exhausted: all ", options_.size,
        " connections stayed in use for ", absl::FormatDuration(timeout),
        "; look for long transactions or raise the pool size"));
  }
  ++in_use_;
  std::unique_ptr<pqxx::connection> conn;
  if (!idle_.empty()) {
    conn = std::move(idle_.back());
    idle_.pop_back();
  } else {
    ++open_;  // reserve the slot; the caller opens the connection outside the lock
  }
  PublishGaugesLocked();
  return conn;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::Connect() {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(url_);
  } catch (...) {
    absl::Status status = StatusFromException(std::current_exception());
    // Whatever went wrong while connecting (refused, auth, DNS), the caller can only wait
    // and retry: report it as kUnavailable, keeping libpq's reason.
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", status.message()));
  }
  if (options_.on_connect) {
    absl::Status status;
    try {
      status = options_.on_connect(*conn);
    } catch (...) {
      status = StatusFromException(std::current_exception());
    }
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("setting up a new PostgreSQL connection: ",
                                                      status.message()));
    }
  }
  return conn;
}

void ConnectionPool::Return(std::unique_ptr<pqxx::connection> conn, bool broken) {
  if (conn == nullptr) return;
  if (broken || !conn->is_open()) {
    conn.reset();  // closes the socket outside the lock
    ForgetSlot(/*replaced=*/true);
    return;
  }
  absl::MutexLock lock(&mu_);
  --in_use_;
  idle_.push_back(std::move(conn));
  PublishGaugesLocked();
}

void ConnectionPool::ForgetSlot(bool replaced) {
  absl::MutexLock lock(&mu_);
  --in_use_;
  --open_;
  if (replaced) {
    ++replaced_;
    if (metrics_) metrics_->replaced->Increment();
  }
  PublishGaugesLocked();
}

void ConnectionPool::PublishGaugesLocked() {
  if (!metrics_) return;
  metrics_->in_use->Set(in_use_);
  metrics_->open->Set(open_);
}

int ConnectionPool::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

int ConnectionPool::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int ConnectionPool::replaced() const {
  absl::MutexLock lock(&mu_);
  return replaced_;
}

absl::Status Ping(ConnectionPool& pool, absl::Duration timeout) {
  absl::StatusOr<ConnectionLease> lease = pool.Acquire(timeout);
  if (!lease.ok()) return lease.status();
  try {
    pqxx::nontransaction tx(lease->connection());
    tx.exec("SELECT 1");
    return absl::OkStatus();
  } catch (...) {
    if (IsConnectionLost(std::current_exception())) lease->MarkBroken();
    absl::Status status = StatusFromException(std::current_exception());
    return absl::UnavailableError(absl::StrCat("PostgreSQL ping failed: ", status.message()));
  }
}

}  // namespace blend::store
