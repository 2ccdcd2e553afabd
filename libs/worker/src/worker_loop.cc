#include "blend/worker/worker_loop.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "blend/common/ids.h"
#include "blend/telemetry/log.h"
#include "google/protobuf/util/time_util.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace blend::worker {
namespace {

using google::protobuf::util::TimeUtil;
constexpr absl::Duration kPollTimeout = absl::Milliseconds(200);
// While touches are in flight the loop does not block in a Kafka poll: it waits this long
// for a completion instead, so finished touches are published and committed at once.
constexpr absl::Duration kBusyWait = absl::Milliseconds(2);
constexpr absl::Duration kInfraRetry = absl::Seconds(1);
// Records taken from the consumer in one turn at most (the rest wait in librdkafka).
constexpr int kPollBurst = 256;

}  // namespace

struct WorkerLoop::Metrics {
  prometheus::Counter* dead_lettered;
  prometheus::Counter* revoked_dropped;
  prometheus::Histogram* wait_seconds;
  prometheus::Gauge* lag;
  prometheus::Gauge* stalled;
  prometheus::Gauge* in_flight;
  prometheus::Gauge* held;
};

std::string EncodeDisposition(const v1::Disposition& disposition, const Clock& clock) {
  v1::Envelope envelope;
  envelope.set_message_id(NewUuid());
  envelope.set_schema_version(1);
  *envelope.mutable_produced_at() =
      TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock.Now()));
  envelope.set_trace_id(disposition.touch_id());
  *envelope.mutable_disposition() = disposition;
  return envelope.SerializeAsString();
}

WorkerLoop::WorkerLoop(TouchQueue& queue, TouchProcessor& processor, const Clock& clock,
                       WorkerLoopOptions options, prometheus::Registry* registry)
    : queue_(queue),
      processor_(processor),
      clock_(clock),
      options_(std::move(options)),
      quiet_since_(clock.Now()) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(Metrics{
      &prometheus::BuildCounter()
           .Name("blend_worker_dead_lettered_total")
           .Help("Touch messages sent to the dead-letter topic")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildCounter()
           .Name("blend_worker_revoked_dropped_total")
           .Help("Held touch messages dropped because a rebalance gave their partition away "
                 "(the new owner processes them)")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildHistogram()
           .Name("blend_worker_quota_wait_seconds")
           .Help("Time a touch waited for quota, 429 pauses and backoff before it finished")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60,
                                                            120, 300}),
      &prometheus::BuildGauge()
           .Name("blend_worker_consumer_lag")
           .Help("Touch messages on this replica's partitions not consumed yet")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildGauge()
           .Name("blend_worker_stalled")
           .Help("1 while this replica owns partitions with waiting records but receives none")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildGauge()
           .Name("blend_worker_in_flight")
           .Help("Touches being processed now (at most --max-in-flight)")
           .Register(*registry)
           .Add({}),
      &prometheus::BuildGauge()
           .Name("blend_worker_held")
           .Help("Touch records held in memory: waiting, in flight or publishing "
                 "(at most about --queue-capacity)")
           .Register(*registry)
           .Add({})});
}

WorkerLoop::~WorkerLoop() = default;

void WorkerLoop::Run() {
  while (!stop_) Step();
  // Start nothing new; let what is in flight finish and commit it.
  BLEND_LOG(kInfo, "worker stopping: finishing the touches in flight",
            {{"in_flight", absl::StrCat(running_)},
             {"publishing", absl::StrCat(publishing_)},
             {"held", absl::StrCat(entries_.size())}});
  while (running_ + publishing_ > 0) {
    TakeCompletions(kPollTimeout);
    CommitDone();
  }
  CommitDone(/*now=*/true);
}

void WorkerLoop::Step() {
  CheckLag();
  const bool busy = running_ + publishing_ > 0;
  const int polled = PollRecords(busy ? absl::ZeroDuration() : IdleWait());
  DropRevoked();
  // Nothing came from Kafka while touches are in flight: wait a little for one to finish.
  TakeCompletions(busy && polled == 0 ? kBusyWait : absl::ZeroDuration());
  Dispatch();
  TakeCompletions(absl::ZeroDuration());  // what ran inline, or finished meanwhile
  CommitDone();
  ApplyBackpressure();
}

absl::Duration WorkerLoop::IdleWait() const {
  // Only the first waiting record of each journey can start: the others wait behind it.
  const absl::Time now = clock_.Now();
  absl::Duration wait = kPollTimeout;
  absl::flat_hash_set<std::string> seen;
  for (const Entry& e : entries_) {
    if (e.state != State::kWaiting || !seen.insert(e.key).second) continue;
    const absl::Time at = e.malformed.empty() ? std::max(e.retry_at, quota_until_) : e.retry_at;
    wait = std::min(wait, std::max(at - now, absl::ZeroDuration()));
  }
  return wait;
}

int WorkerLoop::PollRecords(absl::Duration timeout) {
  // Even with a full queue the consumer is polled: paused partitions deliver nothing, but
  // polling keeps the group membership alive. A record that comes anyway (fetched before the
  // pause) is kept, never dropped: a later commit would skip it.
  int polled = 0;
  while (polled < kPollBurst) {
    std::optional<bus::Message> message = queue_.Poll(polled == 0 ? timeout : absl::ZeroDuration());
    if (!message) break;
    ++polled;
    Delivered();
    Accept(*std::move(message));
    if (static_cast<int>(entries_.size()) >= options_.queue_capacity) break;
  }
  return polled;
}

void WorkerLoop::Accept(bus::Message message) {
  Entry e;
  e.id = next_id_++;
  e.retry_at = e.first_seen = clock_.Now();
  v1::Envelope envelope;
  if (!envelope.ParseFromString(message.payload)) {
    e.malformed = "payload is not a blend.v1.Envelope";
  } else if (envelope.has_withdraw()) {
    if (options_.withdrawals == nullptr) {
      // Only voice touches wait in Genesys long enough to be taken back; an SMS or email is
      // sent the moment it is processed. A withdrawal here was misrouted: keep it visible.
      e.malformed = "WithdrawTouch on a channel whose worker does not withdraw touches";
    } else if (envelope.withdraw().touch_id().empty()) {
      e.malformed = "withdraw touch without touch_id";
    } else {
      e.key = envelope.withdraw().journey_id();
      e.withdraw = envelope.withdraw();
    }
  } else if (!envelope.has_touch()) {
    e.malformed = "envelope carries no TouchCommand";
  } else if (envelope.touch().touch_id().empty()) {
    e.malformed = "touch command without touch_id";
  } else {
    e.key = envelope.touch().journey_id();
    e.touch = envelope.touch();
  }
  // The record key is the journey id (the orchestrator's outbox keys touches by journey).
  if (!message.key.empty()) e.key = message.key;
  if (e.key.empty()) e.key = "record:" + absl::StrCat(e.id);  // nothing to order it with
  e.message = std::move(message);
  watermarks_.Received(e.message);
  entries_.push_back(std::move(e));
  by_id_[entries_.back().id] = std::prev(entries_.end());
}

void WorkerLoop::DropRevoked() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->revoked || queue_.StillAssigned(it->message)) {
      ++it;
      continue;
    }
    watermarks_.Forget(it->message);
    if (it->state != State::kWaiting) {
      // In flight: the Genesys request may be on its way; let it finish, commit nothing.
      it->revoked = true;
      ++it;
      continue;
    }
    if (metrics_) metrics_->revoked_dropped->Increment();
    BLEND_LOG(kInfo, "dropping a held touch message: its partition was revoked",
              {{"topic", it->message.topic},
               {"partition", absl::StrCat(it->message.partition)},
               {"offset", absl::StrCat(it->message.offset)}});
    by_id_.erase(it->id);
    it = entries_.erase(it);
  }
}

void WorkerLoop::Dispatch() {
  const absl::Time now = clock_.Now();
  // Journeys with a record in flight or an earlier record still waiting: their later records
  // wait too, so each journey's touches go in order.
  absl::flat_hash_set<std::string> blocked;
  for (const Entry& e : entries_) {
    if (e.state != State::kWaiting) blocked.insert(e.key);
  }
  const int k = std::max(1, options_.max_in_flight);
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto e = it++;  // Start may finish (and erase) e when it runs inline
    if (e->state != State::kWaiting || blocked.contains(e->key)) continue;
    blocked.insert(e->key);
    if (e->revoked || e->retry_at > now) continue;
    if (e->malformed.empty() && (running_ >= k || now < quota_until_)) continue;
    Start(e);
  }
}

void WorkerLoop::Start(Entries::iterator e) {
  if (!e->malformed.empty()) {
    absl::Status dlq = queue_.DeadLetter(e->message, e->malformed);
    if (!dlq.ok()) {
      BLEND_LOG(kError, "dead-letter publish failed; will retry",
                {{"error", std::string(dlq.message())}});
      RetryLater(e, clock_.Now() + kInfraRetry);
      return;
    }
    if (metrics_) metrics_->dead_lettered->Increment();
    BLEND_LOG(kWarn, "malformed touch message dead-lettered",
              {{"topic", e->message.topic},
               {"offset", std::to_string(e->message.offset)},
               {"reason", e->malformed}});
    Finish(e);
    return;
  }
  e->state = State::kRunning;
  ++running_;
  if (e->withdraw) {
    // The withdraw handler is not thread-safe: it runs here, on the loop's thread.
    Push(Completion{e->id, options_.withdrawals->Withdraw(*e->withdraw), {}});
    return;
  }
  const uint64_t id = e->id;
  auto job = [this, id, touch = *e->touch] { Push(Completion{id, processor_.Process(touch), {}}); };
  if (options_.executor == nullptr) {
    job();
  } else {
    options_.executor->Submit(std::move(job));
  }
}

void WorkerLoop::Push(Completion c) {
  absl::MutexLock lock(&completions_mu_);
  completions_.push_back(std::move(c));
  completions_cv_.Signal();
}

void WorkerLoop::TakeCompletions(absl::Duration wait) {
  while (true) {
    std::deque<Completion> batch;
    {
      absl::MutexLock lock(&completions_mu_);
      if (completions_.empty() && wait > absl::ZeroDuration()) {
        completions_cv_.WaitWithTimeout(&completions_mu_, wait);
      }
      batch.swap(completions_);
    }
    // Handling a completion can complete another at once (a delivery answered inline).
    if (batch.empty()) return;
    wait = absl::ZeroDuration();
    for (Completion& c : batch) {
      auto it = by_id_.find(c.id);
      if (it == by_id_.end()) continue;
      if (c.processed) {
        OnProcessed(it->second, *std::move(c.processed));
      } else {
        OnDelivered(it->second, c.delivered);
      }
    }
  }
}

void WorkerLoop::RetryLater(Entries::iterator e, absl::Time at) {
  if (e->revoked) {  // its new owner retries it
    if (metrics_) metrics_->revoked_dropped->Increment();
    by_id_.erase(e->id);
    entries_.erase(e);
    return;
  }
  e->state = State::kWaiting;
  e->retry_at = at;
}

void WorkerLoop::OnProcessed(Entries::iterator e, absl::StatusOr<ProcessResult> result) {
  --running_;
  const std::string& touch_id = e->withdraw ? e->withdraw->touch_id() : e->touch->touch_id();
  if (!result.ok()) {
    BLEND_LOG(kWarn, "touch processing failed; will retry",
              {{"touch_id", touch_id}, {"error", std::string(result.status().message())}});
    RetryLater(e, clock_.Now() + kInfraRetry);
    return;
  }
  switch (result->kind) {
    case ProcessResult::Kind::kRetryAt:
      if (result->quota_wait) quota_until_ = std::max(quota_until_, result->retry_at);
      RetryLater(e, result->retry_at);
      return;
    case ProcessResult::Kind::kDeadLetter: {
      // A touch message the orchestrator refused as not its own (forged or corrupt).
      absl::Status dlq = queue_.DeadLetter(e->message, result->note);
      if (!dlq.ok()) {
        BLEND_LOG(kError, "dead-letter publish failed; will retry",
                  {{"error", std::string(dlq.message())}});
        RetryLater(e, clock_.Now() + kInfraRetry);
        return;
      }
      if (metrics_) metrics_->dead_lettered->Increment();
      BLEND_LOG(kWarn, "touch message dead-lettered",
                {{"topic", e->message.topic},
                 {"offset", std::to_string(e->message.offset)},
                 {"reason", result->note}});
      Finish(e);
      return;
    }
    case ProcessResult::Kind::kDrop:
      Finish(e);
      return;
    case ProcessResult::Kind::kPublish:
      break;
  }
  const v1::Disposition& d = result->disposition;
  e->state = State::kPublishing;
  ++publishing_;
  const uint64_t id = e->id;
  absl::Status queued =
      queue_.PublishAsync(options_.dispositions_topic, d.journey_id(), EncodeDisposition(d, clock_),
                          [this, id](absl::Status status) {
                            Push(Completion{id, std::nullopt, std::move(status)});
                          });
  if (!queued.ok()) {
    --publishing_;
    BLEND_LOG(kError, "disposition publish failed; will retry",
              {{"touch_id", d.touch_id()}, {"error", std::string(queued.message())}});
    RetryLater(e, clock_.Now() + kInfraRetry);
    return;
  }
  BLEND_LOG(kInfo, "touch finished",
            {{"touch_id", d.touch_id()},
             {"outcome", v1::TouchOutcome_Name(d.outcome())},
             {"reason", d.reason()}});
}

void WorkerLoop::OnDelivered(Entries::iterator e, const absl::Status& status) {
  --publishing_;
  if (!status.ok()) {
    // The ledger holds the outcome: the retry publishes the disposition on record.
    BLEND_LOG(
        kError, "disposition publish failed; will retry",
        {{"offset", absl::StrCat(e->message.offset)}, {"error", std::string(status.message())}});
    RetryLater(e, clock_.Now() + kInfraRetry);
    return;
  }
  Finish(e);
}

void WorkerLoop::Finish(Entries::iterator e) {
  if (e->touch && metrics_) {
    metrics_->wait_seconds->Observe(absl::ToDoubleSeconds(clock_.Now() - e->first_seen));
  }
  if (!e->revoked) watermarks_.Done(e->message);
  ++handled_;
  by_id_.erase(e->id);
  entries_.erase(e);
}

void WorkerLoop::CommitDone(bool now) {
  const absl::Time t = clock_.Now();
  if (!now && t < next_commit_) return;
  next_commit_ = t + options_.commit_interval;
  for (const bus::Message& m : watermarks_.TakeCommits()) {
    if (!queue_.StillAssigned(m)) continue;  // revoked meanwhile: its new owner commits
    absl::Status committed = queue_.Commit(m);
    if (!committed.ok()) {
      // The dispositions are out; a redelivery republishes them from the ledger. Harmless.
      BLEND_LOG(kWarn, "offset commit failed", {{"error", std::string(committed.message())}});
    }
  }
}

void WorkerLoop::ApplyBackpressure() {
  const int held = static_cast<int>(entries_.size());
  if (metrics_) {
    metrics_->in_flight->Set(running_);
    metrics_->held->Set(held);
  }
  if (!paused_ && held >= options_.queue_capacity) {
    paused_ = queue_.PauseAll().ok();
  } else if (paused_ && held <= options_.queue_capacity / 2) {
    paused_ = !queue_.ResumeAll().ok();
  }
}

void WorkerLoop::Delivered() {
  quiet_since_ = clock_.Now();
  if (stalled_.exchange(false)) {
    BLEND_LOG(kInfo, "worker consuming again after a stall");
    if (metrics_) metrics_->stalled->Set(0);
  }
}

void WorkerLoop::CheckLag() {
  const absl::Time now = clock_.Now();
  if (now < next_lag_check_) return;
  next_lag_check_ = now + options_.lag_interval;
  absl::StatusOr<int64_t> lag = queue_.Lag();
  if (!lag.ok()) return;
  if (metrics_) metrics_->lag->Set(static_cast<double>(*lag));
  // Touches held in memory wait on purpose (quota, backoff) or are in flight. Neither is a
  // stall, and neither is an empty queue: the watchdog measures only time spent owning
  // waiting records while nothing arrives.
  const bool idle = entries_.empty() && queue_.AssignedPartitions() > 0;
  if (!idle || *lag == 0) {
    quiet_since_ = now;
    return;
  }
  if (now - quiet_since_ >= options_.stall_after && !stalled_) {
    stalled_ = true;
    if (metrics_) metrics_->stalled->Set(1);
    BLEND_LOG(
        kError, "worker stalled: its partitions have records waiting but none arrives",
        {{"lag", absl::StrCat(*lag)}, {"silent_for", absl::FormatDuration(now - quiet_since_)}});
  }
}

}  // namespace blend::worker
