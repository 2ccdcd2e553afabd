#pragma once

// DeadlineTransport: the HttpTransport under the dialer's own Genesys requests (DNC write-back
// and export, contact read-back of the webhook), so shutdown can put an end to them. Once a
// deadline is set (at SIGTERM: now + the shutdown bound), every request is over by then:
//  - a request started before it gets at most the time left as its timeout;
//  - a request still waiting for its answer at the deadline is given up on: Send returns
//    kUnavailable (GenesysError transport_error "shutdown", outcome_unknown) at once, while the
//    exchange itself runs to its own timeout on its thread (libcurl offers no way to interrupt
//    a blocking transfer from outside);
//  - a request after the deadline fails the same way without being sent.
// Without a deadline it only forwards. Each exchange runs on a short-lived thread of its own
// (these requests are rare: a write-back every push interval, an export every few minutes).
// Thread-safe.

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys/http_transport.h"

namespace blend::dialer_worker {

class DeadlineTransport final : public genesys::HttpTransport {
 public:
  // `inner` is shared with the threads of given-up exchanges, which may outlive this object.
  DeadlineTransport(std::shared_ptr<genesys::HttpTransport> inner, const Clock& clock);
  ~DeadlineTransport() override;

  absl::StatusOr<genesys::HttpResponse> Send(const genesys::HttpRequest& request) override;

  // Every request is over by `deadline` from now on. The earliest deadline set wins.
  void SetDeadline(absl::Time deadline);
  bool Expired() const;
  // Exchanges given up on that have not returned yet (they still use `inner`).
  int abandoned_in_flight() const;

 private:
  struct State;  // shared with the exchange threads
  std::shared_ptr<genesys::HttpTransport> inner_;
  const Clock& clock_;
  std::shared_ptr<State> state_;
};

}  // namespace blend::dialer_worker
