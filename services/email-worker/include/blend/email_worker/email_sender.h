#pragma once

#include <string>

#include "blend/email_worker/unsubscribe.h"
#include "blend/genesys/client.h"
#include "blend/worker/ports.h"

namespace blend::email_worker {

struct EmailSenderOptions {
  // Used when the touch's GenesysIds carry no email_from_address.
  std::string default_from = "collections@demo.example.com";
  std::string from_name;
  // Where unsubscribe links point (this worker's --http-addr as seen by customers).
  std::string unsubscribe_base_url = "http://127.0.0.1:7482";
};

// ChannelSender for agentless email. Subject, text and (optional) HTML bodies are the
// templates in parameters.subject / parameters.text / parameters.html; every email gets an
// unsubscribe link (CAN-SPAM) appended to each body. kInvalidArgument (→ FAILED) for a
// customer without an email address or a template that does not render. Thread-safe.
class EmailSender final : public worker::ChannelSender {
 public:
  EmailSender(genesys::GenesysClient& client, const UnsubscribeTokens& tokens,
              EmailSenderOptions options)
      : client_(client), tokens_(tokens), options_(std::move(options)) {}
  absl::StatusOr<worker::SendReceipt> Send(const v1::TouchCommand& touch) override;

 private:
  genesys::GenesysClient& client_;
  const UnsubscribeTokens& tokens_;
  const EmailSenderOptions options_;
};

}  // namespace blend::email_worker
