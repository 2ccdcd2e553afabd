// TouchService.ClaimTouches against the real PostgreSQL: one answer per claim, in request
// order, each what ClaimTouch answers (granted with the stored touch, not issued for a forged
// message, already claimed the second time), and the batch size cap.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

using ::testing::SizeIs;
using Decision = blend::v1::ClaimTouchResponse;

using ClaimBatchTest = OrchestratorTest;

grpc::Status ClaimMany(blend::v1::TouchService::Stub& touches,
                       const std::vector<blend::v1::TouchCommand>& copies,
                       blend::v1::ClaimTouchesResponse* resp) {
  grpc::ClientContext ctx;
  blend::v1::ClaimTouchesRequest req;
  for (const auto& t : copies) {
    auto* claim = req.add_claims();
    claim->set_touch_id(t.touch_id());
    claim->set_worker_id("batch-worker");
    *claim->mutable_touch() = t;
  }
  return touches.ClaimTouches(&ctx, req, resp);
}

TEST_F(ClaimBatchTest, EachClaimOfTheBatchIsAnsweredInOrderAsClaimTouchWould) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  Start(StartRequest("dunning", "k1", "cust-b1"));
  Start(StartRequest("dunning", "k2", "cust-b2"));
  Start(StartRequest("dunning", "k3", "cust-b3"));
  auto touches = ReadTouches(sms, 3);
  ASSERT_THAT(touches, SizeIs(3));
  blend::v1::TouchCommand forged = touches[1];
  forged.mutable_customer()->set_phone_e164("+15550000666");

  blend::v1::ClaimTouchesResponse resp;
  grpc::Status s =
      ClaimMany(*touches_, {touches[2], forged, touches[0], touches[2], touches[1]}, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.results_size(), 5);
  EXPECT_EQ(resp.results(0).decision(), Decision::DECISION_GRANTED) << resp.results(0).reason();
  EXPECT_EQ(resp.results(0).touch().SerializeAsString(),
            StoredTouch(touches[2].touch_id()).SerializeAsString());
  EXPECT_EQ(resp.results(1).decision(), Decision::DECISION_NOT_ISSUED);
  EXPECT_FALSE(resp.results(1).has_touch());
  EXPECT_EQ(resp.results(2).decision(), Decision::DECISION_GRANTED);
  EXPECT_EQ(resp.results(2).touch().touch_id(), touches[0].touch_id());
  EXPECT_EQ(resp.results(3).decision(), Decision::DECISION_ALREADY_CLAIMED)
      << "the same touch twice: the second claim is a re-claim";
  EXPECT_EQ(resp.results(4).decision(), Decision::DECISION_GRANTED)
      << "the forged copy left the real touch alone";
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE status = 'claimed' "
                  "AND claimed_by = 'batch-worker'"),
            3);
  EXPECT_EQ(Claim(touches[0].touch_id()).decision(), Decision::DECISION_ALREADY_CLAIMED)
      << "committed: a later single claim sees the batch's claim";
}

TEST_F(ClaimBatchTest, ABatchAboveTheCapIsInvalidAndAnEmptyOneIsEmpty) {
  StartOrchestrator();
  blend::v1::ClaimTouchesResponse resp;
  std::vector<blend::v1::TouchCommand> many(JourneyRunner::kMaxClaimBatch + 1);
  for (size_t i = 0; i < many.size(); ++i) many[i].set_touch_id("t" + std::to_string(i));
  EXPECT_EQ(ClaimMany(*touches_, many, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status empty = ClaimMany(*touches_, {}, &resp);
  EXPECT_TRUE(empty.ok()) << empty.error_message();
  EXPECT_EQ(resp.results_size(), 0);
}

}  // namespace
}  // namespace blend::orchestrator::testing
