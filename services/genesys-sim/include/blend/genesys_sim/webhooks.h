#pragma once

// Outgoing webhook deliveries (call-outcome events, inbound SMS): each delivery is signed
// with HMAC-SHA256 and retried with exponential backoff until a 2xx or max attempts.
// The dispatcher never sleeps: DeliverDue() posts what is due now (per the injected clock)
// and is driven by the simulator's scheduler thread (or a test). Thread-safe.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"

namespace blend::genesys_sim {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The HTTP seam. Post returns OK for a 2xx answer, kUnavailable otherwise (the message says
// why: status code or transport error).
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual absl::Status Post(const std::string& url, const std::string& body,
                            const HeaderList& headers) = 0;
};

// WebhookSender over cpp-httplib; `url` is http://host:port/path.
class HttplibWebhookSender final : public WebhookSender {
 public:
  explicit HttplibWebhookSender(absl::Duration timeout) : timeout_(timeout) {}
  absl::Status Post(const std::string& url, const std::string& body,
                    const HeaderList& headers) override;

 private:
  absl::Duration timeout_;
};

// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(const std::string& key, const std::string& data);

// Header names of a delivery (see README "Webhooks").
inline constexpr char kSignatureHeader[] = "X-Blend-Signature";  // "sha256=<hex>" of the body
inline constexpr char kEventIdHeader[] = "X-Blend-Event-Id";
inline constexpr char kEventTypeHeader[] = "X-Blend-Event-Type";
inline constexpr char kAttemptHeader[] = "X-Blend-Delivery-Attempt";

struct RetryPolicy {
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  int max_attempts = 8;
};

enum class DeliveryState { kPending, kDelivered, kFailed };

struct Delivery {
  int64_t seq = 0;
  std::string event_id;  // same across retries
  std::string kind;      // "postContact" or "inboundSms"
  std::string url;
  std::string body;
  int attempts = 0;
  absl::Time next_attempt;
  DeliveryState state = DeliveryState::kPending;
  std::string last_error;
  bool in_flight = false;
};

class EventDispatcher {
 public:
  EventDispatcher(const Clock& clock, WebhookSender& sender, RetryPolicy policy, Secret secret);

  // Called after every attempt with (kind, "delivered" | "retried" | "failed"); set before use.
  void SetObserver(std::function<void(const std::string&, const std::string&)> observer) {
    observer_ = std::move(observer);
  }
  // Queues `body` for `url`, due now.
  void Enqueue(const std::string& kind, const std::string& event_id, const std::string& url,
               std::string body);
  // Attempts every pending delivery that is due; returns how many were attempted.
  // Posts happen outside the lock, so slow receivers do not block Enqueue.
  int DeliverDue();
  // Pending deliveries and the most recent finished ones, oldest first.
  std::vector<Delivery> Deliveries() const;
  // Counts by "<kind>.<result>" (result: delivered, retried, failed).
  std::map<std::string, int64_t> Counts() const;
  // When the next pending delivery is due (InfiniteFuture if none).
  absl::Time NextDue() const;

 private:
  absl::Duration BackoffAfter(int attempts) const;

  const Clock& clock_;
  WebhookSender& sender_;
  const RetryPolicy policy_;
  const Secret secret_;
  std::function<void(const std::string&, const std::string&)> observer_;
  mutable absl::Mutex mu_;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int64_t, Delivery> deliveries_ ABSL_GUARDED_BY(mu_);  // pending only
  std::deque<Delivery> finished_ ABSL_GUARDED_BY(mu_);           // newest kFinishedKept, body kept
  static constexpr size_t kFinishedKept = 10000;
  std::map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::genesys_sim
