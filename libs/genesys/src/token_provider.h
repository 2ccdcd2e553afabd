#pragma once

// Caches the OAuth client-credentials token and decides when to fetch a new one.
// Thread-safe: callers that need a token while a fetch is in flight wait for that fetch
// and share its result (token or error) instead of starting their own.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"

namespace blend::genesys::internal {

struct FetchedToken {
  std::string access_token;
  absl::Duration lifetime;  // expires_in
};

class TokenProvider {
 public:
  using FetchFn = std::function<absl::StatusOr<FetchedToken>()>;

  // `margin`: how long before expiry a token is replaced (capped at half its lifetime, so
  // short-lived tokens are still used for a while).
  TokenProvider(const Clock& clock, absl::Duration margin, FetchFn fetch);

  // The cached token while it is fresh; otherwise fetches (or joins a fetch in flight).
  absl::StatusOr<std::string> Get();
  // After `rejected` drew a 401: a token other than `rejected`, fetched unless another
  // caller has already replaced it.
  absl::StatusOr<std::string> Refresh(const std::string& rejected);

  // Callers currently waiting for another caller's fetch (tests synchronise on it).
  int WaitersForTest() const;

 private:
  absl::StatusOr<std::string> Obtain(const std::string* rejected);
  bool UsableLocked(const std::string* rejected) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const absl::Duration margin_;
  const FetchFn fetch_;

  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time refresh_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // completed fetches
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::genesys::internal
