#pragma once

// The orchestrator's integration-test fixture: a fresh PostgreSQL database (BLEND_PG_URL) and
// unique Kafka topic names / group ids (BLEND_KAFKA_BROKERS) per test, an in-process
// Orchestrator on a FakeClock, gRPC stubs, and helpers to read touch commands and publish
// dispositions / customer events. Missing variables FAIL the test (never skip).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/bus/topics.h"
#include "blend/common/clock.h"
#include "blend/common/ids.h"
#include "blend/common/testing/child_process.h"
#include "blend/common/testing/env.h"
#include "blend/common/testing/ports.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/orchestrator.h"
#include "blend/store/testing/test_database.h"
#include "blend/v1/journey_service.grpc.pb.h"
#include "blend/v1/touch_service.grpc.pb.h"

namespace blend::orchestrator::testing {

using test_support::RequireEnv;

// The seed campaign (examples/seed-collections/campaign.json) as a PutCampaign request's
// campaign, under `id`, its 24-hour wait set to `wait_seconds`.
blend::v1::Campaign SeedCampaign(const std::string& id, int wait_seconds = 86400);

// 15:00 UTC on a Monday: inside the 08:00-21:00 window in London (the test phone's zone).
inline absl::Time TestStart() { return absl::FromUnixSeconds(1767625200); }  // 2026-01-05T15:00Z

// A start request for `customer` (a London phone and zone), idempotency key `key`.
blend::v1::StartJourneyRequest StartRequest(const std::string& campaign, const std::string& key,
                                            const std::string& customer);

// Polls `pred` every 50 ms until it holds or `timeout` passes.
template <typename Pred>
bool WaitUntil(Pred pred, absl::Duration timeout = absl::Seconds(30)) {
  return test_support::Eventually(pred, timeout);
}

inline int FreePort() { return test_support::FreeLoopbackPort(); }

// A blend-orchestrator child process (`binary`, the test's BLEND_ORCHESTRATOR_BIN) with
// `args`, SIGKILLed on destruction.
class Child {
 public:
  Child(const std::string& binary, const std::vector<std::string>& args);
  // Sends `signal` and waits for the process to end.
  void Kill(int signal);

 private:
  std::unique_ptr<test_support::ChildProcess> process_;
};

class OrchestratorTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  OrchestratorConfig Config();

  Orchestrator& StartOrchestrator(OrchestratorConfig cfg);

  Orchestrator& StartOrchestrator() { return StartOrchestrator(Config()); }

  // Flags for a blend-orchestrator child on this test's database and topics.
  std::vector<std::string> ChildArgs(int port, const std::string& outbox_poll = "20ms");

  // Points journeys_ / touches_ at a child's port once it accepts connections.
  void Connect(int port);

  std::string Topic(const std::string& name) { return prefix_ + name; }

  bus::Consumer& Subscribe(const std::vector<std::string>& topics);

  // Reads envelopes from `consumer` until `count` touch commands arrived or the timeout.
  std::vector<blend::v1::TouchCommand> ReadTouches(bus::Consumer& consumer, size_t count,
                                                   absl::Duration timeout = absl::Seconds(30));

  void PublishDisposition(const blend::v1::TouchCommand& touch, blend::v1::TouchOutcome outcome,
                          const std::string& message_id, bool wait = true);

  blend::v1::Journey GetJourney(const std::string& id);

  // The seed campaign (examples/seed-collections/campaign.json) under `id`.
  std::string PutSeedCampaign(const std::string& id);

  // The seed campaign with these policies (choiceOnMissingVariable "default" added unless set).
  std::string PutCampaignWithPolicies(const std::string& id, const std::string& policies_json);

  std::string Start(const blend::v1::StartJourneyRequest& req);

  blend::v1::ClaimTouchResponse Claim(const std::string& touch_id);

  blend::v1::SendCustomerEventResponse SendEvent(const std::string& customer,
                                                 const std::string& type,
                                                 const std::string& event_id);

  // The touch as the orchestrator stored it at emission (what ClaimTouch hands a worker); the
  // bus copy only names it.
  blend::v1::TouchCommand StoredTouch(const std::string& touch_id);

  int64_t Count(const std::string& sql);

  // What is left in the outbox, grouped by attempts, lease and last error: a failure message.
  std::string OutboxState();

  // Value of a counter (or sample count of a histogram) with exactly these labels; -1 if absent.
  double MetricValue(const std::string& name,
                     const std::map<std::string, std::string>& labels = {});

  int CountHistory(const blend::v1::Journey& j, const std::string& kind);

  std::string brokers_;
  std::string prefix_;
  FakeClock clock_;
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<bus::Producer> producer_;
  std::vector<std::unique_ptr<bus::Consumer>> consumers_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::unique_ptr<Orchestrator>> orchestrators_;
  std::unique_ptr<blend::v1::JourneyService::Stub> journeys_;
  std::unique_ptr<blend::v1::TouchService::Stub> touches_;
};

}  // namespace blend::orchestrator::testing
