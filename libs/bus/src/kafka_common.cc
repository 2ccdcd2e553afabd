#include "kafka_common.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "blend/bus/security.h"
#include "blend/telemetry/log.h"

namespace blend::bus::internal {

absl::StatusOr<std::unique_ptr<RdKafka::Conf>> BuildConf(
    const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("Kafka property ", name, "=",
                                                     IsSecretProperty(name) ? "<redacted>" : value,
                                                     " refused: ", err));
    }
  }
  return conf;
}

absl::StatusOr<std::map<std::string, std::string>> WithSecurity(
    const KafkaSecurity& security, std::map<std::string, std::string> properties) {
  auto secure = SecurityProperties(security);
  if (!secure.ok()) return secure.status();
  // insert() keeps an explicitly given property.
  for (auto& [name, value] : *secure) properties.insert({name, std::move(value)});
  return properties;
}

void LogEventBridge::event_cb(RdKafka::Event& event) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_ERROR:
      if (IsSecurityError(event.err(), event.str())) {
        absl::MutexLock lock(&mu_);
        last_security_error_ = event.str();
      }
      if (event.fatal()) {
        BLEND_LOG(kError, "kafka fatal error",
                  {{"client", client_kind_},
                   {"error", RdKafka::err2str(event.err())},
                   {"detail", event.str()}});
      } else {
        // Transient (broker down, reconnecting): librdkafka retries by itself.
        BLEND_LOG(kWarn, "kafka error",
                  {{"client", client_kind_},
                   {"error", RdKafka::err2str(event.err())},
                   {"detail", event.str()}});
      }
      break;
    case RdKafka::Event::EVENT_LOG: {
      const int sev = static_cast<int>(event.severity());
      const std::string line = absl::StrCat(event.fac(), ": ", event.str());
      if (sev <= RdKafka::Event::EVENT_SEVERITY_ERROR) {
        BLEND_LOG(kError, "kafka log", {{"client", client_kind_}, {"line", line}});
      } else if (sev == RdKafka::Event::EVENT_SEVERITY_WARNING) {
        BLEND_LOG(kWarn, "kafka log", {{"client", client_kind_}, {"line", line}});
      } else if (sev == RdKafka::Event::EVENT_SEVERITY_DEBUG) {
        BLEND_LOG(kDebug, "kafka log", {{"client", client_kind_}, {"line", line}});
      } else {
        BLEND_LOG(kInfo, "kafka log", {{"client", client_kind_}, {"line", line}});
      }
      break;
    }
    default:
      break;
  }
}

std::string LogEventBridge::LastSecurityError() const {
  absl::MutexLock lock(&mu_);
  return last_security_error_;
}

void LogEventBridge::ClearSecurityError() {
  absl::MutexLock lock(&mu_);
  last_security_error_.clear();
}

bool IsSecurityError(int code, std::string_view reason) {
  if (code == RdKafka::ERR__AUTHENTICATION || code == RdKafka::ERR__SSL ||
      code == RdKafka::ERR_SASL_AUTHENTICATION_FAILED) {
    return true;
  }
  return code == RdKafka::ERR__TRANSPORT &&
         (reason.find("SSL alert") != std::string_view::npos ||
          reason.find("SSL handshake") != std::string_view::npos);
}

RdKafka::Headers* ToKafkaHeaders(const Headers& headers) {
  RdKafka::Headers* out = RdKafka::Headers::create();
  for (const Header& h : headers) out->add(h.key, h.value.data(), h.value.size());
  return out;
}

Headers FromKafkaHeaders(const RdKafka::Headers* headers) {
  Headers out;
  if (headers == nullptr) return out;
  for (const RdKafka::Headers::Header& h : headers->get_all()) {
    const char* value = static_cast<const char*>(h.value());
    out.push_back({h.key(), value == nullptr ? std::string() : std::string(value, h.value_size())});
  }
  return out;
}

absl::Status FatalErrorStatus(RdKafka::Handle& handle, std::string_view client_kind) {
  std::string detail;
  const RdKafka::ErrorCode err = handle.fatal_error(detail);
  if (err == RdKafka::ERR_NO_ERROR) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("Kafka ", std::string(client_kind), " fatal error ",
                                          RdKafka::err2str(err), ": ", detail,
                                          " (restart the process)"));
}

void InjectFatalError(RdKafka::Handle& handle, std::string_view reason) {
  rd_kafka_test_fatal_error(handle.c_ptr(), RD_KAFKA_RESP_ERR__FATAL, std::string(reason).c_str());
}

int ToMillis(absl::Duration d) {
  const int64_t ms = absl::ToInt64Milliseconds(d);
  return static_cast<int>(std::clamp<int64_t>(ms, 0, INT32_MAX));
}

}  // namespace blend::bus::internal
