#pragma once

#include <string>

#include "blend/genesys/client.h"
#include "blend/worker/ports.h"

namespace blend::sms_worker {

struct SmsSenderOptions {
  // Used when the touch's GenesysIds carry no sms_from_number.
  std::string default_from = "+18005550199";
  // The touch parameter holding the message template (see blend/worker/touch_values.h).
  std::string text_parameter = "text";
};

// ChannelSender for agentless SMS: renders parameters.<text_parameter> with the touch's
// values, sends it from the campaign's number to the customer's phone, and tags the request
// with the touch id (X-Blend-Touch-Id). kInvalidArgument (→ FAILED) for a touch without a
// phone number or with a template that does not render; Genesys errors as the client returns
// them. Thread-safe like the client.
class SmsSender final : public worker::ChannelSender {
 public:
  SmsSender(genesys::GenesysClient& client, SmsSenderOptions options)
      : client_(client), options_(std::move(options)) {}
  absl::StatusOr<worker::SendReceipt> Send(const v1::TouchCommand& touch) override;

 private:
  genesys::GenesysClient& client_;
  const SmsSenderOptions options_;
};

}  // namespace blend::sms_worker
