#include "blend/bus/producer.h"

#include <utility>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/bus/errors.h"
#include "blend/telemetry/log.h"
#include "kafka_common.h"
#include "metrics.h"

namespace blend::bus {
namespace {

// What librdkafka carries for us from produce() to the delivery report.
struct DeliveryContext {
  DeliveryCallback callback;
};

// librdkafka promises a delivery report within message.timeout.ms; waiting a little longer
// than that only guards against a bug turning into a hang.
constexpr absl::Duration kReportGrace = absl::Seconds(5);
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);

absl::Status ValidateConfig(const ProducerConfig& config) {
  if (config.brokers.empty()) {
    return absl::InvalidArgumentError("Kafka producer: no brokers given (--kafka-brokers)");
  }
  if (config.delivery_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("Kafka producer: delivery_timeout must be positive");
  }
  for (const auto& [name, value] : config.properties) {
    const bool weakens_idempotence = name == "enable.idempotence" && value != "true";
    const bool weakens_acks =
        (name == "acks" || name == "request.required.acks") && value != "all" && value != "-1";
    if (weakens_idempotence || weakens_acks) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Kafka producer: property ", name, "=", value,
          " would weaken delivery guarantees; Blend requires enable.idempotence=true, acks=all"));
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> EffectiveProperties(const ProducerConfig& config) {
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", config.brokers},
      {"client.id", config.client_id},
      {"linger.ms", std::to_string(internal::ToMillis(config.linger))},
      // murmur2 like the Java client, so kcat/Java producers agree on a key's partition.
      {"partitioner", "murmur2_random"},
  };
  for (const auto& [name, value] : config.properties) props[name] = value;
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  props["message.timeout.ms"] = std::to_string(internal::ToMillis(config.delivery_timeout));
  return props;
}

}  // namespace

// Receives librdkafka's delivery reports (on the poll thread) and hands them to the Producer.
class DeliveryReportBridge final : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryReportBridge(Producer* producer) : producer_(producer) {}

  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<DeliveryContext> ctx(static_cast<DeliveryContext*>(message.msg_opaque()));
    DeliveryReport report{message.topic_name(), message.partition(), message.offset()};
    absl::Status status =
        KafkaErrorToStatus(message.err(), absl::StrCat("deliver to topic ", report.topic));
    if (ctx != nullptr) producer_->OnDelivered(std::move(status), report, ctx->callback);
  }

  internal::LogEventBridge events{"producer"};

 private:
  Producer* producer_;
};

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(ProducerConfig config) {
  if (absl::Status st = ValidateConfig(config); !st.ok()) return st;
  auto props = internal::WithSecurity(config.security, EffectiveProperties(config));
  if (!props.ok()) return props.status();
  auto conf_or = internal::BuildConf(*props);
  if (!conf_or.ok()) return conf_or.status();
  std::unique_ptr<RdKafka::Conf> conf = *std::move(conf_or);

  auto metrics = std::make_unique<BusMetrics>(config.registry);
  std::unique_ptr<Producer> p(new Producer(std::move(config), std::move(metrics)));
  p->bridge_ = std::make_unique<DeliveryReportBridge>(p.get());
  std::string err;
  if (conf->set("dr_cb", p->bridge_.get(), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", &p->bridge_->events, err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(absl::StrCat("Kafka producer callbacks: ", err));
  }
  p->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (p->producer_ == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("Kafka producer (", DescribeSecurity(p->config_.security), "): ", err));
  }
  p->poll_thread_ = std::thread(&Producer::PollLoop, p.get());
  return p;
}

Producer::Producer(ProducerConfig config, std::unique_ptr<BusMetrics> metrics)
    : config_(std::move(config)), metrics_(std::move(metrics)) {}

Producer::~Producer() {
  if (producer_ != nullptr) {
    if (!Flush(config_.delivery_timeout).ok()) {
      BLEND_LOG(kWarn, "kafka producer closing with undelivered records; purging them",
                {{"in_flight", std::to_string(InFlight())}});
      producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      // The poll thread serves the purge reports, so every callback still runs (kCancelled).
      (void)Flush(absl::Seconds(2));
    }
  }
  stop_ = true;
  if (producer_ != nullptr) rd_kafka_yield(producer_->c_ptr());  // Wakes the poll thread now.
  if (poll_thread_.joinable()) poll_thread_.join();
  producer_.reset();
}

void Producer::PollLoop() {
  while (!stop_.load()) producer_->poll(internal::ToMillis(kPollInterval));
}

void Producer::OnDelivered(absl::Status status, const DeliveryReport& report,
                           DeliveryCallback& callback) {
  if (status.ok()) {
    metrics_->Produced(report.topic);
    if (absl::EndsWith(report.topic, ".dlq")) metrics_->DeadLettered(report.topic);
  } else {
    metrics_->ProduceFailed(report.topic);
  }
  if (callback) callback(std::move(status), report);
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

absl::Status Producer::Produce(const OutgoingMessage& message, DeliveryCallback callback) {
  auto ctx = std::make_unique<DeliveryContext>(DeliveryContext{std::move(callback)});
  RdKafka::Headers* headers = internal::ToKafkaHeaders(message.headers);
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  // An empty key is sent as no key, so keyless records spread over partitions.
  const void* key = message.key.empty() ? nullptr : message.key.data();
  RdKafka::ErrorCode err = producer_->produce(
      message.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
      const_cast<char*>(message.payload.data()), message.payload.size(), key, message.key.size(),
      /*timestamp=*/0, headers, ctx.get());
  if (err != RdKafka::ERR_NO_ERROR) {
    delete headers;  // produce() keeps the headers only when it succeeds.
    {
      absl::MutexLock lock(&mu_);
      --in_flight_;
    }
    metrics_->ProduceFailed(message.topic);
    return KafkaErrorToStatus(err, absl::StrCat("enqueue to topic ", message.topic));
  }
  ctx.release();  // Owned by librdkafka until the delivery report.
  return absl::OkStatus();
}

namespace {

struct BatchState {
  absl::Mutex mu;
  size_t remaining ABSL_GUARDED_BY(mu) = 0;
  std::vector<absl::Status> results ABSL_GUARDED_BY(mu);

  void Complete(size_t index, absl::Status status) {
    absl::MutexLock lock(&mu);
    results[index] = std::move(status);
    --remaining;
  }
};

}  // namespace

std::vector<absl::Status> Producer::ProduceBatch(absl::Span<const OutgoingMessage> messages) {
  auto state = std::make_shared<BatchState>();
  {
    absl::MutexLock lock(&state->mu);
    state->remaining = messages.size();
    state->results.assign(messages.size(),
                          absl::DeadlineExceededError("no delivery report from Kafka in time"));
  }
  const absl::Time enqueue_deadline = absl::Now() + config_.delivery_timeout;
  for (size_t i = 0; i < messages.size(); ++i) {
    absl::Status st;
    // A full local queue drains as the broker acknowledges; wait for room rather than fail.
    while (true) {
      st = Produce(messages[i], [state, i](absl::Status status, const DeliveryReport&) {
        state->Complete(i, std::move(status));
      });
      if (!absl::IsResourceExhausted(st) || absl::Now() > enqueue_deadline) break;
      absl::SleepFor(absl::Milliseconds(5));
    }
    if (!st.ok()) state->Complete(i, std::move(st));
  }
  absl::MutexLock lock(&state->mu);
  auto all_done = [](BatchState* s)
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) { return s->remaining == 0; };
  state->mu.AwaitWithTimeout(absl::Condition(+all_done, state.get()),
                             config_.delivery_timeout + kReportGrace);
  return state->results;
}

absl::Status Producer::ProduceSync(std::string_view topic, std::string_view key,
                                   std::string_view payload, const Headers& headers) {
  OutgoingMessage message{std::string(topic), std::string(key), std::string(payload), headers};
  return ProduceBatch(absl::MakeConstSpan(&message, 1)).front();
}

absl::Status Producer::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto drained = [](int64_t* n) { return *n == 0; };
  if (!mu_.AwaitWithTimeout(absl::Condition(+drained, &in_flight_), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("Kafka producer flush: ", in_flight_, " records still unacknowledged after ",
                     absl::FormatDuration(timeout), "; is the broker reachable?"));
  }
  return absl::OkStatus();
}

absl::Status Producer::CheckConnection(absl::Duration timeout) {
  RdKafka::Metadata* metadata = nullptr;
  RdKafka::ErrorCode err =
      producer_->metadata(/*all_topics=*/false, nullptr, &metadata, internal::ToMillis(timeout));
  delete metadata;
  if (err == RdKafka::ERR_NO_ERROR) bridge_->events.ClearSecurityError();  // not stale later
  if (err != RdKafka::ERR_NO_ERROR) {
    // A refused TLS handshake or SASL login looks like an unreachable broker to metadata();
    // the reason is in librdkafka's error events.
    if (std::string why = bridge_->events.LastSecurityError(); !why.empty()) {
      return absl::PermissionDeniedError(
          absl::StrCat("Kafka ", config_.brokers, " refused the connection (",
                       DescribeSecurity(config_.security), "): ", why));
    }
  }
  return KafkaErrorToStatus(err, absl::StrCat("Kafka metadata from ", config_.brokers));
}

absl::Status Producer::Health() const { return internal::FatalErrorStatus(*producer_, "producer"); }

void Producer::InjectFatalErrorForTesting(std::string_view reason) {
  internal::InjectFatalError(*producer_, reason);
}

int64_t Producer::InFlight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

}  // namespace blend::bus
