#pragma once

// Pieces shared by the producer, the consumer and the admin helper (private to libs/bus).

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <librdkafka/rdkafkacpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "blend/bus/message.h"

namespace blend::bus::internal {

// A librdkafka configuration with every property set, or kInvalidArgument naming the one
// librdkafka refused.
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> BuildConf(
    const std::map<std::string, std::string>& properties);

// Routes librdkafka's errors and log lines into the JSON log. librdkafka calls it from its
// own threads; BLEND_LOG is thread-safe.
class LogEventBridge final : public RdKafka::EventCb {
 public:
  explicit LogEventBridge(std::string client_kind) : client_kind_(std::move(client_kind)) {}
  void event_cb(RdKafka::Event& event) override;

 private:
  const std::string client_kind_;
};

// Caller owns the result (librdkafka takes it over on a successful produce()).
RdKafka::Headers* ToKafkaHeaders(const Headers& headers);
Headers FromKafkaHeaders(const RdKafka::Headers* headers);

int ToMillis(absl::Duration d);

// kInternal naming librdkafka's fatal error if `handle` has raised one, OK otherwise.
absl::Status FatalErrorStatus(RdKafka::Handle& handle, std::string_view client_kind);
// librdkafka's test hook: raise a fabricated fatal error on `handle`.
void InjectFatalError(RdKafka::Handle& handle, std::string_view reason);

}  // namespace blend::bus::internal
