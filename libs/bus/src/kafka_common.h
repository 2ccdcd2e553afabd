#pragma once

// Pieces shared by the producer, the consumer and the admin helper (private to libs/bus).

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <librdkafka/rdkafkacpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "blend/bus/message.h"
#include "blend/bus/security.h"

namespace blend::bus::internal {

// A librdkafka configuration with every property set, or kInvalidArgument naming the one
// librdkafka refused (a secret's value is never part of the message).
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> BuildConf(
    const std::map<std::string, std::string>& properties);

// `properties` with the security settings' properties added first (so an explicit property
// still wins, for tests), or the settings' kInvalidArgument.
absl::StatusOr<std::map<std::string, std::string>> WithSecurity(
    const KafkaSecurity& security, std::map<std::string, std::string> properties);

// Routes librdkafka's errors and log lines into the JSON log. librdkafka calls it from its
// own threads; BLEND_LOG is thread-safe.
class LogEventBridge final : public RdKafka::EventCb {
 public:
  explicit LogEventBridge(std::string client_kind) : client_kind_(std::move(client_kind)) {}
  void event_cb(RdKafka::Event& event) override;

  // The last TLS or SASL failure librdkafka reported ("SSL handshake failed: ... certificate
  // verify failed", "SASL authentication error: ..."), empty if none: librdkafka only retries
  // such errors, so callers name it when the broker does not answer.
  std::string LastSecurityError() const;
  // Forgets it (the broker answered since: the settings work now).
  void ClearSecurityError();

 private:
  const std::string client_kind_;
  mutable absl::Mutex mu_;
  std::string last_security_error_ ABSL_GUARDED_BY(mu_);
};

// Whether librdkafka's error means TLS or SASL refused the connection: an authentication or
// SSL error code, or a transport failure caused by a TLS alert (the broker rejecting our
// certificate, or the lack of one, shows up as "Receive failed: ... SSL alert ...").
bool IsSecurityError(int code, std::string_view reason);

// Caller owns the result (librdkafka takes it over on a successful produce()).
RdKafka::Headers* ToKafkaHeaders(const Headers& headers);
Headers FromKafkaHeaders(const RdKafka::Headers* headers);

int ToMillis(absl::Duration d);

// kInternal naming librdkafka's fatal error if `handle` has raised one, OK otherwise.
absl::Status FatalErrorStatus(RdKafka::Handle& handle, std::string_view client_kind);
// librdkafka's test hook: raise a fabricated fatal error on `handle`.
void InjectFatalError(RdKafka::Handle& handle, std::string_view reason);

}  // namespace blend::bus::internal
