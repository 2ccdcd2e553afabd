// One consent record across channels, against the whole local cluster:
//  (a) a payment after the contact's insertion and before its dial: no call, and the contact is
//      gone from the simulator's contact list (withdrawal alone: the dial-time check is off);
//  (d) an SMS STOP with optOutScope "all": the queued call is withdrawn and the later email is
//      refused; with "channel": the email still goes;
//  (e) a CRM legal hold by customer id through ConsentService stops every channel of every
//      journey of the customer within one second, as the simulator's audit saw it.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cluster_harness.h"

namespace blend::e2e {
namespace {

// A call, then (however the call ended, withdrawn included) an email; a refused email ends in
// EmailRefused.
constexpr char kCallThenEmail[] = R"json({
  "StartAt": "Call",
  "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "ResultPath": "$.call", "Next": "Email",
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.callError", "Next": "Email"}]},
    "Email": {"Type": "Task", "Resource": "blend:email", "ResultPath": "$.email", "Next": "Done",
              "Parameters": {"subject": "Your invoice", "text": "Please pay your invoice."},
              "Catch": [{"ErrorEquals": ["Blend.OptedOut"], "ResultPath": "$.blocked",
                         "Next": "EmailRefused"}]},
    "EmailRefused": {"Type": "Succeed"},
    "Done": {"Type": "Succeed"}
  }
})json";

// SMS and email every second or so, for several rounds (a hold in the middle must stop it).
constexpr char kDrip[] = R"json({
  "StartAt": "Sms1",
  "States": {
    "Sms1": {"Type": "Task", "Resource": "blend:sms", "ResultPath": "$.s1",
             "Parameters": {"text": "Your invoice is overdue."}, "Next": "Email1"},
    "Email1": {"Type": "Task", "Resource": "blend:email", "ResultPath": "$.e1",
               "Parameters": {"subject": "Your invoice", "text": "Please pay."}, "Next": "Wait1"},
    "Wait1": {"Type": "Wait", "Seconds": 1, "Next": "Sms2"},
    "Sms2": {"Type": "Task", "Resource": "blend:sms", "ResultPath": "$.s2",
             "Parameters": {"text": "Your invoice is overdue."}, "Next": "Email2"},
    "Email2": {"Type": "Task", "Resource": "blend:email", "ResultPath": "$.e2",
               "Parameters": {"subject": "Your invoice", "text": "Please pay."}, "Next": "Wait2"},
    "Wait2": {"Type": "Wait", "Seconds": 1, "Next": "Sms3"},
    "Sms3": {"Type": "Task", "Resource": "blend:sms", "ResultPath": "$.s3",
             "Parameters": {"text": "Your invoice is overdue."}, "Next": "Email3"},
    "Email3": {"Type": "Task", "Resource": "blend:email", "ResultPath": "$.e3",
               "Parameters": {"subject": "Your invoice", "text": "Please pay."}, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

// kPolicies with optOutScope set.
std::string PoliciesWithScope(const std::string& scope) {
  nlohmann::json p = nlohmann::json::parse(kPolicies);
  p["optOutScope"] = scope;
  return p.dump();
}

class ConsentTest : public ClusterTest {
 protected:
  // The audit time of the voice insertion of `journey_id` (InfinitePast: none).
  absl::Time InsertedAt(const std::string& journey_id) {
    for (const AuditEntry& e : TouchRequestsOf(journey_id)) {
      if (e.operation == "contacts.add" && e.status == 200) return e.time;
    }
    return absl::InfinitePast();
  }
  // Whether the simulator's contact list still holds a contact of `touch_id`.
  bool InContactList(const std::string& touch_id) {
    HttpResult r = SimGet("/sim/contactlists/demo-contacts");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    if (!r.body.contains("contacts")) return false;
    for (const auto& c : r.body["contacts"]) {
      if (c.contains("data") && c["data"].value("touchId", "") == touch_id) return true;
    }
    return false;
  }
  int Sent(const std::string& journey_id, const std::string& operation) {
    int n = 0;
    for (const AuditEntry& e : TouchRequestsOf(journey_id)) {
      n += e.operation == operation && e.status == 200;
    }
    return n;
  }
  // Calls Genesys placed to `phone` (a pre-call rule skip leaves a call record without a
  // conversation: no call was placed).
  std::vector<nlohmann::json> PlacedCalls(const std::string& phone) {
    std::vector<nlohmann::json> out;
    for (const nlohmann::json& c : CallsTo(phone)) {
      if (!c.value("conversationId", "").empty()) out.push_back(c);
    }
    return out;
  }
  void InboundSms(const std::string& from, const std::string& text) {
    HttpResult r = SimSend("POST", "/sim/inbound-sms", {{"fromAddress", from}, {"textBody", text}});
    ASSERT_EQ(r.status / 100, 2) << r.body.dump();
  }
};

TEST_F(ConsentTest, PaymentAfterInsertionWithdrawsTheContactAndNoCallIsPlaced) {
  options_.dial_delay = "5s";   // the insert-to-dial gap the payment lands in
  options_.dial_check = false;  // withdrawal alone must stop the dial
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("call-only", kCallOnly);
  const std::string phone = "+12125550150";
  v1::StartJourneyResponse started;
  ASSERT_TRUE(StartJourney(JourneyRequest("call-only", "cust-pays", phone), &started).ok());
  const std::string touch = InsertedTouch(started.journey_id());
  ASSERT_FALSE(touch.empty()) << "the contact was never inserted";
  const absl::Time inserted = InsertedAt(started.journey_id());
  ASSERT_TRUE(InContactList(touch));

  ASSERT_EQ(SendPayment("cust-pays", "pay-before-dial").journeys_matched(), 1);
  WaitForStatus(started.journey_id(), v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_TRUE(Eventually([&] { return !InContactList(touch); }, absl::Seconds(10)))
      << "the contact is still in the simulator's list";
  // Past the moment the dialer would have dialed it: nothing was dialed.
  absl::SleepFor(std::max(absl::ZeroDuration(), inserted + absl::Seconds(6) - absl::Now()));
  EXPECT_TRUE(CallsTo(phone).empty()) << CallsTo(phone)[0].dump();
  EXPECT_GE(Metric("orchestrator", "blend_touch_withdrawals_total", {{"result", "requested"}}), 1);
}

TEST_F(ConsentTest, SmsStopWithScopeAllWithdrawsTheCallAndRefusesTheEmail) {
  options_.dial_delay = "6s";
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("scope-all", kCallThenEmail, PoliciesWithScope("all"));
  const std::string phone = "+12125550151";
  v1::StartJourneyResponse started;
  ASSERT_TRUE(StartJourney(JourneyRequest("scope-all", "cust-stop-all", phone), &started).ok());
  const std::string touch = InsertedTouch(started.journey_id());
  ASSERT_FALSE(touch.empty()) << "the contact was never inserted";

  InboundSms("(212) 555-0151", "  Stop! ");  // a national number and punctuation: still STOP
  v1::Journey j = WaitForStatus(started.journey_id(), v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_TRUE(Entered(j, "EmailRefused")) << j.DebugString();
  EXPECT_TRUE(Eventually([&] { return !InContactList(touch); }, absl::Seconds(10)));
  EXPECT_TRUE(PlacedCalls(phone).empty()) << "the queued call was dialed";
  EXPECT_EQ(Sent(started.journey_id(), "email.send"), 0);
}

TEST_F(ConsentTest, SmsStopWithScopeChannelLetsTheEmailGo) {
  options_.dial_delay = "2s";
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("scope-channel", kCallThenEmail, PoliciesWithScope("channel"));
  const std::string phone = "+12125550152";
  v1::StartJourneyResponse started;
  ASSERT_TRUE(StartJourney(JourneyRequest("scope-channel", "cust-stop-sms", phone), &started).ok());
  ASSERT_FALSE(InsertedTouch(started.journey_id()).empty()) << "the contact was never inserted";

  InboundSms(phone, "STOP");
  v1::Journey j = WaitForStatus(started.journey_id(), v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_TRUE(Entered(j, "Done")) << j.DebugString();
  EXPECT_FALSE(Entered(j, "EmailRefused"));
  EXPECT_EQ(Sent(started.journey_id(), "email.send"), 1);
}

TEST_F(ConsentTest, CrmLegalHoldStopsEveryChannelWithinOneSecond) {
  options_.dial_delay = "8s";
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("drip", kDrip);
  PutCampaign("call-only", kCallOnly);
  const std::string customer = "cust-hold";
  const std::string phone = "+12125550153";
  v1::StartJourneyRequest drip_req = JourneyRequest("drip", customer, phone);
  v1::StartJourneyRequest call_req = JourneyRequest("call-only", customer, phone);
  v1::StartJourneyResponse drip, call;
  ASSERT_TRUE(StartJourney(drip_req, &drip).ok());
  ASSERT_TRUE(StartJourney(call_req, &call).ok());
  const std::string call_touch = InsertedTouch(call.journey_id());
  ASSERT_FALSE(call_touch.empty());
  ASSERT_TRUE(Eventually([&] { return Sent(drip.journey_id(), "sms.send") >= 1; }));

  grpc::ClientContext ctx;
  v1::PutSuppressionRequest put;
  put.mutable_suppression()->set_customer_id(customer);
  put.mutable_suppression()->set_channel(v1::SUPPRESSION_CHANNEL_ALL);
  put.mutable_suppression()->set_reason(v1::SUPPRESSION_REASON_LEGAL_HOLD);
  put.mutable_suppression()->set_source("crm:e2e");
  v1::PutSuppressionResponse resp;
  const absl::Time put_at = absl::Now();
  grpc::Status st = consent().PutSuppression(&ctx, put, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(resp.created());

  // The drip journey is refused at its next touch; the queued call comes back out.
  v1::Journey j = WaitForStatus(drip.journey_id(), v1::JOURNEY_STATUS_FAILED);
  EXPECT_EQ(j.error(), "Blend.OptedOut") << j.DebugString();
  EXPECT_TRUE(Eventually([&] { return !InContactList(call_touch); }, absl::Seconds(10)));
  absl::SleepFor(std::max(absl::ZeroDuration(), put_at + absl::Seconds(9) - absl::Now()));
  for (const std::string& id : {drip.journey_id(), call.journey_id()}) {
    for (const AuditEntry& e : TouchRequestsOf(id)) {
      EXPECT_LE(e.time, put_at + absl::Seconds(1))
          << e.operation << " of " << e.touch_id << " at " << absl::FormatTime(e.time);
    }
  }
  EXPECT_TRUE(PlacedCalls(phone).empty()) << "the queued call was dialed";

  // The record explains it, and removing it is recorded.
  grpc::ClientContext get_ctx;
  v1::GetConsentRequest get;
  get.set_customer_id(customer);
  v1::Consent consent_now;
  ASSERT_TRUE(consent().GetConsent(&get_ctx, get, &consent_now).ok());
  ASSERT_EQ(consent_now.suppressions_size(), 1);
  EXPECT_EQ(consent_now.suppressions(0).reason(), v1::SUPPRESSION_REASON_LEGAL_HOLD);
  grpc::ClientContext rm_ctx;
  v1::RemoveSuppressionRequest rm;
  rm.set_suppression_id(resp.suppression().suppression_id());
  rm.set_reason("hold lifted");
  v1::RemoveSuppressionResponse removed;
  ASSERT_TRUE(consent().RemoveSuppression(&rm_ctx, rm, &removed).ok());
  grpc::ClientContext get_ctx2;
  ASSERT_TRUE(consent().GetConsent(&get_ctx2, get, &consent_now).ok());
  EXPECT_EQ(consent_now.suppressions_size(), 0);
}

}  // namespace
}  // namespace blend::e2e
