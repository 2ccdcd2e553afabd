#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blend/bus/message.h"
#include "blend/bus/security.h"

namespace RdKafka {
class Producer;
}
namespace prometheus {
class Registry;
}

namespace blend::bus {

class BusMetrics;
class DeliveryReportBridge;

struct ProducerConfig {
  std::string brokers{};  // "host:port[,host:port]" (bootstrap.servers)
  std::string client_id = "blend";
  // TLS / SASL settings (security.h); PLAINTEXT by default.
  KafkaSecurity security{};
  // Upper bound on the time from Produce() to the delivery report, retries included
  // (librdkafka's message.timeout.ms). An unreachable broker surfaces as kUnavailable
  // after this long.
  absl::Duration delivery_timeout = absl::Seconds(30);
  // How long records wait to be batched (linger.ms).
  absl::Duration linger = absl::Milliseconds(5);
  // Any other librdkafka property (compression.type, batch.size, ...). They cannot turn off
  // idempotence or acks=all: Create() refuses that with kInvalidArgument.
  std::map<std::string, std::string> properties{};
  // When set, counters blend_bus_produced_total{topic}, blend_bus_produce_failed_total{topic}
  // and blend_bus_dead_lettered_total{topic} are registered here. Must outlive the producer.
  prometheus::Registry* registry = nullptr;
};

// Called once per record with its delivery outcome: OK plus where it was stored, or the error
// (kUnavailable: broker unreachable or timed out, retry later; kInvalidArgument: the record
// is bad; kCancelled: the producer was destroyed first; see errors.h).
using DeliveryCallback = absl::AnyInvocable<void(absl::Status, const DeliveryReport&)>;

// An idempotent Kafka producer (enable.idempotence=true, acks=all): a record the broker
// acknowledged is stored exactly once and in order per partition, even across internal
// retries. Records with the same key go to the same partition (murmur2, like the Java client).
//
// Threading: thread-safe; share one producer per process. A background thread owned by the
// producer serves librdkafka's delivery reports and runs every DeliveryCallback; callbacks must
// be quick and must not call ProduceSync, ProduceBatch or Flush (those wait for that thread).
//
// Lifecycle: Create() -> Produce*/Flush from any thread -> destructor, which flushes for up to
// `delivery_timeout`, then purges what is left (their callbacks see kCancelled).
class Producer {
 public:
  static absl::StatusOr<std::unique_ptr<Producer>> Create(ProducerConfig config);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Publishes one record and waits for the broker's acknowledgement (or the failure).
  absl::Status ProduceSync(std::string_view topic, std::string_view key, std::string_view payload,
                           const Headers& headers = {});

  // Publishes all records, then waits until every one is acknowledged or failed. Returns one
  // Status per record, in order. Used by the outbox relay: mark only the OK ones as sent.
  std::vector<absl::Status> ProduceBatch(absl::Span<const OutgoingMessage> messages);

  // Enqueues one record; `callback` runs later on the delivery thread. A non-OK return means
  // the record was not enqueued (kResourceExhausted: local queue full, Flush and retry) and
  // the callback will never run.
  absl::Status Produce(const OutgoingMessage& message, DeliveryCallback callback);

  // Waits until every record enqueued so far has been delivered or failed and its callback
  // has returned. kDeadlineExceeded if some are still outstanding after `timeout`.
  absl::Status Flush(absl::Duration timeout);

  // Asks a broker for cluster metadata: OK when Kafka is reachable (for /readyz).
  absl::Status CheckConnection(absl::Duration timeout);

  // Records enqueued whose callbacks have not run yet.
  int64_t InFlight() const;

  // kInternal once librdkafka raised a fatal error (the client is unusable: restart the
  // process); OK otherwise. For /readyz and /healthz.
  absl::Status Health() const;
  // Makes librdkafka raise a fabricated fatal error (its own test hook), for tests only.
  void InjectFatalErrorForTesting(std::string_view reason);

 private:
  friend class DeliveryReportBridge;
  Producer(ProducerConfig config, std::unique_ptr<BusMetrics> metrics);
  void PollLoop();
  void OnDelivered(absl::Status status, const DeliveryReport& report, DeliveryCallback& cb);

  ProducerConfig config_;
  std::unique_ptr<BusMetrics> metrics_;
  std::unique_ptr<DeliveryReportBridge> bridge_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poll_thread_;

  mutable absl::Mutex mu_;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace blend::bus
