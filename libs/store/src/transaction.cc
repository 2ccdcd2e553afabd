#include "blend/store/transaction.h"

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "blend/store/errors.h"
#include "metrics.h"

namespace blend::store::internal {
namespace {

// Statements that shape the transaction, run first (before any query, as PostgreSQL
// requires for SET TRANSACTION), joined so they cost a single round trip.
std::string SetupSql(const TxOptions& options) {
  std::vector<std::string> sql;
  switch (options.isolation) {
    case Isolation::kReadCommitted:
      break;
    case Isolation::kRepeatableRead:
      sql.push_back("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      break;
    case Isolation::kSerializable:
      sql.push_back("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      break;
  }
  if (options.read_only) sql.push_back("SET TRANSACTION READ ONLY");
  if (options.statement_timeout > absl::ZeroDuration()) {
    sql.push_back(absl::StrCat("SET LOCAL statement_timeout = ",
                               absl::ToInt64Milliseconds(options.statement_timeout)));
  }
  return absl::StrJoin(sql, "; ");
}

enum class Stage { kBegin, kBody, kCommit };

// One attempt on one connection. `stage` tells the caller how far it got.
absl::Status AttemptOn(ConnectionLease& lease, const std::string& setup,
                       absl::FunctionRef<absl::Status(pqxx::work&)> body, Stage& stage) {
  stage = Stage::kBegin;
  try {
    pqxx::work tx(lease.connection());
    if (!setup.empty()) tx.exec(setup);
    stage = Stage::kBody;
    absl::Status status = body(tx);
    if (!status.ok()) return status;  // ~work rolls back
    stage = Stage::kCommit;
    tx.commit();
    return absl::OkStatus();
  } catch (...) {
    std::exception_ptr error = std::current_exception();
    if (IsConnectionLost(error)) lease.MarkBroken();
    return StatusFromException(error);
  }
}

// One attempt of the transaction. A connection that turns out dead before the body ran is
// replaced once, transparently: nothing of the caller's ran, so starting again is safe.
absl::Status Attempt(ConnectionPool& pool, const std::string& setup,
                     absl::FunctionRef<absl::Status(pqxx::work&)> body) {
  for (int connection_try = 0;; ++connection_try) {
    absl::StatusOr<ConnectionLease> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    Stage stage = Stage::kBegin;
    absl::Status status = AttemptOn(*lease, setup, body, stage);
    const bool dead_before_body =
        stage == Stage::kBegin && status.code() == absl::StatusCode::kUnavailable;
    if (!dead_before_body || connection_try > 0) return status;
    lease->MarkBroken();
  }
}

absl::Duration Backoff(const TxOptions& options, int retry) {
  absl::Duration base = options.retry_backoff * (1 << std::min(retry - 1, 10));
  thread_local absl::BitGen gen;
  // Full jitter in [base/2, base]: two transactions that conflicted do not retry in step.
  return base / 2 + absl::Uniform(gen, 0.0, 0.5) * base;
}

}  // namespace

absl::Status RunTransaction(ConnectionPool& pool, const TxOptions& options,
                            absl::FunctionRef<absl::Status(pqxx::work&)> body) {
  const absl::Time start = pool.clock().Now();
  const std::string setup = SetupSql(options);
  const int attempts = std::max(1, options.max_attempts);
  absl::Status status;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    status = Attempt(pool, setup, body);
    if (status.code() != absl::StatusCode::kAborted || attempt == attempts) break;
    if (pool.metrics() != nullptr) pool.metrics()->CountRetry(options.name);
    if (options.retry_backoff > absl::ZeroDuration()) absl::SleepFor(Backoff(options, attempt));
  }
  if (pool.metrics() != nullptr) {
    pool.metrics()->ObserveTransaction(options.name, status, pool.clock().Now() - start);
  }
  return status;
}

}  // namespace blend::store::internal
