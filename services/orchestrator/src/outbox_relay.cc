#include "blend/orchestrator/outbox_relay.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "blend/common/ids.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/outbox_store.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

PublishFailure ClassifyPublishFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:  // too large, invalid record or topic name
      return PublishFailure::kPermanent;
    case absl::StatusCode::kFailedPrecondition:  // fatal producer error: restart the process
    case absl::StatusCode::kCancelled:           // purged at shutdown
      return PublishFailure::kRelay;
    default:
      return PublishFailure::kRetry;
  }
}

absl::Duration RetryDelay(const RelayOptions& options, int attempts) {
  absl::Duration d = options.retry_backoff;
  for (int i = 1; i < attempts && d < options.max_retry_backoff; ++i) d *= 2;
  return std::min(d, options.max_retry_backoff);
}

OutboxRelay::OutboxRelay(std::unique_ptr<OutboxStore> store,
                         std::unique_ptr<OutboxPublisher> publisher, const Clock& clock,
                         Metrics* metrics, RelayOptions options)
    : store_(std::move(store)),
      publisher_(std::move(publisher)),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      outage_backoff_(options_.outage_backoff),
      loop_(
          "outbox-relay", [this] { return PublishOnce(); }, options_.idle_poll) {
  if (options_.owner.empty()) options_.owner = "relay-" + NewUuid().substr(0, 8);
}

OutboxRelay::OutboxRelay(store::ConnectionPool& pool, bus::Producer& producer, const Clock& clock,
                         Metrics* metrics, RelayOptions options)
    : OutboxRelay(std::make_unique<PgOutboxStore>(pool),
                  std::make_unique<ProducerPublisher>(producer), clock, metrics,
                  std::move(options)) {}

absl::Status OutboxRelay::PauseForOutage(absl::Time now, const std::string& why) {
  if (!kafka_away_) {
    BLEND_LOG(kWarn, "Kafka unreachable; outbox relay pauses", {{"error", why}});
  }
  kafka_away_ = true;
  paused_until_ = now + outage_backoff_;
  const absl::Duration paused = outage_backoff_;
  outage_backoff_ = std::min(outage_backoff_ * 2, options_.max_outage_backoff);
  return absl::UnavailableError(
      absl::StrCat("outbox relay paused for ", absl::FormatDuration(paused), ": ", why));
}

void OutboxRelay::DeadLetter(const pg::OutboxRow& row, std::string reason, absl::Time now,
                             OutboxOutcome& outcome) const {
  // A dead touch command would leave its journey waiting for a disposition that cannot come:
  // it is reported FAILED instead (a small record on another topic, so it still goes out when
  // this one was too large), and the journey takes its error path.
  if (!options_.dispositions_topic.empty()) {
    if (std::optional<std::string> failed =
            UnpublishedTouchDispositionBytes(row.payload, reason, now)) {
      outcome.follow_ups.push_back({options_.dispositions_topic, row.key, std::move(*failed)});
    }
  }
  outcome.dead.push_back({row.id, row.attempts, std::move(reason)});
}

absl::StatusOr<int> OutboxRelay::PublishOnce() {
  const absl::Time now = clock_.Now();
  if (now < paused_until_) return 0;
  if (kafka_away_) {
    // Only a probe while Kafka is away: claiming would rewrite the same rows every time.
    if (absl::Status up = publisher_->CheckConnection(); !up.ok()) {
      return PauseForOutage(now, std::string(up.message()));
    }
    // The backoff is reset only once a row is acknowledged: a producer that answers probes
    // but cannot publish keeps backing off.
    BLEND_LOG(kInfo, "Kafka reachable again; outbox relay resumes");
    kafka_away_ = false;
  }

  BLEND_ASSIGN_OR_RETURN(
      std::vector<pg::OutboxRow> rows,
      store_->Claim(now, options_.batch_size, options_.owner, now + options_.lease));
  if (rows.empty()) return 0;
  std::vector<bus::OutgoingMessage> messages;
  messages.reserve(rows.size());
  for (const auto& r : rows) messages.push_back({r.topic, r.key, r.payload, {}});
  // No transaction is open here: the rows are ours by lease, not by lock.
  std::vector<absl::Status> acks = publisher_->Publish(messages);
  const absl::Time done = clock_.Now();

  // Nothing acknowledged and something worth retrying: is Kafka there at all?
  bool any_ok = false, any_retryable = false, relay_broken = false;
  for (const absl::Status& a : acks) {
    if (a.ok()) {
      any_ok = true;
      continue;
    }
    PublishFailure kind = ClassifyPublishFailure(a);
    any_retryable |= kind != PublishFailure::kPermanent;
    relay_broken |= kind == PublishFailure::kRelay;
  }
  std::string outage;
  if (!any_ok && any_retryable) {
    if (relay_broken) {
      outage = "the Kafka producer is unusable";
    } else if (absl::Status up = publisher_->CheckConnection(); !up.ok()) {
      outage = std::string(up.message());
    }
  }

  OutboxOutcome outcome;
  std::vector<double> latencies;
  std::vector<const pg::OutboxRow*> dead_rows;  // parallel to outcome.dead
  int failed = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const pg::OutboxRow& r = rows[i];
    const absl::Status& a = acks[i];
    if (a.ok()) {
      outcome.sent.push_back(r.id);
      latencies.push_back(absl::ToDoubleSeconds(done - r.created_at));
      continue;
    }
    ++failed;
    const std::string error(a.message());
    const PublishFailure kind = ClassifyPublishFailure(a);
    if (kind == PublishFailure::kPermanent) {
      DeadLetter(r, absl::StrCat("rejected by Kafka: ", error), done, outcome);
      dead_rows.push_back(&r);
    } else if (kind == PublishFailure::kRelay || !outage.empty()) {
      // Not the row's fault: its attempt is given back and it stays due.
      outcome.released.push_back({r.id, r.attempts, r.attempts - 1, done, error});
    } else if (r.attempts >= options_.max_attempts) {
      DeadLetter(r, absl::StrCat("gave up after ", r.attempts, " attempts: ", error), done,
                 outcome);
      dead_rows.push_back(&r);
    } else {
      outcome.released.push_back(
          {r.id, r.attempts, r.attempts, done + RetryDelay(options_, r.attempts), error});
    }
  }
  absl::Status finished = store_->Finish(options_.owner, outcome, done);
  if (metrics_) {
    for (double l : latencies) metrics_->OutboxPublished(l);
    for (int i = 0; i < failed; ++i) metrics_->OutboxPublishFailed();
  }
  if (!finished.ok()) {
    // The rows stay leased until the lease expires, then go out again (workers dedupe).
    return absl::Status(
        finished.code(),
        absl::StrCat("outbox relay could not record its publication: ", finished.message()));
  }
  for (size_t i = 0; i < outcome.dead.size(); ++i) {
    const pg::OutboxDeadLetter& d = outcome.dead[i];
    const pg::OutboxRow& r = *dead_rows[i];
    BLEND_LOG(kError, "outbox row dead-lettered",
              {{"id", std::to_string(r.id)},
               {"topic", r.topic},
               {"key", r.key},
               {"attempts", std::to_string(d.attempts)},
               {"reason", d.reason}});
    if (metrics_) metrics_->OutboxDeadLettered(r.topic);
  }
  if (!outage.empty()) return PauseForOutage(done, outage);
  if (any_ok) outage_backoff_ = options_.outage_backoff;
  return static_cast<int>(outcome.sent.size());
}

}  // namespace blend::orchestrator
