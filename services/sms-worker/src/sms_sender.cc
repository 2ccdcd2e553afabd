#include "blend/sms_worker/sms_sender.h"

#include "blend/common/status_macros.h"
#include "blend/worker/touch_tagging_transport.h"
#include "blend/worker/touch_values.h"

namespace blend::sms_worker {

absl::StatusOr<worker::SendReceipt> SmsSender::Send(const v1::TouchCommand& touch) {
  if (touch.customer().phone_e164().empty()) {
    return absl::InvalidArgumentError("SMS touch for a customer without a phone number");
  }
  BLEND_ASSIGN_OR_RETURN(std::string text,
                         worker::RenderParameter(touch, options_.text_parameter, true));
  genesys::AgentlessSmsRequest request;
  request.from_address = touch.genesys().sms_from_number().empty()
                             ? options_.default_from
                             : touch.genesys().sms_from_number();
  request.to_address = touch.customer().phone_e164();
  request.text_body = std::move(text);
  worker::ScopedTouchId tag(touch.touch_id());
  BLEND_ASSIGN_OR_RETURN(genesys::AgentlessSmsResult sent, client_.SendAgentlessSms(request));
  worker::SendReceipt receipt;
  receipt.provider_ids["messageId"] = sent.message_id;
  if (!sent.conversation_id.empty()) receipt.provider_ids["conversationId"] = sent.conversation_id;
  return receipt;
}

}  // namespace blend::sms_worker
