// The claim fence's policy decisions and the remaining JourneyService RPCs against the real
// PostgreSQL and Kafka: quiet-hours deferral with re-emission, opt-out refusal, the read-only
// dial-time check (CheckTouch), validation errors, cancel, list.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"
#include "nlohmann/json.hpp"

namespace blend::orchestrator::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

using FenceTest = OrchestratorTest;

TEST_F(FenceTest, ClaimInQuietHoursIsDeferredAndTheTouchReEmitted) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-q"));
  auto first = ReadTouches(sms, 1);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_EQ(first[0].attempt(), 1);

  clock_.Advance(absl::Hours(7));  // 22:00 in London: outside 08:00-21:00
  auto claim = Claim(first[0].touch_id());
  ASSERT_EQ(claim.decision(), blend::v1::ClaimTouchResponse::DECISION_DEFERRED) << claim.reason();
  EXPECT_EQ(claim.reason(), "quiet_hours");
  const absl::Time next_morning = TestStart() + absl::Hours(17);  // 08:00 the next day
  EXPECT_EQ(FromProto(claim.retry_at()), next_morning);
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(2)), ::testing::IsEmpty());

  clock_.Set(next_morning + absl::Seconds(1));
  auto again = ReadTouches(sms, 1);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].touch_id(), first[0].touch_id());
  EXPECT_EQ(again[0].attempt(), 2);
  EXPECT_EQ(FromProto(again[0].not_before()), next_morning);
  EXPECT_EQ(Claim(again[0].touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  EXPECT_EQ(GetJourney(id).status(), blend::v1::JOURNEY_STATUS_RUNNING);
}

blend::v1::ClaimTouchResponse ClaimCopy(blend::v1::TouchService::Stub& touches,
                                        const blend::v1::TouchCommand& bus_copy) {
  grpc::ClientContext ctx;
  blend::v1::ClaimTouchRequest req;
  req.set_touch_id(bus_copy.touch_id());
  req.set_worker_id("test-worker");
  *req.mutable_touch() = bus_copy;
  blend::v1::ClaimTouchResponse resp;
  grpc::Status s = touches.ClaimTouch(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

// The claim is where a message Blend never wrote stops: an id it never emitted, or a real id
// whose content was changed, is NOT_ISSUED (with the differing fields' names) and leaves the
// touch as it was, so the real message is still granted, with the stored touch.
TEST_F(FenceTest, MessageBlendNeverWroteIsNotIssuedAndLeavesTheRealTouchAlone) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-f"));
  auto touches = ReadTouches(sms, 1);
  ASSERT_THAT(touches, SizeIs(1));
  const blend::v1::TouchCommand& real = touches[0];

  blend::v1::TouchCommand unknown = real;
  unknown.set_touch_id(id + "/0123456789abcdef0123456789abcdef");
  auto refused = ClaimCopy(*touches_, unknown);
  EXPECT_EQ(refused.decision(), blend::v1::ClaimTouchResponse::DECISION_NOT_ISSUED);
  EXPECT_THAT(refused.reason(), HasSubstr("unknown touch"));
  EXPECT_FALSE(refused.has_touch());

  blend::v1::TouchCommand altered = real;
  altered.mutable_customer()->set_phone_e164("+15550000666");
  (*altered.mutable_parameters()->mutable_fields())["text"].set_string_value("evil");
  refused = ClaimCopy(*touches_, altered);
  EXPECT_EQ(refused.decision(), blend::v1::ClaimTouchResponse::DECISION_NOT_ISSUED);
  EXPECT_THAT(refused.reason(), HasSubstr("customer.phone_e164"));
  EXPECT_THAT(refused.reason(), HasSubstr("parameters"));
  EXPECT_THAT(refused.reason(), ::testing::Not(HasSubstr("+1555")));
  EXPECT_FALSE(refused.has_touch());
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE status = 'pending' AND claimed_at IS NULL"),
            1)
      << "the forgeries changed nothing";

  auto granted = ClaimCopy(*touches_, real);
  ASSERT_EQ(granted.decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED)
      << granted.reason();
  EXPECT_EQ(granted.touch().SerializeAsString(), StoredTouch(real.touch_id()).SerializeAsString());
  EXPECT_EQ(granted.touch().customer().phone_e164(), "+442079460958");
}

TEST_F(FenceTest, OptOutCommittedBeforeClaimRefusesTheTouch) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  Start(StartRequest("dunning", "k1", "cust-o"));
  auto touches = ReadTouches(sms, 1);
  ASSERT_THAT(touches, SizeIs(1));
  {
    grpc::ClientContext ctx;
    blend::v1::SendCustomerEventRequest req;
    req.mutable_event()->set_event_id("stop-1");
    req.mutable_event()->set_customer_id("cust-o");
    req.mutable_event()->set_type("opt_out");
    req.mutable_event()->mutable_opt_out()->set_channel(blend::v1::CHANNEL_SMS);
    req.mutable_event()->mutable_opt_out()->set_keyword("STOP");
    blend::v1::SendCustomerEventResponse resp;
    ASSERT_TRUE(journeys_->SendCustomerEvent(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.journeys_matched(), 1);
  }
  auto claim = Claim(touches[0].touch_id());
  EXPECT_EQ(claim.decision(), blend::v1::ClaimTouchResponse::DECISION_REFUSED);
  EXPECT_EQ(claim.reason(), "opted_out");
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE channel = 1 AND "
                  "address = '+442079460958' AND kind = 'opt_out'"),
            1);
}

// A worker that claimed a touch and got a 429 claims it again before retrying (nothing was
// sent). A payment that committed in between must win over that re-claim, and so must the
// calling window: "already claimed" is no pass around the fence (found by scripts/chaos).
TEST_F(FenceTest, ReClaimAfterAPaymentIsRefusedAndOutsideTheWindowDeferred) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  Start(StartRequest("dunning", "k1", "cust-p"));
  Start(StartRequest("dunning", "k2", "cust-w"));
  auto touches = ReadTouches(sms, 2);
  ASSERT_THAT(touches, SizeIs(2));
  for (const auto& t : touches) {
    ASSERT_EQ(Claim(t.touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  }
  const auto& paid = touches[0].journey_id() < touches[1].journey_id() ? touches[0] : touches[1];
  const auto& other = &paid == &touches[0] ? touches[1] : touches[0];
  const std::string paying_customer = StoredTouch(paid.touch_id()).customer().customer_id();
  ASSERT_EQ(SendEvent(paying_customer, "payment.received", "pay-1").journeys_matched(), 1);

  auto again = Claim(paid.touch_id());
  EXPECT_EQ(again.decision(), blend::v1::ClaimTouchResponse::DECISION_REFUSED) << again.reason();
  EXPECT_THAT(again.reason(), HasSubstr("journey finished"));

  clock_.Advance(absl::Hours(7));  // 22:00 in London: outside 08:00-21:00
  auto late = Claim(other.touch_id());
  EXPECT_EQ(late.decision(), blend::v1::ClaimTouchResponse::DECISION_DEFERRED) << late.reason();
}

blend::v1::CheckTouchResponse Check(blend::v1::TouchService::Stub& touches,
                                    const std::string& touch_id) {
  grpc::ClientContext ctx;
  blend::v1::CheckTouchRequest req;
  req.set_touch_id(touch_id);
  blend::v1::CheckTouchResponse resp;
  grpc::Status s = touches.CheckTouch(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

// The dial-time check (Genesys's pre-call rule asks it through the dialer): the claim fence,
// answered read-only for a voice touch that is claimed or already in the contact list.
TEST_F(FenceTest, CheckTouchAnswersFromTheClaimFenceWithoutWriting) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  bus::Consumer& voice = Subscribe({"blend.touch.voice"});
  PutSeedCampaign("dunning");
  Start(StartRequest("dunning", "k1", "cust-paid"));
  Start(StartRequest("dunning", "k2", "cust-late"));
  {
    blend::v1::StartJourneyRequest own_number = StartRequest("dunning", "k3", "cust-stop");
    own_number.mutable_customer()->set_phone_e164("+442079460959");  // suppressions are per number
    Start(own_number);
  }
  auto texts = ReadTouches(sms, 3);
  ASSERT_THAT(texts, SizeIs(3));
  for (const auto& t : texts) {
    PublishDisposition(t, blend::v1::TOUCH_OUTCOME_SENT, "d-" + t.touch_id());
  }
  ASSERT_TRUE(WaitUntil([&] { return Count("SELECT count(*) FROM timers") == 3; }));
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));  // 15:00:01 in London, next day
  auto calls = ReadTouches(voice, 3);
  ASSERT_THAT(calls, SizeIs(3));
  auto of = [&](const std::string& customer) -> const blend::v1::TouchCommand& {
    for (const auto& c : calls) {
      if (StoredTouch(c.touch_id()).customer().customer_id() == customer) return c;
    }
    ADD_FAILURE() << "no voice touch for " << customer;
    return calls[0];
  };
  const auto& paid = of("cust-paid");
  const auto& late = of("cust-late");
  const auto& stop = of("cust-stop");

  // Not yet claimed: no worker is about to dial it.
  auto unclaimed = Check(*touches_, paid.touch_id());
  EXPECT_FALSE(unclaimed.allowed());
  EXPECT_EQ(unclaimed.reason(), "touch not claimed: pending");
  for (const auto& c : calls) {
    ASSERT_EQ(Claim(c.touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  }
  auto claimed = Check(*touches_, paid.touch_id());
  EXPECT_TRUE(claimed.allowed()) << claimed.reason();
  // The contact is in the list ("sent", not dialed yet): still allowed, and the check, asked
  // twice, does not count as a second touch against the frequency cap.
  PublishDisposition(paid, blend::v1::TOUCH_OUTCOME_SENT, "inserted-" + paid.touch_id());
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM touches WHERE status = 'sent' AND touch_id = '" +
                 paid.touch_id() + "'") == 1;
  }));
  EXPECT_TRUE(Check(*touches_, paid.touch_id()).allowed());
  EXPECT_TRUE(Check(*touches_, paid.touch_id()).allowed());

  ASSERT_EQ(SendEvent("cust-paid", "payment.received", "pay-1").journeys_matched(), 1);
  auto after_payment = Check(*touches_, paid.touch_id());
  EXPECT_FALSE(after_payment.allowed());
  EXPECT_EQ(after_payment.reason(), "journey finished: SUCCEEDED");

  // A voice opt-out after the claim: the number is suppressed on the touch's channel.
  EXPECT_TRUE(Check(*touches_, stop.touch_id()).allowed());
  {
    grpc::ClientContext ctx;
    blend::v1::SendCustomerEventRequest req;
    req.mutable_event()->set_event_id("voice-stop-1");
    req.mutable_event()->set_customer_id("cust-stop");
    req.mutable_event()->set_type("opt_out");
    req.mutable_event()->mutable_opt_out()->set_channel(blend::v1::CHANNEL_VOICE);
    req.mutable_event()->mutable_opt_out()->set_keyword("STOP");
    blend::v1::SendCustomerEventResponse resp;
    ASSERT_TRUE(journeys_->SendCustomerEvent(&ctx, req, &resp).ok());
  }
  auto opted_out = Check(*touches_, stop.touch_id());
  EXPECT_FALSE(opted_out.allowed());
  EXPECT_EQ(opted_out.reason(), "opted_out");

  EXPECT_TRUE(Check(*touches_, late.touch_id()).allowed());
  {
    // A withdrawal already asked for (a DNC_ACTIVE outcome of another of the customer's touches
    // asks for one, with no suppression the fence would see): the dial must not go out.
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    tx.exec_params(
        "UPDATE touches SET withdraw_requested_at = now(), withdraw_reason = "
        "'dnc_active' WHERE touch_id = $1",
        late.touch_id());
    tx.commit();
    auto withdrawn = Check(*touches_, late.touch_id());
    EXPECT_FALSE(withdrawn.allowed());
    EXPECT_EQ(withdrawn.reason(), "withdrawal requested: dnc_active");
    pqxx::work undo(c);
    undo.exec_params(
        "UPDATE touches SET withdraw_requested_at = NULL, withdraw_reason = '' "
        "WHERE touch_id = $1",
        late.touch_id());
    undo.commit();
  }
  clock_.Advance(absl::Hours(7));  // 22:00 in London: outside the calling window
  auto outside = Check(*touches_, late.touch_id());
  EXPECT_FALSE(outside.allowed());
  EXPECT_EQ(outside.reason(), "quiet_hours");
  // Read-only: the touch stays claimed (a claim there would have deferred and re-emitted it).
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE status = 'claimed' AND touch_id = '" +
                  late.touch_id() + "'"),
            1);

  auto unknown = Check(*touches_, "no-such-touch");
  EXPECT_FALSE(unknown.allowed());
  EXPECT_EQ(unknown.reason(), "unknown touch");
}

TEST_F(FenceTest, InvalidCampaignListsEveryProblemWithPointers) {
  StartOrchestrator();
  blend::v1::Campaign c = SeedCampaign("broken");
  // The seed as printed: EndCampaign lacks "End": true.
  nlohmann::json definition = nlohmann::json::parse(c.definition_json());
  definition["States"]["EndCampaign"].erase("End");
  c.set_definition_json(definition.dump());
  grpc::ClientContext ctx;
  blend::v1::PutCampaignRequest req;
  *req.mutable_campaign() = c;
  blend::v1::PutCampaignResponse resp;
  grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("/States/EndCampaign"));

  grpc::ClientContext vctx;
  blend::v1::ValidateCampaignRequest vreq;
  *vreq.mutable_campaign() = c;
  blend::v1::ValidateCampaignResponse vresp;
  ASSERT_TRUE(journeys_->ValidateCampaign(&vctx, vreq, &vresp).ok());
  EXPECT_FALSE(vresp.valid());
  ASSERT_GE(vresp.problems_size(), 1);
  EXPECT_EQ(vresp.problems(0).pointer(), "/States/EndCampaign");
  EXPECT_EQ(Count("SELECT count(*) FROM campaigns"), 0);
}

TEST_F(FenceTest, CampaignVersionsCancelAndList) {
  StartOrchestrator();
  PutSeedCampaign("dunning");
  PutSeedCampaign("dunning");
  {
    grpc::ClientContext ctx;
    blend::v1::GetCampaignRequest req;
    req.set_campaign_id("dunning");
    blend::v1::Campaign c;
    ASSERT_TRUE(journeys_->GetCampaign(&ctx, req, &c).ok());
    EXPECT_EQ(c.version(), 2);
  }
  std::string a = Start(StartRequest("dunning", "k1", "cust-l"));
  std::string b = Start(StartRequest("dunning", "k2", "cust-l"));
  Start(StartRequest("dunning", "k3", "someone-else"));
  {
    grpc::ClientContext ctx;
    blend::v1::CancelJourneyRequest req;
    req.set_journey_id(a);
    req.set_reason("customer called");
    blend::v1::Journey j;
    ASSERT_TRUE(journeys_->CancelJourney(&ctx, req, &j).ok());
    EXPECT_EQ(j.status(), blend::v1::JOURNEY_STATUS_CANCELLED);
    EXPECT_EQ(j.campaign_version(), 2);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE status = 'cancelled'"), 1);
  std::vector<std::string> listed;
  std::string token;
  do {
    grpc::ClientContext ctx;
    blend::v1::ListJourneysRequest req;
    req.set_customer_id("cust-l");
    req.set_page_size(1);
    req.set_page_token(token);
    blend::v1::ListJourneysResponse resp;
    ASSERT_TRUE(journeys_->ListJourneys(&ctx, req, &resp).ok());
    for (const auto& j : resp.journeys()) listed.push_back(j.journey_id());
    token = resp.next_page_token();
  } while (!token.empty() && listed.size() < 5);
  EXPECT_THAT(listed, ::testing::UnorderedElementsAre(a, b));
}

TEST_F(FenceTest, UnreadableJourneyDoesNotBlockOtherTimers) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  std::string bad = Start(StartRequest("dunning", "k1", "cust-bad"));
  std::string good = Start(StartRequest("dunning", "k2", "cust-good"));
  auto touches = ReadTouches(sms, 2);
  ASSERT_THAT(touches, SizeIs(2));
  for (const auto& t : touches)
    PublishDisposition(t, blend::v1::TOUCH_OUTCOME_SENT, "d-" + t.touch_id());
  ASSERT_TRUE(WaitUntil([&] { return Count("SELECT count(*) FROM timers") == 2; }));
  Count("WITH u AS (UPDATE journeys SET state = '{\"unreadable\": true}' WHERE journey_id = '" +
        bad + "' RETURNING 1) SELECT count(*) FROM u");

  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(good).current_state() == "InjectToVoiceDialer"; }))
      << GetJourney(good).DebugString();
  EXPECT_EQ(GetJourney(bad).current_state(), "WaitForPaymentOrTimeout");
  EXPECT_EQ(Count("SELECT count(*) FROM timers WHERE journey_id = '" + bad +
                  "' AND due_at > blend_us_to_ts(" +
                  std::to_string(absl::ToUnixMicros(clock_.Now())) + ")"),
            1);
}

}  // namespace
}  // namespace blend::orchestrator::testing
