#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "interpreter_harness.h"

namespace blend::journey {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using json = nlohmann::json;
using namespace blend::journey::testing;

TEST(InterpreterTest, PassDataFlowAppliesInputPathParametersResultPathOutputPath) {
  JourneyHarness h(Campaign(R"J({"StartAt":"P","States":{
    "P":{"Type":"Pass","InputPath":"$.customer","Parameters":{"greeting.$":"States.Format('Hi {}', $.name)","static":1},
         "ResultPath":"$.customer.msg","OutputPath":"$.customer","Next":"R"},
    "R":{"Type":"Pass","Result":{"fixed":true},"ResultPath":null,"End":true}}})J"));
  auto f = FinishOf(h.Start(kNoon, json::parse(R"({"customer":{"name":"Ana"},"other":1})")));
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output, json::parse(R"({"name":"Ana","msg":{"greeting":"Hi Ana","static":1}})"));
  EXPECT_EQ(h.last_transitions, 2);
}

TEST(InterpreterTest, ContextObjectAndDeterministicUuid) {
  auto campaign = Campaign(R"J({"StartAt":"P","States":{
    "P":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id","state.$":"$$.State.Name",
         "start.$":"$$.Execution.StartTime","input.$":"$$.Execution.Input.k","retries.$":"$$.State.RetryCount",
         "campaign.$":"$$.StateMachine.Id","uuid.$":"States.UUID()"},"End":true}}})J");
  JourneyHarness a(campaign), b(campaign);
  auto fa = FinishOf(a.Start(kNoon, json{{"k", "v"}}));
  auto fb = FinishOf(b.Start(kNoon, json{{"k", "v"}}));
  EXPECT_EQ(fa.output["id"], "j-1");
  EXPECT_EQ(fa.output["state"], "P");
  EXPECT_EQ(fa.output["start"], "2026-11-26T17:00:00Z");
  EXPECT_EQ(fa.output["input"], "v");
  EXPECT_EQ(fa.output["retries"], 0);
  EXPECT_EQ(fa.output["campaign"], "camp-1");
  std::string uuid = fa.output["uuid"];
  EXPECT_THAT(uuid, ::testing::MatchesRegex(
                        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_EQ(fa.output, fb.output);
}

// States.MathRandom / States.UUID draw on the caller's seed only: the same seed gives the
// same values (replay), another seed others; every draw is recorded in history.
TEST(InterpreterTest, IntrinsicRandomnessComesFromTheSeedAndIsRecorded) {
  auto campaign = Campaign(R"J({"StartAt":"P","States":{
    "P":{"Type":"Pass","Parameters":{"r.$":"States.MathRandom(0, 1000000000)","u.$":"States.UUID()"},"End":true}}})J");
  JourneyHarness a(campaign), b(campaign), c(campaign);
  auto ea = a.Start(kNoon);
  auto fb = FinishOf(b.Start(kNoon));
  auto fc = FinishOf(c.Apply(
      StartTrigger{"j-1", json::object(), JourneyHarness::DefaultCustomer(), "seed-2"}, kNoon));
  auto fa = FinishOf(ea);
  EXPECT_EQ(fa.output, fb.output);
  EXPECT_NE(fa.output["r"], fc.output["r"]);
  EXPECT_NE(fa.output["u"], fc.output["u"]);
  std::vector<HistoryEntry> drawn;
  for (const HistoryEntry& h : Only<HistoryEntry>(ea)) {
    if (h.kind == "IntrinsicRandomness") drawn.push_back(h);
  }
  ASSERT_THAT(drawn, SizeIs(1));
  EXPECT_EQ(drawn[0].state_name, "P");
  ASSERT_THAT(drawn[0].detail["values"], SizeIs(2));
  EXPECT_EQ(drawn[0].detail["values"][0]["function"], "States.MathRandom");
  EXPECT_EQ(drawn[0].detail["values"][1]["value"], fa.output["u"]);
}

TEST(InterpreterTest, ChoiceBranchesOnVoiceWrapupCodeFromResultPath) {
  auto campaign = Campaign(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"blend:voice","ResultPath":"$.voice","Next":"Answered?"},
    "Answered?":{"Type":"Choice","Choices":[{"Variable":"$.voice.wrapupCode","StringEquals":"NO_ANSWER","Next":"Email"}],"Default":"Done"},
    "Email":{"Type":"Task","Resource":"blend:email","End":true},
    "Done":{"Type":"Succeed"}}})");
  JourneyHarness h(campaign);
  auto touch = Only<EmitTouch>(h.Start(kNoon, json{{"invoice", 1}}))[0];
  auto effects =
      h.Apply(Ok(touch.touch_id, json{{"wrapupCode", "NO_ANSWER"}}), kNoon + absl::Minutes(5));
  auto email = Only<EmitTouch>(effects);
  ASSERT_THAT(email, SizeIs(1));
  EXPECT_EQ(email[0].channel, Channel::kEmail);
  EXPECT_EQ(email[0].parameters,
            json::parse(R"({"invoice":1,"voice":{"wrapupCode":"NO_ANSWER"}})"));
}

TEST(InterpreterTest, OptedOutSmsIsCaughtAndJourneyBranchesToEmail) {
  JourneyHarness h(Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms","Catch":[{"ErrorEquals":["Blend.OptedOut"],"ResultPath":"$.smsError","Next":"Email"}],"End":true},
    "Email":{"Type":"Task","Resource":"blend:email","End":true}}})"));
  h.facts.sms_opted_out = true;
  auto effects = h.Start(kNoon);
  auto touches = Only<EmitTouch>(effects);
  ASSERT_THAT(touches, SizeIs(1));
  EXPECT_EQ(touches[0].channel, Channel::kEmail);
  EXPECT_EQ(touches[0].parameters["smsError"]["Error"], "Blend.OptedOut");
}

TEST(InterpreterTest, DncBlocksVoiceWithBlendDncActive) {
  JourneyHarness h(Campaign(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"blend:voice","Catch":[{"ErrorEquals":["Blend.DncActive"],"Next":"Dnc"}],"End":true},
    "Dnc":{"Type":"Fail","Error":"Suppressed","CausePath":"$.Error"}}})"));
  h.facts.dnc_active = true;
  auto f = FinishOf(h.Start(kNoon));
  EXPECT_EQ(f.status, JourneyStatus::kFailed);
  EXPECT_EQ(f.error, "Suppressed");
  EXPECT_EQ(f.cause, "Blend.DncActive");
}

TEST(InterpreterTest, DncDoesNotBlockEmail) {
  JourneyHarness h(Campaign(
      R"({"StartAt":"E","States":{"E":{"Type":"Task","Resource":"blend:email","End":true}}})"));
  h.facts.dnc_active = true;
  EXPECT_THAT(Only<EmitTouch>(h.Start(kNoon)), SizeIs(1));
}

TEST(InterpreterTest, RetryBacksOffThenCatchTakesOver) {
  JourneyHarness h(Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms",
      "Retry":[{"ErrorEquals":["Blend.ProviderBusy"],"IntervalSeconds":60,"MaxAttempts":2,"BackoffRate":3}],
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Gave up"}],"End":true},
    "Gave up":{"Type":"Fail","Error":"NoSms"}}})"));
  auto t1 = Only<EmitTouch>(h.Start(kNoon))[0];
  auto effects = h.Apply(Err(t1.touch_id, "Blend.ProviderBusy", "429"), kNoon);
  auto timer1 = Only<SetTimer>(effects);
  ASSERT_THAT(timer1, SizeIs(1));
  EXPECT_EQ(timer1[0].at, kNoon + absl::Seconds(60));
  auto t2 = Only<EmitTouch>(h.Apply(TimerFiredTrigger{timer1[0].timer_id}, timer1[0].at));
  ASSERT_THAT(t2, SizeIs(1));
  EXPECT_NE(t2[0].touch_id, t1.touch_id);  // each attempt is its own touch
  auto timer2 = Only<SetTimer>(h.Apply(Err(t2[0].touch_id, "Blend.ProviderBusy"), timer1[0].at));
  ASSERT_THAT(timer2, SizeIs(1));
  EXPECT_EQ(timer2[0].at, timer1[0].at + absl::Seconds(180));
  auto t3 = Only<EmitTouch>(h.Apply(TimerFiredTrigger{timer2[0].timer_id}, timer2[0].at));
  ASSERT_THAT(t3, SizeIs(1));
  auto f = FinishOf(h.Apply(Err(t3[0].touch_id, "Blend.ProviderBusy"), timer2[0].at));
  EXPECT_EQ(f.error, "NoSms");
  // A late result for the first attempt is ignored.
  EXPECT_THAT(HistoryKinds(h.Apply(Ok(t1.touch_id), timer2[0].at)), ElementsAre("TriggerIgnored:"));
}

TEST(InterpreterTest, RetryCountIsVisibleInContextAndMaxDelayCapsBackoff) {
  JourneyHarness h(Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms","Parameters":{"attempt.$":"$$.State.RetryCount"},
      "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":100,"MaxAttempts":5,"BackoffRate":10,"MaxDelaySeconds":500}],"End":true}}})"));
  auto t = Only<EmitTouch>(h.Start(kNoon))[0];
  EXPECT_EQ(t.parameters["attempt"], 0);
  absl::Time now = kNoon;
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 3; ++i) {
    auto timer = Only<SetTimer>(h.Apply(Err(t.touch_id, "Blend.Undeliverable"), now))[0];
    delays.push_back(timer.at - now);
    now = timer.at;
    t = Only<EmitTouch>(h.Apply(TimerFiredTrigger{timer.timer_id}, now))[0];
    EXPECT_EQ(t.parameters["attempt"], i + 1);
  }
  EXPECT_THAT(delays, ElementsAre(absl::Seconds(100), absl::Seconds(500), absl::Seconds(500)));
}

TEST(InterpreterTest, FullJitterIsDeterministicAndBelowTheDelay) {
  auto campaign = Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms",
      "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":100,"JitterStrategy":"FULL"}],"End":true}}})");
  absl::Time at[2];
  for (int i = 0; i < 2; ++i) {
    JourneyHarness h(campaign);
    auto t = Only<EmitTouch>(h.Start(kNoon))[0];
    at[i] = Only<SetTimer>(h.Apply(Err(t.touch_id, "X"), kNoon))[0].at;
  }
  EXPECT_EQ(at[0], at[1]);
  EXPECT_LE(at[0], kNoon + absl::Seconds(100));
}

TEST(InterpreterTest, TaskTimeoutRaisesStatesTimeoutForCatch) {
  JourneyHarness h(Campaign(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"blend:voice","TimeoutSeconds":3600,
      "Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Email"}],"End":true},
    "Email":{"Type":"Task","Resource":"blend:email","End":true}}})"));
  auto effects = h.Start(kNoon);
  auto timer = Only<SetTimer>(effects);
  ASSERT_THAT(timer, SizeIs(1));
  EXPECT_EQ(timer[0].at, kNoon + absl::Hours(1));
  auto email = Only<EmitTouch>(h.Apply(TimerFiredTrigger{timer[0].timer_id}, timer[0].at));
  ASSERT_THAT(email, SizeIs(1));
  EXPECT_EQ(email[0].channel, Channel::kEmail);
}

TEST(InterpreterTest, TaskResultBeforeTimeoutCancelsTheTimer) {
  JourneyHarness h(Campaign(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"blend:voice","TimeoutSeconds":3600,"End":true}}})"));
  auto effects = h.Start(kNoon);
  auto touch = Only<EmitTouch>(effects)[0];
  auto timer = Only<SetTimer>(effects)[0];
  effects = h.Apply(Ok(touch.touch_id), kNoon + absl::Minutes(1));
  auto cancelled = Only<CancelTimer>(effects);
  ASSERT_THAT(cancelled, SizeIs(1));
  EXPECT_EQ(cancelled[0].timer_id, timer.timer_id);
  EXPECT_EQ(FinishOf(effects).status, JourneyStatus::kSucceeded);
}

TEST(InterpreterTest, AwaitEventCompletesWithTheEvent) {
  JourneyHarness h(Campaign(R"({"StartAt":"Reply","States":{
    "Reply":{"Type":"Task","Resource":"blend:await-event","Parameters":{"eventType":"sms.reply"},
      "TimeoutSeconds":86400,"ResultSelector":{"text.$":"$.attributes.text"},"End":true}}})"));
  auto effects = h.Start(kNoon);
  EXPECT_THAT(Only<EmitTouch>(effects), IsEmpty());
  EXPECT_THAT(HistoryKinds(h.Apply(CustomerEventTrigger{"e1", "other", {}}, kNoon)),
              ElementsAre("TriggerIgnored:"));
  effects = h.Apply(CustomerEventTrigger{"e2", "sms.reply", json{{"text", "YES"}}},
                    kNoon + absl::Hours(1));
  EXPECT_THAT(Only<CancelTimer>(effects), SizeIs(1));
  EXPECT_EQ(FinishOf(effects).output, json({{"text", "YES"}}));
}

TEST(InterpreterTest, AwaitEventTimesOut) {
  JourneyHarness h(Campaign(R"({"StartAt":"Reply","States":{
    "Reply":{"Type":"Task","Resource":"blend:await-event","Parameters":{"eventType":"sms.reply"},"TimeoutSeconds":60,"End":true}}})"));
  auto timer = Only<SetTimer>(h.Start(kNoon))[0];
  auto f = FinishOf(h.Apply(TimerFiredTrigger{timer.timer_id}, timer.at));
  EXPECT_EQ(f.status, JourneyStatus::kFailed);
  EXPECT_EQ(f.error, "States.Timeout");
}

TEST(InterpreterTest, ParallelSendsSmsAndEmailAtOnceAndCollectsResults) {
  JourneyHarness h(Campaign(R"({"StartAt":"Both","States":{
    "Both":{"Type":"Parallel","Branches":[
      {"StartAt":"S","States":{"S":{"Type":"Task","Resource":"blend:sms","End":true}}},
      {"StartAt":"E","States":{"E":{"Type":"Task","Resource":"blend:email","End":true}}}],
      "ResultPath":"$.touches","End":true}}})"));
  auto touches = Only<EmitTouch>(h.Start(kNoon, json{{"k", 1}}));
  ASSERT_THAT(touches, SizeIs(2));
  EXPECT_EQ(touches[0].channel, Channel::kSms);
  EXPECT_EQ(touches[1].channel, Channel::kEmail);
  EXPECT_THAT(Only<Finish>(h.Apply(Ok(touches[1].touch_id, json{{"email", "sent"}}), kNoon)),
              IsEmpty());
  auto f = FinishOf(h.Apply(Ok(touches[0].touch_id, json{{"sms", "sent"}}), kNoon));
  EXPECT_EQ(f.output, json::parse(R"({"k":1,"touches":[{"sms":"sent"},{"email":"sent"}]})"));
}

TEST(InterpreterTest, FailedBranchCancelsSiblingsAndIsCaughtOnTheParallel) {
  JourneyHarness h(Campaign(R"({"StartAt":"Both","States":{
    "Both":{"Type":"Parallel","Branches":[
      {"StartAt":"S","States":{"S":{"Type":"Task","Resource":"blend:sms","End":true}}},
      {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}],
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handled"}],"End":true},
    "Handled":{"Type":"Pass","End":true}}})"));
  auto effects = h.Start(kNoon);
  auto touch = Only<EmitTouch>(effects)[0];
  auto wait_timer = Only<SetTimer>(effects)[0];
  effects = h.Apply(Err(touch.touch_id, "Blend.Undeliverable"), kNoon);
  auto cancelled = Only<CancelTimer>(effects);
  ASSERT_THAT(cancelled, SizeIs(1));
  EXPECT_EQ(cancelled[0].timer_id, wait_timer.timer_id);
  auto f = FinishOf(effects);
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output["Error"], "Blend.Undeliverable");
  EXPECT_TRUE(h.state().runs.empty());
}

TEST(InterpreterTest, EventWakingTwoBranchesWhereTheFirstFailsCancelsTheSecond) {
  JourneyHarness h(Campaign(R"({"StartAt":"Both","States":{
    "Both":{"Type":"Parallel","Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"blend:await-event","Parameters":{"eventType":"reply"},"Next":"Boom"},
                               "Boom":{"Type":"Fail","Error":"Branch.Failed"}}},
      {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"blend:await-event","Parameters":{"eventType":"reply"},"End":true}}}],
      "Catch":[{"ErrorEquals":["Branch.Failed"],"Next":"Later"}],"End":true},
    "Later":{"Type":"Wait","Seconds":60,"End":true}}})"));
  h.Start(kNoon);
  ASSERT_EQ(h.state().runs.size(), 3u);
  auto effects = h.Apply(CustomerEventTrigger{"e", "reply", {}}, kNoon);
  EXPECT_THAT(Only<Finish>(effects), IsEmpty());
  ASSERT_EQ(h.state().runs.size(), 1u);
  EXPECT_EQ(h.state().runs.at("main").state, "Later");
}

TEST(InterpreterTest, WaitFormsComputeTheirTimers) {
  auto campaign = Campaign(R"({"StartAt":"A","States":{
    "A":{"Type":"Wait","SecondsPath":"$.delay","Next":"B"},
    "B":{"Type":"Wait","TimestampPath":"$.at","Next":"C"},
    "C":{"Type":"Wait","Timestamp":"2026-12-01T09:00:00Z","Next":"D"},
    "D":{"Type":"Wait","Seconds":0,"End":true}}})");
  JourneyHarness h(campaign);
  auto t = Only<SetTimer>(h.Start(kNoon, json{{"delay", 30}, {"at", "2026-11-30T00:00:00Z"}}));
  ASSERT_THAT(t, SizeIs(1));
  EXPECT_EQ(t[0].at, kNoon + absl::Seconds(30));
  t = Only<SetTimer>(h.Apply(TimerFiredTrigger{t[0].timer_id}, t[0].at));
  ASSERT_THAT(t, SizeIs(1));
  EXPECT_EQ(t[0].at, T("2026-11-30T00:00:00Z"));
  t = Only<SetTimer>(h.Apply(TimerFiredTrigger{t[0].timer_id}, t[0].at));
  ASSERT_THAT(t, SizeIs(1));
  EXPECT_EQ(t[0].at, T("2026-12-01T09:00:00Z"));
  auto effects = h.Apply(TimerFiredTrigger{t[0].timer_id}, t[0].at);
  EXPECT_THAT(Only<SetTimer>(effects), IsEmpty());  // Seconds 0 continues at once
  EXPECT_EQ(FinishOf(effects).status, JourneyStatus::kSucceeded);
}

TEST(InterpreterTest, BadSecondsPathFailsWithStatesRuntime) {
  JourneyHarness h(Campaign(
      R"({"StartAt":"A","States":{"A":{"Type":"Wait","SecondsPath":"$.delay","End":true}}})"));
  auto f = FinishOf(h.Start(kNoon, json{{"delay", "soon"}}));
  EXPECT_EQ(f.error, "States.Runtime");
}

TEST(InterpreterTest, ChoiceWithoutMatchOrDefaultFails) {
  JourneyHarness h(Campaign(R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericGreaterThan":1,"Next":"D"}]},"D":{"Type":"Succeed"}}})"));
  EXPECT_EQ(FinishOf(h.Start(kNoon, json{{"x", 0}})).error, "States.NoChoiceMatched");
}

TEST(InterpreterTest, ParameterPathFailureIsCatchable) {
  JourneyHarness h(Campaign(R"({"StartAt":"S","States":{
    "S":{"Type":"Task","Resource":"blend:sms","Parameters":{"to.$":"$.phone"},
      "Catch":[{"ErrorEquals":["States.ParameterPathFailure"],"Next":"Bad"}],"End":true},
    "Bad":{"Type":"Fail","Error":"NoPhone"}}})"));
  EXPECT_EQ(FinishOf(h.Start(kNoon)).error, "NoPhone");
}

TEST(InterpreterTest, StatesAllDoesNotCatchStatesRuntime) {
  JourneyHarness h(Campaign(R"({"StartAt":"S","States":{
    "S":{"Type":"Task","Resource":"blend:sms","InputPath":"$.missing",
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
    "Caught":{"Type":"Succeed"}}})"));
  EXPECT_EQ(FinishOf(h.Start(kNoon)).error, "States.Runtime");
}

TEST(InterpreterTest, TransitionBudgetStopsARunawayChain) {
  JourneyHarness h(Campaign(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},"C":{"Type":"Pass","Next":"D"},
    "D":{"Type":"Pass","End":true}}})",
                            R"({"maxTransitionsPerTrigger":3})"));
  auto f = FinishOf(h.Start(kNoon));
  EXPECT_EQ(f.status, JourneyStatus::kFailed);
  EXPECT_EQ(f.error, "Blend.TransitionBudgetExceeded");
  EXPECT_THAT(f.cause, ::testing::HasSubstr("'D'"));
}

TEST(InterpreterTest, CancelEndsTheJourneyAndCancelsTimers) {
  JourneyHarness h(
      Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})"));
  auto timer = Only<SetTimer>(h.Start(kNoon))[0];
  auto effects = h.Apply(CancelTrigger{"customer disputed the debt"}, kNoon);
  EXPECT_EQ(Only<CancelTimer>(effects)[0].timer_id, timer.timer_id);
  auto f = FinishOf(effects);
  EXPECT_EQ(f.status, JourneyStatus::kCancelled);
  EXPECT_EQ(f.cause, "customer disputed the debt");
  EXPECT_THAT(HistoryKinds(h.Apply(CancelTrigger{"again"}, kNoon)), ElementsAre("TriggerIgnored:"));
}

TEST(InterpreterTest, ExitEventWithFailedStatus) {
  JourneyHarness h(
      Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})",
               R"({"exitEvents":[{"eventType":"account.closed","status":"FAILED"}]})"));
  h.Start(kNoon);
  auto f = FinishOf(h.Apply(CustomerEventTrigger{"e", "account.closed", {}}, kNoon));
  EXPECT_EQ(f.status, JourneyStatus::kFailed);
  EXPECT_EQ(f.error, "Blend.ExitEvent");
}

TEST(InterpreterTest, TopLevelTimeoutEndsJourneyTimedOut) {
  JourneyHarness h(Campaign(
      R"({"StartAt":"W","TimeoutSeconds":600,"States":{"W":{"Type":"Wait","Seconds":6000,"End":true}}})"));
  auto timers = Only<SetTimer>(h.Start(kNoon));
  ASSERT_THAT(timers, SizeIs(2));
  EXPECT_EQ(timers[0].at, kNoon + absl::Seconds(600));
  auto effects = h.Apply(TimerFiredTrigger{timers[0].timer_id}, timers[0].at);
  EXPECT_EQ(FinishOf(effects).status, JourneyStatus::kTimedOut);
  EXPECT_EQ(Only<CancelTimer>(effects)[0].timer_id, timers[1].timer_id);
}

TEST(InterpreterTest, StartTwiceIsIgnored) {
  JourneyHarness h(
      Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})"));
  h.Start(kNoon);
  EXPECT_THAT(HistoryKinds(h.Start(kNoon)), ElementsAre("TriggerIgnored:"));
}

TEST(InterpreterTest, FactsTaskReturnsAttributesAndFlags) {
  JourneyHarness h(Campaign(
      R"({"StartAt":"F","States":{"F":{"Type":"Task","Resource":"blend:facts","End":true}}})"));
  h.facts.attributes = json{{"paymentStatus", "PARTIAL"}};
  h.facts.voice_opted_out = true;
  EXPECT_EQ(
      FinishOf(h.Start(kNoon)).output,
      json::parse(
          R"({"paymentStatus":"PARTIAL","optedOut":{"sms":false,"voice":true,"email":false},"dncActive":false})"));
}

// quiet hours and frequency caps (via libs/policy)

const char kVoiceOnly[] =
    R"({"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"blend:voice","End":true}}})";

absl::Time NotBefore(JourneyHarness& h, absl::Time now, CustomerInfo customer) {
  auto touches = Only<EmitTouch>(h.Start(now, json::object(), std::move(customer)));
  EXPECT_THAT(touches, SizeIs(1));
  return touches.empty() ? absl::InfinitePast() : touches[0].not_before;
}

TEST(InterpreterPolicyTest, VoiceAtNightIsDeferredToEightLocalAcrossDstStart) {
  // 2026-03-08 is the US spring-forward day: 02:00 EST -> 03:00 EDT.
  JourneyHarness h(Campaign(kVoiceOnly));
  CustomerInfo c{"c", "", "", "America/New_York", ""};
  EXPECT_EQ(NotBefore(h, T("2026-03-08T06:30:00Z"), c), T("2026-03-08T08:00:00-04:00"));
}

TEST(InterpreterPolicyTest, VoiceAtNightIsDeferredAcrossDstEnd) {
  // 2026-11-01: 02:00 EDT -> 01:00 EST; 08:00 local is then 13:00 UTC.
  JourneyHarness h(Campaign(kVoiceOnly));
  CustomerInfo c{"c", "", "", "America/New_York", ""};
  EXPECT_EQ(NotBefore(h, T("2026-11-01T05:30:00Z"), c), T("2026-11-01T13:00:00Z"));
}

TEST(InterpreterPolicyTest, ConflictingZonesOnlyAllowTimesGoodInAll) {
  // 12:30 UTC = 07:30 New York, 04:30 Los Angeles: wait for 08:00 in Los Angeles (16:00 UTC).
  JourneyHarness h(Campaign(kVoiceOnly));
  CustomerInfo c{"c", "", "", "America/New_York", "America/Los_Angeles"};
  EXPECT_EQ(NotBefore(h, T("2026-11-26T12:30:00Z"), c), T("2026-11-26T16:00:00Z"));
}

TEST(InterpreterPolicyTest, PhoneNumberZoneCounts) {
  // Declared New York, phone in Los Angeles (area code 213).
  JourneyHarness h(Campaign(kVoiceOnly));
  CustomerInfo c{"c", "+12135550100", "", "America/New_York", ""};
  EXPECT_EQ(NotBefore(h, T("2026-11-26T13:00:00Z"), c), T("2026-11-26T16:00:00Z"));
}

TEST(InterpreterPolicyTest, CampaignQuietHoursOverrideTheDefault) {
  JourneyHarness h(
      Campaign(kVoiceOnly, R"({"quietHours":{"voice":{"from":"10:00","until":"18:00"}}})"));
  CustomerInfo c{"c", "", "", "America/New_York", ""};
  EXPECT_EQ(NotBefore(h, T("2026-11-26T14:00:00Z"), c), T("2026-11-26T15:00:00Z"));
}

TEST(InterpreterPolicyTest, EmailHasNoQuietHoursByDefault) {
  JourneyHarness h(Campaign(
      R"({"StartAt":"E","States":{"E":{"Type":"Task","Resource":"blend:email","End":true}}})"));
  CustomerInfo c{"c", "", "", "America/New_York", ""};
  EXPECT_EQ(NotBefore(h, T("2026-11-26T07:00:00Z"), c), T("2026-11-26T07:00:00Z"));
}

TEST(InterpreterPolicyTest, FrequencyCapDefersTheEighthCallOfTheWeek) {
  JourneyHarness h(Campaign(kVoiceOnly, R"({"quietHours":{"voice":null},
      "frequencyCaps":{"voice":{"max":7,"windowSeconds":604800,"onCap":"defer"}}})"));
  absl::Time now = T("2026-11-26T17:00:00Z");
  for (int i = 0; i < 7; ++i)
    h.facts.past_touches[Channel::kVoice].push_back(now - absl::Hours(24 * i + 1));
  // The oldest of the 7 was 145 h ago; it leaves the 168 h window in 23 h.
  EXPECT_EQ(NotBefore(h, now, CustomerInfo{}), now + absl::Hours(23));
}

TEST(InterpreterPolicyTest, FrequencyCapCanFailTheTask) {
  JourneyHarness h(Campaign(
      kVoiceOnly, R"({"frequencyCaps":{"voice":{"max":1,"windowSeconds":86400,"onCap":"fail"}}})"));
  h.facts.past_touches[Channel::kVoice].push_back(kNoon - absl::Hours(1));
  auto f = FinishOf(h.Start(kNoon));
  EXPECT_EQ(f.error, "Blend.FrequencyCapped");
}

TEST(InterpreterPolicyTest, TimeoutCountsFromTheDeferredSendTime) {
  JourneyHarness h(Campaign(
      R"({"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"blend:voice","TimeoutSeconds":600,"End":true}}})"));
  auto effects = h.Start(T("2026-11-27T03:00:00Z"), json::object(),
                         CustomerInfo{"c", "", "", "America/New_York", ""});
  EXPECT_EQ(Only<SetTimer>(effects)[0].at, T("2026-11-27T13:10:00Z"));
}

TEST(InterpreterTest, StateFromAnotherDefinitionFailsTheJourneyInsteadOfCrashing) {
  JourneyHarness h(
      Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})"));
  auto timer = Only<SetTimer>(h.Start(kNoon))[0];
  auto other =
      Campaign(R"({"StartAt":"X","States":{"X":{"Type":"Wait","Seconds":60,"End":true}}})");
  StepResult r = Step(*other, h.state(), CustomerFacts{}, TimerFiredTrigger{timer.timer_id}, kNoon);
  EXPECT_EQ(r.next.status, JourneyStatus::kFailed);
  EXPECT_EQ(r.next.error, "Blend.DefinitionMismatch");
  auto cancelled = Only<CancelTimer>(r.effects);
  ASSERT_THAT(cancelled, SizeIs(1));
  EXPECT_EQ(cancelled[0].timer_id, timer.timer_id);
}

// state JSON

TEST(JourneyStateTest, FromJsonRejectsGarbage) {
  EXPECT_FALSE(JourneyState::FromJson(json::parse("[]")).ok());
  EXPECT_FALSE(JourneyState::FromJson(json::parse(R"({"version":1})")).ok());
  EXPECT_FALSE(JourneyState::FromJson(json::parse(R"({"version":2})")).ok());
  EXPECT_FALSE(JourneyState::FromJson(json::parse(R"({"version":"1"})")).ok());
  EXPECT_FALSE(JourneyState::FromJson(json::parse(R"({"version":1,"journeyId":5})")).ok());
  std::string good =
      R"({"campaignId":"c","customer":{},"journeyId":"j","runs":{"main":{"enteredTime":"2026-11-26T17:00:00Z","input":{},)"
      R"("machine":MACHINE,"state":"W","waiting":"wait"}},"startTime":"2026-11-26T17:00:00Z","status":"RUNNING","version":1})";
  auto with_machine = [&](const std::string& m) {
    std::string t = good;
    t.replace(t.find("MACHINE"), 7, m);
    return JourneyState::FromJson(json::parse(t));
  };
  EXPECT_TRUE(with_machine("0").ok()) << with_machine("0").status();
  EXPECT_FALSE(with_machine("1e300").ok());
  EXPECT_FALSE(with_machine("\"0\"").ok());
}

TEST(JourneyStateTest, StoredStateHasStableShape) {
  JourneyHarness h(
      Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})"));
  h.Start(kNoon, json{{"b", 1}, {"a", 2}});
  EXPECT_EQ(
      h.state().ToJson().dump(),
      R"({"campaignId":"camp-1","customer":{"declaredTz":"America/New_York","email":"ana@example.com","id":"c-1","phone":"+12125550100","postalTz":""},)"
      R"("executionInput":{"a":2,"b":1},"journeyId":"j-1","runs":{"main":{"enteredTime":"2026-11-26T17:00:00Z","input":{"a":2,"b":1},)"
      R"("machine":0,"retrierAttempts":[],"retryCount":0,"state":"W","timerId":"j-1/timer/2","waiting":"wait"}},)"
      R"("startTime":"2026-11-26T17:00:00Z","status":"RUNNING","stepCounter":2,"uuidSeed":"seed-1","version":1})");
}

}  // namespace
}  // namespace blend::journey

namespace blend::journey {
namespace {

using testing::JourneyHarness;
using testing::Only;
using testing::T;

constexpr char kSmsOnly[] =
    R"({"StartAt":"Sms","States":{"Sms":{"Type":"Task","Resource":"blend:sms","End":true}}})";
constexpr char kBestHourPolicies[] =
    R"({"sendAtBestHour": {"channels": ["sms"], "maxDelaySeconds": 43200}})";

// The first touch of a journey started at `start` for a customer whose best hour is 18:00 in
// New York.
EmitTouch BestHourTouch(const std::string& start, const std::string& policies = kBestHourPolicies,
                        nlohmann::json engagement = {{"bestHourLocal", 18},
                                                     {"timeZone", "America/New_York"}}) {
  auto campaign = ParseCampaign(kSmsOnly, policies, {}, nullptr, "best-hour");
  EXPECT_TRUE(campaign.ok()) << campaign.status();
  JourneyHarness h(*campaign);
  h.facts.engagement = std::move(engagement);
  auto touches = Only<EmitTouch>(h.Start(T(start)));
  EXPECT_EQ(touches.size(), 1u);
  return touches.empty() ? EmitTouch{} : touches[0];
}

TEST(SendAtBestHourTest, DefersToTheBestLocalHourAcrossDst) {
  // Saturday 15:00 EST -> 18:00 EST (23:00Z); Sunday after the spring-forward, 16:00 EDT ->
  // 18:00 EDT (22:00Z): the same local hour, one hour earlier in UTC.
  EXPECT_EQ(BestHourTouch("2026-03-07T20:00:00Z").not_before, T("2026-03-07T23:00:00Z"));
  EXPECT_EQ(BestHourTouch("2026-03-08T20:00:00Z").not_before, T("2026-03-08T22:00:00Z"));
  // Back in November (fall-back on the 1st): 18:00 EST again.
  EXPECT_EQ(BestHourTouch("2026-11-02T15:00:00Z").not_before, T("2026-11-02T23:00:00Z"));
}

TEST(SendAtBestHourTest, UsesTheProfileZoneNotTheServerOrUtc) {
  // Best hour 18:00 in Los Angeles (the profile's zone) is 21:00 in New York, the customer's
  // candidate zone: outside its [08:00, 21:00) window, so the touch is not deferred.
  EXPECT_EQ(BestHourTouch("2026-11-24T17:00:00Z", kBestHourPolicies,
                          {{"bestHourLocal", 18}, {"timeZone", "America/Los_Angeles"}})
                .not_before,
            T("2026-11-24T17:00:00Z"));
  // 17:00 PST = 20:00 EST: allowed in both, deferred.
  EXPECT_EQ(BestHourTouch("2026-11-24T17:00:00Z", kBestHourPolicies,
                          {{"bestHourLocal", 17}, {"timeZone", "America/Los_Angeles"}})
                .not_before,
            T("2026-11-25T01:00:00Z"));
}

TEST(SendAtBestHourTest, NotDeferredBeyondMaxDelayOrWithoutHistoryOrPolicy) {
  // 19:30 EDT: the next 18:00 is 22.5 h away (> 12 h): sent now.
  EXPECT_EQ(BestHourTouch("2026-03-08T23:30:00Z").not_before, T("2026-03-08T23:30:00Z"));
  EXPECT_EQ(BestHourTouch("2026-11-24T15:00:00Z", kBestHourPolicies, nullptr).not_before,
            T("2026-11-24T15:00:00Z"));
  EXPECT_EQ(BestHourTouch("2026-11-24T15:00:00Z", "{}").not_before, T("2026-11-24T15:00:00Z"));
  EXPECT_EQ(BestHourTouch("2026-11-24T15:00:00Z", R"({"sendAtBestHour": {"channels": ["email"]}})")
                .not_before,
            T("2026-11-24T15:00:00Z"));
}

TEST(SendAtBestHourTest, HistorySaysTheTouchWaitsForTheBestHour) {
  auto campaign = ParseCampaign(kSmsOnly, kBestHourPolicies, {}, nullptr, "best-hour");
  ASSERT_TRUE(campaign.ok());
  JourneyHarness h(*campaign);
  h.facts.engagement = {{"bestHourLocal", 18}, {"timeZone", "America/New_York"}};
  auto effects = h.Start(T("2026-11-24T15:00:00Z"));
  bool found = false;
  for (const HistoryEntry& e : Only<HistoryEntry>(effects)) {
    if (e.kind != "TaskScheduled") continue;
    found = true;
    EXPECT_EQ(e.detail["deferredToBestHourLocal"], 18);
    EXPECT_EQ(e.detail["notBefore"], "2026-11-24T23:00:00Z");
  }
  EXPECT_TRUE(found);
}

TEST(ChoiceHistoryTest, RecordsTheFactsEachRuleReadAndTheBranchTaken) {
  auto campaign = ParseCampaign(R"({"StartAt":"F","States":{
    "F":{"Type":"Task","Resource":"blend:facts","Next":"Route"},
    "Route":{"Type":"Choice","Choices":[
      {"Variable":"$.engagement.bestChannel","StringEquals":"voice","Next":"Call"},
      {"And":[{"Variable":"$.engagement.sms.sent","NumericLessThan":3},
              {"Variable":"$.paymentStatus","IsPresent":false}],"Next":"Sms"}],
     "Default":"Email"},
    "Call":{"Type":"Task","Resource":"blend:voice","End":true},
    "Sms":{"Type":"Task","Resource":"blend:sms","End":true},
    "Email":{"Type":"Task","Resource":"blend:email","End":true}}})",
                                "", {}, nullptr, "route");
  ASSERT_TRUE(campaign.ok()) << campaign.status();
  JourneyHarness h(*campaign);
  h.facts.engagement = {{"bestChannel", "sms"}, {"sms", {{"sent", 2}}}};
  auto effects = h.Start(T("2026-11-24T15:00:00Z"));
  std::vector<HistoryEntry> choices;
  for (const HistoryEntry& e : Only<HistoryEntry>(effects)) {
    if (e.kind == "ChoiceEvaluated") choices.push_back(e);
  }
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].state_name, "Route");
  EXPECT_EQ(choices[0].detail["values"],
            json::parse(R"({"$.engagement.bestChannel":"sms","$.engagement.sms.sent":2,
                           "$.paymentStatus":null})"));
  EXPECT_EQ(choices[0].detail["matchedRule"], 1);
  EXPECT_EQ(choices[0].detail["next"], "Sms");
}

TEST(SendAtBestHourTest, InvalidPolicyIsReported) {
  std::vector<ValidationProblem> problems;
  auto c = ParseCampaign(kSmsOnly,
                         R"({"sendAtBestHour": {"channels": ["fax"], "maxDelaySeconds": 0,
                             "when": 1}})",
                         {}, &problems);
  EXPECT_FALSE(c.ok());
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].pointer, "/policies/sendAtBestHour/channels/0");
}

}  // namespace
}  // namespace blend::journey
