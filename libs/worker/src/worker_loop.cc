#include "blend/worker/worker_loop.h"

#include "blend/bus/dead_letter.h"
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
constexpr absl::Duration kLagInterval = absl::Seconds(5);

}  // namespace

struct WorkerLoop::Metrics {
  prometheus::Counter* dead_lettered;
  prometheus::Histogram* wait_seconds;
  prometheus::Gauge* lag;
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

WorkerLoop::WorkerLoop(bus::Consumer& consumer, bus::Producer& producer,
                       TouchProcessor& processor, const Clock& clock,
                       prometheus::Registry* registry, std::string dispositions_topic)
    : consumer_(consumer), producer_(producer), processor_(processor), clock_(clock),
      dispositions_topic_(std::move(dispositions_topic)) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(Metrics{
      &prometheus::BuildCounter().Name("blend_worker_dead_lettered_total")
           .Help("Touch messages sent to the dead-letter topic").Register(*registry).Add({}),
      &prometheus::BuildHistogram().Name("blend_worker_quota_wait_seconds")
           .Help("Time a touch waited for quota, 429 pauses and backoff before it finished")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}),
      &prometheus::BuildGauge().Name("blend_worker_consumer_lag")
           .Help("Touch messages on this replica's partitions not consumed yet (latest fetch)")
           .Register(*registry).Add({})});
}

WorkerLoop::~WorkerLoop() = default;

void WorkerLoop::Run() {
  while (!stop_) {
    UpdateLag();
    if (held_) {
      WaitForHeld();
      continue;
    }
    if (!backlog_.empty()) {
      bus::Message next = std::move(backlog_.front());
      backlog_.pop_front();
      Handle(std::move(next));
      continue;
    }
    std::optional<bus::Message> message = consumer_.Poll(kPollTimeout);
    if (message) Handle(*std::move(message));
  }
}

void WorkerLoop::UpdateLag() {
  if (!metrics_ || clock_.Now() < next_lag_update_) return;
  next_lag_update_ = clock_.Now() + kLagInterval;
  absl::StatusOr<int64_t> lag = consumer_.Lag();
  if (lag.ok()) metrics_->lag->Set(static_cast<double>(*lag));
}

void WorkerLoop::WaitForHeld() {
  if (clock_.Now() < held_->retry_at) {
    // Paused partitions deliver nothing, but polling keeps the group membership alive.
    std::optional<bus::Message> stray = consumer_.Poll(
        std::min(kPollTimeout, std::max(absl::ZeroDuration(), held_->retry_at - clock_.Now())));
    // libs/bus holds back records of paused partitions, so this is not expected; if one
    // comes anyway it is kept (never dropped: a later commit would skip it).
    if (stray) backlog_.push_back(*std::move(stray));
    return;
  }
  Held held = *std::move(held_);
  held_.reset();
  (void)consumer_.ResumeAll();
  Attempt(std::move(held));
}

void WorkerLoop::Handle(bus::Message message) {
  v1::Envelope envelope;
  std::string reason;
  if (!envelope.ParseFromString(message.payload)) {
    reason = "payload is not a blend.v1.Envelope";
  } else if (!envelope.has_touch()) {
    reason = "envelope carries no TouchCommand";
  } else if (envelope.touch().touch_id().empty()) {
    reason = "touch command without touch_id";
  }
  if (!reason.empty()) {
    absl::Status dlq = bus::DeadLetter(producer_, message, reason, clock_);
    if (!dlq.ok()) {
      BLEND_LOG(kError, "dead-letter publish failed; will retry", {{"error", std::string(dlq.message())}});
      held_ = Held{std::move(message), {}, clock_.Now() + kInfraRetry, clock_.Now()};
      (void)consumer_.PauseAll();
      return;
    }
    if (metrics_) metrics_->dead_lettered->Increment();
    BLEND_LOG(kWarn, "malformed touch message dead-lettered",
              {{"topic", message.topic}, {"offset", std::to_string(message.offset)}, {"reason", reason}});
    (void)consumer_.Commit(message);
    ++handled_;
    return;
  }
  Attempt(Held{std::move(message), envelope.touch(), clock_.Now(), clock_.Now()});
}

void WorkerLoop::Attempt(Held held) {
  if (held.touch.touch_id().empty()) {  // a dead-letter publish that failed before
    Handle(std::move(held.message));
    return;
  }
  absl::StatusOr<ProcessResult> result = processor_.Process(held.touch);
  absl::Time retry_at;
  if (!result.ok()) {
    BLEND_LOG(kWarn, "touch processing failed; will retry",
              {{"touch_id", held.touch.touch_id()}, {"error", std::string(result.status().message())}});
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
  (void)consumer_.PauseAll();
}

bool WorkerLoop::Complete(const bus::Message& message, const ProcessResult& result) {
  if (result.kind == ProcessResult::Kind::kPublish) {
    absl::Status published = producer_.ProduceSync(
        dispositions_topic_, result.disposition.journey_id(), EncodeDisposition(result.disposition, clock_));
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
  absl::Status committed = consumer_.Commit(message);
  if (!committed.ok()) {
    // The disposition is out; a redelivery will republish it from the ledger. Harmless.
    BLEND_LOG(kWarn, "offset commit failed", {{"error", std::string(committed.message())}});
  }
  ++handled_;
  return true;
}

}  // namespace blend::worker
