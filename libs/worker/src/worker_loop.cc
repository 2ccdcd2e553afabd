#include "blend/worker/worker_loop.h"

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
constexpr absl::Duration kInfraRetry = absl::Seconds(1);

}  // namespace

struct WorkerLoop::Metrics {
  prometheus::Counter* dead_lettered;
  prometheus::Counter* revoked_dropped;
  prometheus::Histogram* wait_seconds;
  prometheus::Gauge* lag;
  prometheus::Gauge* stalled;
};

std::string EncodeDisposition(const v1::Disposition& disposition, const Clock& clock) {
  v1::Envelope envelope;
  envelope.set_message_id(NewUuid());
  envelope.set_schema_version(1);
  *envelope.mutable_produced_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock.Now()));
  envelope.set_trace_id(disposition.touch_id());
  *envelope.mutable_disposition() = disposition;
  return envelope.SerializeAsString();
}

WorkerLoop::WorkerLoop(TouchQueue& queue, TouchProcessor& processor, const Clock& clock,
                       WorkerLoopOptions options, prometheus::Registry* registry)
    : queue_(queue), processor_(processor), clock_(clock), options_(std::move(options)),
      quiet_since_(clock.Now()) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(Metrics{
      &prometheus::BuildCounter().Name("blend_worker_dead_lettered_total")
           .Help("Touch messages sent to the dead-letter topic").Register(*registry).Add({}),
      &prometheus::BuildCounter().Name("blend_worker_revoked_dropped_total")
           .Help("Held touch messages dropped because a rebalance gave their partition away "
                 "(the new owner processes them)")
           .Register(*registry).Add({}),
      &prometheus::BuildHistogram().Name("blend_worker_quota_wait_seconds")
           .Help("Time a touch waited for quota, 429 pauses and backoff before it finished")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}),
      &prometheus::BuildGauge().Name("blend_worker_consumer_lag")
           .Help("Touch messages on this replica's partitions not consumed yet")
           .Register(*registry).Add({}),
      &prometheus::BuildGauge().Name("blend_worker_stalled")
           .Help("1 while this replica owns partitions with waiting records but receives none")
           .Register(*registry).Add({})});
}

WorkerLoop::~WorkerLoop() = default;

void WorkerLoop::Run() {
  while (!stop_) Step();
}

void WorkerLoop::Step() {
  CheckLag();
  if (held_) {
    WaitForHeld();
    return;
  }
  if (!backlog_.empty()) {
    bus::Message next = std::move(backlog_.front());
    backlog_.pop_front();
    if (StillOurs(next)) Handle(std::move(next));
    return;
  }
  std::optional<bus::Message> message = queue_.Poll(kPollTimeout);
  if (message) {
    Delivered();
    Handle(*std::move(message));
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
  // A held touch waits on purpose (quota, backoff); a backlog is work in hand. Neither is a
  // stall, and neither is an empty queue: the watchdog measures only time spent owning
  // waiting records while nothing arrives.
  const bool idle = !held_ && backlog_.empty() && queue_.AssignedPartitions() > 0;
  if (!idle || *lag == 0) {
    quiet_since_ = now;
    return;
  }
  if (now - quiet_since_ >= options_.stall_after && !stalled_) {
    stalled_ = true;
    if (metrics_) metrics_->stalled->Set(1);
    BLEND_LOG(kError, "worker stalled: its partitions have records waiting but none arrives",
              {{"lag", absl::StrCat(*lag)},
               {"silent_for", absl::FormatDuration(now - quiet_since_)}});
  }
}

bool WorkerLoop::StillOurs(const bus::Message& message) {
  if (queue_.StillAssigned(message)) return true;
  if (metrics_) metrics_->revoked_dropped->Increment();
  BLEND_LOG(kInfo, "dropping a held touch message: its partition was revoked",
            {{"topic", message.topic}, {"partition", absl::StrCat(message.partition)},
             {"offset", absl::StrCat(message.offset)}});
  return false;
}

void WorkerLoop::WaitForHeld() {
  if (clock_.Now() < held_->retry_at) {
    // Paused partitions deliver nothing, but polling keeps the group membership alive.
    std::optional<bus::Message> stray = queue_.Poll(
        std::min(kPollTimeout, std::max(absl::ZeroDuration(), held_->retry_at - clock_.Now())));
    // libs/bus holds back records of paused partitions, so this is not expected; if one
    // comes anyway it is kept (never dropped: a later commit would skip it).
    if (stray) {
      Delivered();
      backlog_.push_back(*std::move(stray));
    }
    return;
  }
  Held held = *std::move(held_);
  held_.reset();
  (void)queue_.ResumeAll();
  if (StillOurs(held.message)) Attempt(std::move(held));
}

void WorkerLoop::Handle(bus::Message message) {
  v1::Envelope envelope;
  std::string reason;
  if (!envelope.ParseFromString(message.payload)) {
    reason = "payload is not a blend.v1.Envelope";
  } else if (envelope.has_withdraw()) {
    if (options_.withdrawals == nullptr) {
      // Only voice touches wait in Genesys long enough to be taken back; an SMS or email is
      // sent the moment it is processed. A withdrawal here was misrouted: keep it visible.
      reason = "WithdrawTouch on a channel whose worker does not withdraw touches";
    } else if (envelope.withdraw().touch_id().empty()) {
      reason = "withdraw touch without touch_id";
    }
  } else if (!envelope.has_touch()) {
    reason = "envelope carries no TouchCommand";
  } else if (envelope.touch().touch_id().empty()) {
    reason = "touch command without touch_id";
  }
  if (!reason.empty()) {
    absl::Status dlq = queue_.DeadLetter(message, reason);
    if (!dlq.ok()) {
      BLEND_LOG(kError, "dead-letter publish failed; will retry", {{"error", std::string(dlq.message())}});
      held_ = Held{std::move(message), {}, clock_.Now() + kInfraRetry, clock_.Now()};
      (void)queue_.PauseAll();
      return;
    }
    if (metrics_) metrics_->dead_lettered->Increment();
    BLEND_LOG(kWarn, "malformed touch message dead-lettered",
              {{"topic", message.topic}, {"offset", std::to_string(message.offset)}, {"reason", reason}});
    (void)queue_.Commit(message);
    ++handled_;
    return;
  }
  if (envelope.has_withdraw()) {
    Attempt(Held{std::move(message), {}, clock_.Now(), clock_.Now(), envelope.withdraw()});
    return;
  }
  Attempt(Held{std::move(message), envelope.touch(), clock_.Now(), clock_.Now()});
}

void WorkerLoop::Attempt(Held held) {
  if (!held.withdraw && held.touch.touch_id().empty()) {  // a dead-letter publish that failed
    Handle(std::move(held.message));
    return;
  }
  const std::string& touch_id = held.withdraw ? held.withdraw->touch_id() : held.touch.touch_id();
  absl::StatusOr<ProcessResult> result = held.withdraw
                                             ? options_.withdrawals->Withdraw(*held.withdraw)
                                             : processor_.Process(held.touch);
  absl::Time retry_at;
  if (!result.ok()) {
    BLEND_LOG(kWarn, "touch processing failed; will retry",
              {{"touch_id", touch_id}, {"error", std::string(result.status().message())}});
    retry_at = clock_.Now() + kInfraRetry;
  } else if (result->kind == ProcessResult::Kind::kRetryAt) {
    retry_at = result->retry_at;
  } else if (Complete(held.message, *result)) {
    if (metrics_) metrics_->wait_seconds->Observe(absl::ToDoubleSeconds(clock_.Now() - held.first_wait));
    return;
  } else {
    retry_at = clock_.Now() + kInfraRetry;
  }
  held.retry_at = retry_at;
  held_ = std::move(held);
  (void)queue_.PauseAll();
}

bool WorkerLoop::Complete(const bus::Message& message, const ProcessResult& result) {
  if (result.kind == ProcessResult::Kind::kDeadLetter) {
    // A touch message the orchestrator refused as not its own (forged or corrupt).
    absl::Status dlq = queue_.DeadLetter(message, result.note);
    if (!dlq.ok()) {
      BLEND_LOG(kError, "dead-letter publish failed; will retry",
                {{"error", std::string(dlq.message())}});
      return false;
    }
    if (metrics_) metrics_->dead_lettered->Increment();
    BLEND_LOG(kWarn, "touch message dead-lettered",
              {{"topic", message.topic}, {"offset", std::to_string(message.offset)},
               {"reason", result.note}});
  }
  if (result.kind == ProcessResult::Kind::kPublish) {
    absl::Status published = queue_.Publish(options_.dispositions_topic,
                                            result.disposition.journey_id(),
                                            EncodeDisposition(result.disposition, clock_));
    if (!published.ok()) {
      BLEND_LOG(kError, "disposition publish failed; will retry",
                {{"touch_id", result.disposition.touch_id()}, {"error", std::string(published.message())}});
      return false;
    }
    BLEND_LOG(kInfo, "touch finished",
              {{"touch_id", result.disposition.touch_id()},
               {"outcome", v1::TouchOutcome_Name(result.disposition.outcome())},
               {"reason", result.disposition.reason()}});
  }
  absl::Status committed = queue_.Commit(message);
  if (!committed.ok()) {
    // The disposition is out; a redelivery will republish it from the ledger. Harmless.
    BLEND_LOG(kWarn, "offset commit failed", {{"error", std::string(committed.message())}});
  }
  ++handled_;
  return true;
}

}  // namespace blend::worker
