// The blend-orchestrator binary killed with SIGKILL between the commit of a touch and its
// publication: after a restart the touch is published, exactly once.

#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

using CrashTest = OrchestratorTest;

TEST_F(CrashTest, SigkillBetweenCommitAndPublishPublishesOnceAfterRestart) {
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  int port = FreePort();
  {
    // The relay polls once at start-up (empty outbox), then sleeps for an hour: the touch
    // committed below stays unpublished until the process dies.
    Child first(BLEND_ORCHESTRATOR_BIN, ChildArgs(port, "1h"));
    Connect(port);
    // The binary runs on the real clock: without quiet hours the SMS is due now at any time
    // of day (with them, a run after 21:00 UTC would defer it to the next morning).
    PutCampaignWithPolicies("dunning", R"({"quietHours": {"sms": null, "voice": null}})");
    std::string id = Start(StartRequest("dunning", "k1", "cust-crash"));
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM touches"), 1);
    first.Kill(SIGKILL);
  }
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(2)), ::testing::IsEmpty());

  Child second(BLEND_ORCHESTRATOR_BIN, ChildArgs(port));
  Connect(port);
  auto touches = ReadTouches(sms, 1);
  ASSERT_THAT(touches, ::testing::SizeIs(1));
  // Nothing more arrives: published once.
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(3)), ::testing::IsEmpty());
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  second.Kill(SIGTERM);
}

}  // namespace
}  // namespace blend::orchestrator::testing
