// CancelJourney (journey_cancel.h) on InMemoryJourneyStore. fence_kafkatest.cc cancels through
// the JourneyService on the real database.

#include "blend/orchestrator/journey_cancel.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::Contains;
using ::testing::SizeIs;

// A call, then an SMS an hour later.
constexpr char kCallThenWait[] = R"json({
  "StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "Sms"},
    "Sms": {"Type": "Task", "Resource": "blend:sms", "End": true}}})json";

constexpr char kOneSms[] = R"json({
  "StartAt": "Remind", "States": {
    "Remind": {"Type": "Task", "Resource": "blend:sms", "End": true}}})json";

using JourneyCancelTest = testing::TriggerTest;

TEST_F(JourneyCancelTest, ACancelledJourneyEndsAndItsQueuedCallIsWithdrawn) {
  Put("call", kCallThenWait);
  const std::string id = Start("call", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "dialer", now_);  // the contact may be in the dialer's list
  const size_t outbox_before = store_.outbox().size();

  now_ += absl::Minutes(5);
  absl::StatusOr<JourneyRow> row =
      CancelJourney(store_, stepper_, id, "customer paid by phone", now_, notes_);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->status, journey::JourneyStatus::kCancelled);
  EXPECT_EQ(row->finished_at, now_);
  EXPECT_EQ(StatusOf(id), journey::JourneyStatus::kCancelled);
  EXPECT_TRUE(HistoryIsContiguous(id));
  EXPECT_THAT(HistoryKinds(id), Contains("touch_withdraw_requested"));
  ASSERT_THAT(notes_.finished, SizeIs(1));
  EXPECT_EQ(notes_.finished[0].second, "CANCELLED");
  // One WithdrawTouch, keyed by the journey on the voice topic.
  ASSERT_THAT(store_.outbox(), SizeIs(outbox_before + 1));
  EXPECT_EQ(store_.outbox().back().topic, "test.blend.touch.voice");
  EXPECT_EQ(store_.outbox().back().key, id);
  EXPECT_EQ(store_.touches().at(touch).withdraw_reason, "journey finished: CANCELLED");
}

TEST_F(JourneyCancelTest, APendingTouchIsCancelledAndNothingIsWithdrawn) {
  Put("sms", kOneSms);
  const std::string id = Start("sms", "c1");
  const std::string touch = TouchesOf(id)[0];
  const size_t outbox_before = store_.outbox().size();

  ASSERT_TRUE(CancelJourney(store_, stepper_, id, "", now_, notes_).ok());
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kCancelled);
  EXPECT_THAT(store_.outbox(), SizeIs(outbox_before));
}

TEST_F(JourneyCancelTest, ACancelOfAFinishedJourneyChangesNothing) {
  Put("sms", kOneSms);
  const std::string id = Start("sms", "c1");
  ASSERT_TRUE(CancelJourney(store_, stepper_, id, "first", now_, notes_).ok());
  const JourneyRow once = *store_.FindJourney(id);
  const size_t history = store_.ReadHistory(id).size();

  now_ += absl::Minutes(1);
  absl::StatusOr<JourneyRow> again = CancelJourney(store_, stepper_, id, "second", now_, notes_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, once.version);
  EXPECT_EQ(again->finished_at, once.finished_at);
  EXPECT_EQ(store_.ReadHistory(id).size(), history);
  EXPECT_THAT(notes_.finished, SizeIs(1));
}

TEST_F(JourneyCancelTest, AnUnknownJourneyIsNotFound) {
  EXPECT_EQ(CancelJourney(store_, stepper_, "j-nope", "", now_, notes_).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace blend::orchestrator
