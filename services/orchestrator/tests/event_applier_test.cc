// EventApplier (event_applier.h) on InMemoryJourneyStore: the dispositions and customer events
// applied one by one (those that write the consent record or revisit a done touch), and a
// batch mixing runs with lone messages. events_kafkatest.cc, consent_kafkatest.cc and
// withdraw_kafkatest.cc run the same paths through JourneyRunner on the real database.

#include "blend/orchestrator/event_applier.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Calls, then waits a day for the customer to pay.
constexpr char kApplierCall[] = R"json({
  "StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

constexpr char kApplierSms[] = R"json({
  "StartAt": "Remind", "States": {
    "Remind": {"Type": "Task", "Resource": "blend:sms", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

constexpr char kApplierPaymentEnds[] =
    R"json({"exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}]})json";

class EventApplierTest : public testing::TriggerTest {
 protected:
  void SetUp() override {
    Put("call-a", kApplierCall, kApplierPaymentEnds);
    Put("call-b", kApplierCall, kApplierPaymentEnds);
    Put("sms", kApplierSms, kApplierPaymentEnds);
  }

  // The one touch of a journey started for `campaign` and `customer`, claimed by a worker.
  std::string ClaimedTouch(const std::string& campaign, const std::string& customer) {
    const std::vector<std::string> touches = TouchesOf(Start(campaign, customer));
    EXPECT_THAT(touches, SizeIs(1));
    if (touches.empty()) return "";
    store_.MarkTouchClaimed(touches[0], "worker", now_);
    return touches[0];
  }

  absl::Status Apply(const std::string& message_id, const blend::v1::Disposition& d) {
    return applier_.Disposition(store_, message_id, d, now_, notes_);
  }

  std::vector<consent::Record> ConsentOf(const std::string& customer_id) {
    return store_.FindConsent({customer_id}, {}, now_);
  }

  EngagementRecorder engagement_{engagement::EngagementConfig{}};
  EventApplier applier_{stepper_, engagement_};
};

TEST_F(EventApplierTest, ADncOutcomeIsRecordedAndWithdrawsTheCustomersOtherQueuedCall) {
  const std::string a = ClaimedTouch("call-a", "c1");
  const std::string b = ClaimedTouch("call-b", "c1");
  const std::string other = ClaimedTouch("call-b", "c2");

  ASSERT_TRUE(
      Apply("m1", Outcome(a, blend::v1::TOUCH_OUTCOME_DNC_ACTIVE, blend::v1::CHANNEL_VOICE)).ok());
  EXPECT_EQ(store_.touches().at(a).status, TouchStatus::kDone);
  EXPECT_EQ(store_.touches().at(a).reason, "TOUCH_OUTCOME_DNC_ACTIVE");
  const std::vector<consent::Record> records = ConsentOf("c1");
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0].reason, consent::Reason::kDnc);
  EXPECT_EQ(records[0].channel, consent::Scope::kVoice);
  EXPECT_EQ(records[0].address, "+14155550100");
  EXPECT_EQ(records[0].source, "disposition:" + a);
  EXPECT_THAT(notes_.suppressions, ElementsAre("dnc"));
  // c1's other call comes back out of the dialer. A DNC is about the number, and the fixture
  // gives every customer the same one: c2's queued call comes out too.
  EXPECT_EQ(store_.touches().at(b).withdraw_reason, "dnc_active");
  EXPECT_EQ(store_.touches().at(other).withdraw_reason, "dnc_active");
  EXPECT_EQ(store_.touches().at(a).withdraw_reason, std::nullopt);  // done: nothing queued
}

TEST_F(EventApplierTest, AnOptOutEchoingARefusedClaimIsNotRecordedAgain) {
  const std::string touch = TouchesOf(Start("sms", "c1"))[0];
  store_.SetTouchStatuses({{touch, TouchStatus::kRefused, "opted_out"}}, now_);

  ASSERT_TRUE(
      Apply("m1", Outcome(touch, blend::v1::TOUCH_OUTCOME_OPTED_OUT, blend::v1::CHANNEL_SMS)).ok());
  EXPECT_EQ(store_.touches().at(touch).reason, "TOUCH_OUTCOME_OPTED_OUT");
  EXPECT_THAT(ConsentOf("c1"), IsEmpty());
  EXPECT_THAT(notes_.suppressions, IsEmpty());
}

TEST_F(EventApplierTest, AWithdrawnAnswerToATouchInDoubtIsRecordedAndTheJourneyStays) {
  const std::string id = Start("call-a", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "dialer", now_);
  store_.SetTouchStatuses({{touch, TouchStatus::kDone, "TOUCH_OUTCOME_UNKNOWN"}}, now_);
  const int64_t version = store_.FindJourney(id)->version;

  ASSERT_TRUE(
      Apply("m1", Outcome(touch, blend::v1::TOUCH_OUTCOME_WITHDRAWN, blend::v1::CHANNEL_VOICE))
          .ok());
  EXPECT_EQ(store_.touches().at(touch).reason, "TOUCH_OUTCOME_WITHDRAWN");
  EXPECT_THAT(HistoryKinds(id), Contains("touch_withdrawn"));
  EXPECT_EQ(store_.FindJourney(id)->version, version);
  EXPECT_TRUE(HistoryIsContiguous(id));
}

TEST_F(EventApplierTest, ACallOutcomeStepsTheJourneyOnceWhateverTheRedeliveries) {
  const std::string id = Start("call-a", "c1");
  const std::string touch = TouchesOf(id)[0];
  store_.MarkTouchClaimed(touch, "dialer", now_);
  const blend::v1::Disposition inserted =
      Outcome(touch, blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_VOICE);
  const blend::v1::Disposition answered =
      Outcome(touch, blend::v1::TOUCH_OUTCOME_CALL_COMPLETED, blend::v1::CHANNEL_VOICE);

  ASSERT_TRUE(Apply("m1", inserted).ok());
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kSent);
  EXPECT_EQ(store_.FindJourney(id)->version, 1);  // the insertion does not step it
  ASSERT_TRUE(Apply("m2", answered).ok());
  ASSERT_TRUE(Apply("m2", answered).ok());  // the same message again
  ASSERT_TRUE(Apply("m3", answered).ok());  // another copy: the touch is done
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kDone);
  EXPECT_EQ(store_.FindJourney(id)->version, 2);
  EXPECT_EQ(store_.FindJourney(id)->current_state, "Wait");
}

TEST_F(EventApplierTest, ADispositionWithoutAKnownTouchWritesNothing) {
  EXPECT_EQ(Apply("m1", Outcome("", blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_SMS)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Apply("m2", Outcome("nope", blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_SMS)).code(),
      absl::StatusCode::kNotFound);
  // Neither message id was recorded: a later, valid message with the same id still applies.
  EXPECT_THAT(store_.MarkProcessedMany({"m1", "m2"}, "disposition", now_), SizeIs(2));
}

TEST_F(EventApplierTest, AnOptOutEventGoesOnTheRecordBeforeTheJourneysStep) {
  const std::string id = Start("call-a", "c1");
  const std::string call = TouchesOf(id)[0];
  store_.MarkTouchClaimed(call, "dialer", now_);
  blend::v1::CustomerEvent stop = Event("c1", "opt_out", "e1");
  stop.mutable_opt_out()->set_channel(blend::v1::CHANNEL_SMS);
  stop.mutable_opt_out()->set_keyword("STOP");

  absl::StatusOr<blend::v1::SendCustomerEventResponse> r =
      applier_.CustomerEvent(store_, stop, now_, notes_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->journeys_matched(), 1);
  const std::vector<consent::Record> records = ConsentOf("c1");
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0].reason, consent::Reason::kOptOut);
  EXPECT_EQ(records[0].channel, consent::Scope::kSms);
  EXPECT_EQ(records[0].address, "+14155550100");  // the journey's number: no SMS under any id
  EXPECT_EQ(records[0].note, "keyword STOP");
  EXPECT_THAT(notes_.suppressions, ElementsAre("opt_out"));
  // An SMS opt-out under optOutScope "all" (the default) blocks the call too.
  EXPECT_EQ(store_.touches().at(call).withdraw_reason, "opted_out");

  absl::StatusOr<blend::v1::SendCustomerEventResponse> again =
      applier_.CustomerEvent(store_, stop, now_, notes_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate());
  EXPECT_THAT(notes_.suppressions, SizeIs(1));
}

TEST_F(EventApplierTest, ABatchAppliesItsRunsAndLoneMessagesInOrder) {
  const std::string sms = TouchesOf(Start("sms", "c1"))[0];
  store_.MarkTouchClaimed(sms, "sms-worker", now_);
  const std::string call = ClaimedTouch("call-a", "c2");
  blend::v1::CustomerEvent nameless = Event("", "payment.received", "e0");

  const std::vector<BusEvent> events = {
      {"m1", Outcome(sms, blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_SMS)},  // a run
      {"m2", Outcome(call, blend::v1::TOUCH_OUTCOME_DNC_ACTIVE, blend::v1::CHANNEL_VOICE)},
      {"e1", Event("c1", "payment.received", "e1")},  // a run of events
      {"m3", Outcome("nope", blend::v1::TOUCH_OUTCOME_SENT, blend::v1::CHANNEL_SMS)},
      {"e0", nameless}};
  absl::StatusOr<std::vector<absl::Status>> r = applier_.Events(store_, events, now_, notes_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(*r, SizeIs(5));
  EXPECT_TRUE((*r)[0].ok()) << (*r)[0];
  EXPECT_TRUE((*r)[1].ok()) << (*r)[1];
  EXPECT_TRUE((*r)[2].ok()) << (*r)[2];
  EXPECT_EQ((*r)[3].code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*r)[4].code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.touches().at(sms).status, TouchStatus::kDone);
  EXPECT_THAT(ConsentOf("c2"), SizeIs(1));
  // The SMS outcome stepped c1's journey to its wait, then the payment ended it.
  EXPECT_EQ(StatusOf("j-sms-c1"), journey::JourneyStatus::kSucceeded);
  EXPECT_TRUE(HistoryIsContiguous("j-sms-c1"));
}

}  // namespace
}  // namespace blend::orchestrator
