#include "blend/email_worker/unsubscribe_publisher.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "blend/telemetry/log.h"
#include "blend/worker/customer_events.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace blend::email_worker {

PublishEventsFn KafkaEventPublisher(bus::Producer& producer, std::string topic,
                                    const Clock& clock) {
  return
      [&producer, topic = std::move(topic), &clock](const std::vector<v1::CustomerEvent>& events) {
        std::vector<bus::OutgoingMessage> messages;
        messages.reserve(events.size());
        for (const v1::CustomerEvent& e : events) {
          messages.push_back({topic, e.customer_id(), worker::EncodeCustomerEvent(e, clock), {}});
        }
        return producer.ProduceBatch(messages);
      };
}

struct UnsubscribePublisher::Metrics {
  prometheus::Gauge* pending;
  prometheus::Counter* delivered;
  prometheus::Counter* failures;
};

UnsubscribePublisher::UnsubscribePublisher(UnsubscribeStore& store, PublishEventsFn publish,
                                           const Clock& clock, UnsubscribePublisherOptions options,
                                           prometheus::Registry* registry)
    : store_(store), publish_(std::move(publish)), clock_(clock), options_(options) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(Metrics{
      &prometheus::BuildGauge()
           .Name("blend_email_unsubscribes_pending")
           .Help("Unsubscribes recorded but not yet acknowledged by Kafka (after the last pass)")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildCounter()
           .Name("blend_email_unsubscribes_delivered_total")
           .Help("Unsubscribe opt-out events acknowledged by Kafka")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildCounter()
           .Name("blend_email_unsubscribe_publish_failures_total")
           .Help("Failed attempts to publish an unsubscribe (retried later)")
           .Register(*registry)
           .Add({})});
}

UnsubscribePublisher::~UnsubscribePublisher() { Stop(); }

absl::Duration UnsubscribePublisher::RetryDelay(int failed_attempts) const {
  const int doublings = std::clamp(failed_attempts - 1, 0, 30);
  return std::min(options_.retry_max, options_.retry_initial * std::ldexp(1.0, doublings));
}

absl::StatusOr<PublishPass> UnsubscribePublisher::PublishOnce() {
  absl::StatusOr<std::vector<PendingUnsubscribe>> due =
      store_.LeaseDue(clock_.Now(), options_.lease, options_.batch);
  if (!due.ok()) return due.status();
  PublishPass pass;
  if (!due->empty()) {
    std::vector<v1::CustomerEvent> events;
    events.reserve(due->size());
    for (const PendingUnsubscribe& p : *due) events.push_back(p.event);
    std::vector<absl::Status> acks = publish_(events);
    for (size_t i = 0; i < due->size(); ++i) {
      const std::string& id = (*due)[i].event.event_id();
      absl::Status ack = i < acks.size() ? acks[i] : absl::InternalError("no acknowledgement");
      if (ack.ok()) {
        // If this mark fails the row is published again after its lease: same event id,
        // dropped by the orchestrator.
        if (absl::Status st = store_.MarkDelivered(id, clock_.Now()); !st.ok()) return st;
        ++pass.delivered;
        if (metrics_) metrics_->delivered->Increment();
        continue;
      }
      const int attempts = (*due)[i].attempts + 1;
      const absl::Duration delay = RetryDelay(attempts);
      ++pass.failed;
      if (metrics_) metrics_->failures->Increment();
      BLEND_LOG(kWarn, "unsubscribe not yet delivered to Kafka; retrying",
                {{"event_id", id},
                 {"attempts", absl::StrCat(attempts)},
                 {"retry_in", absl::FormatDuration(delay)},
                 {"error", std::string(ack.message())}});
      if (absl::Status st = store_.MarkFailed(id, std::string(ack.message()), clock_.Now() + delay);
          !st.ok()) {
        return st;
      }
    }
  }
  if (metrics_) {
    if (absl::StatusOr<int64_t> pending = store_.CountPending(); pending.ok()) {
      metrics_->pending->Set(static_cast<double>(*pending));
    }
  }
  return pass;
}

void UnsubscribePublisher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void UnsubscribePublisher::Loop() {
  for (;;) {
    absl::StatusOr<PublishPass> pass = PublishOnce();
    if (!pass.ok()) {
      BLEND_LOG(kWarn, "unsubscribe publisher cannot read its table; next pass later",
                {{"error", std::string(pass.status().message())}});
    }
    // A full batch of successes: more may be waiting, look again at once.
    const bool more = pass.ok() && pass->failed == 0 && pass->delivered == options_.batch;
    absl::MutexLock lock(&mu_);
    if (!more && !woken_ && !stop_) changed_.WaitWithTimeout(&mu_, options_.poll_interval);
    woken_ = false;
    if (stop_) return;
  }
}

void UnsubscribePublisher::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
  changed_.SignalAll();
}

void UnsubscribePublisher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    changed_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace blend::email_worker
