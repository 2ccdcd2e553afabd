#pragma once

// An in-memory HttpTransport for unit tests that need no socket: records every request and
// answers from a script (responses or transport failures, in order; then a default).
// Thread-safe.

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "blend/genesys/error.h"
#include "blend/genesys/http_transport.h"

namespace blend::genesys::testing {

class FakeHttpTransport final : public HttpTransport {
 public:
  // Every request answers this once the script is used up.
  explicit FakeHttpTransport(HttpResponse fallback = {200, {}, "{}"})
      : fallback_(std::move(fallback)) {}

  void Push(absl::StatusOr<HttpResponse> next) {
    absl::MutexLock lock(&mu_);
    script_.push_back(std::move(next));
  }
  // A token response, for scripts that start with the OAuth exchange.
  void PushToken(const std::string& token, int expires_in = 86399) {
    Push(HttpResponse{
        200,
        {},
        "{\"access_token\":\"" + token +
            "\",\"token_type\":\"bearer\",\"expires_in\":" + std::to_string(expires_in) + "}"});
  }

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    if (script_.empty()) return fallback_;
    absl::StatusOr<HttpResponse> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

  std::vector<HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  mutable absl::Mutex mu_;
  HttpResponse fallback_;
  std::deque<absl::StatusOr<HttpResponse>> script_ ABSL_GUARDED_BY(mu_);
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::genesys::testing
