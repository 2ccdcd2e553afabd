// The onUnknown policy: what an in-doubt touch (an UNKNOWN disposition) does to a journey.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "interpreter_harness.h"

namespace blend::journey {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using json = nlohmann::json;
using namespace blend::journey::testing;

// SMS, then a Choice on the SMS outcome: SENT goes on to the email, anything else fails.
constexpr char kSmsThenEmail[] = R"({"StartAt":"Sms","States":{
  "Sms":{"Type":"Task","Resource":"blend:sms","ResultPath":"$.sms","Next":"Sent?"},
  "Sent?":{"Type":"Choice","Choices":[{"Variable":"$.sms.outcome","StringEquals":"SENT","Next":"Email"}],
           "Default":"NotSent"},
  "Email":{"Type":"Task","Resource":"blend:email","End":true},
  "NotSent":{"Type":"Fail","Error":"NotSent"}}})";

std::vector<HistoryEntry> HistoryOf(const std::vector<Effect>& effects, const std::string& kind) {
  std::vector<HistoryEntry> out;
  for (const HistoryEntry& h : Only<HistoryEntry>(effects)) {
    if (h.kind == kind) out.push_back(h);
  }
  return out;
}

TEST(OnUnknownTest, DefaultGoesOnAsIfSentAndHistorySaysInDoubt) {
  JourneyHarness h(Campaign(kSmsThenEmail));
  EXPECT_EQ(Campaign(kSmsThenEmail)->policies().on_unknown, OnUnknown::kAssumeSent);
  auto sms = Only<EmitTouch>(h.Start(kNoon, json{{"invoice", 1}}));
  ASSERT_THAT(sms, SizeIs(1));
  auto effects = h.Apply(InDoubt(sms[0].touch_id, "read timeout after the request left"),
                         kNoon + absl::Minutes(1));

  // Exactly one new touch, the email: the SMS is never sent a second time.
  auto touches = Only<EmitTouch>(effects);
  ASSERT_THAT(touches, SizeIs(1));
  EXPECT_EQ(touches[0].channel, Channel::kEmail);
  EXPECT_EQ(touches[0].parameters["sms"]["outcome"], "SENT");
  EXPECT_EQ(touches[0].parameters["sms"]["inDoubt"], true);
  EXPECT_EQ(h.state().status, JourneyStatus::kRunning);

  auto doubt = HistoryOf(effects, "TouchInDoubt");
  ASSERT_THAT(doubt, SizeIs(1));
  EXPECT_EQ(doubt[0].state_name, "Sms");
  EXPECT_EQ(doubt[0].detail["touchId"], sms[0].touch_id);
  EXPECT_EQ(doubt[0].detail["onUnknown"], "assume-sent");
  EXPECT_EQ(doubt[0].detail["cause"], "read timeout after the request left");
  EXPECT_THAT(HistoryKinds(effects),
              ElementsAre("TouchInDoubt:Sms", "TaskSucceeded:Sms", "StateEntered:Sent?",
                          "ChoiceEvaluated:Sent?", "StateEntered:Email", "TaskScheduled:Email"));
  EXPECT_EQ(HistoryOf(effects, "TaskSucceeded")[0].detail["inDoubt"], true);
}

TEST(OnUnknownTest, AssumeSentKeepsWhatTheDispositionKnew) {
  JourneyHarness h(Campaign(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"blend:voice","TimeoutSeconds":600,"End":true}}})",
                            R"({"onUnknown":"assume-sent","quietHours":{"voice":null}})"));
  auto call = Only<EmitTouch>(h.Start(kNoon))[0];
  TaskResultTrigger t = InDoubt(call.touch_id);
  t.result =
      json{{"outcome", "UNKNOWN"}, {"answered", false}, {"providerIds", {{"contactId", "c-9"}}}};
  auto effects = h.Apply(t, kNoon);
  EXPECT_THAT(Only<CancelTimer>(effects), SizeIs(1));  // the task timeout is no longer needed
  Finish f = Only<Finish>(effects).at(0);
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output, json::parse(R"({"outcome":"SENT","inDoubt":true,"answered":false,
                                      "providerIds":{"contactId":"c-9"}})"));
}

TEST(OnUnknownTest, FailRaisesTouchInDoubtForCatch) {
  JourneyHarness h(Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms",
           "Catch":[{"ErrorEquals":["Blend.TouchInDoubt"],"ResultPath":"$.smsError","Next":"Email"}],"End":true},
    "Email":{"Type":"Task","Resource":"blend:email","End":true}}})",
                            R"({"onUnknown":"fail"})"));
  auto sms = Only<EmitTouch>(h.Start(kNoon))[0];
  auto effects = h.Apply(InDoubt(sms.touch_id, "timeout"), kNoon);
  auto touches = Only<EmitTouch>(effects);
  ASSERT_THAT(touches, SizeIs(1));
  EXPECT_EQ(touches[0].channel, Channel::kEmail);
  EXPECT_EQ(touches[0].parameters["smsError"],
            json({{"Error", "Blend.TouchInDoubt"}, {"Cause", "timeout"}}));
  auto doubt = HistoryOf(effects, "TouchInDoubt");
  ASSERT_THAT(doubt, SizeIs(1));
  EXPECT_EQ(doubt[0].detail["onUnknown"], "fail");
  EXPECT_EQ(HistoryOf(effects, "TaskFailed").at(0).detail["error"], "Blend.TouchInDoubt");
}

TEST(OnUnknownTest, FailIsRetriableAndUncaughtFailsTheJourney) {
  JourneyHarness h(Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms",
           "Retry":[{"ErrorEquals":["Blend.TouchInDoubt"],"IntervalSeconds":60,"MaxAttempts":1}],"End":true}}})",
                            R"({"onUnknown":"fail"})"));
  auto first = Only<EmitTouch>(h.Start(kNoon))[0];
  auto timer = Only<SetTimer>(h.Apply(InDoubt(first.touch_id), kNoon));
  ASSERT_THAT(timer, SizeIs(1));
  EXPECT_EQ(timer[0].at, kNoon + absl::Seconds(60));
  auto second = Only<EmitTouch>(h.Apply(TimerFiredTrigger{timer[0].timer_id}, timer[0].at));
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_NE(second[0].touch_id, first.touch_id);
  auto effects = h.Apply(InDoubt(second[0].touch_id, "timeout again"), timer[0].at);
  Finish f = Only<Finish>(effects).at(0);
  EXPECT_EQ(f.status, JourneyStatus::kFailed);
  EXPECT_EQ(f.error, "Blend.TouchInDoubt");
  EXPECT_EQ(f.cause, "timeout again");
}

// Blend.TouchUnknown was the documented error of an UNKNOWN disposition before onUnknown: a
// Catch or Retry naming it still matches Blend.TouchInDoubt.
TEST(OnUnknownTest, FormerErrorNameStillMatches) {
  JourneyHarness h(Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms",
           "Catch":[{"ErrorEquals":["Blend.TouchUnknown"],"Next":"Caught"}],"End":true},
    "Caught":{"Type":"Succeed"}}})",
                            R"({"onUnknown":"fail"})"));
  auto sms = Only<EmitTouch>(h.Start(kNoon))[0];
  auto effects = h.Apply(InDoubt(sms.touch_id), kNoon);
  EXPECT_EQ(HistoryOf(effects, "ErrorCaught").at(0).detail["error"], "Blend.TouchInDoubt");
  EXPECT_EQ(Only<Finish>(effects).at(0).status, JourneyStatus::kSucceeded);
}

TEST(OnUnknownTest, InDoubtForATouchNoLongerAwaitedIsIgnored) {
  JourneyHarness h(Campaign(kSmsThenEmail));
  auto sms = Only<EmitTouch>(h.Start(kNoon))[0];
  h.Apply(Ok(sms.touch_id, json{{"outcome", "SENT"}}), kNoon);
  auto effects = h.Apply(InDoubt(sms.touch_id), kNoon);
  EXPECT_THAT(HistoryKinds(effects), ElementsAre("TriggerIgnored:"));
  EXPECT_THAT(Only<EmitTouch>(effects), IsEmpty());
}

TEST(OnUnknownTest, InvalidValueIsRejectedWithItsPointer) {
  std::vector<ValidationProblem> problems;
  auto c = ParseCampaign(kSmsThenEmail, R"({"onUnknown":"retry"})", {}, &problems);
  ASSERT_FALSE(c.ok());
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].pointer, "/policies/onUnknown");
  EXPECT_EQ(problems[0].message, "onUnknown is \"assume-sent\" (the default) or \"fail\"");
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("/policies/onUnknown: onUnknown is"));
  problems.clear();
  EXPECT_FALSE(ParseCampaign(kSmsThenEmail, R"({"onUnknown":true})", {}, &problems).ok());
  EXPECT_THAT(problems, SizeIs(1));
}

TEST(OnUnknownTest, ValidValuesParse) {
  EXPECT_EQ(Campaign(kSmsThenEmail, R"({"onUnknown":"fail"})")->policies().on_unknown,
            OnUnknown::kFail);
  EXPECT_EQ(Campaign(kSmsThenEmail, R"({"onUnknown":"assume-sent"})")->policies().on_unknown,
            OnUnknown::kAssumeSent);
}

}  // namespace
}  // namespace blend::journey
