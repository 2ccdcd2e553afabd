// The seed campaign (examples/seed-collections/campaign.json: the seed's definition verbatim
// except for "End": true on EndCampaign) driven through its scenarios with its resource aliases.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/journey/testing/seed_campaign.h"
#include "interpreter_harness.h"

namespace blend::journey {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using json = nlohmann::json;
using namespace blend::journey::testing;

class SeedJourneyTest : public ::testing::Test {
 protected:
  SeedJourneyTest() {
    auto c = ParseCampaignDocument(SeedCampaignDocument());
    EXPECT_TRUE(c.ok()) << c.status();
    campaign_ = *c;
  }

  // Starts at 18:00 UTC (13:00 in New York): inside the SMS window.
  std::string StartAndDeliverSms(JourneyHarness& h) {
    auto effects = h.Start(T("2026-11-26T18:00:00Z"), json{{"invoiceId", "inv-9"}});
    auto touches = Only<EmitTouch>(effects);
    EXPECT_EQ(touches.size(), 1u);
    EXPECT_EQ(touches[0].channel, Channel::kSms);
    EXPECT_EQ(touches[0].not_before, T("2026-11-26T18:00:00Z"));
    EXPECT_EQ(touches[0].parameters, json({{"invoiceId", "inv-9"}}));
    effects =
        h.Apply(Ok(touches[0].touch_id, json{{"outcome", "SENT"}}), T("2026-11-26T18:00:05Z"));
    auto timers = Only<SetTimer>(effects);
    EXPECT_EQ(timers.size(), 1u);
    EXPECT_EQ(timers[0].at, T("2026-11-27T18:00:05Z"));  // Wait 86400 s
    return timers[0].timer_id;
  }

  std::shared_ptr<const CompiledCampaign> campaign_;
};

TEST_F(SeedJourneyTest, PaidAfterWaitSucceedsWithoutVoiceTouch) {
  JourneyHarness h(campaign_);
  std::string timer = StartAndDeliverSms(h);
  h.facts.attributes = json{{"paymentStatus", "PAID"}};
  auto effects = h.Apply(TimerFiredTrigger{timer}, T("2026-11-27T18:00:05Z"));
  EXPECT_THAT(Only<EmitTouch>(effects), IsEmpty());
  auto finish = Only<Finish>(effects);
  ASSERT_EQ(finish.size(), 1u);
  EXPECT_EQ(finish[0].status, JourneyStatus::kSucceeded);
  EXPECT_EQ(h.state().status, JourneyStatus::kSucceeded);
  EXPECT_THAT(HistoryKinds(effects),
              ElementsAre("StateEntered:CheckPaymentStatus", "TaskSucceeded:CheckPaymentStatus",
                          "StateEntered:PaymentChoice", "ChoiceEvaluated:PaymentChoice",
                          "StateEntered:CampaignSuccess", "JourneyFinished:"));
}

TEST_F(SeedJourneyTest, NotPaidAfterWaitInsertsIntoVoiceDialer) {
  JourneyHarness h(campaign_);
  std::string timer = StartAndDeliverSms(h);
  auto effects = h.Apply(TimerFiredTrigger{timer}, T("2026-11-27T18:00:05Z"));
  auto touches = Only<EmitTouch>(effects);
  ASSERT_EQ(touches.size(), 1u);
  EXPECT_EQ(touches[0].channel, Channel::kVoice);
  EXPECT_EQ(touches[0].state_name, "InjectToVoiceDialer");
  // The facts task's output (attributes + flags) is the voice task's input.
  EXPECT_EQ(touches[0].parameters["dncActive"], false);
  effects =
      h.Apply(Ok(touches[0].touch_id, json{{"wrapupCode", "ANSWERED"}}), T("2026-11-27T18:30:00Z"));
  auto finish = Only<Finish>(effects);
  ASSERT_EQ(finish.size(), 1u);
  EXPECT_EQ(finish[0].status, JourneyStatus::kSucceeded);
  EXPECT_EQ(finish[0].output, json({{"wrapupCode", "ANSWERED"}}));  // EndCampaign passes it on
}

TEST_F(SeedJourneyTest, PaymentEventDuringWaitEndsJourneyAndNoVoiceTouchIsEverEmitted) {
  JourneyHarness h(campaign_);
  std::string timer = StartAndDeliverSms(h);
  auto effects = h.Apply(CustomerEventTrigger{"ev-1", "payment.received", json{{"amount", 120}}},
                         T("2026-11-27T09:00:00Z"));
  auto finish = Only<Finish>(effects);
  ASSERT_EQ(finish.size(), 1u);
  EXPECT_EQ(finish[0].status, JourneyStatus::kSucceeded);
  auto cancelled = Only<CancelTimer>(effects);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].timer_id, timer);
  // The wait's timer fires anyway (cancellation raced): nothing happens.
  effects = h.Apply(TimerFiredTrigger{timer}, T("2026-11-27T18:00:05Z"));
  EXPECT_THAT(HistoryKinds(effects), ElementsAre("TriggerIgnored:"));
  EXPECT_EQ(h.state().status, JourneyStatus::kSucceeded);
  for (const EmitTouch& t : Only<EmitTouch>(h.all_effects())) EXPECT_NE(t.channel, Channel::kVoice);
}

TEST_F(SeedJourneyTest, SmsDueAtNightIsDeferredToEightLocal) {
  JourneyHarness h(campaign_);
  // 03:00 UTC = 22:00 in New York the day before.
  auto touches = Only<EmitTouch>(h.Start(T("2026-11-27T03:00:00Z")));
  ASSERT_EQ(touches.size(), 1u);
  EXPECT_EQ(touches[0].not_before, T("2026-11-27T08:00:00-05:00"));
}

TEST_F(SeedJourneyTest, OptedOutOfSmsFailsTheJourneyWithBlendOptedOut) {
  JourneyHarness h(campaign_);
  h.facts.sms_opted_out = true;
  auto effects = h.Start(T("2026-11-26T18:00:00Z"));
  EXPECT_THAT(Only<EmitTouch>(effects), IsEmpty());
  auto finish = Only<Finish>(effects);
  ASSERT_EQ(finish.size(), 1u);
  EXPECT_EQ(finish[0].status, JourneyStatus::kFailed);
  EXPECT_EQ(finish[0].error, "Blend.OptedOut");
}

TEST_F(SeedJourneyTest, SameInputsGiveByteIdenticalStatesAndEffects) {
  auto run = [&] {
    JourneyHarness h(campaign_);
    std::string timer = StartAndDeliverSms(h);
    h.Apply(TimerFiredTrigger{timer}, T("2026-11-27T18:00:05Z"));
    std::string out = h.state().ToJson().dump();
    for (const Effect& e : h.all_effects()) out += EffectToJson(e).dump();
    return out;
  };
  std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find("j-1/InjectToVoiceDialer/"), std::string::npos);  // deterministic touch id
}

}  // namespace
}  // namespace blend::journey
