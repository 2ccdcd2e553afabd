// The claim fence (touch_fence.h) on InMemoryJourneyStore: every answer a worker or the dialer
// can get, without PostgreSQL or Kafka. fence_kafkatest.cc, claim_batch_kafkatest.cc and
// withdraw_kafkatest.cc run the same fence through the TouchService on the real database.

#include "blend/orchestrator/touch_fence.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/codec.h"
#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using Decision = blend::v1::ClaimTouchResponse;

constexpr char kSms[] = R"json({
  "StartAt": "Remind", "States": {
    "Remind": {"Type": "Task", "Resource": "blend:sms", "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

constexpr char kCall[] = R"json({
  "StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

// Any hour of the day.
constexpr char kAlwaysOpen[] = R"json({"quietHours": {"sms": null, "voice": null}})json";

class TouchFenceTest : public testing::TriggerTest {
 protected:
  // The one touch of a journey just started for campaign `campaign` and customer `customer`.
  std::string StartedTouch(const std::string& campaign, const std::string& customer) {
    std::vector<std::string> touches = TouchesOf(Start(campaign, customer));
    EXPECT_THAT(touches, SizeIs(1));
    return touches.empty() ? "" : touches[0];
  }

  Decision Claim(const std::string& touch_id,
                 const blend::v1::TouchCommand& bus_copy = blend::v1::TouchCommand()) {
    absl::StatusOr<Decision> d =
        fence_.Claim(store_, touch_id, "sms-worker-1", bus_copy, now_, notes_);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : Decision();
  }

  blend::v1::CheckTouchResponse Check(const std::string& touch_id) {
    absl::StatusOr<blend::v1::CheckTouchResponse> c = fence_.Check(store_, touch_id, now_);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : blend::v1::CheckTouchResponse();
  }

  blend::v1::TouchCommand StoredCommand(const std::string& touch_id) {
    blend::v1::TouchCommand cmd;
    EXPECT_TRUE(cmd.ParseFromString(store_.touches().at(touch_id).command));
    return cmd;
  }

  void OptOut(const std::string& customer_id, consent::Scope scope) {
    consent::Record r;
    r.customer_id = customer_id;
    r.channel = scope;
    r.reason = consent::Reason::kOptOut;
    r.source = "test";
    store_.PutSuppression(r, now_);
  }

  void Finish(const std::string& journey_id, journey::JourneyStatus status) {
    std::optional<JourneyRow> row = store_.FindJourney(journey_id);
    ASSERT_TRUE(row.has_value());
    row->status = status;
    row->finished_at = now_;
    ASSERT_TRUE(store_.UpdateJourneys({&*row}));
  }

  TouchFence fence_{stepper_};
};

TEST_F(TouchFenceTest, AGrantCarriesTheStoredTouchAndMarksItClaimed) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string touch = StartedTouch("sms", "c1");

  const Decision d = Claim(touch);
  EXPECT_EQ(d.decision(), Decision::DECISION_GRANTED) << d.reason();
  EXPECT_EQ(d.touch().touch_id(), touch);
  EXPECT_EQ(d.touch().customer().phone_e164(), "+14155550100");
  const TouchRow& row = store_.touches().at(touch);
  EXPECT_EQ(row.status, TouchStatus::kClaimed);
  EXPECT_EQ(row.claimed_by, "sms-worker-1");
  EXPECT_EQ(row.claimed_at, now_);
  EXPECT_THAT(notes_.claims, ElementsAre("granted"));
}

TEST_F(TouchFenceTest, AMessageBlendNeverWroteIsNotIssuedAndChangesNothing) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string touch = StartedTouch("sms", "c1");

  EXPECT_EQ(Claim("no-such-touch").decision(), Decision::DECISION_NOT_ISSUED);
  blend::v1::TouchCommand forged = StoredCommand(touch);
  forged.set_journey_id("someone-else");
  const Decision d = Claim(touch, forged);
  EXPECT_EQ(d.decision(), Decision::DECISION_NOT_ISSUED);
  EXPECT_THAT(d.reason(), HasSubstr("journey_id"));
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kPending);
  EXPECT_THAT(notes_.claims, ElementsAre("not_issued", "not_issued"));
  // The real message is granted afterwards.
  EXPECT_EQ(Claim(touch, StoredCommand(touch)).decision(), Decision::DECISION_GRANTED);
}

TEST_F(TouchFenceTest, AnOptOutRefusesTheTouchForGood) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string touch = StartedTouch("sms", "c1");
  OptOut("c1", consent::Scope::kSms);

  const Decision d = Claim(touch);
  EXPECT_EQ(d.decision(), Decision::DECISION_REFUSED);
  EXPECT_EQ(d.reason(), "opted_out");
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kRefused);
  // A second claim reads the refusal without deciding again.
  EXPECT_EQ(Claim(touch).reason(), "opted_out");
  EXPECT_THAT(notes_.claims, ElementsAre("refused", "refused"));
}

TEST_F(TouchFenceTest, AFinishedJourneyRefusesItsTouch) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string id = Start("sms", "c1");
  const std::string touch = TouchesOf(id)[0];
  Finish(id, journey::JourneyStatus::kSucceeded);  // a payment ended it first

  const Decision d = Claim(touch);
  EXPECT_EQ(d.decision(), Decision::DECISION_REFUSED);
  EXPECT_EQ(d.reason(), "journey finished: SUCCEEDED");
}

TEST_F(TouchFenceTest, QuietHoursDeferTheTouchToTheWindowWithItsNextAttempt) {
  // 12:00-13:00 where the customer lives (+1 415: Los Angeles, 07:00 at the fixture's now).
  Put("sms", kSms, R"json({"quietHours": {"sms": {"from": "12:00", "until": "13:00"}}})json");
  const std::string touch = StartedTouch("sms", "c1");
  const size_t outbox_before = store_.outbox().size();

  const Decision d = Claim(touch);
  ASSERT_EQ(d.decision(), Decision::DECISION_DEFERRED) << d.reason();
  EXPECT_EQ(d.reason(), "quiet_hours");
  const absl::Time noon = now_ + absl::Hours(5);
  EXPECT_EQ(FromProto(d.retry_at()), noon);
  const TouchRow& row = store_.touches().at(touch);
  EXPECT_EQ(row.status, TouchStatus::kDeferred);
  EXPECT_EQ(row.attempt, 2);
  EXPECT_EQ(row.not_before, noon);
  EXPECT_EQ(StoredCommand(touch).attempt(), 2);
  // Re-emitted at noon: one more outbox row, not published before then.
  ASSERT_THAT(store_.outbox(), SizeIs(outbox_before + 1));
  EXPECT_EQ(store_.outbox().back().topic, "test.blend.touch.sms");
  EXPECT_EQ(store_.outbox().back().available_at, noon);

  now_ = noon;
  EXPECT_EQ(Claim(touch).decision(), Decision::DECISION_GRANTED);
}

TEST_F(TouchFenceTest, TheFrequencyCapDefersASecondTouchButNotARetryOfTheFirst) {
  constexpr char kOnePerDay[] = R"json({"quietHours": {"sms": null},
    "frequencyCaps": {"sms": {"max": 1, "windowSeconds": 86400, "onCap": "defer"}}})json";
  Put("a", kSms, kOnePerDay);
  Put("b", kSms, kOnePerDay);
  const std::string first = StartedTouch("a", "c1");
  const std::string second = StartedTouch("b", "c1");

  EXPECT_EQ(Claim(first).decision(), Decision::DECISION_GRANTED);
  now_ += absl::Minutes(1);
  const Decision capped = Claim(second);
  EXPECT_EQ(capped.decision(), Decision::DECISION_DEFERRED) << capped.reason();
  EXPECT_EQ(capped.reason(), "frequency_cap");
  EXPECT_EQ(FromProto(capped.retry_at()), now_ - absl::Minutes(1) + absl::Hours(24));
  // The first touch claimed again (its attempt sent nothing): its own claim does not count.
  const Decision again = Claim(first);
  EXPECT_EQ(again.decision(), Decision::DECISION_ALREADY_CLAIMED) << again.reason();
  EXPECT_EQ(again.touch().touch_id(), first);
}

TEST_F(TouchFenceTest, APausedCampaignHoldsTheTouchWithoutARetryMoment) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string touch = StartedTouch("sms", "c1");
  const size_t outbox_before = store_.outbox().size();
  store_.SetPaused("sms", true, "ops", "incident", now_);

  const Decision d = Claim(touch);
  EXPECT_EQ(d.decision(), Decision::DECISION_DEFERRED);
  EXPECT_EQ(d.reason(), "campaign paused");
  EXPECT_FALSE(d.has_retry_at());
  const TouchRow& row = store_.touches().at(touch);
  EXPECT_EQ(row.status, TouchStatus::kDeferred);
  EXPECT_EQ(row.attempt, 2);
  EXPECT_THAT(store_.outbox(), SizeIs(outbox_before));  // the resume emits it
}

TEST_F(TouchFenceTest, APausedCampaignStillRefusesATouchThatWouldNeverGo) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string touch = StartedTouch("sms", "c1");
  store_.SetPaused("sms", true, "ops", "incident", now_);
  OptOut("c1", consent::Scope::kAll);

  EXPECT_EQ(Claim(touch).decision(), Decision::DECISION_REFUSED);
}

TEST_F(TouchFenceTest, ATouchSentOrDoneIsAlreadyClaimed) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string touch = StartedTouch("sms", "c1");
  store_.MarkTouchClaimed(touch, "sms-worker-0", now_);
  store_.SetTouchStatuses({{touch, TouchStatus::kSent, ""}}, now_);

  const Decision d = Claim(touch);
  EXPECT_EQ(d.decision(), Decision::DECISION_ALREADY_CLAIMED);
  EXPECT_EQ(d.reason(), "touch already claimed");
  EXPECT_EQ(store_.touches().at(touch).claimed_by, "sms-worker-0");
}

TEST_F(TouchFenceTest, ABatchAnswersInRequestOrderWhateverTheLockOrder) {
  Put("sms", kSms, kAlwaysOpen);
  const std::string t1 = StartedTouch("sms", "c1");
  const std::string t2 = StartedTouch("sms", "c2");
  OptOut("c2", consent::Scope::kSms);

  blend::v1::ClaimTouchesRequest request;
  for (const std::string& id : {t2, std::string("no-such-touch"), t1}) {
    auto* claim = request.add_claims();
    claim->set_touch_id(id);
    claim->set_worker_id("sms-worker-1");
  }
  absl::StatusOr<blend::v1::ClaimTouchesResponse> r =
      fence_.ClaimMany(store_, request, now_, notes_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->results(), SizeIs(3));
  EXPECT_EQ(r->results(0).decision(), Decision::DECISION_REFUSED);
  EXPECT_EQ(r->results(1).decision(), Decision::DECISION_NOT_ISSUED);
  EXPECT_EQ(r->results(2).decision(), Decision::DECISION_GRANTED);
  EXPECT_EQ(r->results(2).touch().touch_id(), t1);
  EXPECT_THAT(notes_.claims, SizeIs(3));
}

TEST_F(TouchFenceTest, TheDialerMayCallOnlyAClaimedTouchTheFenceStillPasses) {
  Put("call", kCall, kAlwaysOpen);
  const std::string id = Start("call", "c1");
  const std::string touch = TouchesOf(id)[0];

  EXPECT_FALSE(Check("no-such-touch").allowed());
  EXPECT_EQ(Check(touch).reason(), "touch not claimed: pending");
  ASSERT_EQ(Claim(touch).decision(), Decision::DECISION_GRANTED);
  EXPECT_TRUE(Check(touch).allowed()) << Check(touch).reason();
  // Read-only: the check wrote nothing.
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kClaimed);

  // A DNC outcome elsewhere asked for this contact's withdrawal: no dial while it travels.
  store_.RequestJourneysVoiceWithdrawals({id}, "dnc", now_);
  EXPECT_EQ(Check(touch).reason(), "withdrawal requested: dnc");
}

TEST_F(TouchFenceTest, ThePaymentThatEndedTheJourneyStopsTheDial) {
  Put("call", kCall, kAlwaysOpen);
  const std::string id = Start("call", "c1");
  const std::string touch = TouchesOf(id)[0];
  ASSERT_EQ(Claim(touch).decision(), Decision::DECISION_GRANTED);
  Finish(id, journey::JourneyStatus::kSucceeded);

  const blend::v1::CheckTouchResponse c = Check(touch);
  EXPECT_FALSE(c.allowed());
  EXPECT_EQ(c.reason(), "journey finished: SUCCEEDED");
}

}  // namespace
}  // namespace blend::orchestrator
