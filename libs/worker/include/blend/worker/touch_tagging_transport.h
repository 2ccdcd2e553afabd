#pragma once

// Carries the touch id of the request in flight as an `X-Blend-Touch-Id` header on every
// Genesys request made while a ScopedTouchId is alive on the calling thread. Genesys ignores
// the header; genesys-sim records it in its audit, so tests can count requests per touch
// ("redelivery never calls Genesys twice") without putting ids into customer-visible text.

#include <string>

#include "blend/genesys/http_transport.h"

namespace blend::worker {

inline constexpr char kTouchIdHeader[] = "X-Blend-Touch-Id";

// Sets the calling thread's current touch id until destroyed (restoring the previous one).
class ScopedTouchId {
 public:
  explicit ScopedTouchId(std::string touch_id);
  ~ScopedTouchId();
  ScopedTouchId(const ScopedTouchId&) = delete;
  ScopedTouchId& operator=(const ScopedTouchId&) = delete;

  // The calling thread's current touch id, or "".
  static const std::string& Current();

 private:
  std::string previous_;
};

// Decorates another transport (which must outlive it). Thread-safe like the inner one.
class TouchTaggingTransport final : public genesys::HttpTransport {
 public:
  explicit TouchTaggingTransport(genesys::HttpTransport& inner) : inner_(inner) {}
  absl::StatusOr<genesys::HttpResponse> Send(const genesys::HttpRequest& request) override;

 private:
  genesys::HttpTransport& inner_;
};

}  // namespace blend::worker
