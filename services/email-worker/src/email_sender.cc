#include "blend/email_worker/email_sender.h"

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/worker/touch_tagging_transport.h"
#include "blend/worker/touch_values.h"

namespace blend::email_worker {

absl::StatusOr<worker::SendReceipt> EmailSender::Send(const v1::TouchCommand& touch) {
  const v1::Customer& customer = touch.customer();
  if (customer.email().empty()) {
    return absl::InvalidArgumentError("email touch for a customer without an email address");
  }
  BLEND_ASSIGN_OR_RETURN(std::string subject, worker::RenderParameter(touch, "subject", true));
  BLEND_ASSIGN_OR_RETURN(std::string text, worker::RenderParameter(touch, "text", true));
  BLEND_ASSIGN_OR_RETURN(std::string html, worker::RenderParameter(touch, "html", false));
  std::string link = tokens_.Link(options_.unsubscribe_base_url,
                                  {customer.customer_id(), customer.email(), touch.touch_id()});

  genesys::AgentlessEmailRequest request;
  request.from.email = touch.genesys().email_from_address().empty()
                           ? options_.default_from
                           : touch.genesys().email_from_address();
  request.from.name = options_.from_name;
  request.to.email = customer.email();
  request.subject = std::move(subject);
  request.text_body = absl::StrCat(text, "\n\nTo stop receiving these emails, open: ", link, "\n");
  if (!html.empty()) {
    request.html_body = absl::StrCat(html, "<p style=\"font-size:small\"><a href=\"", link,
                                     "\">Unsubscribe</a> from these emails.</p>");
  }
  worker::ScopedTouchId tag(touch.touch_id());
  BLEND_ASSIGN_OR_RETURN(genesys::AgentlessEmailResult sent, client_.SendAgentlessEmail(request));
  worker::SendReceipt receipt;
  receipt.provider_ids["emailId"] = sent.id;
  if (!sent.conversation_id.empty()) receipt.provider_ids["conversationId"] = sent.conversation_id;
  return receipt;
}

}  // namespace blend::email_worker
