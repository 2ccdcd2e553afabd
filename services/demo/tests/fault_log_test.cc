#include "blend/demo/fault_log.h"

#include <gtest/gtest.h>

#include "blend/common/testing/times.h"

namespace blend::demo {
namespace {

using test_support::At;

TEST(FaultLogTest, ParsesEventsAndSkipsComments) {
  auto events = ParseFaultLog(
      "# scripts/chaos faults\n"
      "2026-01-06T15:00:01.500Z\tkill\tsms-worker-1\tpid=4242\n"
      "2026-01-06T15:00:03Z\tready\tsms-worker-1\n"
      "\n"
      "2026-01-06T15:00:04Z\tsim-faults\tgenesys-sim\t{\"errorRatio\": 0.1}\n");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].time, At("2026-01-06T15:00:01.500Z"));
  EXPECT_EQ((*events)[0].event, "kill");
  EXPECT_EQ((*events)[0].target, "sms-worker-1");
  EXPECT_EQ((*events)[0].detail, "pid=4242");
  EXPECT_EQ((*events)[1].detail, "");
  EXPECT_EQ((*events)[2].detail, "{\"errorRatio\": 0.1}");
}

TEST(FaultLogTest, ABadLineIsNamed) {
  auto events = ParseFaultLog("2026-01-06T15:00:01Z\tkill\tsms-worker-1\nnot a time\tkill\tx\n");
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.status().message().find("line 2"), std::string::npos) << events.status();
}

FaultEvent E(const char* when, const char* event, const char* target) {
  return {At(when), event, target, ""};
}

TEST(FaultLogTest, RecoveryRunsFromEachKillToTheNextReadinessOfThatService) {
  std::vector<FaultEvent> events = {
      E("2026-01-06T15:00:00Z", "kill", "orchestrator-1"),
      E("2026-01-06T15:00:01Z", "kill", "sms-worker-2"),
      E("2026-01-06T15:00:02.500Z", "ready", "sms-worker-2"),  // 1.5 s
      E("2026-01-06T15:00:04Z", "ready", "orchestrator-1"),    // 4 s
      E("2026-01-06T15:00:05Z", "kill", "kafka"),              // infrastructure
      E("2026-01-06T15:00:06Z", "ready", "orchestrator-1"),    // no kill pending: ignored
      E("2026-01-06T15:00:10Z", "kill", "sms-worker-2"),
      E("2026-01-06T15:00:12Z", "ready", "sms-worker-2"),  // 2 s
      E("2026-01-06T15:00:20Z", "ready", "kafka"),         // 15 s
      E("2026-01-06T15:00:30Z", "stop", "postgresql"),
      E("2026-01-06T15:00:33Z", "ready", "postgresql"),     // 3 s
      E("2026-01-06T15:00:40Z", "kill", "email-worker-1"),  // never ready
  };
  Recovery services = RecoveryTimes(events, /*infrastructure=*/false);
  EXPECT_EQ(services.seconds, (std::vector<double>{1.5, 4, 2}));
  EXPECT_EQ(services.unrecovered, 1);
  EXPECT_DOUBLE_EQ(services.p50, 2);
  EXPECT_DOUBLE_EQ(services.max, 4);
  Recovery infra = RecoveryTimes(events, /*infrastructure=*/true);
  EXPECT_EQ(infra.seconds, (std::vector<double>{15, 3}));
  EXPECT_EQ(infra.unrecovered, 0);
  EXPECT_DOUBLE_EQ(infra.p50, 3);
  EXPECT_DOUBLE_EQ(infra.max, 15);
}

TEST(FaultLogTest, AKillBeforeTheLastOneRecoveredCountsAsUnrecovered) {
  Recovery r = RecoveryTimes({E("2026-01-06T15:00:00Z", "kill", "dialer-worker-1"),
                              E("2026-01-06T15:00:01Z", "kill", "dialer-worker-1"),
                              E("2026-01-06T15:00:03Z", "ready", "dialer-worker-1")},
                             false);
  EXPECT_EQ(r.seconds, (std::vector<double>{2}));
  EXPECT_EQ(r.unrecovered, 1);
  EXPECT_EQ(RecoveryTimes({}, false).p50, 0);
}

}  // namespace
}  // namespace blend::demo
