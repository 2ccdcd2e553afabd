// The timer batch (timer_firing.h) and the JourneyStepper under it, on InMemoryJourneyStore:
// the trigger logic without PostgreSQL, in milliseconds. timers_kafkatest.cc runs the same
// batch through JourneyRunner on the real database.

#include "blend/orchestrator/timer_firing.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/v1/bus.pb.h"
#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

// Waits a minute, then succeeds.
constexpr char kWaitThenSucceed[] = R"json({
  "StartAt": "Wait", "States": {
    "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

// Two branches that wait 10 s and 20 s, then enter a state: two timers of one journey.
constexpr char kTwoWaits[] = R"json({
  "StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "Short", "States": {
        "Short": {"Type": "Wait", "Seconds": 10, "Next": "AfterShort"},
        "AfterShort": {"Type": "Pass", "End": true}}},
      {"StartAt": "Long", "States": {
        "Long": {"Type": "Wait", "Seconds": 20, "Next": "AfterLong"},
        "AfterLong": {"Type": "Pass", "End": true}}}]}}})json";

// Waits a minute, then sends an SMS.
constexpr char kWaitThenSms[] = R"json({
  "StartAt": "Wait", "States": {
    "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Remind"},
    "Remind": {"Type": "Task", "Resource": "blend:sms", "End": true}}})json";

class TimerFiringTest : public testing::TriggerTest {
 protected:
  int Fire(int batch_size = 50) {
    absl::StatusOr<int> fired = FireDueTimerBatch(store_, stepper_, now_, batch_size, notes_);
    EXPECT_TRUE(fired.ok()) << fired.status();
    return fired.value_or(-1);
  }
};

TEST_F(TimerFiringTest, ABatchFiresUpToItsSizeAndTheRestInTheNext) {
  Put("wait", kWaitThenSucceed);
  std::vector<std::string> ids;
  ids.reserve(70);
  for (int i = 0; i < 70; ++i) ids.push_back(Start("wait", absl::StrCat("c", i)));
  ASSERT_THAT(store_.timers(), SizeIs(70));
  EXPECT_EQ(Fire(), 0);  // nothing due yet

  now_ += absl::Seconds(61);
  EXPECT_EQ(Fire(), 50);
  EXPECT_THAT(store_.timers(), SizeIs(20));
  EXPECT_EQ(Fire(), 20);
  EXPECT_EQ(Fire(), 0);
  for (const std::string& id : ids) {
    EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded) << id;
    EXPECT_EQ(store_.FindJourney(id)->version, 2) << id;
    EXPECT_FALSE(store_.FindJourney(id)->pending_timer.has_value()) << id;
    EXPECT_TRUE(HistoryIsContiguous(id)) << id;
  }
  EXPECT_THAT(store_.timers(), SizeIs(0));
  EXPECT_THAT(notes_.finished, SizeIs(70));
  ASSERT_THAT(notes_.timer_lateness, SizeIs(70));
  EXPECT_DOUBLE_EQ(notes_.timer_lateness[0], 1.0);  // due at +60 s, fired at +61 s
}

TEST_F(TimerFiringTest, TwoTimersOfOneJourneyInOneBatchStepInDueOrder) {
  Put("two", kTwoWaits);
  const std::string id = Start("two", "c1");
  ASSERT_THAT(store_.timers(), SizeIs(2));
  now_ += absl::Seconds(21);
  EXPECT_EQ(Fire(), 2);
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded);
  EXPECT_TRUE(HistoryIsContiguous(id));
  std::vector<std::string> entered;
  for (const HistoryRow& row : store_.ReadHistory(id)) {
    if (row.state_name == "AfterShort" || row.state_name == "AfterLong") {
      entered.push_back(row.state_name);
    }
  }
  ASSERT_FALSE(entered.empty());
  EXPECT_EQ(entered.front(), "AfterShort");       // the 10 s timer stepped first
  EXPECT_EQ(store_.FindJourney(id)->version, 2);  // one write for both steps
}

TEST_F(TimerFiringTest, AJourneyHeldElsewhereKeepsItsTimerForTheNextPoll) {
  Put("wait", kWaitThenSucceed);
  const std::string a = Start("wait", "a");
  const std::string b = Start("wait", "b");
  store_.HoldJourney(b);
  now_ += absl::Seconds(61);
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(StatusOf(a), journey::JourneyStatus::kSucceeded);
  EXPECT_EQ(StatusOf(b), journey::JourneyStatus::kRunning);
  EXPECT_THAT(store_.timers(), SizeIs(1));

  store_.ReleaseJourney(b);
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(StatusOf(b), journey::JourneyStatus::kSucceeded);
}

TEST_F(TimerFiringTest, AnUnreadableJourneyIsPostponedAMinuteAndTheOthersFire) {
  Put("wait", kWaitThenSucceed);
  const std::string good = Start("wait", "good");
  JourneyRow bad = *store_.FindJourney(Start("wait", "bad"));
  bad.state_json = R"({"unreadable": true})";
  ASSERT_TRUE(store_.UpdateJourneys({&bad}));
  now_ += absl::Seconds(61);

  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(StatusOf(good), journey::JourneyStatus::kSucceeded);
  EXPECT_EQ(StatusOf(bad.journey_id), journey::JourneyStatus::kRunning);
  ASSERT_THAT(store_.timers(), SizeIs(1));
  EXPECT_EQ(store_.timers().begin()->first.first, bad.journey_id);
  EXPECT_EQ(store_.timers().begin()->second, now_ + absl::Minutes(1));
  EXPECT_EQ(Fire(), 0);  // not due again before that minute
}

TEST_F(TimerFiringTest, ATouchAStepEmitsIsStoredWithItsOutboxRow) {
  Put("sms", kWaitThenSms);
  const std::string id = Start("sms", "c1");
  now_ += absl::Seconds(61);
  EXPECT_EQ(Fire(), 1);

  ASSERT_THAT(store_.outbox(), SizeIs(1));
  const auto& row = store_.outbox()[0];
  EXPECT_EQ(row.topic, "test.blend.touch.sms");
  EXPECT_EQ(row.key, id);
  blend::v1::Envelope envelope;
  ASSERT_TRUE(envelope.ParseFromString(row.payload));
  const std::string touch_id = envelope.touch().touch_id();
  ASSERT_FALSE(touch_id.empty());
  std::vector<TouchRow> touches = store_.FindTouches({touch_id});
  ASSERT_THAT(touches, SizeIs(1));
  EXPECT_EQ(touches[0].status, TouchStatus::kPending);
  EXPECT_EQ(touches[0].journey_id, id);
  EXPECT_EQ(touches[0].channel, blend::v1::CHANNEL_SMS);
  EXPECT_THAT(notes_.touches, ElementsAre("sms"));
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kRunning);  // waiting for the outcome
}

TEST_F(TimerFiringTest, APausedCampaignsTouchIsHeldWithoutAnOutboxRow) {
  Put("sms", kWaitThenSms);
  const std::string id = Start("sms", "c1");
  store_.SetPaused("sms", true, "ops", "test", now_);
  now_ += absl::Seconds(61);
  EXPECT_EQ(Fire(), 1);

  EXPECT_THAT(store_.outbox(), SizeIs(0));
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kRunning);
  ASSERT_THAT(store_.touches(), SizeIs(1));
  const TouchRow& touch = store_.touches().begin()->second;
  EXPECT_EQ(touch.journey_id, id);
  EXPECT_EQ(touch.status, TouchStatus::kDeferred);
  EXPECT_EQ(touch.reason, kPausedReason);
  EXPECT_THAT(notes_.touches, ElementsAre("sms"));
}

TEST_F(TimerFiringTest, AJourneyThatEndsWithdrawsItsVoiceContactStillQueued) {
  Put("wait", kWaitThenSucceed);
  const std::string id = Start("wait", "c1");
  // A voice touch of this journey the dialer claimed earlier (its contact may be queued).
  blend::v1::TouchCommand cmd;
  cmd.set_touch_id("voice-1");
  cmd.set_journey_id(id);
  cmd.mutable_genesys()->set_contact_list_id("list-1");
  Effects effects;
  TouchRow voice;
  voice.touch_id = "voice-1";
  voice.journey_id = id;
  voice.customer_id = "c1";
  voice.channel = blend::v1::CHANNEL_VOICE;
  voice.command = cmd.SerializeAsString();
  voice.genesys_contact_id = "contact-1";
  effects.AddTouch(voice);
  store_.WriteEffects(effects, now_);
  store_.MarkTouchClaimed("voice-1", "dialer-1", now_);

  now_ += absl::Seconds(61);
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded);
  ASSERT_THAT(store_.outbox(), SizeIs(1));
  EXPECT_EQ(store_.outbox()[0].topic, "test.blend.touch.voice");
  EXPECT_EQ(store_.outbox()[0].key, id);
  blend::v1::Envelope envelope;
  ASSERT_TRUE(envelope.ParseFromString(store_.outbox()[0].payload));
  EXPECT_EQ(envelope.withdraw().touch_id(), "voice-1");
  EXPECT_EQ(envelope.withdraw().contact_id(), "contact-1");
  EXPECT_EQ(envelope.withdraw().reason(), "journey finished: SUCCEEDED");
  EXPECT_EQ(HistoryKinds(id).back(), "touch_withdraw_requested");
  EXPECT_THAT(notes_.withdrawals, ElementsAre("voice"));
  EXPECT_EQ(store_.FindTouches({"voice-1"})[0].withdraw_reason, "journey finished: SUCCEEDED");
}

}  // namespace
}  // namespace blend::orchestrator
