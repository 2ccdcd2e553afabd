#pragma once

#include <string>

#include "blend/genesys/client.h"
#include "blend/worker/ports.h"

namespace blend::dialer_worker {

struct VoiceSenderOptions {
  // Used when the touch's GenesysIds carry no contact_list_id.
  std::string default_contact_list_id = "demo-contacts";
  std::string phone_column = "phone";
  // Contact-list column that stores the touch id (call outcomes are matched by it).
  std::string touch_id_column = "touchId";
  // Column for the customer id; "" to leave it out.
  std::string customer_id_column = "customerId";
};

// ChannelSender for voice: inserts the customer at high priority into the campaign's contact
// list with the touch id in the contact's data. The touch is SENT on insertion (provider ids
// contactId, contactListId); it completes when the call outcome arrives at the webhook.
// kInvalidArgument (→ FAILED) for a customer without a phone number. Thread-safe.
class VoiceSender final : public worker::ChannelSender {
 public:
  VoiceSender(genesys::GenesysClient& client, VoiceSenderOptions options)
      : client_(client), options_(std::move(options)) {}
  absl::StatusOr<worker::SendReceipt> Send(const v1::TouchCommand& touch) override;

 private:
  genesys::GenesysClient& client_;
  const VoiceSenderOptions options_;
};

}  // namespace blend::dialer_worker
