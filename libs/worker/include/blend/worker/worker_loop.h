#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"
#include "blend/worker/touch_processor.h"

namespace prometheus {
class Registry;
}

namespace blend::worker {

inline constexpr char kDispositionsTopic[] = "blend.dispositions";

// Encodes a disposition as the Envelope published on blend.dispositions (key = journey id).
std::string EncodeDisposition(const v1::Disposition& disposition, const Clock& clock);

// The consume → process → publish → commit loop shared by the three workers.
//
// One message at a time: a touch that must wait (quota, 429 pause, backoff) is held while
// every assigned partition is paused, so nothing piles up in memory however many touches
// are queued in Kafka (the consumer's prefetch is kept small too). The offset is committed
// only after the disposition is acknowledged by the broker. A message that is not a touch
// command goes to `<topic>.dlq` with the reason and is committed: it never blocks its
// partition. Run() returns after Stop(), once the message in hand is finished or held.
// Thread-safety: Run() on one thread; Stop() from any thread.
class WorkerLoop {
 public:
  // `dispositions_topic` is blend.dispositions in production (tests prefix it).
  WorkerLoop(bus::Consumer& consumer, bus::Producer& producer, TouchProcessor& processor,
             const Clock& clock, prometheus::Registry* registry = nullptr,
             std::string dispositions_topic = kDispositionsTopic);
  ~WorkerLoop();

  void Run();
  void Stop() { stop_ = true; }
  // Messages handled so far (for tests and logs).
  int64_t handled() const { return handled_; }

 private:
  struct Metrics;
  struct Held {
    bus::Message message;
    v1::TouchCommand touch;
    absl::Time retry_at;
    absl::Time first_wait;
  };

  void Handle(bus::Message message);
  void Attempt(Held held);
  bool Complete(const bus::Message& message, const ProcessResult& result);
  void WaitForHeld();
  void UpdateLag();

  bus::Consumer& consumer_;
  bus::Producer& producer_;
  TouchProcessor& processor_;
  const Clock& clock_;
  const std::string dispositions_topic_;
  std::unique_ptr<Metrics> metrics_;
  std::optional<Held> held_;
  absl::Time next_lag_update_ = absl::InfinitePast();
  std::deque<bus::Message> backlog_;  // records delivered while a touch was held
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> handled_{0};
};

}  // namespace blend::worker
