#pragma once

// Customer events the workers publish on blend.customer-events (opt-outs learned from an
// inbound SMS keyword or an email unsubscribe link; other inbound SMS replies).

#include <string>

#include "blend/common/clock.h"
#include "blend/v1/bus.pb.h"

namespace blend::worker {

inline constexpr char kCustomerEventsTopic[] = "blend.customer-events";

// An opt-out event: type "opt_out", `opt_out` set. `event_id` must be stable for the same
// fact (the orchestrator dedupes on it), e.g. "sms-stop:<messageId>:<customerId>".
v1::CustomerEvent MakeOptOutEvent(std::string event_id, std::string customer_id,
                                  v1::Channel channel, std::string address, std::string keyword,
                                  const Clock& clock);

// An inbound SMS that is not an opt-out: type "sms.reply" (a positive response in the
// customer's engagement profile). Carries no message text (personal data).
v1::CustomerEvent MakeSmsReplyEvent(std::string event_id, std::string customer_id,
                                    const Clock& clock);

// The Envelope bytes for `event` (message id = "customer-event:" + event id, so a republished
// event is recognised as the same message).
std::string EncodeCustomerEvent(const v1::CustomerEvent& event, const Clock& clock);

}  // namespace blend::worker
