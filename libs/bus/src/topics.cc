#include "blend/bus/topics.h"

#include <memory>
#include <set>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "blend/bus/dead_letter.h"
#include "blend/bus/errors.h"
#include "blend/telemetry/log.h"
#include "kafka_common.h"

namespace blend::bus {
namespace {

// RAII for the librdkafka C handles the admin API needs.
struct KafkaDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); }
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
  void operator()(rd_kafka_NewTopic_t* p) const { rd_kafka_NewTopic_destroy(p); }
};
template <typename T>
using KafkaPtr = std::unique_ptr<T, KafkaDeleter>;

absl::Status FromC(rd_kafka_resp_err_t err, std::string_view context) {
  return KafkaErrorToStatus(static_cast<RdKafka::ErrorCode>(err), context);
}

void LogToJson(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  const std::string line = absl::StrCat(fac, ": ", buf);
  if (level <= 3) {
    BLEND_LOG(kError, "kafka log", {{"client", "admin"}, {"line", line}});
  } else if (level == 4) {
    BLEND_LOG(kWarn, "kafka log", {{"client", "admin"}, {"line", line}});
  } else {
    BLEND_LOG(kDebug, "kafka log", {{"client", "admin"}, {"line", line}});
  }
}

// librdkafka's error callback (on its own thread): keeps the last TLS / SASL refusal in the
// AdminErrors the opaque points to, so a timed-out request can say why.
struct AdminErrors {
  absl::Mutex mu;
  std::string last_security_error ABSL_GUARDED_BY(mu);
};

void RememberSecurityError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  if (opaque == nullptr || !internal::IsSecurityError(err, reason == nullptr ? "" : reason)) {
    return;
  }
  auto* errors = static_cast<AdminErrors*>(opaque);
  absl::MutexLock lock(&errors->mu);
  errors->last_security_error = reason;
}

absl::StatusOr<KafkaPtr<rd_kafka_t>> NewAdminClient(std::string_view brokers,
                                                    const KafkaSecurity& security,
                                                    AdminErrors* last_security_error) {
  char errstr[512];
  auto props = internal::WithSecurity(security, {{"bootstrap.servers", std::string(brokers)}});
  if (!props.ok()) return props.status();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &LogToJson);
  rd_kafka_conf_set_error_cb(conf, &RememberSecurityError);
  rd_kafka_conf_set_opaque(conf, last_security_error);
  for (const auto& [name, value] : *props) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat(
          "Kafka admin: ", name, "=", IsSecretProperty(name) ? "<redacted>" : value, ": ", errstr));
    }
  }
  // rd_kafka_new takes ownership of conf only on success.
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("Kafka admin: ", errstr));
  }
  return KafkaPtr<rd_kafka_t>(rk);
}

// Checks the per-topic results of a CreateTopics call; "already exists" is success.
absl::Status CheckResults(rd_kafka_event_t* event) {
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(event); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return FromC(err, absl::StrCat("create Kafka topics: ", rd_kafka_event_error_string(event)));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
  size_t count = 0;
  const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(topics[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    const char* detail = rd_kafka_topic_result_error_string(topics[i]);
    return FromC(err, absl::StrCat("create Kafka topic ", rd_kafka_topic_result_name(topics[i]),
                                   ": ", detail != nullptr ? detail : ""));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view TouchTopic(Channel channel) {
  switch (channel) {
    case Channel::kSms:
      return kTopicTouchSms;
    case Channel::kVoice:
      return kTopicTouchVoice;
    case Channel::kEmail:
      return kTopicTouchEmail;
  }
  return kTopicTouchSms;
}

std::vector<std::string> BlendTopics() {
  std::vector<std::string> topics = {std::string(kTopicTouchSms), std::string(kTopicTouchVoice),
                                     std::string(kTopicTouchEmail), std::string(kTopicDispositions),
                                     std::string(kTopicCustomerEvents)};
  const size_t base = topics.size();
  for (size_t i = 0; i < base; ++i) topics.push_back(DeadLetterTopic(topics[i]));
  return topics;
}

absl::Status EnsureTopics(std::string_view brokers, const std::vector<std::string>& names,
                          int partitions, absl::Duration timeout) {
  return EnsureTopics(brokers, KafkaSecurity{}, names, partitions, timeout);
}

absl::Status EnsureTopics(std::string_view brokers, const KafkaSecurity& security,
                          const std::vector<std::string>& names, int partitions,
                          absl::Duration timeout) {
  if (partitions < 1) return absl::InvalidArgumentError("EnsureTopics: partitions must be >= 1");
  const std::set<std::string> unique(names.begin(), names.end());
  if (unique.empty()) return absl::OkStatus();
  AdminErrors errors;
  auto rk_or = NewAdminClient(brokers, security, &errors);
  if (!rk_or.ok()) return rk_or.status();
  rd_kafka_t* rk = rk_or->get();

  char errstr[512];
  std::vector<KafkaPtr<rd_kafka_NewTopic_t>> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  for (const std::string& name : unique) {
    // Replication factor -1: the broker's default.replication.factor.
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), partitions, -1, errstr, sizeof errstr);
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("topic ", name, ": ", errstr));
    }
    owned.emplace_back(t);
    raw.push_back(t);
  }
  KafkaPtr<rd_kafka_AdminOptions_t> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int ms = internal::ToMillis(timeout);
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr);

  KafkaPtr<rd_kafka_queue_t> queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, raw.data(), raw.size(), options.get(), queue.get());
  // The request timeout yields a timed-out result event; the extra second only avoids a race.
  // Polled in slices: a refused TLS handshake or SASL login is final for these settings (the
  // broker would refuse every retry), so it ends the wait at once.
  KafkaPtr<rd_kafka_event_t> event;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(ms + 1000);
  while (event == nullptr && absl::Now() < deadline) {
    event.reset(rd_kafka_queue_poll(queue.get(), 250));
    rd_kafka_poll(rk, 0);  // serves the error callback (RememberSecurityError)
    absl::MutexLock lock(&errors.mu);
    if (!errors.last_security_error.empty()) break;
  }
  absl::Status result =
      event == nullptr ? absl::UnavailableError(absl::StrCat("create Kafka topics: no answer from ",
                                                             std::string(brokers), " within ",
                                                             absl::FormatDuration(timeout)))
                       : CheckResults(event.get());
  if (result.ok()) return result;
  // A refused TLS handshake or SASL login only shows as a timeout here: name the real reason.
  absl::MutexLock lock(&errors.mu);
  if (errors.last_security_error.empty()) return result;
  return absl::PermissionDeniedError(
      absl::StrCat("create Kafka topics: ", std::string(brokers), " refused the connection (",
                   DescribeSecurity(security), "): ", errors.last_security_error));
}

}  // namespace blend::bus
