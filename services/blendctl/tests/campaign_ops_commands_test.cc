#include "blend/blendctl/campaign_ops_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

using ::testing::HasSubstr;

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

TEST(CampaignOpsCommandsTest, LabelsAreShortLowerCaseNames) {
  EXPECT_EQ(ChannelLabel(blend::v1::CHANNEL_VOICE), "voice");
  EXPECT_EQ(OutcomeLabel(blend::v1::TOUCH_OUTCOME_DNC_ACTIVE), "dnc_active");
  EXPECT_EQ(OutcomeLabel(blend::v1::TOUCH_OUTCOME_UNSPECIFIED), "none");
}

TEST(CampaignOpsCommandsTest, PauseDescriptionSaysWhoWhyAndWhen) {
  blend::v1::CampaignPause p;
  EXPECT_EQ(DescribePause(p), "running (never paused)");
  p.set_paused(true);
  p.set_changed_by("ops on behalf of alice");
  p.set_reason("complaints");
  *p.mutable_changed_at() = At(1767625200);
  EXPECT_EQ(DescribePause(p),
            "paused since 2026-01-05T15:00:00Z by ops on behalf of alice: complaints");
  p.set_paused(false);
  EXPECT_EQ(DescribePause(p),
            "running (resumed 2026-01-05T15:00:00Z by ops on behalf of alice: complaints)");
}

TEST(CampaignOpsCommandsTest, StatsShowEveryStateStatusAndTouchRow) {
  blend::v1::CampaignStats s;
  s.set_campaign_id("dunning");
  s.set_version(3);
  s.set_conversions(7);
  auto* st = s.add_states();
  st->set_state_name("SendInitialSMS");
  st->set_current(2);
  st->set_entered(10);
  auto* idle = s.add_states();
  idle->set_state_name("Both/CallA");
  auto* status = s.add_statuses();
  status->set_status(blend::v1::JOURNEY_STATUS_SUCCEEDED);
  status->set_journeys(7);
  auto* t = s.add_touches();
  t->set_channel(blend::v1::CHANNEL_SMS);
  t->set_outcome(blend::v1::TOUCH_OUTCOME_SENT);
  t->set_touches(9);
  const std::string text = RenderCampaignStats(s);
  EXPECT_THAT(text, HasSubstr("dunning v3"));
  EXPECT_THAT(text, HasSubstr("running (never paused)"));
  EXPECT_THAT(text, ::testing::ContainsRegex("conversions: +7"));
  EXPECT_THAT(text, ::testing::ContainsRegex("SendInitialSMS +2 +10"));
  EXPECT_THAT(text, ::testing::ContainsRegex("Both/CallA +0 +0"));
  EXPECT_THAT(text, ::testing::ContainsRegex("SUCCEEDED +7"));
  EXPECT_THAT(text, ::testing::ContainsRegex("sms +sent +9"));
}

TEST(CampaignOpsCommandsTest, ListHasOneLinePerCampaignWithTodaysTouchesSummed) {
  blend::v1::CampaignSummary c;
  c.set_campaign_id("dunning");
  c.set_latest_version(2);
  c.set_journeys_running(4);
  c.set_journeys_finished(6);
  c.set_conversions(1);
  for (int n : {3, 5}) c.add_touches_today()->set_touches(n);
  c.mutable_pause()->set_paused(true);
  const std::string text = RenderCampaignList({c});
  EXPECT_THAT(text, ::testing::StartsWith("CAMPAIGN"));
  EXPECT_THAT(text, ::testing::ContainsRegex("dunning +2 +4 +6 +8 +1 +yes"));
}

}  // namespace
}  // namespace blend::blendctl
