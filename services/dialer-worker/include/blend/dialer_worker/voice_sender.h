#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "blend/genesys/client.h"
#include "blend/quota/quota_governor.h"
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
  // Insertions per touch when the answer is lost (a timeout or reset after the request went
  // out), the first included; then the contact is read back. At least 1.
  int insert_attempts = 3;
  // Wait before the n-th retry: retry_delay * 2^(n-1).
  absl::Duration retry_delay = absl::Milliseconds(500);
  // How to wait; defaults to absl::SleepFor. Tests record the waits instead.
  std::function<void(absl::Duration)> sleep;
};

// ChannelSender for voice: inserts the customer at high priority into the campaign's contact
// list with the touch id in the contact's data, under the contact id derived from the touch
// id (genesys::ContactIdForTouch), with ?doNotQueue=true. The insertion is therefore an
// idempotent upsert: a contact that already exists is updated in place, keeps its place in
// the queue (a dialled one is not dialled again) and keeps its callable state.
//
// When Genesys's answer is lost, the insertion is repeated (insert_attempts in all); if
// every answer is lost, the contact is read back by its id: found (with this touch id) →
// SENT; absent or unreadable → kUnavailable without outcome_unknown, so the worker retries
// the touch later (safe: idempotent). A voice touch is never reported UNKNOWN for a lost
// answer. The touch is SENT with provider ids contactId, contactListId; it completes when
// the call outcome arrives. kInvalidArgument (→ FAILED) for a customer without a phone
// number. Each request after the first takes a token from `quota` (when given); without
// one the touch is handed back for a later retry. Thread-safe.
class VoiceSender final : public worker::ChannelSender {
 public:
  VoiceSender(genesys::GenesysClient& client, VoiceSenderOptions options,
              quota::QuotaGovernor* quota = nullptr)
      : client_(client), options_(std::move(options)), quota_(quota) {}
  absl::StatusOr<worker::SendReceipt> Send(const v1::TouchCommand& touch) override;

 private:
  // OK when `quota` (if any) grants a token for `what`; else the kUnavailable that hands the
  // touch back to the worker.
  absl::Status TakeQuota(const char* what);

  genesys::GenesysClient& client_;
  const VoiceSenderOptions options_;
  quota::QuotaGovernor* const quota_;
};

}  // namespace blend::dialer_worker
