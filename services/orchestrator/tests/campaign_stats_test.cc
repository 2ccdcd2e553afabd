#include "blend/orchestrator/campaign_stats.h"

#include <gtest/gtest.h>

#include "blend/orchestrator/campaign_pause.h"

namespace blend::orchestrator {
namespace {

constexpr char kNested[] = R"json({
  "StartAt": "Remind",
  "States": {
    "Remind": {"Type": "Task", "Resource": "blend:sms", "Next": "Both"},
    "Both": {"Type": "Parallel", "Next": "PerDebt", "Branches": [
      {"StartAt": "CallA", "States": {"CallA": {"Type": "Task", "Resource": "blend:voice", "End": true}}},
      {"StartAt": "WaitB", "States": {"WaitB": {"Type": "Wait", "Seconds": 5, "End": true}}}]},
    "PerDebt": {"Type": "Map", "Next": "Done", "ItemProcessor": {"StartAt": "MailOne",
      "States": {"MailOne": {"Type": "Task", "Resource": "blend:email", "End": true}}}},
    "Done": {"Type": "Succeed"}
  }
})json";

TEST(CampaignStatsTest, StateNamesInDocumentOrderWithNestedOnesQualified) {
  EXPECT_EQ(DefinitionStateNames(kNested),
            (std::vector<std::string>{"Remind", "Both", "Both/CallA", "Both/WaitB", "PerDebt",
                                      "PerDebt/MailOne", "Done"}));
  // The older Map form names its machine "Iterator".
  EXPECT_EQ(DefinitionStateNames(R"({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}}})"),
            (std::vector<std::string>{"M", "M/I"}));
  EXPECT_TRUE(DefinitionStateNames("not json").empty());
  EXPECT_TRUE(DefinitionStateNames("[1, 2]").empty());
}

TEST(CampaignStatsTest, EveryStateAndStatusIsListedZerosIncluded) {
  StatsCounts counts;
  counts.current = {{"CallA", 2}, {"Both", 2}, {"NotInTheDefinition", 9}};
  counts.entered = {{"Remind", 5}, {"Both", 3}, {"CallA", 3}};
  counts.statuses = {{1, 2}, {2, 3}};
  counts.touches = {{{1, 1}, 4}, {{2, 0}, 2}, {{3, 1}, 0}};
  counts.conversions = 3;
  blend::v1::CampaignStats s = AssembleStats(DefinitionStateNames(kNested), counts);
  ASSERT_EQ(s.states_size(), 7);
  EXPECT_EQ(s.states(0).state_name(), "Remind");
  EXPECT_EQ(s.states(0).current(), 0);
  EXPECT_EQ(s.states(0).entered(), 5);
  EXPECT_EQ(s.states(2).state_name(), "Both/CallA");
  EXPECT_EQ(s.states(2).current(), 2);
  EXPECT_EQ(s.states(2).entered(), 3);
  EXPECT_EQ(s.states(6).state_name(), "Done");
  EXPECT_EQ(s.states(6).entered(), 0);
  ASSERT_EQ(s.statuses_size(), 5);  // RUNNING .. TIMED_OUT
  EXPECT_EQ(s.statuses(0).status(), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(s.statuses(0).journeys(), 2);
  EXPECT_EQ(s.statuses(1).journeys(), 3);
  EXPECT_EQ(s.statuses(4).status(), blend::v1::JOURNEY_STATUS_TIMED_OUT);
  EXPECT_EQ(s.statuses(4).journeys(), 0);
  ASSERT_EQ(s.touches_size(), 2) << "zero pairs are left out";
  EXPECT_EQ(s.touches(0).channel(), blend::v1::CHANNEL_SMS);
  EXPECT_EQ(s.touches(0).outcome(), blend::v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(s.touches(0).touches(), 4);
  EXPECT_EQ(s.touches(1).channel(), blend::v1::CHANNEL_VOICE);
  EXPECT_EQ(s.touches(1).outcome(), blend::v1::TOUCH_OUTCOME_UNSPECIFIED);
  EXPECT_EQ(s.conversions(), 3);
}

TEST(CampaignStatsTest, OutcomeOfATouchRow) {
  EXPECT_EQ(OutcomeOfTouch("done", "TOUCH_OUTCOME_DNC_ACTIVE"),
            blend::v1::TOUCH_OUTCOME_DNC_ACTIVE);
  EXPECT_EQ(OutcomeOfTouch("done", "TOUCH_OUTCOME_99"), blend::v1::TOUCH_OUTCOME_FAILED);
  EXPECT_EQ(OutcomeOfTouch("sent", "contact inserted"), blend::v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(OutcomeOfTouch("refused", "opted_out"), blend::v1::TOUCH_OUTCOME_SKIPPED);
  EXPECT_EQ(OutcomeOfTouch("cancelled", "journey finished"), blend::v1::TOUCH_OUTCOME_SKIPPED);
  for (const char* open : {"pending", "claimed", "deferred"}) {
    EXPECT_EQ(OutcomeOfTouch(open, kPausedReason), blend::v1::TOUCH_OUTCOME_UNSPECIFIED) << open;
  }
  std::map<std::pair<int, int>, int64_t> counts;
  AddTouchCounts(1, "refused", "", 2, counts);
  AddTouchCounts(1, "cancelled", "", 3, counts);
  EXPECT_EQ((counts[{1, blend::v1::TOUCH_OUTCOME_SKIPPED}]), 5);
}

TEST(CampaignPauseTest, WhoAndWhyAreRequiredAndBounded) {
  EXPECT_EQ(ChangedBy("console", ""), "console");
  EXPECT_EQ(ChangedBy("console", "alice@example.com"), "console on behalf of alice@example.com");
  EXPECT_TRUE(ValidatePauseRequest("c", "complaints spike", "").ok());
  EXPECT_EQ(ValidatePauseRequest("", "why", "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePauseRequest("c", "", "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePauseRequest("c", " \n\t", "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePauseRequest("c", std::string(1001, 'x'), "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePauseRequest("c", "why", std::string(201, 'x')).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace blend::orchestrator
