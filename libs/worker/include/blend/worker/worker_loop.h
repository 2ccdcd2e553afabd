#pragma once

#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "blend/common/clock.h"
#include "blend/worker/commit_watermarks.h"
#include "blend/worker/executor.h"
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
  // Withdrawals run on the loop's thread (the handler need not be thread-safe).
  WithdrawHandler* withdrawals = nullptr;
  // K: touches processed at once (each on `executor`), never two of the same journey.
  int max_in_flight = 1;
  // Records held in memory (waiting, in flight or publishing). The partitions are paused
  // while this many are held and resumed once half of them are gone. The half left must last
  // until the first fetch after the resume: a pause drops librdkafka's prefetched records, and
  // librdkafka 2.0 starts that fetch at its broker thread's next wake-up, up to a second later.
  // At 64 a replica stood idle for ~0.8 s every 64 touches (bench/worker/RESULTS.md).
  int queue_capacity = 1024;
  // Runs each touch's processing. Null: on the loop's own thread, one at a time.
  Executor* executor = nullptr;
  // The watermarks are committed at most this often (a commit is a broker round trip on the
  // loop's thread); zero: after every turn. Stop commits what is done at once.
  absl::Duration commit_interval = absl::ZeroDuration();
};

// The consume → process → publish → commit loop shared by the three workers.
//
// Up to `max_in_flight` (K) touches are processed at once, one at a time per journey (the
// record key; a journey's touches keep their order). Records wait in a bounded local queue;
// the partitions are paused only when it is full, so a touch that must wait (quota, 429
// pause, backoff) waits there while the consumer keeps its prefetch. A quota wait or a 429
// holds back every touch until its time, not only the one that met it. Each disposition is
// published asynchronously; a record counts as done when the broker acknowledged its
// disposition (or it needed none), and each partition's offset is committed at its
// contiguous-done watermark, so after a crash every unfinished record comes again and at
// most K touches can have been with Genesys (each then reported UNKNOWN by the ledger rule).
// A message that is not a touch command, or a touch the orchestrator says it never emitted
// (ClaimTouch NOT_ISSUED: unknown id or forged content), goes to `<topic>.dlq` with the
// reason and is committed: it never blocks its partition. A WithdrawTouch goes to
// `options.withdrawals` and is retried and committed exactly like a touch.
// Rebalance: a waiting record whose partition was revoked is dropped (its new owner gets it
// from the committed offset); a touch already in flight finishes (its Genesys request cannot
// be taken back) and its disposition is published, but nothing is committed for a partition
// this replica lost.
// Run() returns after Stop(), once the touches in flight finished and their offsets were
// committed. Thread-safety: Run() on one thread; Stop(), handled() and stalled() from any.
class WorkerLoop {
 public:
  WorkerLoop(TouchQueue& queue, TouchProcessor& processor, const Clock& clock,
             WorkerLoopOptions options = {}, prometheus::Registry* registry = nullptr);
  ~WorkerLoop();

  void Run();
  // One turn of Run(): poll, start what may start, take finished work, commit, and the
  // periodic lag check. For tests.
  void Step();
  void Stop() { stop_ = true; }
  // Messages handled so far (for tests and logs).
  int64_t handled() const { return handled_; }
  // Whether the stall watchdog fired (and no record arrived since).
  bool stalled() const { return stalled_; }
  // Records held in memory now (waiting, in flight or publishing).
  size_t held() const { return entries_.size(); }
  // Touches being processed now.
  int in_flight() const { return running_; }

 private:
  struct Metrics;
  enum class State { kWaiting, kRunning, kPublishing };
  struct Entry {
    uint64_t id = 0;
    bus::Message message;
    std::string key;  // journey: at most one of its records in flight
    std::optional<v1::TouchCommand> touch;
    std::optional<v1::WithdrawTouch> withdraw;
    std::string malformed;  // set: dead-letter with this reason
    State state = State::kWaiting;
    absl::Time retry_at;
    absl::Time first_seen;
    bool revoked = false;  // its partition was revoked while it was in flight
  };
  // What the executor or the producer's delivery thread hands back to the loop.
  struct Completion {
    uint64_t id = 0;
    std::optional<absl::StatusOr<ProcessResult>> processed;  // else: a delivery
    absl::Status delivered;
  };
  using Entries = std::list<Entry>;

  int PollRecords(absl::Duration timeout);
  absl::Duration IdleWait() const;  // until the earliest waiting record may go
  void Accept(bus::Message message);
  void DropRevoked();
  void Dispatch();
  void Start(Entries::iterator e);
  void TakeCompletions(absl::Duration wait);
  void OnProcessed(Entries::iterator e, absl::StatusOr<ProcessResult> result);
  void OnDelivered(Entries::iterator e, const absl::Status& status);
  void RetryLater(Entries::iterator e, absl::Time at);
  void Finish(Entries::iterator e);
  void CommitDone(bool now = false);
  void ApplyBackpressure();
  void Push(Completion c);
  void Delivered();  // a record arrived: not stalled
  void CheckLag();

  TouchQueue& queue_;
  TouchProcessor& processor_;
  const Clock& clock_;
  const WorkerLoopOptions options_;
  std::unique_ptr<Metrics> metrics_;
  Entries entries_;  // in arrival order
  absl::flat_hash_map<uint64_t, Entries::iterator> by_id_;
  CommitWatermarks watermarks_;
  uint64_t next_id_ = 1;
  int running_ = 0;                                // entries kRunning
  int publishing_ = 0;                             // entries kPublishing
  bool paused_ = false;                            // this loop paused the partitions (queue full)
  absl::Time quota_until_ = absl::InfinitePast();  // no touch starts before this
  absl::Time next_lag_check_ = absl::InfinitePast();
  absl::Time next_commit_ = absl::InfinitePast();
  absl::Time quiet_since_;  // since when records wait and none arrived

  absl::Mutex completions_mu_;
  absl::CondVar completions_cv_;
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completions_mu_);

  std::atomic<bool> stop_{false};
  std::atomic<bool> stalled_{false};
  std::atomic<int64_t> handled_{0};
};

}  // namespace blend::worker
