#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

// The whole libpqxx API, so a transaction body can use results, rows and fields at once.
#include <pqxx/pqxx>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/store/connection_pool.h"

namespace blend::store {

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

// Callers use designated initializers ({.read_only = true, .name = "find"}): add new fields
// at the end only.
struct TxOptions {
  Isolation isolation = Isolation::kReadCommitted;
  bool read_only = false;
  // Total attempts when an attempt fails with kAborted (serialization failure, deadlock,
  // lock not available, or the body itself returning kAborted, e.g. a stale version). The
  // body must then be safe to run again from scratch, each time in a new transaction.
  int max_attempts = 1;
  // Wait before retry n is about retry_backoff * 2^(n-1), with jitter.
  absl::Duration retry_backoff = absl::Milliseconds(5);
  // SET LOCAL statement_timeout; zero keeps the server's setting.
  absl::Duration statement_timeout = absl::ZeroDuration();
  // Value of the `tx` label on the transaction metrics; keep the set of names small.
  std::string name = "tx";
};

namespace internal {
absl::Status RunTransaction(ConnectionPool& pool, const TxOptions& options,
                            absl::FunctionRef<absl::Status(pqxx::work&)> body);

template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};
}  // namespace internal

// Runs fn(pqxx::work&) in one transaction on a pooled connection: commits when fn returns
// OK, rolls back otherwise. fn returns absl::Status or absl::StatusOr<T>; WithTransaction
// returns the same type. No exception escapes: libpqxx errors (and anything fn throws) are
// mapped to Status as documented in errors.h:
//   kAborted         serialization failure / deadlock (retried up to max_attempts);
//   kAlreadyExists   unique violation;
//   kUnavailable     pool exhausted, server unreachable, connection lost;
//   kUnknown         the connection broke during COMMIT: the outcome is unknown;
//   kInternal        any other SQL error (SQLSTATE in the message) or exception.
// A connection found dead before fn runs is replaced and the transaction started again,
// transparently. fn must not call tx.commit() or tx.abort(): its return value decides.
// Thread-safe (each call borrows its own connection).
template <typename Fn>
auto WithTransaction(ConnectionPool& pool, Fn&& fn, const TxOptions& options = {}) {
  using R = std::invoke_result_t<Fn&, pqxx::work&>;
  if constexpr (std::is_same_v<R, absl::Status>) {
    return internal::RunTransaction(pool, options, fn);
  } else {
    static_assert(internal::IsStatusOr<R>::value,
                  "the transaction body must return absl::Status or absl::StatusOr<T>");
    std::optional<typename R::value_type> value;
    absl::Status status =
        internal::RunTransaction(pool, options, [&](pqxx::work& tx) -> absl::Status {
          R result = fn(tx);
          if (!result.ok()) return result.status();
          value.emplace(*std::move(result));
          return absl::OkStatus();
        });
    if (!status.ok()) return R(std::move(status));
    return R(*std::move(value));
  }
}

}  // namespace blend::store
