// The disposition batch (disposition_batch.h) on InMemoryJourneyStore: the trigger logic of
// dispositions without PostgreSQL or Kafka. events_kafkatest.cc runs the same batch through
// JourneyRunner::ApplyEvents on the real database.

#include "blend/orchestrator/disposition_batch.h"

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/engagement_recorder.h"
#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

// Sends an SMS, then succeeds.
constexpr char kSmsThenSucceed[] = R"json({
  "StartAt": "Remind", "States": {
    "Remind": {"Type": "Task", "Resource": "blend:sms", "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

// Two SMS at once (two touches of one journey), then succeeds.
constexpr char kTwoSms[] = R"json({
  "StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "blend:sms", "End": true}}},
      {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "blend:sms", "End": true}}}
    ]}}})json";

// Calls, then succeeds.
constexpr char kCallThenSucceed[] = R"json({
  "StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

class DispositionBatchTest : public testing::TriggerTest {
 protected:
  // Applies the dispositions (message ids m<first>, m<first+1>, ...): one status per message.
  std::vector<absl::Status> Apply(const std::vector<blend::v1::Disposition>& ds, int first = 0) {
    std::vector<DispositionMessage> messages;
    messages.reserve(ds.size());
    for (size_t i = 0; i < ds.size(); ++i) {
      messages.push_back({absl::StrCat("m", first + static_cast<int>(i)), &ds[i]});
    }
    std::vector<absl::Status> results;
    absl::Status applied =
        ApplyDispositionBatch(store_, stepper_, engagement_, messages, now_, notes_, results);
    EXPECT_TRUE(applied.ok()) << applied;
    return results;
  }

  EngagementRecorder engagement_{engagement::EngagementConfig{}};
};

TEST_F(DispositionBatchTest, ASentSmsCompletesItsTouchAndStepsTheJourney) {
  Put("sms", kSmsThenSucceed);
  const std::string id = Start("sms", "c1");
  ASSERT_THAT(TouchesOf(id), SizeIs(1));
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "sms-worker", now_);

  now_ += absl::Seconds(2);
  EXPECT_THAT(Apply({Outcome(touch, blend::v1::TOUCH_OUTCOME_SENT)}),
              ElementsAre(absl::OkStatus()));
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kDone);
  EXPECT_EQ(store_.touches().at(touch).reason, "TOUCH_OUTCOME_SENT");
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded);
  EXPECT_TRUE(HistoryIsContiguous(id));
  ASSERT_THAT(notes_.finished, SizeIs(1));
  EXPECT_EQ(notes_.finished[0].second, "SUCCEEDED");
  // The customer's engagement profile got the interaction.
  EXPECT_THAT(store_.LockEngagementProfiles({"c1"}), SizeIs(1));
}

TEST_F(DispositionBatchTest, ARedeliveredMessageIsAppliedOnce) {
  Put("sms", kSmsThenSucceed);
  const std::string id = Start("sms", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "sms-worker", now_);
  const blend::v1::Disposition sent = Outcome(touch, blend::v1::TOUCH_OUTCOME_SENT);

  // The same message twice in one batch, then once more in the next.
  std::vector<DispositionMessage> twice = {{"m1", &sent}, {"m1", &sent}};
  std::vector<absl::Status> results;
  ASSERT_TRUE(
      ApplyDispositionBatch(store_, stepper_, engagement_, twice, now_, notes_, results).ok());
  EXPECT_THAT(results, ElementsAre(absl::OkStatus(), absl::OkStatus()));
  const int64_t version = store_.FindJourney(id)->version;
  const size_t history = store_.ReadHistory(id).size();
  EXPECT_THAT(Apply({sent}, /*first=*/1), ElementsAre(absl::OkStatus()));  // m1 again
  EXPECT_EQ(store_.FindJourney(id)->version, version);
  EXPECT_EQ(store_.ReadHistory(id).size(), history);
  EXPECT_THAT(notes_.finished, SizeIs(1));
}

TEST_F(DispositionBatchTest, TheBatchRecordsItsMessageIdsAsProcessed) {
  Put("call", kCallThenSucceed);
  const std::string id = Start("call", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "dialer", now_);
  // A voice touch is only `sent` after this: its message id is what marks a redelivery.
  EXPECT_THAT(Apply({Outcome(touch, blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_VOICE)}),
              ElementsAre(absl::OkStatus()));  // message m0
  EXPECT_THAT(store_.MarkProcessedMany({"m0", "m9"}, "disposition", now_), ElementsAre("m9"));
}

TEST_F(DispositionBatchTest, AnUnknownTouchIsNotFoundAndTheOthersApply) {
  Put("sms", kSmsThenSucceed);
  const std::string id = Start("sms", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "sms-worker", now_);

  std::vector<absl::Status> results =
      Apply({Outcome("no-such-touch", blend::v1::TOUCH_OUTCOME_SENT),
             Outcome(touch, blend::v1::TOUCH_OUTCOME_SENT)});
  ASSERT_THAT(results, SizeIs(2));
  EXPECT_EQ(results[0].code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(results[1].ok());
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded);
}

TEST_F(DispositionBatchTest, TwoOutcomesOfOneJourneyStepInMessageOrderWithOneWrite) {
  Put("two", kTwoSms);
  const std::string id = Start("two", "c1");
  const std::vector<std::string> touches = TouchesOf(id);
  ASSERT_THAT(touches, SizeIs(2));
  for (const std::string& t : touches) store_.MarkTouchClaimed(t, "sms-worker", now_);

  EXPECT_THAT(Apply({Outcome(touches[1], blend::v1::TOUCH_OUTCOME_SENT),
                     Outcome(touches[0], blend::v1::TOUCH_OUTCOME_SENT)}),
              ElementsAre(absl::OkStatus(), absl::OkStatus()));
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded);
  EXPECT_EQ(store_.FindJourney(id)->version, 2);  // both steps, one UpdateJourneys
  EXPECT_TRUE(HistoryIsContiguous(id));
}

TEST_F(DispositionBatchTest, AFailedTouchFailsAJourneyWithoutACatch) {
  Put("sms", kSmsThenSucceed);
  const std::string id = Start("sms", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "sms-worker", now_);

  EXPECT_THAT(Apply({Outcome(touch, blend::v1::TOUCH_OUTCOME_FAILED)}),
              ElementsAre(absl::OkStatus()));
  EXPECT_EQ(store_.touches().at(touch).reason, "TOUCH_OUTCOME_FAILED");
  std::optional<JourneyRow> row = store_.FindJourney(id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, journey::JourneyStatus::kFailed);
  EXPECT_EQ(row->error, "Blend.TouchFailed");
  EXPECT_TRUE(row->finished_at.has_value());
}

TEST_F(DispositionBatchTest, AnInsertedCallIsSentAndTheJourneyWaitsForItsOutcome) {
  Put("call", kCallThenSucceed);
  const std::string id = Start("call", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "dialer", now_);

  EXPECT_THAT(Apply({Outcome(touch, blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_VOICE)}),
              ElementsAre(absl::OkStatus()));
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kSent);
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kRunning);
  EXPECT_EQ(store_.FindJourney(id)->version, 1);  // not stepped

  EXPECT_THAT(
      Apply({Outcome(touch, blend::v1::TOUCH_OUTCOME_CALL_COMPLETED, blend::v1::CHANNEL_VOICE)},
            /*first=*/1),
      ElementsAre(absl::OkStatus()));
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kDone);
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kSucceeded);
  EXPECT_THAT(store_.outbox(), SizeIs(1));  // the call's command only: nothing to withdraw
}

}  // namespace
}  // namespace blend::orchestrator
