#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "blend/common/clock.h"
#include "blend/worker/touch_processor.h"
#include "blend/worker/touch_queue.h"
#include "blend/worker/withdraw_handler.h"

namespace prometheus {
class Registry;
}

namespace blend::worker {

inline constexpr char kDispositionsTopic[] = "blend.dispositions";

// Encodes a disposition as the Envelope published on blend.dispositions (key = journey id).
std::string EncodeDisposition(const v1::Disposition& disposition, const Clock& clock);

struct WorkerLoopOptions {
  // blend.dispositions in production (tests prefix it).
  std::string dispositions_topic = kDispositionsTopic;
  // The stall watchdog: a replica that owns partitions with records waiting, holds no touch
  // and has received nothing for this long is stalled (logged, blend_worker_stalled = 1,
  // stalled() true so readiness fails) until a record arrives again.
  absl::Duration stall_after = absl::Seconds(60);
  // How often the lag is read from the broker (gauge and watchdog).
  absl::Duration lag_interval = absl::Seconds(5);
  // Handles blend.v1.WithdrawTouch envelopes (the dialer's). Null: a withdrawal is
  // dead-lettered with the reason that this channel's worker does not withdraw touches.
  WithdrawHandler* withdrawals = nullptr;
};

// The consume → process → publish → commit loop shared by the three workers.
//
// One message at a time: a touch that must wait (quota, 429 pause, backoff) is held while
// every assigned partition is paused, so nothing piles up in memory however many touches
// are queued in Kafka (the consumer's prefetch is kept small too). The offset is committed
// only after the disposition is acknowledged by the broker. A message that is not a touch
// command, or a touch the orchestrator says it never emitted (ClaimTouch NOT_ISSUED: unknown
// id or forged content), goes to `<topic>.dlq` with the reason and is committed: it never
// blocks its partition. A WithdrawTouch goes to `options.withdrawals` and is held, retried and
// committed exactly like a touch (so a withdrawal waiting for Genesys holds the partitions
// no longer than a touch's backoff would). A held or backlogged message whose partition was revoked meanwhile is dropped:
// the partition's new owner (possibly this replica again) gets it from the committed offset.
// Run() returns after Stop(), once the message in hand is finished or held.
// Thread-safety: Run() on one thread; Stop(), handled() and stalled() from any thread.
class WorkerLoop {
 public:
  WorkerLoop(TouchQueue& queue, TouchProcessor& processor, const Clock& clock,
             WorkerLoopOptions options = {}, prometheus::Registry* registry = nullptr);
  ~WorkerLoop();

  void Run();
  // One turn of Run(): poll or retry the held touch, and the periodic lag check. For tests.
  void Step();
  void Stop() { stop_ = true; }
  // Messages handled so far (for tests and logs).
  int64_t handled() const { return handled_; }
  // Whether the stall watchdog fired (and no record arrived since).
  bool stalled() const { return stalled_; }

 private:
  struct Metrics;
  struct Held {
    bus::Message message;
    v1::TouchCommand touch;
    absl::Time retry_at;
    absl::Time first_wait;
    std::optional<v1::WithdrawTouch> withdraw = std::nullopt;  // set: a withdrawal, not a touch
  };

  void Handle(bus::Message message);
  void Attempt(Held held);
  bool Complete(const bus::Message& message, const ProcessResult& result);
  void WaitForHeld();
  bool StillOurs(const bus::Message& message);
  void Delivered();  // a record arrived: not stalled
  void CheckLag();

  TouchQueue& queue_;
  TouchProcessor& processor_;
  const Clock& clock_;
  const WorkerLoopOptions options_;
  std::unique_ptr<Metrics> metrics_;
  std::optional<Held> held_;
  absl::Time next_lag_check_ = absl::InfinitePast();
  absl::Time quiet_since_;  // since when records wait and none arrived
  std::deque<bus::Message> backlog_;  // records delivered while a touch was held
  std::atomic<bool> stop_{false};
  std::atomic<bool> stalled_{false};
  std::atomic<int64_t> handled_{0};
};

}  // namespace blend::worker
