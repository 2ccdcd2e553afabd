#pragma once

// Delivers recorded unsubscribes (UnsubscribeStore) to Kafka: the background half of the
// unsubscribe endpoint, which answers the customer as soon as PostgreSQL has the click.
//
// Each pass leases the due unsubscribes, publishes their opt-out CustomerEvents in one batch
// through `publish` (the Kafka producer in production, a fake in tests) and marks every
// acknowledged one delivered; a failed one is due again after a delay that doubles with its
// attempts (retry_initial ... retry_max), for as long as it takes. The event is stored as built
// at the click, so its id, and the message id "customer-event:<event id>", never change: a
// redelivery (a crash between the acknowledgement and the mark, a lease overrun, a second
// replica) is dropped by the orchestrator, which applies each customer event id once.
//
// Lifecycle: Start() runs passes on a thread, at once after Wake() (a new click) or a full
// batch, else every poll_interval; Stop() ends it after the pass in progress (a publish in
// progress waits for Kafka's answer: at most the producer's delivery timeout).
// Metrics (with a registry): blend_email_unsubscribes_pending (gauge, after each pass),
// blend_email_unsubscribes_delivered_total, blend_email_unsubscribe_publish_failures_total.
// Thread-safe.

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"
#include "blend/email_worker/unsubscribe_store.h"
#include "blend/v1/bus.pb.h"

namespace prometheus {
class Registry;
}

namespace blend::email_worker {

// Publishes the events; one Status per event, in order, OK only once Kafka acknowledged it.
using PublishEventsFn =
    std::function<std::vector<absl::Status>(const std::vector<v1::CustomerEvent>&)>;

// The production PublishEventsFn: one record per event on `topic` (key = customer id, Envelope
// from worker::EncodeCustomerEvent, message id "customer-event:<event id>"), sent as one batch.
PublishEventsFn KafkaEventPublisher(bus::Producer& producer, std::string topic, const Clock& clock);

struct UnsubscribePublisherOptions {
  // How often the table is looked at without a Wake() (retries, other replicas' clicks).
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration retry_initial = absl::Seconds(1);
  absl::Duration retry_max = absl::Minutes(1);
  // Longer than a publish can take (the producer's delivery timeout, 30 s by default).
  absl::Duration lease = absl::Minutes(2);
  int batch = 100;
};

struct PublishPass {
  int delivered = 0;
  int failed = 0;
};

class UnsubscribePublisher {
 public:
  UnsubscribePublisher(UnsubscribeStore& store, PublishEventsFn publish, const Clock& clock,
                       UnsubscribePublisherOptions options = {},
                       prometheus::Registry* registry = nullptr);
  ~UnsubscribePublisher();

  // One pass (also what the thread runs). An error when the store failed; failed publishes
  // are counted in the result, not returned as an error.
  absl::StatusOr<PublishPass> PublishOnce();
  // Delay before the next attempt after `failed_attempts` failed ones (>= 1).
  absl::Duration RetryDelay(int failed_attempts) const;

  void Start();
  // Asks for a pass now (a click was just recorded).
  void Wake();
  void Stop();

 private:
  struct Metrics;
  void Loop();

  UnsubscribeStore& store_;
  const PublishEventsFn publish_;
  const Clock& clock_;
  const UnsubscribePublisherOptions options_;
  std::unique_ptr<Metrics> metrics_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar changed_;
  std::thread thread_;
};

}  // namespace blend::email_worker
