// Withdrawing a voice touch's contact from the dialer, against the real PostgreSQL and Kafka:
// when a journey ends or the customer's voice channel becomes blocked, every voice touch whose
// contact may still be queued in Genesys gets exactly one WithdrawTouch on the voice topic,
// keyed by the journey id (so it follows the TouchCommand on the same partition).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/genesys/contact_id.h"
#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

// Calls first, then waits a day: the voice touch is the journey's first.
constexpr char kVoiceFirst[] = R"json({
  "StartAt": "Call",
  "States": {
    "Call": { "Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:GenesysOutboundContactListInsert", "Next": "Later" },
    "Later": { "Type": "Wait", "Seconds": 86400, "Next": "Done" },
    "Done": { "Type": "Succeed" }
  }
})json";

struct Received {
  bus::Message message;
  blend::v1::Envelope envelope;
};

class WithdrawTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    OrchestratorTest::SetUp();
    StartOrchestrator();
    voice_ = &Subscribe({"blend.touch.voice"});
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign("calls");
    req.mutable_campaign()->set_definition_json(kVoiceFirst);
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(&ctx, req, &resp).ok());
  }

  // Every envelope on the voice topic until `count` arrived or the timeout.
  std::vector<Received> Read(size_t count, absl::Duration timeout = absl::Seconds(30)) {
    std::vector<Received> out;
    absl::Time deadline = absl::Now() + timeout;
    while (out.size() < count && absl::Now() < deadline) {
      auto m = voice_->Poll(absl::Milliseconds(200));
      if (!m) continue;
      Received r{*m, {}};
      EXPECT_TRUE(r.envelope.ParseFromString(m->payload));
      out.push_back(std::move(r));
    }
    return out;
  }

  // Starts a journey and returns its voice touch (read from the topic).
  blend::v1::TouchCommand StartCall(const std::string& key, const std::string& customer,
                                    const std::string& campaign = "calls",
                                    const std::string& phone = "") {
    blend::v1::StartJourneyRequest req = StartRequest(campaign, key, customer);
    if (!phone.empty()) req.mutable_customer()->set_phone_e164(phone);
    Start(req);
    auto got = Read(1);
    EXPECT_THAT(got, SizeIs(1));
    if (got.empty() || !got[0].envelope.has_touch()) return {};
    return got[0].envelope.touch();
  }

  void Grant(const blend::v1::TouchCommand& t) {
    ASSERT_EQ(Claim(t.touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  }

  std::string TouchStatus(const std::string& touch_id) {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    auto r =
        tx.exec_params("SELECT status || '/' || reason FROM touches WHERE touch_id = $1", touch_id);
    return r.empty() ? "" : r[0][0].as<std::string>();
  }

  void SendOptOut(const std::string& customer, blend::v1::Channel channel,
                  const std::string& event_id) {
    grpc::ClientContext ctx;
    blend::v1::SendCustomerEventRequest req;
    req.mutable_event()->set_event_id(event_id);
    req.mutable_event()->set_customer_id(customer);
    req.mutable_event()->set_type("opt_out");
    req.mutable_event()->mutable_opt_out()->set_channel(channel);
    blend::v1::SendCustomerEventResponse resp;
    ASSERT_TRUE(journeys_->SendCustomerEvent(&ctx, req, &resp).ok());
  }

  void Cancel(const std::string& journey_id) {
    grpc::ClientContext ctx;
    blend::v1::CancelJourneyRequest req;
    req.set_journey_id(journey_id);
    req.set_reason("customer called");
    blend::v1::Journey j;
    ASSERT_TRUE(journeys_->CancelJourney(&ctx, req, &j).ok());
    ASSERT_EQ(j.status(), blend::v1::JOURNEY_STATUS_CANCELLED);
  }

  // The one WithdrawTouch expected for `touch`, checked field by field.
  void ExpectWithdraw(const Received& r, const blend::v1::TouchCommand& touch,
                      const std::string& reason) {
    ASSERT_TRUE(r.envelope.has_withdraw()) << r.envelope.DebugString();
    const blend::v1::WithdrawTouch& w = r.envelope.withdraw();
    EXPECT_EQ(r.message.key, touch.journey_id());
    EXPECT_EQ(w.touch_id(), touch.touch_id());
    EXPECT_EQ(w.journey_id(), touch.journey_id());
    EXPECT_EQ(w.channel(), blend::v1::CHANNEL_VOICE);
    EXPECT_EQ(w.contact_list_id(), "demo-contacts");
    EXPECT_EQ(w.contact_id(), genesys::ContactIdForTouch(touch.touch_id()));
    EXPECT_EQ(w.reason(), reason);
    EXPECT_EQ(FromProto(w.requested_at()), clock_.Now());
    EXPECT_EQ(r.envelope.message_id(), touch.touch_id() + ":withdraw");
  }

  double Withdrawals() {
    return MetricValue("blend_touch_withdrawals_total",
                       {{"channel", "voice"}, {"result", "requested"}});
  }

  bus::Consumer* voice_ = nullptr;
};

TEST_F(WithdrawTest, PaymentAfterTheClaimWithdrawsTheQueuedContactOnce) {
  Start(StartRequest("calls", "k1", "cust-pay"));
  auto first = Read(1);
  ASSERT_THAT(first, SizeIs(1));
  ASSERT_TRUE(first[0].envelope.has_touch());
  const blend::v1::TouchCommand touch = first[0].envelope.touch();
  Grant(touch);
  clock_.Advance(absl::Minutes(5));
  ASSERT_EQ(SendEvent("cust-pay", "payment.received", "pay-1").journeys_matched(), 1);

  auto second = Read(1);
  ASSERT_THAT(second, SizeIs(1));
  ExpectWithdraw(second[0], touch, "journey finished: SUCCEEDED");
  // Same key, same partition, after the insertion it withdraws.
  EXPECT_EQ(second[0].message.partition, first[0].message.partition);
  EXPECT_GT(second[0].message.offset, first[0].message.offset);
  EXPECT_EQ(Withdrawals(), 1);

  // The payment redelivered (same event id), and a second payment: nothing more.
  EXPECT_TRUE(SendEvent("cust-pay", "payment.received", "pay-1").duplicate());
  EXPECT_EQ(SendEvent("cust-pay", "payment.received", "pay-2").journeys_matched(), 0);
  EXPECT_THAT(Read(1, absl::Seconds(3)), IsEmpty());
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE withdraw_requested_at IS NOT NULL"), 1);
  EXPECT_EQ(Withdrawals(), 1);

  // The dialer's answer completes the touch; the finished journey does not move.
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_WITHDRAWN, "withdrawn-1");
  ASSERT_TRUE(WaitUntil([&] {
    return TouchStatus(touch.touch_id()) == "done/TOUCH_OUTCOME_WITHDRAWN";
  })) << TouchStatus(touch.touch_id());
  blend::v1::Journey j = GetJourney(touch.journey_id());
  EXPECT_EQ(j.status(), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(CountHistory(j, "touch_withdraw_requested"), 1);
  EXPECT_EQ(CountHistory(j, "touch_withdrawn"), 1);
}

TEST_F(WithdrawTest, CancelOfAJourneyWhoseContactWasInsertedWithdrawsIt) {
  const blend::v1::TouchCommand touch = StartCall("k1", "cust-sent");
  Grant(touch);
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_SENT, "sent-1");
  ASSERT_TRUE(WaitUntil([&] { return TouchStatus(touch.touch_id()) == "sent/contact inserted"; }));
  Cancel(touch.journey_id());
  auto got = Read(1);
  ASSERT_THAT(got, SizeIs(1));
  ExpectWithdraw(got[0], touch, "journey finished: CANCELLED");
  EXPECT_THAT(Read(1, absl::Seconds(2)), IsEmpty());
}

// A touch with its call outcome is over in Genesys: nothing to withdraw. A pending touch was
// published but never claimed: it is cancelled, and the claim fence refuses a cancelled touch
// before the dialer inserts anything, so no contact can be queued for it.
TEST_F(WithdrawTest, CalledAndUnclaimedTouchesAreNotWithdrawn) {
  const blend::v1::TouchCommand called = StartCall("k1", "cust-called");
  Grant(called);
  PublishDisposition(called, blend::v1::TOUCH_OUTCOME_CALL_COMPLETED, "call-1");
  ASSERT_TRUE(
      WaitUntil([&] { return GetJourney(called.journey_id()).current_state() == "Later"; }));
  const blend::v1::TouchCommand pending = StartCall("k2", "cust-pending");
  Cancel(called.journey_id());
  Cancel(pending.journey_id());
  EXPECT_EQ(TouchStatus(pending.touch_id()), "cancelled/journey finished: CANCELLED");
  EXPECT_EQ(TouchStatus(called.touch_id()), "done/TOUCH_OUTCOME_CALL_COMPLETED");
  EXPECT_THAT(Read(1, absl::Seconds(3)), IsEmpty());
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE withdraw_requested_at IS NOT NULL"), 0);
  EXPECT_EQ(Claim(pending.touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_REFUSED);
}

// optOutScope (default "all"): an SMS opt-out blocks the voice channel too and withdraws the
// queued call; with "channel" it blocks SMS only and the call stays.
TEST_F(WithdrawTest, OptOutOfVoiceOrEverythingWithdrawsAndAnSmsOptOutFollowsOptOutScope) {
  {
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign("calls-by-channel");
    req.mutable_campaign()->set_definition_json(kVoiceFirst);
    nlohmann::json policies = nlohmann::json::parse(req.campaign().policies_json());
    policies["optOutScope"] = "channel";
    req.mutable_campaign()->set_policies_json(policies.dump());
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(&ctx, req, &resp).ok());
  }
  // Each customer its own number: an opt-out also blocks its number, whoever holds it.
  const blend::v1::TouchCommand voice = StartCall("k1", "cust-voice", "calls", "+442079460951");
  const blend::v1::TouchCommand all = StartCall("k2", "cust-all", "calls", "+442079460952");
  const blend::v1::TouchCommand sms =
      StartCall("k3", "cust-sms", "calls-by-channel", "+442079460953");
  const blend::v1::TouchCommand sms_all = StartCall("k4", "cust-sms-all", "calls", "+442079460954");
  for (const auto* t : {&voice, &all, &sms, &sms_all}) Grant(*t);

  SendOptOut("cust-sms", blend::v1::CHANNEL_SMS, "stop-sms");
  EXPECT_THAT(Read(1, absl::Seconds(3)), IsEmpty());

  SendOptOut("cust-sms-all", blend::v1::CHANNEL_SMS, "stop-sms-all");
  auto sms_got = Read(1);
  ASSERT_THAT(sms_got, SizeIs(1));
  ExpectWithdraw(sms_got[0], sms_all, "opted_out");

  SendOptOut("cust-voice", blend::v1::CHANNEL_VOICE, "stop-voice");
  auto got = Read(1);
  ASSERT_THAT(got, SizeIs(1));
  ExpectWithdraw(got[0], voice, "opted_out");

  SendOptOut("cust-all", blend::v1::CHANNEL_UNSPECIFIED, "stop-all");
  got = Read(1);
  ASSERT_THAT(got, SizeIs(1));
  ExpectWithdraw(got[0], all, "opted_out");

  // The journey still waits for the touch: the dialer's answer fails it (no Catch), and its
  // end finds nothing more to withdraw.
  PublishDisposition(voice, blend::v1::TOUCH_OUTCOME_WITHDRAWN, "withdrawn-v");
  ASSERT_TRUE(WaitUntil(
      [&] { return GetJourney(voice.journey_id()).status() == blend::v1::JOURNEY_STATUS_FAILED; }));
  EXPECT_EQ(GetJourney(voice.journey_id()).error(), "Blend.TouchWithdrawn");
  EXPECT_THAT(Read(1, absl::Seconds(2)), IsEmpty());
  EXPECT_EQ(Withdrawals(), 3);
}

// A crash left it unknown whether Genesys accepted the contact (UNKNOWN; the journey goes on
// by default): it may be queued, so the journey's end withdraws it, and the dialer's answer is
// recorded on the touch although its journey already had a result.
TEST_F(WithdrawTest, ContactInDoubtIsWithdrawnWhenTheJourneyEnds) {
  const blend::v1::TouchCommand touch = StartCall("k1", "cust-doubt");
  Grant(touch);
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_UNKNOWN, "unknown-1");
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(touch.journey_id()).current_state() == "Later"; }));
  ASSERT_EQ(SendEvent("cust-doubt", "payment.received", "pay-1").journeys_matched(), 1);
  auto got = Read(1);
  ASSERT_THAT(got, SizeIs(1));
  ExpectWithdraw(got[0], touch, "journey finished: SUCCEEDED");
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_WITHDRAWN, "withdrawn-1");
  ASSERT_TRUE(
      WaitUntil([&] { return TouchStatus(touch.touch_id()) == "done/TOUCH_OUTCOME_WITHDRAWN"; }));
  EXPECT_EQ(CountHistory(GetJourney(touch.journey_id()), "touch_withdrawn"), 1);
}

// A DNC outcome on one voice touch blocks the customer's voice channel: their other queued
// voice contact is withdrawn.
TEST_F(WithdrawTest, DncOutcomeWithdrawsTheCustomersOtherQueuedContact) {
  const blend::v1::TouchCommand a = StartCall("k1", "cust-dnc");
  const blend::v1::TouchCommand b = StartCall("k2", "cust-dnc");
  Grant(a);
  Grant(b);
  PublishDisposition(a, blend::v1::TOUCH_OUTCOME_DNC_ACTIVE, "dnc-1");
  auto got = Read(1);
  ASSERT_THAT(got, SizeIs(1));
  ExpectWithdraw(got[0], b, "dnc_active");
  EXPECT_THAT(Read(1, absl::Seconds(2)), IsEmpty());
}

}  // namespace
}  // namespace blend::orchestrator::testing
