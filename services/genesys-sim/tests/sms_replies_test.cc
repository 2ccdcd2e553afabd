// Simulated inbound SMS replies (STOP) and the opt-out they cause.

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;
using testing::HeaderOf;

TEST(OptOutKeywordTest, RecognisesGenesysKeywords) {
  for (const char* stop : {"STOP", "stop", " Unsubscribe ", "QUIT", "end", "CANCEL", "STOPALL"}) {
    EXPECT_EQ(OptOutKeyword(stop), true) << stop;
  }
  for (const char* start : {"START", "yes", "Unstop"}) EXPECT_EQ(OptOutKeyword(start), false);
  for (const char* other : {"stop please", "HELP", ""})
    EXPECT_EQ(OptOutKeyword(other), std::nullopt);
}

class SmsReplyTest : public testing::SimTest {
 protected:
  void SetUp() override {
    SimConfig config = DemoConfig();
    config.webhooks.inbound_sms_urls = {"http://127.0.0.1:9/inbound"};
    Build(config);
  }
};

TEST_F(SmsReplyTest, MatchingNumberRepliesStopAfterTheDelayAndIsThenBlocked) {
  ASSERT_EQ(SendSms("+13175550113").status, 200);  // demo rule: numbers ending in 13
  ASSERT_EQ(SendSms("+13175550100").status, 200);  // no rule: no reply
  clock_.Advance(absl::Seconds(4));
  sim_->Tick();
  EXPECT_TRUE(sender_->posts().empty());
  clock_.Advance(absl::Seconds(1));
  sim_->Tick();
  auto posts = sender_->posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].url, "http://127.0.0.1:9/inbound");
  EXPECT_EQ(HeaderOf(posts[0].headers, "X-Blend-Event-Type"), "inboundSms");
  EXPECT_EQ(HeaderOf(posts[0].headers, "X-Blend-Signature"),
            "sha256=" + HmacSha256Hex("demo-signing-secret", posts[0].body));
  json body = json::parse(posts[0].body);
  EXPECT_EQ(body["fromAddress"], "+13175550113");
  EXPECT_EQ(body["toAddress"], "+18005550199");
  EXPECT_EQ(body["textBody"], "STOP");
  EXPECT_EQ(body["direction"], "inbound");
  EXPECT_EQ(body["inReplyToMessageId"], sim_->messaging().Sms()[0].id);

  HttpResponse blocked = SendSms("+13175550113");
  EXPECT_EQ(blocked.status, 400);
  EXPECT_EQ(Json(blocked)["code"], "recipient.opted.out");
  EXPECT_EQ(SendSms("+13175550100").status, 200);
  json optouts = Json(Call("GET", "/sim/optouts"));
  ASSERT_EQ(optouts.size(), 1u);
  EXPECT_EQ(optouts[0]["toAddress"], "+13175550113");
  clock_.Advance(absl::Minutes(1));
  sim_->Tick();
  EXPECT_EQ(sender_->posts().size(), 1u);  // no second reply: nothing reached the number
}

TEST_F(SmsReplyTest, AcceptModeRecordsTheMessageAsFailed) {
  SimConfig config = DemoConfig();
  config.reject_opted_out_sms = false;
  Build(config);
  ASSERT_EQ(Call("POST", "/sim/inbound-sms", R"({"fromAddress":"+13175550100","textBody":"stop"})")
                .status,
            200);
  HttpResponse r = SendSms("+13175550100");
  EXPECT_EQ(r.status, 200);
  json sms = Json(Call("GET", "/sim/messages/sms", "", {{"toAddress", "+13175550100"}}));
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0]["status"], "failed");
}

TEST_F(SmsReplyTest, StartOptsBackIn) {
  ASSERT_EQ(Call("POST", "/sim/inbound-sms", R"({"fromAddress":"+13175550100","textBody":"STOP"})")
                .status,
            200);
  EXPECT_EQ(SendSms("+13175550100").status, 400);
  Call("POST", "/sim/inbound-sms", R"({"fromAddress":"+13175550100","textBody":"START"})");
  EXPECT_EQ(SendSms("+13175550100").status, 200);
  sim_->Tick();
  EXPECT_EQ(sender_->posts().size(), 2u);  // both injected messages reached the webhook
}

}  // namespace
}  // namespace blend::genesys_sim
