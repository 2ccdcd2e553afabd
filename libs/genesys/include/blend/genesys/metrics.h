#pragma once

// Observing every HTTP exchange the Genesys client makes (token requests included), for
// metrics. PrometheusRequestObserver exports:
//   blend_genesys_requests_total{endpoint,status}          counter
//   blend_genesys_request_duration_seconds{endpoint}       histogram
// `status` is the HTTP status ("200", "429") or, when no response arrived, the transport
// error ("timeout", "connect", "network").

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

namespace blend::genesys {

struct RequestRecord {
  std::string_view endpoint;  // "oauth_token", "agentless_sms", "add_contacts", ...
  std::string_view status;    // HTTP status or transport error, as above
  absl::Duration latency;     // measured on the client's injected Clock
};

// Implementations must be thread-safe; OnRequest is called on the calling thread.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequest(const RequestRecord& record) = 0;
};

class PrometheusRequestObserver final : public RequestObserver {
 public:
  // Registers the two families in `registry`, which must outlive this object.
  explicit PrometheusRequestObserver(prometheus::Registry& registry);
  void OnRequest(const RequestRecord& record) override;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace blend::genesys
