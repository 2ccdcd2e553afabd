#include "blend/worker/customer_events.h"

#include "google/protobuf/util/time_util.h"

namespace blend::worker {

using google::protobuf::util::TimeUtil;

v1::CustomerEvent MakeOptOutEvent(std::string event_id, std::string customer_id,
                                  v1::Channel channel, std::string address, std::string keyword,
                                  const Clock& clock) {
  v1::CustomerEvent event;
  event.set_event_id(std::move(event_id));
  event.set_customer_id(std::move(customer_id));
  event.set_type("opt_out");
  event.mutable_opt_out()->set_channel(channel);
  event.mutable_opt_out()->set_address(std::move(address));
  event.mutable_opt_out()->set_keyword(std::move(keyword));
  *event.mutable_occurred_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock.Now()));
  return event;
}

v1::CustomerEvent MakeSmsReplyEvent(std::string event_id, std::string customer_id,
                                    const Clock& clock) {
  v1::CustomerEvent event;
  event.set_event_id(std::move(event_id));
  event.set_customer_id(std::move(customer_id));
  event.set_type("sms.reply");
  *event.mutable_occurred_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock.Now()));
  return event;
}

std::string EncodeCustomerEvent(const v1::CustomerEvent& event, const Clock& clock) {
  v1::Envelope envelope;
  envelope.set_message_id("customer-event:" + event.event_id());
  envelope.set_schema_version(1);
  *envelope.mutable_produced_at() =
      TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock.Now()));
  envelope.set_trace_id(event.event_id());
  *envelope.mutable_customer_event() = event;
  return envelope.SerializeAsString();
}

}  // namespace blend::worker
