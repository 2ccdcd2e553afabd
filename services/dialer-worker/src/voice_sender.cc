#include "blend/dialer_worker/voice_sender.h"

#include "blend/common/status_macros.h"
#include "blend/worker/touch_tagging_transport.h"

namespace blend::dialer_worker {

absl::StatusOr<worker::SendReceipt> VoiceSender::Send(const v1::TouchCommand& touch) {
  if (touch.customer().phone_e164().empty()) {
    return absl::InvalidArgumentError("voice touch for a customer without a phone number");
  }
  genesys::ContactInsertion insertion;
  insertion.contact_list_id = touch.genesys().contact_list_id().empty()
                                  ? options_.default_contact_list_id
                                  : touch.genesys().contact_list_id();
  insertion.touch_id = TouchId(touch.touch_id());
  insertion.phone = touch.customer().phone_e164();
  insertion.phone_column = options_.phone_column;
  insertion.touch_id_column = options_.touch_id_column;
  if (!options_.customer_id_column.empty() && !touch.customer().customer_id().empty()) {
    insertion.extra_data[options_.customer_id_column] = touch.customer().customer_id();
  }
  insertion.priority = true;
  worker::ScopedTouchId tag(touch.touch_id());
  BLEND_ASSIGN_OR_RETURN(genesys::DialerContact contact, client_.InsertContact(insertion));
  worker::SendReceipt receipt;
  receipt.provider_ids["contactId"] = contact.id;
  receipt.provider_ids["contactListId"] = insertion.contact_list_id;
  return receipt;
}

}  // namespace blend::dialer_worker
