// The dial-time check against the whole local cluster (docs/dial-time-check.md): genesys-sim's
// pre-call rule asks the dialer's POST /v1/dial-check just before each dial; a payment that
// lands after the contact was inserted but before the dial stops the call, whatever the race.
// Withdrawal (deleting the contact) is made impossible here on purpose (the simulator answers
// 503 to every request on the contact list once the contacts are in), so only the check can
// stop the dial: the "faster than any delete can travel" case.

#include "absl/strings/str_cat.h"
#include "cluster_harness.h"

namespace blend::e2e {
namespace {

class DialCheckTest : public ClusterTest {
 protected:
  // The pre-call evaluations of `touch_id` (precall.evaluate audit entries).
  std::vector<AuditEntry> Evaluations(const std::string& touch_id) {
    return Audit({{"operation", "precall.evaluate"}, {"touchId", touch_id}});
  }
};

TEST_F(DialCheckTest, PaymentAfterInsertionSkipsTheDialAndAnUnpaidContactIsDialed) {
  options_.dial_delay = "4s";  // the insert-to-dial gap the payment lands in
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("call-only", kCallOnly);
  const std::string paid_phone = "+12125550140";    // would be answered
  const std::string unpaid_phone = "+12125550141";  // answered: the control
  v1::StartJourneyResponse paid;
  v1::StartJourneyResponse unpaid;
  ASSERT_TRUE(StartJourney(JourneyRequest("call-only", "cust-paid", paid_phone), &paid).ok());
  ASSERT_TRUE(StartJourney(JourneyRequest("call-only", "cust-unpaid", unpaid_phone), &unpaid).ok());
  const std::string paid_touch = InsertedTouch(paid.journey_id());
  const std::string unpaid_touch = InsertedTouch(unpaid.journey_id());
  ASSERT_FALSE(paid_touch.empty()) << "the paid customer's contact was never inserted";
  ASSERT_FALSE(unpaid_touch.empty()) << "the unpaid customer's contact was never inserted";

  // From now on nothing can reach the contact list: a withdrawal cannot win the race.
  HttpResult faults = SimSend("PUT", "/sim/faults",
                              {{"errorRatio", 1.0},
                               {"errorStatus", 503},
                               {"pathPrefix", "/api/v2/outbound/contactlists/demo-contacts"}});
  ASSERT_EQ(faults.status, 200) << faults.body.dump();
  ASSERT_EQ(SendPayment("cust-paid", "pay-after-insert").journeys_matched(), 1);
  WaitForStatus(paid.journey_id(), v1::JOURNEY_STATUS_SUCCEEDED);

  // The dialer reached the contact (4 s after its insertion): skipped, no call placed.
  ASSERT_TRUE(Eventually([&] { return !CallsTo(paid_phone).empty(); }, absl::Seconds(20)));
  for (const nlohmann::json& call : CallsTo(paid_phone)) {
    EXPECT_EQ(call.value("wrapupCode", ""), "ININ-OUTBOUND-RULE-SKIPPED") << call.dump();
    EXPECT_EQ(call.value("conversationId", ""), "") << "no call may be placed: " << call.dump();
  }
  std::vector<AuditEntry> asked = Evaluations(paid_touch);
  ASSERT_EQ(asked.size(), 1u) << "the pre-call rule asks once per dial";
  EXPECT_EQ(asked[0].status, 200);
  EXPECT_EQ(asked[0].outcome, "skip");
  EXPECT_EQ(asked[0].path, "/v1/dial-check");

  // The control: same path, no payment, dialed as usual.
  ASSERT_TRUE(Eventually([&] { return !Evaluations(unpaid_touch).empty(); }, absl::Seconds(20)));
  EXPECT_EQ(Evaluations(unpaid_touch)[0].outcome, "dial");
  ASSERT_TRUE(Eventually([&] { return !CallsTo(unpaid_phone).empty(); }));
  EXPECT_NE(CallsTo(unpaid_phone)[0].value("conversationId", ""), "");

  EXPECT_GE(Metric("dialer-worker", "blend_dial_checks_total", {{"result", "refused"}}), 1);
  EXPECT_GE(Metric("dialer-worker", "blend_dial_checks_total", {{"result", "allowed"}}), 1);
  EXPECT_EQ(Metric("dialer-worker", "blend_dial_checks_total", {{"result", "error"}}), 0);
}

}  // namespace
}  // namespace blend::e2e
