#include "blend/orchestrator/background.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "blend/bus/dead_letter.h"
#include "blend/bus/envelope.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"
#include "blend/v1/bus.pb.h"

namespace blend::orchestrator {

Loop::Loop(std::string name, std::function<absl::StatusOr<int>()> step, absl::Duration idle)
    : name_(std::move(name)), step_(std::move(step)), idle_(idle) {}

Loop::~Loop() { Stop(); }

void Loop::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void Loop::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void Loop::Run() {
  while (!stop_.HasBeenNotified()) {
    absl::StatusOr<int> n = step_();
    if (!n.ok()) {
      BLEND_LOG(kWarn, "background step failed",
                {{"loop", name_}, {"error", std::string(n.status().message())}});
    }
    if (!n.ok() || *n == 0) stop_.WaitForNotificationWithTimeout(idle_);
  }
}

absl::StatusOr<int> RefreshGauges(store::ConnectionPool& pool, Metrics& metrics,
                                  const Clock& clock) {
  store::TxOptions opts;
  opts.name = "gauges";
  opts.read_only = true;
  return store::WithTransaction(
      pool,
      [&](pqxx::work& tx) -> absl::StatusOr<int> {
        metrics.SetOutboxBacklog(static_cast<double>(pg::OutboxBacklog(tx)));
        metrics.SetDueTimers(static_cast<double>(
            tx.exec_params("SELECT count(*) FROM timers WHERE due_at <= blend_us_to_ts($1)",
                           pg::ToMicros(clock.Now()))[0][0]
                .as<int64_t>()));
        std::map<std::pair<std::string, std::string>, double> running;
        for (const auto& row : tx.exec("SELECT campaign_id, current_state, count(*) FROM journeys "
                                       "WHERE status = 1 GROUP BY 1, 2")) {
          running[{row[0].as<std::string>(), row[1].as<std::string>()}] = row[2].as<double>();
        }
        metrics.SetRunning(running);
        return 0;
      },
      opts);
}

// event intake

absl::StatusOr<std::unique_ptr<EventIntake>> EventIntake::Create(
    IntakeOptions options, JourneyRunner& runner, bus::Producer& producer, const Clock& clock,
    Metrics* metrics, prometheus::Registry* registry) {
  bus::ConsumerConfig cc;
  cc.brokers = options.brokers;
  cc.group_id = options.group_id;
  cc.client_id = "blend-orchestrator";
  cc.security = options.security;
  cc.topics = {options.topic_prefix + "blend.dispositions",
               options.topic_prefix + "blend.customer-events"};
  cc.session_timeout = options.session_timeout;
  cc.heartbeat_interval = std::min(absl::Seconds(3), options.session_timeout / 4);
  cc.max_poll_interval = options.max_poll_interval;
  cc.registry = registry;
  BLEND_ASSIGN_OR_RETURN(auto consumer, bus::Consumer::Create(std::move(cc)));
  std::string index = std::to_string(options.index);
  std::unique_ptr<EventIntake> intake(
      new EventIntake(std::move(options), runner, producer, clock, metrics, std::move(consumer)));
  if (registry != nullptr) {
    intake->lag_ = &prometheus::BuildGauge()
                        .Name("blend_orchestrator_consumer_lag")
                        .Help(
                            "Dispositions and customer events on this intake's partitions "
                            "not applied yet (latest fetch)")
                        .Register(*registry)
                        .Add({{"intake", index}});
  }
  return intake;
}

// A late payment or opt-out lets touches out after the fact, so this lag is worth watching.
void EventIntake::UpdateLag() {
  if (lag_ == nullptr || clock_.Now() < next_lag_update_) return;
  next_lag_update_ = clock_.Now() + absl::Seconds(5);
  if (absl::StatusOr<int64_t> lag = consumer_->Lag(); lag.ok())
    lag_->Set(static_cast<double>(*lag));
}

EventIntake::EventIntake(IntakeOptions options, JourneyRunner& runner, bus::Producer& producer,
                         const Clock& clock, Metrics* metrics,
                         std::unique_ptr<bus::Consumer> consumer)
    : options_(std::move(options)),
      runner_(runner),
      producer_(producer),
      clock_(clock),
      metrics_(metrics),
      consumer_(std::move(consumer)) {}

EventIntake::~EventIntake() { Stop(); }

void EventIntake::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void EventIntake::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
  (void)consumer_->Close();
}

absl::Status EventIntake::DeadLetter(const bus::Message& message, const std::string& reason) {
  BLEND_LOG(
      kWarn, "dead-lettering message",
      {{"topic", message.topic}, {"offset", std::to_string(message.offset)}, {"reason", reason}});
  BLEND_RETURN_IF_ERROR(bus::DeadLetter(producer_, message, reason, clock_));
  if (metrics_) metrics_->DeadLettered(message.topic);
  return absl::OkStatus();
}

absl::Status EventIntake::Handle(const bus::Message& message, int attempt) {
  absl::StatusOr<blend::v1::Envelope> decoded = bus::DecodeEnvelope(message.payload);
  if (!decoded.ok()) return DeadLetter(message, std::string(decoded.status().message()));
  const blend::v1::Envelope& env = *decoded;
  absl::Status s;
  if (env.has_disposition()) {
    s = runner_.ApplyDisposition(env.message_id(), env.disposition());
  } else if (env.has_customer_event()) {
    s = runner_.ApplyCustomerEvent(env.customer_event()).status();
  } else {
    return DeadLetter(message, "envelope carries neither a disposition nor a customer event");
  }
  if (s.ok()) {
    if (metrics_) metrics_->MessageConsumed(message.topic, "applied");
    return s;
  }
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return DeadLetter(message, std::string(s.message()));
    case absl::StatusCode::kInternal:
      if (attempt >= options_.max_internal_retries) {
        return DeadLetter(message, absl::StrCat("gave up after ", attempt,
                                                " attempts: ", std::string(s.message())));
      }
      return s;
    default:
      return s;  // kUnavailable, kAborted, ...: retry the same message
  }
}

// Counts Poll() timeouts instead of reading a clock: a paused consumer's Poll() waits its
// whole timeout, and a rebalance returning early only shortens the wait.
void EventIntake::WaitPolling(absl::Duration wait) {
  if (!paused_) {
    if (absl::Status p = consumer_->PauseAll(); !p.ok()) {
      BLEND_LOG(kWarn, "pausing the intake's partitions failed", {{"error", p.ToString()}});
    }
    paused_ = true;
  }
  for (absl::Duration left = wait; left > absl::ZeroDuration() && !stop_.HasBeenNotified();) {
    const absl::Duration step = std::min(left, options_.poll_timeout);
    if (auto m = consumer_->Poll(step)) held_.push_back(std::move(*m));
    left -= step;
  }
}

void EventIntake::ResumeIfPaused() {
  if (!paused_) return;
  if (absl::Status r = consumer_->ResumeAll(); !r.ok()) {
    BLEND_LOG(kWarn, "resuming the intake's partitions failed", {{"error", r.ToString()}});
  }
  paused_ = false;
}

void EventIntake::HandleWithRetries(const bus::Message& m) {
  absl::Duration backoff = options_.retry_backoff;
  for (int attempt = 1; !stop_.HasBeenNotified(); ++attempt) {
    absl::Status s = Handle(m, attempt);
    if (s.ok()) return;
    BLEND_LOG(kWarn, "applying message failed; retrying",
              {{"topic", m.topic},
               {"attempt", std::to_string(attempt)},
               {"error", std::string(s.message())}});
    WaitPolling(backoff);
    backoff = std::min(backoff * 2, options_.max_retry_backoff);
  }
}

bool EventIntake::ApplyBatch(const std::vector<bus::Message>& batch) {
  std::vector<JourneyRunner::BusEvent> events;
  std::vector<const bus::Message*> sources;
  for (const bus::Message& m : batch) {
    absl::StatusOr<blend::v1::Envelope> decoded = bus::DecodeEnvelope(m.payload);
    if (!decoded.ok()) return false;  // the slow path dead-letters it
    const blend::v1::Envelope& env = *decoded;
    if (env.has_disposition()) {
      events.push_back({env.message_id(), env.disposition()});
    } else if (env.has_customer_event()) {
      events.push_back({env.message_id(), env.customer_event()});
    } else {
      return false;
    }
    sources.push_back(&m);
  }
  auto results = runner_.ApplyEvents(events);
  if (!results.ok()) {
    BLEND_LOG(kWarn, "event batch failed; applying one by one",
              {{"messages", std::to_string(batch.size())},
               {"error", std::string(results.status().message())}});
    return false;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const absl::Status& st = (*results)[i];
    if (st.ok()) {
      if (metrics_) metrics_->MessageConsumed(sources[i]->topic, "applied");
      continue;
    }
    // Rejected without any write: dead-letter it (retrying until the DLQ acknowledges).
    while (!stop_.HasBeenNotified() && !DeadLetter(*sources[i], std::string(st.message())).ok()) {
      WaitPolling(options_.retry_backoff);
    }
  }
  return true;
}

// Commits the highest offset of each partition in the batch.
void EventIntake::CommitAll(const std::vector<bus::Message>& batch) {
  std::map<bus::TopicPartition, const bus::Message*> last;
  for (const bus::Message& m : batch) last[{m.topic, m.partition}] = &m;
  for (const auto& [tp, m] : last) {
    if (absl::Status c = consumer_->Commit(*m); !c.ok()) {
      BLEND_LOG(kWarn, "offset commit failed", {{"error", std::string(c.message())}});
    }
  }
}

// Polls a batch (the first message waits up to poll_timeout, the rest only take what is already
// buffered), applies it in one transaction, or message by message when that fails. While a
// message cannot be applied (PostgreSQL down) the intake keeps polling with its partitions
// paused: it stays in the group and retries the same message, never skipping it.
void EventIntake::Run() {
  while (!stop_.HasBeenNotified()) {
    UpdateLag();
    std::vector<bus::Message> batch = std::move(held_);
    held_.clear();
    if (batch.empty()) {
      if (auto m = consumer_->Poll(options_.poll_timeout)) batch.push_back(std::move(*m));
    }
    if (batch.empty()) continue;
    while (static_cast<int>(batch.size()) < options_.max_batch) {
      auto m = consumer_->Poll(absl::ZeroDuration());
      if (!m) break;
      batch.push_back(std::move(*m));
    }
    if (!ApplyBatch(batch)) {
      for (const bus::Message& m : batch) HandleWithRetries(m);
    }
    if (stop_.HasBeenNotified()) break;  // unfinished work stays uncommitted: redelivered
    CommitAll(batch);
    ResumeIfPaused();
  }
}

}  // namespace blend::orchestrator
