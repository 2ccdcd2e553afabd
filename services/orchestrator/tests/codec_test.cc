#include "blend/orchestrator/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/genesys/contact_id.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_store.h"

namespace blend::orchestrator {
namespace {

using nlohmann::json;

TEST(CodecTest, StructJsonRoundTripKeepsIntegersAndNesting) {
  json j = {{"n", 42},        {"f", 1.5},           {"s", "x"},           {"b", true},
            {"nil", nullptr}, {"list", {1, "two"}}, {"obj", {{"k", "v"}}}};
  json back = StructToJson(JsonToStruct(j));
  EXPECT_EQ(back, j);
  EXPECT_TRUE(back["n"].is_number_integer());
}

TEST(CodecTest, TimestampRoundTripKeepsMicroseconds) {
  absl::Time t = absl::FromUnixMicros(1767625200123456);
  EXPECT_EQ(FromProto(ToProto(t)), t);
  absl::Time before_epoch = absl::FromUnixMicros(-1500001);
  EXPECT_EQ(FromProto(ToProto(before_epoch)), before_epoch);
}

TEST(CodecTest, StartInputHashIsCanonical) {
  blend::v1::Customer c;
  c.set_customer_id("c1");
  c.set_phone_e164("+442079460958");
  google::protobuf::Struct a, b;
  (*a.mutable_fields())["x"].set_string_value("1");
  (*a.mutable_fields())["y"].set_number_value(2);
  (*b.mutable_fields())["y"].set_number_value(2);
  (*b.mutable_fields())["x"].set_string_value("1");
  EXPECT_EQ(StartInputHash(c, a, 0), StartInputHash(c, b, 0));
  EXPECT_NE(StartInputHash(c, a, 0), StartInputHash(c, a, 2));
  (*b.mutable_fields())["x"].set_string_value("other");
  EXPECT_NE(StartInputHash(c, a, 0), StartInputHash(c, b, 0));
}

TEST(CodecTest, TouchEnvelopeCarriesStableMessageId) {
  journey::EmitTouch t;
  t.touch_id = "j1:3";
  t.channel = Channel::kVoice;
  t.parameters = {{"priority", true}};
  t.not_before = absl::FromUnixSeconds(100);
  journey::GenesysIds g;
  g.contact_list_id = "demo-contacts";
  blend::v1::Customer c;
  c.set_customer_id("c1");
  blend::v1::TouchCommand cmd = MakeTouchCommand(t, "j1", "camp", 2, c, g, 1);
  blend::v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(TouchEnvelopeBytes(cmd, absl::FromUnixSeconds(50))));
  EXPECT_EQ(env.message_id(), "j1:3:1");
  EXPECT_EQ(env.touch().channel(), blend::v1::CHANNEL_VOICE);
  EXPECT_EQ(env.touch().campaign_version(), 2);
  EXPECT_EQ(env.touch().not_before().seconds(), 100);
}

// The bus only names the touch: recipient, parameters and Genesys ids come from ClaimTouch.
TEST(CodecTest, TouchEnvelopeCarriesNoCustomerParametersOrGenesysIds) {
  journey::EmitTouch t;
  t.touch_id = "j1/Sms/1";
  t.channel = Channel::kSms;
  t.parameters = {{"text", "Your balance is due"}};
  journey::GenesysIds g;
  g.sms_from_number = "+18005550199";
  g.oauth_client = "demo";
  blend::v1::Customer c;
  c.set_customer_id("c1");
  c.set_phone_e164("+442079460958");
  c.set_email("c1@example.com");
  blend::v1::TouchCommand cmd = MakeTouchCommand(t, "j1", "camp", 2, c, g, 1);
  blend::v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(TouchEnvelopeBytes(cmd, absl::FromUnixSeconds(50))));
  EXPECT_FALSE(env.touch().has_customer());
  EXPECT_FALSE(env.touch().has_parameters());
  EXPECT_FALSE(env.touch().has_genesys());
  EXPECT_EQ(env.touch().touch_id(), "j1/Sms/1");
  EXPECT_EQ(env.touch().journey_id(), "j1");
  EXPECT_EQ(env.touch().campaign_id(), "camp");
  EXPECT_EQ(env.touch().attempt(), 1);
  EXPECT_EQ(env.SerializeAsString().find("+442079460958"), std::string::npos);
  EXPECT_EQ(env.SerializeAsString().find("Your balance"), std::string::npos);
  // The bus form of a stored touch matches it; it names no differing field.
  EXPECT_THAT(TouchFieldsDiffering(env.touch(), cmd), ::testing::IsEmpty());
}

TEST(CodecTest, TouchFieldsDifferingNamesForgedFieldsButNotTheirValues) {
  journey::EmitTouch t;
  t.touch_id = "j1/Sms/1";
  t.channel = Channel::kSms;
  t.parameters = {{"text", "Your balance is due"}};
  blend::v1::Customer c;
  c.set_customer_id("c1");
  c.set_phone_e164("+442079460958");
  blend::v1::TouchCommand stored = MakeTouchCommand(t, "j1", "camp", 2, c, {}, 1);
  // An older message carried the whole touch: it matches.
  EXPECT_THAT(TouchFieldsDiffering(stored, stored), ::testing::IsEmpty());
  // A re-emission changes attempt and not_before: an older message still matches.
  blend::v1::TouchCommand older = stored;
  older.set_attempt(7);
  older.mutable_not_before()->set_seconds(12345);
  EXPECT_THAT(TouchFieldsDiffering(older, stored), ::testing::IsEmpty());

  blend::v1::TouchCommand forged = BusTouchCommand(stored);
  forged.mutable_customer()->set_phone_e164("+15550000666");
  (*forged.mutable_parameters()->mutable_fields())["text"].set_string_value("evil");
  forged.set_channel(blend::v1::CHANNEL_VOICE);
  std::vector<std::string> differing = TouchFieldsDiffering(forged, stored);
  EXPECT_THAT(differing, ::testing::Contains("customer.phone_e164"));
  EXPECT_THAT(differing, ::testing::Contains("channel"));
  EXPECT_THAT(differing, ::testing::Contains(::testing::StartsWith("parameters")));
  for (const std::string& f : differing) {
    EXPECT_EQ(f.find("+1555"), std::string::npos) << "values are not named: " << f;
  }
  blend::v1::TouchCommand other_journey = BusTouchCommand(stored);
  other_journey.set_journey_id("j2");
  EXPECT_THAT(TouchFieldsDiffering(other_journey, stored), ::testing::ElementsAre("journey_id"));
}

struct OutcomeCase {
  blend::v1::TouchOutcome outcome;
  bool ok;
  std::string error;
  bool in_doubt = false;
};

class DispositionTriggerTest : public ::testing::TestWithParam<OutcomeCase> {};

TEST_P(DispositionTriggerTest, MapsOutcomeToTaskResult) {
  blend::v1::Disposition d;
  d.set_touch_id("t1");
  d.set_outcome(GetParam().outcome);
  d.set_reason("because");
  d.mutable_call()->set_wrapup_code("ININ-OUTBOUND-NO-ANSWER");
  journey::TaskResultTrigger t = DispositionTrigger(d);
  EXPECT_EQ(t.touch_id, "t1");
  EXPECT_EQ(t.ok, GetParam().ok);
  EXPECT_EQ(t.error, GetParam().error);
  EXPECT_EQ(t.in_doubt, GetParam().in_doubt);
  if (t.ok || t.in_doubt) {  // an in-doubt touch may go on as sent: it carries what is known
    EXPECT_EQ(t.result["wrapupCode"], "ININ-OUTBOUND-NO-ANSWER");
    EXPECT_EQ(t.result["outcome"], blend::v1::TouchOutcome_Name(GetParam().outcome).substr(14));
  }
  if (!t.ok) {
    EXPECT_EQ(t.cause, "because");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Outcomes, DispositionTriggerTest,
    ::testing::Values(
        OutcomeCase{blend::v1::TOUCH_OUTCOME_SENT, true, ""},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_CALL_COMPLETED, true, ""},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_OPTED_OUT, false, "Blend.OptedOut"},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_DNC_ACTIVE, false, "Blend.DncActive"},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_FAILED, false, "Blend.TouchFailed"},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_SKIPPED, false, "Blend.TouchSkipped"},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_UNKNOWN, false, "Blend.TouchInDoubt", true},
        OutcomeCase{blend::v1::TOUCH_OUTCOME_WITHDRAWN, false, "Blend.TouchWithdrawn"},
        // A value from a newer producer this build does not know.
        OutcomeCase{static_cast<blend::v1::TouchOutcome>(99), false, "Blend.TouchFailed"}));

blend::v1::TouchCommand VoiceCommand() {
  journey::EmitTouch t;
  t.touch_id = "j1/Call/1";
  t.channel = Channel::kVoice;
  journey::GenesysIds g;
  g.contact_list_id = "demo-contacts";
  blend::v1::Customer c;
  c.set_customer_id("c1");
  return MakeTouchCommand(t, "j1", "camp", 2, c, g, 1);
}

TEST(CodecTest, WithdrawTouchNamesTheContactOfTheTouch) {
  const absl::Time now = absl::FromUnixSeconds(70);
  blend::v1::WithdrawTouch w = MakeWithdrawTouch(VoiceCommand(), "", "opted_out", now);
  EXPECT_EQ(w.touch_id(), "j1/Call/1");
  EXPECT_EQ(w.journey_id(), "j1");
  EXPECT_EQ(w.channel(), blend::v1::CHANNEL_VOICE);
  EXPECT_EQ(w.contact_list_id(), "demo-contacts");
  // No stored id (a row from before migration 0016): the same derivation as the dialer's.
  EXPECT_EQ(w.contact_id(), genesys::ContactIdForTouch("j1/Call/1"));
  EXPECT_EQ(w.reason(), "opted_out");
  EXPECT_EQ(FromProto(w.requested_at()), now);
  EXPECT_EQ(MakeWithdrawTouch(VoiceCommand(), "stored-id", "x", now).contact_id(), "stored-id");

  blend::v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(WithdrawEnvelopeBytes(w)));
  EXPECT_EQ(env.message_id(), "j1/Call/1:withdraw");  // one withdrawal per touch
  EXPECT_EQ(env.trace_id(), "j1");
  EXPECT_EQ(FromProto(env.produced_at()), now);
  EXPECT_EQ(env.withdraw().contact_id(), w.contact_id());
}

TEST(PgStoreTest, TextArrayQuotesAndEscapes) {
  EXPECT_EQ(pg::TextArray({}), "{}");
  EXPECT_EQ(pg::TextArray({"a", "b c"}), R"({"a","b c"})");
  EXPECT_EQ(pg::TextArray({R"({"k":"v\n"})"}), R"({"{\"k\":\"v\\n\"}"})");
  EXPECT_EQ(pg::TextArray({"", "NULL"}), R"({"","NULL"})");
}

}  // namespace
}  // namespace blend::orchestrator

namespace blend::orchestrator {
namespace {

// The start path's e-mail rule (blend/common/email.h) with the reason a bulk reject shows.
TEST(NormalizeStartRequestTest, EmailFollowsTheDocumentedRule) {
  blend::v1::StartJourneyRequest r;
  r.set_campaign_id("camp");
  r.set_client_key("k");
  r.mutable_customer()->set_customer_id("c");
  r.mutable_customer()->set_email("  Jane.Doe@Example.COM ");
  ASSERT_TRUE(NormalizeStartRequest(r).ok());
  EXPECT_EQ(r.customer().email(), "jane.doe@example.com");
  for (const char* bad : {"a@b@example.com", "jane@localhost", "a..b@example.com",
                          "jane doe@example.com", "jane@example.com."}) {
    r.mutable_customer()->set_email(bad);
    absl::Status s = NormalizeStartRequest(r);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), ::testing::StartsWith("bad email address: ")) << bad;
  }
}

}  // namespace
}  // namespace blend::orchestrator
