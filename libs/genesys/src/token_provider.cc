#include "token_provider.h"

#include <algorithm>
#include <utility>

namespace blend::genesys::internal {

TokenProvider::TokenProvider(const Clock& clock, absl::Duration margin, FetchFn fetch)
    : clock_(clock), margin_(margin), fetch_(std::move(fetch)) {}

absl::StatusOr<std::string> TokenProvider::Get() { return Obtain(nullptr); }

absl::StatusOr<std::string> TokenProvider::Refresh(const std::string& rejected) {
  return Obtain(&rejected);
}

int TokenProvider::WaitersForTest() const {
  absl::MutexLock lock(&mu_);
  return waiters_;
}

bool TokenProvider::UsableLocked(const std::string* rejected) const {
  if (token_.empty()) return false;
  if (rejected != nullptr) return token_ != *rejected;  // someone already replaced it
  return clock_.Now() < refresh_at_;
}

absl::StatusOr<std::string> TokenProvider::Obtain(const std::string* rejected) {
  absl::MutexLock lock(&mu_);
  while (!UsableLocked(rejected)) {
    if (!in_flight_) {
      in_flight_ = true;
      mu_.Unlock();
      absl::StatusOr<FetchedToken> fetched = fetch_();
      absl::Time now = clock_.Now();
      mu_.Lock();
      in_flight_ = false;
      ++generation_;
      last_status_ = fetched.status();
      if (!fetched.ok()) return fetched.status();
      token_ = std::move(fetched->access_token);
      absl::Duration early = std::min(margin_, fetched->lifetime / 2);
      refresh_at_ = now + fetched->lifetime - early;
      return token_;
    }
    // Join the fetch in flight and take its outcome.
    const uint64_t joined = generation_;
    auto done = [this, joined]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return generation_ != joined; };
    ++waiters_;
    mu_.Await(absl::Condition(&done));
    --waiters_;
    if (!last_status_.ok()) return last_status_;
    if (!token_.empty()) return token_;
  }
  return token_;
}

}  // namespace blend::genesys::internal
