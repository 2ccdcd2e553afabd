// ConsentService against the in-process orchestrator, the real PostgreSQL and Kafka: a CRM
// legal hold by customer id refuses every channel of every journey and withdraws the queued
// call; expiry and removal lift a hold for the next decision; the import stream answers each
// row in order with rejects and duplicates; bad requests are refused.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"
#include "blend/v1/consent_service.grpc.pb.h"

namespace blend::orchestrator::testing {
namespace {

using ::testing::SizeIs;

constexpr char kVoiceFirst[] = R"json({
  "StartAt": "Call",
  "States": {
    "Call": { "Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:GenesysOutboundContactListInsert", "Next": "Done" },
    "Done": { "Type": "Succeed" }
  }
})json";

class ConsentServiceTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    OrchestratorTest::SetUp();
    Orchestrator& orch = StartOrchestrator();
    consent_ = blend::v1::ConsentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", orch.grpc_port()), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Put(const std::string& customer, const std::string& address,
                   blend::v1::SuppressionChannel channel, blend::v1::SuppressionReason reason,
                   std::optional<absl::Time> expires = std::nullopt,
                   blend::v1::PutSuppressionResponse* out = nullptr) {
    grpc::ClientContext ctx;
    blend::v1::PutSuppressionRequest req;
    req.mutable_suppression()->set_customer_id(customer);
    req.mutable_suppression()->set_address(address);
    req.mutable_suppression()->set_channel(channel);
    req.mutable_suppression()->set_reason(reason);
    req.mutable_suppression()->set_source("crm:test");
    if (expires) *req.mutable_suppression()->mutable_expires_at() = ToProto(*expires);
    blend::v1::PutSuppressionResponse resp;
    grpc::Status s = consent_->PutSuppression(&ctx, req, &resp);
    if (out) *out = resp;
    return s;
  }

  std::unique_ptr<blend::v1::ConsentService::Stub> consent_;
};

TEST_F(ConsentServiceTest, LegalHoldByCustomerIdRefusesEveryChannelAndWithdrawsTheQueuedCall) {
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  bus::Consumer& voice = Subscribe({"blend.touch.voice"});
  PutSeedCampaign("texts");
  {
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign("calls");
    req.mutable_campaign()->set_definition_json(kVoiceFirst);
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(&ctx, req, &resp).ok());
  }
  Start(StartRequest("calls", "k-call", "cust-h"));
  Start(StartRequest("texts", "k-text", "cust-h"));
  auto calls = ReadTouches(voice, 1);
  auto texts = ReadTouches(sms, 1);
  ASSERT_THAT(calls, SizeIs(1));
  ASSERT_THAT(texts, SizeIs(1));
  ASSERT_EQ(Claim(calls[0].touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);

  blend::v1::PutSuppressionResponse put;
  grpc::Status s = Put("cust-h", "", blend::v1::SUPPRESSION_CHANNEL_ALL,
                       blend::v1::SUPPRESSION_REASON_LEGAL_HOLD, std::nullopt, &put);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(put.created());
  EXPECT_FALSE(put.suppression().suppression_id().empty());

  // The queued call comes back out, in the put's transaction.
  bool withdrawn = false;
  WaitUntil(
      [&] {
        while (auto m = voice.Poll(absl::Milliseconds(100))) {
          blend::v1::Envelope env;
          if (env.ParseFromString(m->payload) && env.has_withdraw() &&
              env.withdraw().touch_id() == calls[0].touch_id()) {
            EXPECT_EQ(env.withdraw().reason(), "suppressed: legal_hold");
            withdrawn = true;
          }
        }
        return withdrawn;
      },
      absl::Seconds(15));
  EXPECT_TRUE(withdrawn);
  // The SMS of the other campaign is refused at its claim.
  auto claim = Claim(texts[0].touch_id());
  EXPECT_EQ(claim.decision(), blend::v1::ClaimTouchResponse::DECISION_REFUSED);
  EXPECT_EQ(claim.reason(), "opted_out");
  EXPECT_EQ(MetricValue("blend_consent_suppressions_total", {{"reason", "legal_hold"}}), 1);

  // Putting it again changes nothing but source/note/expiry.
  blend::v1::PutSuppressionResponse again;
  ASSERT_TRUE(Put("cust-h", "", blend::v1::SUPPRESSION_CHANNEL_ALL,
                  blend::v1::SUPPRESSION_REASON_LEGAL_HOLD, std::nullopt, &again)
                  .ok());
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.suppression().suppression_id(), put.suppression().suppression_id());
}

TEST_F(ConsentServiceTest, ExpiryAndRemovalLiftAHoldForTheNextDecision) {
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("texts");
  blend::v1::PutSuppressionResponse hold;
  ASSERT_TRUE(Put("", "+442079460958", blend::v1::SUPPRESSION_CHANNEL_SMS,
                  blend::v1::SUPPRESSION_REASON_BANKRUPTCY, clock_.Now() + absl::Hours(1), &hold)
                  .ok());
  blend::v1::PutSuppressionResponse dnc;
  ASSERT_TRUE(Put("cust-2", "", blend::v1::SUPPRESSION_CHANNEL_SMS,
                  blend::v1::SUPPRESSION_REASON_CRM, std::nullopt, &dnc)
                  .ok());
  Start(StartRequest("texts", "k1", "cust-1"));
  // Blocked at emit: the journey fails with Blend.OptedOut, no touch on the topic.
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(3)), SizeIs(0));

  clock_.Advance(absl::Hours(1) + absl::Seconds(1));  // the bankruptcy record expired
  {
    grpc::ClientContext ctx;
    blend::v1::GetConsentRequest req;
    req.set_address("+44 20 7946 0958");
    blend::v1::Consent c;
    ASSERT_TRUE(consent_->GetConsent(&ctx, req, &c).ok());
    EXPECT_EQ(c.address(), "+442079460958");
    EXPECT_EQ(c.suppressions_size(), 0) << c.DebugString();
  }
  Start(StartRequest("texts", "k2", "cust-2"));  // held by customer id
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(3)), SizeIs(0));
  {
    grpc::ClientContext ctx;
    blend::v1::RemoveSuppressionRequest req;
    req.set_suppression_id(dnc.suppression().suppression_id());
    req.set_reason("resolved");
    blend::v1::RemoveSuppressionResponse resp;
    ASSERT_TRUE(consent_->RemoveSuppression(&ctx, req, &resp).ok());
    grpc::ClientContext ctx2;
    EXPECT_EQ(consent_->RemoveSuppression(&ctx2, req, &resp).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE removed_reason = 'resolved' AND "
                  "removed_by <> ''"),
            1);
  Start(StartRequest("texts", "k3", "cust-2"));
  auto texts = ReadTouches(sms, 1);
  ASSERT_THAT(texts, SizeIs(1));
  EXPECT_EQ(Claim(texts[0].touch_id()).decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);
}

TEST_F(ConsentServiceTest, ImportAnswersEveryRowInOrderAndBadRequestsAreRefused) {
  grpc::ClientContext ctx;
  auto stream = consent_->ImportSuppressions(&ctx);
  auto row = [&](int64_t n, const std::string& address, blend::v1::SuppressionReason reason) {
    blend::v1::ImportSuppressionRequest r;
    r.set_row(n);
    r.mutable_suppression()->set_address(address);
    r.mutable_suppression()->set_channel(blend::v1::SUPPRESSION_CHANNEL_VOICE);
    r.mutable_suppression()->set_reason(reason);
    return r;
  };
  ASSERT_TRUE(stream->Write(row(2, "+12125550100", blend::v1::SUPPRESSION_REASON_DNC)));
  ASSERT_TRUE(stream->Write(row(3, "not a phone", blend::v1::SUPPRESSION_REASON_DNC)));
  ASSERT_TRUE(stream->Write(row(4, "(212) 555-0100", blend::v1::SUPPRESSION_REASON_DNC)));
  ASSERT_TRUE(stream->Write(row(5, "+12125550101", blend::v1::SUPPRESSION_REASON_UNSPECIFIED)));
  stream->WritesDone();
  std::vector<blend::v1::ImportSuppressionResult> results;
  blend::v1::ImportSuppressionResult r;
  while (stream->Read(&r)) results.push_back(r);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_THAT(results, SizeIs(4));
  EXPECT_EQ(results[0].row(), 2);
  EXPECT_TRUE(results[0].accepted());
  EXPECT_FALSE(results[0].duplicate());
  EXPECT_EQ(results[1].row(), 3);
  EXPECT_FALSE(results[1].accepted());
  EXPECT_THAT(results[1].reason(), ::testing::HasSubstr("phone"));
  EXPECT_TRUE(results[2].accepted());
  EXPECT_TRUE(results[2].duplicate()) << "the same number, written nationally";
  EXPECT_EQ(results[2].suppression_id(), results[0].suppression_id());
  EXPECT_FALSE(results[3].accepted());
  EXPECT_THAT(results[3].reason(), ::testing::HasSubstr("reason"));
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE source LIKE 'import:%'"), 1);

  EXPECT_EQ(Put("", "", blend::v1::SUPPRESSION_CHANNEL_ALL, blend::v1::SUPPRESSION_REASON_CRM)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext list_ctx;
  blend::v1::ListSuppressionsRequest list;
  list.set_reason(blend::v1::SUPPRESSION_REASON_DNC);
  blend::v1::ListSuppressionsResponse listed;
  ASSERT_TRUE(consent_->ListSuppressions(&list_ctx, list, &listed).ok());
  ASSERT_THAT(listed.suppressions(), SizeIs(1));
  EXPECT_EQ(listed.suppressions(0).address(), "+12125550100");
}

}  // namespace
}  // namespace blend::orchestrator::testing
