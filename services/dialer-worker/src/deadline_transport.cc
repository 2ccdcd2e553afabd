#include "blend/dialer_worker/deadline_transport.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "blend/genesys/error.h"

namespace blend::dialer_worker {
namespace {

absl::Status ShutdownFailure(bool sent) {
  genesys::GenesysError err;
  err.transport_error = "shutdown";
  err.outcome_unknown = sent;  // a given-up request may still reach Genesys
  return genesys::AttachGenesysError(
      absl::UnavailableError(sent ? "request given up on: the dialer is shutting down"
                                  : "request not sent: the dialer is shutting down"),
      err);
}

}  // namespace

struct DeadlineTransport::State {
  struct Call {
    bool done = false;
    bool abandoned = false;
    absl::StatusOr<genesys::HttpResponse> result = absl::UnknownError("not finished");
  };

  absl::Mutex mu;
  absl::CondVar changed;  // a call finished or the deadline moved
  absl::Time deadline ABSL_GUARDED_BY(mu) = absl::InfiniteFuture();
  int abandoned_in_flight ABSL_GUARDED_BY(mu) = 0;
};

DeadlineTransport::DeadlineTransport(std::shared_ptr<genesys::HttpTransport> inner,
                                     const Clock& clock)
    : inner_(std::move(inner)), clock_(clock), state_(std::make_shared<State>()) {}

DeadlineTransport::~DeadlineTransport() = default;

void DeadlineTransport::SetDeadline(absl::Time deadline) {
  absl::MutexLock lock(&state_->mu);
  state_->deadline = std::min(state_->deadline, deadline);
  state_->changed.SignalAll();
}

bool DeadlineTransport::Expired() const {
  absl::MutexLock lock(&state_->mu);
  return clock_.Now() >= state_->deadline;
}

int DeadlineTransport::abandoned_in_flight() const {
  absl::MutexLock lock(&state_->mu);
  return state_->abandoned_in_flight;
}

absl::StatusOr<genesys::HttpResponse> DeadlineTransport::Send(const genesys::HttpRequest& request) {
  genesys::HttpRequest bounded = request;
  {
    absl::MutexLock lock(&state_->mu);
    absl::Duration left = state_->deadline - clock_.Now();
    if (left <= absl::ZeroDuration()) return ShutdownFailure(false);
    if (left != absl::InfiniteDuration()) {
      bounded.timeout =
          bounded.timeout > absl::ZeroDuration() ? std::min(bounded.timeout, left) : left;
    }
  }
  auto call = std::make_shared<State::Call>();
  std::thread([state = state_, inner = inner_, call, bounded = std::move(bounded)] {
    absl::StatusOr<genesys::HttpResponse> result = inner->Send(bounded);
    absl::MutexLock lock(&state->mu);
    call->result = std::move(result);
    call->done = true;
    if (call->abandoned) --state->abandoned_in_flight;
    state->changed.SignalAll();
  }).detach();

  absl::MutexLock lock(&state_->mu);
  while (!call->done) {
    absl::Duration left = state_->deadline - clock_.Now();
    if (left <= absl::ZeroDuration()) {
      call->abandoned = true;
      ++state_->abandoned_in_flight;
      return ShutdownFailure(true);
    }
    state_->changed.WaitWithTimeout(&state_->mu, left);
  }
  return std::move(call->result);
}

}  // namespace blend::dialer_worker
