#include "blend/worker/touch_values.h"

#include <gtest/gtest.h>

#include "blend/worker/customer_events.h"
#include "blend/worker/touch_tagging_transport.h"

namespace blend::worker {
namespace {

v1::TouchCommand Touch() {
  v1::TouchCommand t;
  t.set_touch_id("t-1");
  t.set_journey_id("j-1");
  t.mutable_customer()->set_customer_id("c-9");
  t.mutable_customer()->set_phone_e164("+15555550100");
  (*t.mutable_customer()->mutable_attributes()->mutable_fields())["firstName"].set_string_value(
      "Ana");
  auto& fields = *t.mutable_parameters()->mutable_fields();
  fields["text"].set_string_value(
      "Hi {{customer.firstName}}, {{amount}} is due ({{touch.touchId}})");
  fields["amount"].set_number_value(42);
  fields["count"].set_number_value(3);
  return t;
}

TEST(TouchValuesTest, RendersParametersCustomerAttributesAndTouchIds) {
  absl::StatusOr<std::string> text = RenderParameter(Touch(), "text", true);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "Hi Ana, 42 is due (t-1)");
}

TEST(TouchValuesTest, MissingRequiredParameterIsInvalidArgument) {
  EXPECT_EQ(RenderParameter(Touch(), "subject", true).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*RenderParameter(Touch(), "subject", false), "");
  EXPECT_EQ(RenderParameter(Touch(), "count", true).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TouchValuesTest, HoleInTemplateIsInvalidArgument) {
  v1::TouchCommand t = Touch();
  (*t.mutable_parameters()->mutable_fields())["text"].set_string_value("{{customer.lastName}}");
  EXPECT_EQ(RenderParameter(t, "text", true).status().code(), absl::StatusCode::kInvalidArgument);
}

class RecordingTransport : public genesys::HttpTransport {
 public:
  absl::StatusOr<genesys::HttpResponse> Send(const genesys::HttpRequest& request) override {
    last = request;
    return genesys::HttpResponse{200, {}, "{}"};
  }
  genesys::HttpRequest last;
};

TEST(TouchTaggingTransportTest, AddsTheCurrentTouchIdOnlyInsideTheScope) {
  RecordingTransport inner;
  TouchTaggingTransport tagging(inner);
  {
    ScopedTouchId scope("t-7");
    ASSERT_TRUE(tagging.Send({}).ok());
    ASSERT_EQ(inner.last.headers.size(), 1u);
    EXPECT_EQ(inner.last.headers[0].first, kTouchIdHeader);
    EXPECT_EQ(inner.last.headers[0].second, "t-7");
  }
  ASSERT_TRUE(tagging.Send({}).ok());
  EXPECT_TRUE(inner.last.headers.empty());
}

TEST(CustomerEventsTest, OptOutEnvelopeCarriesStableMessageId) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  v1::CustomerEvent e =
      MakeOptOutEvent("sms-stop:m1:c1", "c1", v1::CHANNEL_SMS, "+15555550100", "STOP", clock);
  v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(EncodeCustomerEvent(e, clock)));
  EXPECT_EQ(env.message_id(), "customer-event:sms-stop:m1:c1");
  EXPECT_EQ(env.customer_event().type(), "opt_out");
  EXPECT_EQ(env.customer_event().opt_out().channel(), v1::CHANNEL_SMS);
}

}  // namespace
}  // namespace blend::worker
