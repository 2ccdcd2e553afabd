#include "blend/bus/consumer.h"

#include <algorithm>
#include <utility>

#include <librdkafka/rdkafkacpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/bus/errors.h"
#include "blend/telemetry/log.h"
#include "kafka_common.h"
#include "metrics.h"

namespace blend::bus {
namespace {

constexpr int kBrokerQueryTimeoutMs = 1000;
// Closing: how long to keep serving rebalance callbacks after unsubscribing, and per poll.
constexpr absl::Duration kLeaveGroupTimeout = absl::Seconds(10);
constexpr int kLeavePollMs = 100;

// Owns a vector of librdkafka TopicPartition pointers.
struct KafkaPartitionList {
  std::vector<RdKafka::TopicPartition*> list;
  ~KafkaPartitionList() { RdKafka::TopicPartition::destroy(list); }
};

std::vector<TopicPartition> FromKafka(const std::vector<RdKafka::TopicPartition*>& partitions) {
  std::vector<TopicPartition> out;
  out.reserve(partitions.size());
  for (const RdKafka::TopicPartition* tp : partitions) {
    out.push_back({tp->topic(), tp->partition()});
  }
  return out;
}

std::string Describe(const std::vector<TopicPartition>& partitions) {
  return absl::StrJoin(partitions, ",", [](std::string* out, const TopicPartition& tp) {
    absl::StrAppend(out, tp.topic, "[", tp.partition, "]");
  });
}

absl::Status ValidateConfig(const ConsumerConfig& config) {
  if (config.brokers.empty()) {
    return absl::InvalidArgumentError("Kafka consumer: no brokers given (--kafka-brokers)");
  }
  if (config.group_id.empty()) return absl::InvalidArgumentError("Kafka consumer: no group id");
  if (config.topics.empty()) return absl::InvalidArgumentError("Kafka consumer: no topics");
  if (config.heartbeat_interval >= config.session_timeout) {
    return absl::InvalidArgumentError(
        "Kafka consumer: heartbeat_interval must be shorter than session_timeout");
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> EffectiveProperties(const ConsumerConfig& config) {
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", config.brokers},
      {"group.id", config.group_id},
      {"client.id", config.client_id},
      {"session.timeout.ms", std::to_string(internal::ToMillis(config.session_timeout))},
      {"heartbeat.interval.ms", std::to_string(internal::ToMillis(config.heartbeat_interval))},
      {"max.poll.interval.ms", std::to_string(internal::ToMillis(config.max_poll_interval))},
      {"auto.offset.reset", config.start_from_earliest ? "earliest" : "latest"},
      {"enable.partition.eof", "false"},
  };
  for (const auto& [name, value] : config.properties) props[name] = value;
  // At-least-once: an offset moves only when the application says it is done with a message.
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  return props;
}

}  // namespace

// librdkafka's rebalance callback, run inside KafkaConsumer::consume() (so inside Poll) and
// inside close(). Applies the new assignment and tells the Consumer about it.
class RebalanceBridge final : public RdKafka::RebalanceCb {
 public:
  explicit RebalanceBridge(Consumer* consumer) : consumer_(consumer) {}

  void rebalance_cb(RdKafka::KafkaConsumer* kc, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    const bool cooperative = kc->rebalance_protocol() == "COOPERATIVE";
    const std::vector<TopicPartition> changed = FromKafka(partitions);
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      absl::Status st = cooperative ? Consume(kc->incremental_assign(partitions))
                                    : KafkaErrorToStatus(kc->assign(partitions), "assign");
      LogChange("kafka partitions assigned", changed, st);
      consumer_->OnAssigned(changed);
      return;
    }
    if (err == RdKafka::ERR__REVOKE_PARTITIONS) {
      // Nothing to commit here: Commit() is synchronous and per message, so every processed
      // message is already committed; unprocessed ones are redelivered to the next owner.
      const bool lost = kc->assignment_lost();
      absl::Status st = cooperative ? Consume(kc->incremental_unassign(partitions))
                                    : KafkaErrorToStatus(kc->unassign(), "unassign");
      LogChange(lost ? "kafka partitions lost" : "kafka partitions revoked", changed, st);
      consumer_->OnRevoked(changed);
      return;
    }
    BLEND_LOG(kWarn, "kafka rebalance error; dropping assignment",
              {{"error", RdKafka::err2str(err)}});
    kc->unassign();
    consumer_->OnRevoked(consumer_->Assignment());
  }

  internal::LogEventBridge events{"consumer"};

 private:
  static absl::Status Consume(RdKafka::Error* error) {
    if (error == nullptr) return absl::OkStatus();
    absl::Status st = KafkaErrorToStatus(error->code(), error->str());
    delete error;
    return st;
  }

  static void LogChange(std::string_view what, const std::vector<TopicPartition>& changed,
                        const absl::Status& st) {
    if (st.ok()) {
      BLEND_LOG(kInfo, what, {{"partitions", Describe(changed)}});
    } else {
      BLEND_LOG(kError, what, {{"partitions", Describe(changed)}, {"error", st.ToString()}});
    }
  }

  Consumer* consumer_;
};

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(ConsumerConfig config) {
  if (absl::Status st = ValidateConfig(config); !st.ok()) return st;
  auto props = internal::WithSecurity(config.security, EffectiveProperties(config));
  if (!props.ok()) return props.status();
  auto conf_or = internal::BuildConf(*props);
  if (!conf_or.ok()) return conf_or.status();
  std::unique_ptr<RdKafka::Conf> conf = *std::move(conf_or);

  auto metrics = std::make_unique<BusMetrics>(config.registry);
  std::unique_ptr<Consumer> c(new Consumer(std::move(config), std::move(metrics)));
  c->bridge_ = std::make_unique<RebalanceBridge>(c.get());
  std::string err;
  if (conf->set("rebalance_cb", c->bridge_.get(), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", &c->bridge_->events, err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(absl::StrCat("Kafka consumer callbacks: ", err));
  }
  c->consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (c->consumer_ == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("Kafka consumer (", DescribeSecurity(c->config_.security), "): ", err));
  }
  if (auto code = c->consumer_->subscribe(c->config_.topics); code != RdKafka::ERR_NO_ERROR) {
    return KafkaErrorToStatus(code,
                              absl::StrCat("subscribe to ", absl::StrJoin(c->config_.topics, ",")));
  }
  return c;
}

Consumer::Consumer(ConsumerConfig config, std::unique_ptr<BusMetrics> metrics)
    : config_(std::move(config)), metrics_(std::move(metrics)) {}

Consumer::~Consumer() {
  if (consumer_ != nullptr) (void)Close();
}

std::optional<Message> Consumer::Poll(absl::Duration timeout) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return std::nullopt;
  }
  std::unique_ptr<RdKafka::Message> m(consumer_->consume(internal::ToMillis(timeout)));
  if (m == nullptr || m->err() == RdKafka::ERR__TIMED_OUT) return std::nullopt;
  if (m->err() != RdKafka::ERR_NO_ERROR) {
    BLEND_LOG(kWarn, "kafka consumer error", {{"error", m->errstr()}, {"topic", m->topic_name()}});
    return std::nullopt;
  }
  Message out;
  out.topic = m->topic_name();
  out.partition = m->partition();
  out.offset = m->offset();
  if (m->key_pointer() != nullptr) {
    out.key.assign(static_cast<const char*>(m->key_pointer()), m->key_len());
  }
  if (m->payload() != nullptr) out.payload.assign(static_cast<const char*>(m->payload()), m->len());
  out.headers = internal::FromKafkaHeaders(m->headers());
  const RdKafka::MessageTimestamp ts = m->timestamp();
  if (ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) {
    out.timestamp = absl::FromUnixMillis(ts.timestamp);
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = assigned_.find({out.topic, out.partition});
    if (it != assigned_.end()) out.assignment = it->second;
  }
  metrics_->Consumed(out.topic);
  return out;
}

absl::Status Consumer::Commit(const Message& message) {
  KafkaPartitionList offsets;
  offsets.list.push_back(
      RdKafka::TopicPartition::create(message.topic, message.partition, message.offset + 1));
  const std::string context =
      absl::StrCat("commit ", message.topic, "[", message.partition, "]@", message.offset + 1);
  if (absl::Status st = KafkaErrorToStatus(consumer_->commitSync(offsets.list), context);
      !st.ok()) {
    return st;
  }
  return KafkaErrorToStatus(offsets.list.front()->err(), context);
}

absl::Status Consumer::PauseOrResume(const std::vector<TopicPartition>& partitions, bool pause) {
  KafkaPartitionList list;
  for (const TopicPartition& tp : partitions) {
    list.list.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition));
  }
  if (list.list.empty()) return absl::OkStatus();
  const std::string context = absl::StrCat(pause ? "pause " : "resume ", Describe(partitions));
  // A partition librdkafka has no state for yet (a topic whose metadata has not arrived) holds
  // no pause, so there is nothing to resume: not an error worth a log line at every start.
  auto fine = [pause](RdKafka::ErrorCode e) {
    return e == RdKafka::ERR_NO_ERROR || (!pause && e == RdKafka::ERR__UNKNOWN_PARTITION);
  };
  const RdKafka::ErrorCode err = pause ? consumer_->pause(list.list) : consumer_->resume(list.list);
  if (!fine(err)) return KafkaErrorToStatus(err, context);
  for (const RdKafka::TopicPartition* tp : list.list) {
    if (!fine(tp->err())) return KafkaErrorToStatus(tp->err(), context);
  }
  return absl::OkStatus();
}

absl::Status Consumer::Pause(const std::vector<TopicPartition>& partitions) {
  absl::MutexLock lock(&mu_);
  std::vector<TopicPartition> assigned_now;
  for (const TopicPartition& tp : partitions) {
    paused_.insert(tp);  // Remembered so a later re-assignment stays paused.
    if (assigned_.contains(tp)) assigned_now.push_back(tp);
  }
  return PauseOrResume(assigned_now, /*pause=*/true);
}

absl::Status Consumer::Resume(const std::vector<TopicPartition>& partitions) {
  absl::MutexLock lock(&mu_);
  std::vector<TopicPartition> assigned_now;
  for (const TopicPartition& tp : partitions) {
    paused_.erase(tp);
    if (assigned_.contains(tp) && !paused_all_) assigned_now.push_back(tp);
  }
  return PauseOrResume(assigned_now, /*pause=*/false);
}

absl::Status Consumer::PauseAll() {
  absl::MutexLock lock(&mu_);
  paused_all_ = true;
  return PauseOrResume(AssignedLocked(), /*pause=*/true);
}

absl::Status Consumer::ResumeAll() {
  absl::MutexLock lock(&mu_);
  paused_all_ = false;
  paused_.clear();
  return PauseOrResume(AssignedLocked(), /*pause=*/false);
}

std::vector<TopicPartition> Consumer::AssignedLocked() const {
  std::vector<TopicPartition> out;
  out.reserve(assigned_.size());
  for (const auto& [tp, assignment] : assigned_) out.push_back(tp);
  return out;
}

std::vector<TopicPartition> Consumer::Assignment() const {
  absl::MutexLock lock(&mu_);
  return AssignedLocked();
}

bool Consumer::StillAssigned(const Message& message) const {
  absl::MutexLock lock(&mu_);
  auto it = assigned_.find({message.topic, message.partition});
  return it != assigned_.end() && it->second == message.assignment;
}

absl::StatusOr<int64_t> Consumer::Lag() {
  KafkaPartitionList list;
  for (const TopicPartition& tp : Assignment()) {
    list.list.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition));
  }
  if (list.list.empty()) return 0;
  if (absl::Status st = KafkaErrorToStatus(consumer_->position(list.list), "consumer position");
      !st.ok()) {
    return st;
  }
  // A partition this member has not fetched from yet (e.g. one assigned while paused) has no
  // position: the group's committed offset is where it would start.
  KafkaPartitionList unpositioned;
  for (const RdKafka::TopicPartition* tp : list.list) {
    if (tp->offset() < 0) {
      unpositioned.list.push_back(RdKafka::TopicPartition::create(tp->topic(), tp->partition()));
    }
  }
  std::map<TopicPartition, int64_t> start;
  if (!unpositioned.list.empty() &&
      consumer_->committed(unpositioned.list, kBrokerQueryTimeoutMs) == RdKafka::ERR_NO_ERROR) {
    for (const RdKafka::TopicPartition* tp : unpositioned.list) {
      start[{tp->topic(), tp->partition()}] = tp->offset();
    }
  }
  int64_t lag = 0;
  for (const RdKafka::TopicPartition* tp : list.list) {
    int64_t from = tp->offset();
    if (from < 0) {
      auto it = start.find({tp->topic(), tp->partition()});
      if (it == start.end() || it->second < 0) continue;  // nothing committed: unknown
      from = it->second;
    }
    // The broker's high watermark, not the cached one: a paused partition fetches nothing,
    // so its cached watermark would hide what arrived since (the stall watchdog needs it).
    int64_t low = 0, high = -1;
    if (consumer_->query_watermark_offsets(tp->topic(), tp->partition(), &low, &high,
                                           kBrokerQueryTimeoutMs) != RdKafka::ERR_NO_ERROR &&
        consumer_->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high) !=
            RdKafka::ERR_NO_ERROR) {
      continue;
    }
    if (high >= 0) lag += std::max<int64_t>(0, high - from);
  }
  return lag;
}

void Consumer::OnAssigned(const std::vector<TopicPartition>& partitions) {
  absl::MutexLock lock(&mu_);
  std::vector<TopicPartition> to_pause, to_resume;
  for (const TopicPartition& tp : partitions) {
    assigned_[tp] = ++assignments_;
    (paused_all_ || paused_.contains(tp) ? to_pause : to_resume).push_back(tp);
  }
  // librdkafka keeps a pause from an earlier assignment of the same partition, which a
  // ResumeAll in between could not reach (the partition was not ours then): say both ways
  // what the application wants now.
  if (absl::Status st = PauseOrResume(to_pause, /*pause=*/true); !st.ok()) {
    BLEND_LOG(kError, "kafka re-pause after assignment failed", {{"error", st.ToString()}});
  }
  if (absl::Status st = PauseOrResume(to_resume, /*pause=*/false); !st.ok()) {
    BLEND_LOG(kError, "kafka resume after assignment failed", {{"error", st.ToString()}});
  }
}

void Consumer::OnRevoked(const std::vector<TopicPartition>& partitions) {
  absl::MutexLock lock(&mu_);
  for (const TopicPartition& tp : partitions) assigned_.erase(tp);
}

absl::Status Consumer::Health() const { return internal::FatalErrorStatus(*consumer_, "consumer"); }

void Consumer::InjectFatalErrorForTesting(std::string_view reason) {
  internal::InjectFatalError(*consumer_, reason);
}

absl::Status Consumer::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::OkStatus();
    closed_ = true;
  }
  LeaveGroupBeforeClose();
  // close() runs any final revoke through the rebalance callback, which takes mu_.
  return KafkaErrorToStatus(consumer_->close(), "close Kafka consumer");
}

void Consumer::LeaveGroupBeforeClose() {
  // librdkafka's close() serves a rebalance still queued for this member (an assignment that
  // came while the application stopped polling) from inside close(), after the group
  // machinery has begun to shut down; there, the assign() the callback must make can wait
  // forever for an answer (librdkafka issues 4527 and 4884). Unsubscribing first and polling
  // until nothing is assigned serves those callbacks while the group is alive, so close()
  // finds nothing left to do. Records polled meanwhile are dropped uncommitted: the
  // partitions' next owners get them.
  // After a fatal error the group is gone already: nothing would be served, only waited for.
  if (!Health().ok() || consumer_->unsubscribe() != RdKafka::ERR_NO_ERROR) return;
  // At least one poll: an assignment queued before the unsubscribe shows in Assignment() only
  // once its callback ran.
  const absl::Time deadline = absl::Now() + kLeaveGroupTimeout;
  do {
    std::unique_ptr<RdKafka::Message> dropped(consumer_->consume(kLeavePollMs));
  } while (!Assignment().empty() && absl::Now() < deadline);
}

}  // namespace blend::bus
