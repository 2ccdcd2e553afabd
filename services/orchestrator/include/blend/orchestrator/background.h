#pragma once

// The orchestrator's background workers, each a thread running one step function in a loop:
//   OutboxRelay   (outbox_relay.h) publishes committed outbox rows to Kafka;
//   a Loop over JourneyRunner::FireDueTimers (journey_runner.h) fires due durable timers;
//   RefreshGauges keeps the database gauges current;
//   EventIntake   consumes blend.dispositions and blend.customer-events.
// Lifecycle: construct -> Start() -> Stop() (joins; idempotent, also run by the destructor).
// The *Once() step functions are public so tests can drive them deterministically.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/metrics.h"
#include "blend/store/connection_pool.h"
#include "prometheus/gauge.h"

namespace blend::orchestrator {

// Runs `step` until stopped; sleeps `idle` after a step that did nothing or failed.
class Loop {
 public:
  Loop(std::string name, std::function<absl::StatusOr<int>()> step, absl::Duration idle);
  ~Loop();
  void Start();
  void Stop();

 private:
  void Run();
  std::string name_;
  std::function<absl::StatusOr<int>()> step_;
  absl::Duration idle_;
  absl::Notification stop_;
  std::thread thread_;
};

// Refreshes the gauges that describe the database (outbox backlog, due timers, running
// journeys by campaign and state). Returns 0 so a Loop sleeps its interval between runs.
absl::StatusOr<int> RefreshGauges(store::ConnectionPool& pool, Metrics& metrics,
                                  const Clock& clock);

struct IntakeOptions {
  std::string brokers;
  bus::KafkaSecurity security;  // TLS / SASL to Kafka
  std::string group_id = "blend-orchestrator";
  std::string topic_prefix;
  absl::Duration session_timeout = absl::Seconds(10);
  absl::Duration max_poll_interval = absl::Minutes(5);
  absl::Duration poll_timeout = absl::Milliseconds(200);
  // A message that failed waits retry_backoff, doubling up to max_retry_backoff, polling Kafka
  // meanwhile (partitions paused) so the group does not evict this member.
  absl::Duration retry_backoff = absl::Milliseconds(500);
  absl::Duration max_retry_backoff = absl::Seconds(5);
  int max_internal_retries = 5;  // then the message is dead-lettered
  int max_batch = 256;           // messages applied per transaction
  int index = 0;                 // which intake of this process (label of its lag gauge)
};

class EventIntake {
 public:
  static absl::StatusOr<std::unique_ptr<EventIntake>> Create(IntakeOptions options,
                                                             JourneyRunner& runner,
                                                             bus::Producer& producer,
                                                             const Clock& clock, Metrics* metrics,
                                                             prometheus::Registry* registry);
  ~EventIntake();
  // Handles one consumed message completely (applied, duplicate or dead-lettered) and returns
  // OK when its offset may be committed; a non-OK status means "retry later".
  absl::Status Handle(const bus::Message& message, int attempt);
  void Start();
  void Stop();
  // kInternal once its Kafka consumer hit a fatal error (unusable until a restart).
  absl::Status Health() const { return consumer_->Health(); }
  void InjectFatalErrorForTesting(std::string_view reason) {
    consumer_->InjectFatalErrorForTesting(reason);
  }

 private:
  EventIntake(IntakeOptions options, JourneyRunner& runner, bus::Producer& producer,
              const Clock& clock, Metrics* metrics, std::unique_ptr<bus::Consumer> consumer);
  void Run();
  void UpdateLag();
  // Applies `batch` in one transaction; false when the transaction failed (nothing applied).
  bool ApplyBatch(const std::vector<bus::Message>& batch);
  void HandleWithRetries(const bus::Message& message);
  // Waits about `wait` while staying in the consumer group: every partition paused, Poll()
  // called all along. Undone by ResumeIfPaused() once the batch is finished.
  void WaitPolling(absl::Duration wait);
  void ResumeIfPaused();
  void CommitAll(const std::vector<bus::Message>& batch);
  absl::Status DeadLetter(const bus::Message& message, const std::string& reason);

  IntakeOptions options_;
  JourneyRunner& runner_;
  bus::Producer& producer_;
  const Clock& clock_;
  Metrics* metrics_;
  std::unique_ptr<bus::Consumer> consumer_;
  prometheus::Gauge* lag_ = nullptr;  // blend_orchestrator_consumer_lag{intake}
  absl::Time next_lag_update_ = absl::InfinitePast();
  bool paused_ = false;
  // Messages Poll() returned while paused (librdkafka should drop what it had fetched, but a
  // message handed over must never be lost): handled first in the next batch.
  std::vector<bus::Message> held_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace blend::orchestrator
