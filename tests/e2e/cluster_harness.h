#pragma once

// The end-to-end harness: the five real binaries (blend-genesys-sim, blend-orchestrator,
// blend-sms-worker, blend-dialer-worker, blend-email-worker) as child processes on free
// loopback ports, against the PostgreSQL and Kafka of `scripts/cluster up` (BLEND_PG_URL,
// BLEND_KAFKA_BROKERS; missing variables FAIL the test, never skip it). Every fixture gets a
// fresh database and a unique topic prefix / consumer groups, so tests never see each other's
// data and may run in parallel.
//
// Lifecycle: SetUp() prepares the database and a temporary folder; the test starts the
// services (StartCluster(), or StartSim() then StartServices() when it must change the
// simulator first); TearDown() sends SIGTERM to every child (workers first, the simulator
// last) and expects exit code 0. Each child's stdout+stderr goes to <tmp>/<name>.log; when
// the test failed, the tail of every log is printed and the folder is kept.
// Not thread-safe: one test thread drives it.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/testing/child_process.h"
#include "blend/common/testing/env.h"
#include "blend/store/testing/test_database.h"
#include "blend/v1/consent_service.grpc.pb.h"
#include "blend/v1/journey_service.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace blend::e2e {

// A service binary as a child process, its stdout and stderr appended to a log file.
using test_support::ChildProcess;

// A small client of genesys-sim's admin API (/sim/...), over cpp-httplib.
struct HttpResult {
  int status = 0;  // 0: no answer
  nlohmann::json body;
};

// One row of GET /sim/audit.
struct AuditEntry {
  int64_t seq = 0;
  absl::Time time;
  std::string method;
  std::string path;
  std::string operation;
  std::string client_id;
  int status = 0;
  std::string touch_id;
  std::string to_address;
  std::string outcome;  // precall.evaluate only: dial, skip, error-skip, error-dial
};

// What a fixture may change before the services start. Defaults: a generous rate limit and
// quota, a short dial delay, the DNC mirror and write-back every second.
struct ClusterOptions {
  int sim_rate_limit_per_minute = 6000;
  int quota_rpm = 6000;
  int quota_burst = 0;  // 0: the workers' default
  std::string dial_delay = "300ms";
  // Overlay on the simulator's demo defaults (its --config file), e.g. {"smsReplies": []}.
  nlohmann::json sim_config = nlohmann::json::object();
  std::string dnc_refresh_interval = "1s";
  std::string dnc_push_interval = "1s";
  std::string log_level = "info";
  // Replicas of blend-sms-worker (one consumer group; they share the quota through PostgreSQL).
  int sms_worker_replicas = 1;
  // The dial-time check: genesys-sim's pre-call rule asks the dialer's POST /v1/dial-check
  // (Basic auth) before each dial and skips what Blend refuses (docs/dial-time-check.md).
  bool dial_check = true;
};

inline constexpr char kDialCheckUser[] = "e2e-precall";
inline constexpr char kDialCheckPassword[] = "e2e-precall-secret";

// Policies without quiet hours (the tests run on the real clock at any time of day).
inline constexpr char kPolicies[] = R"json({
  "choiceOnMissingVariable": "default",
  "exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}],
  "quietHours": {"sms": null, "voice": null, "email": null},
  "genesys": {"contactListId": "demo-contacts", "dncListId": "demo-dnc",
              "smsFromNumber": "+18005550199", "emailFromAddress": "collections@demo.example.com",
              "oauthClient": "demo-client"}
})json";

// One call, its outcome in $.call.
inline constexpr char kCallOnly[] = R"json({
  "StartAt": "Call",
  "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "ResultPath": "$.call", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  ClusterOptions options_;  // change before StartSim()/StartCluster()

  void StartCluster() {
    StartSim();
    StartServices();
  }
  void StartSim();
  // The orchestrator, then the three workers; each must answer /readyz.
  void StartServices();

  // --- simulator admin API ---
  HttpResult SimGet(const std::string& path_and_query);
  HttpResult SimSend(const std::string& method, const std::string& path,
                     const nlohmann::json& body);
  // GET /sim/audit with these query parameters (limit 100000 unless given).
  std::vector<AuditEntry> Audit(const std::vector<std::pair<std::string, std::string>>& query);
  // Successful (status 200) `operation` requests carrying `touch_id`.
  std::vector<AuditEntry> SentTouches(const std::string& operation, const std::string& touch_id);
  // Audit entries of sms.send / contacts.add / email.send whose touch belongs to `journey_id`.
  std::vector<AuditEntry> TouchRequestsOf(const std::string& journey_id);
  // The touch id of the voice insertion (contacts.add, 200) of `journey_id`; "" when none
  // arrived within 30 s.
  std::string InsertedTouch(const std::string& journey_id);
  // GET /sim/calls entries whose phoneNumber is `phone`.
  std::vector<nlohmann::json> CallsTo(const std::string& phone);

  // --- JourneyService ---
  void PutCampaign(const std::string& id, const std::string& definition_json,
                   const std::string& policies_json = kPolicies,
                   const std::map<std::string, std::string>& aliases = {});
  static v1::StartJourneyRequest JourneyRequest(const std::string& campaign,
                                                const std::string& customer,
                                                const std::string& phone);
  grpc::Status StartJourney(const v1::StartJourneyRequest& request,
                            v1::StartJourneyResponse* response);
  v1::Journey GetJourney(const std::string& id);
  // Polls GetJourney every 100 ms until `done` holds; the last journey read. Adds a failure
  // (with the journey) when the deadline passes.
  v1::Journey WaitForJourney(const std::string& id,
                             const std::function<bool(const v1::Journey&)>& done,
                             absl::Duration timeout = absl::Seconds(45));
  v1::Journey WaitForStatus(const std::string& id, v1::JourneyStatus status,
                            absl::Duration timeout = absl::Seconds(45));
  v1::SendCustomerEventResponse SendPayment(const std::string& customer,
                                            const std::string& event_id);
  v1::JourneyService::Stub& journeys() { return *journeys_; }
  v1::ConsentService::Stub& consent() { return *consent_; }

  // --- journey histories ---
  static bool Entered(const v1::Journey& j, const std::string& state);
  static int CountKind(const v1::Journey& j, const std::string& kind);
  // Time of the first history entry of `kind` in `state` ("" = any state); InfinitePast if none.
  static absl::Time HistoryTime(const v1::Journey& j, const std::string& kind,
                                const std::string& state = "");
  // Touch ids the journey emitted in `state` (from its touch_emitted history entries).
  static std::vector<std::string> TouchIds(const v1::Journey& j, const std::string& state);

  // --- metrics ---
  // Sum of the samples of `metric` whose labels include all of `labels`, scraped from the
  // /metrics of child `child` ("genesys-sim", "orchestrator", "sms-worker-0", "dialer-worker",
  // "email-worker"); 0 when no series matches.
  double Metric(const std::string& child, const std::string& metric,
                const std::map<std::string, std::string>& labels = {});

  // Polls `pred` every `interval`; true once it holds, false after `timeout`.
  static bool Eventually(const std::function<bool()>& pred,
                         absl::Duration timeout = absl::Seconds(30),
                         absl::Duration interval = absl::Milliseconds(100)) {
    return test_support::Eventually(pred, timeout, interval);
  }

  const std::string& prefix() const { return prefix_; }
  const std::string& tmp_dir() const { return tmp_dir_; }
  std::string db_url() const { return db_ ? db_->url() : ""; }

 private:
  // The started child (owned by the fixture), or nullptr and a failure.
  ChildProcess* Spawn(const std::string& name, std::vector<std::string> argv);
  void StartOrchestrator();
  void StartWorkers();
  // Waits until http://127.0.0.1:<port>/readyz answers 200 while the child keeps running.
  void WaitReady(ChildProcess& child, int metrics_port, absl::Duration timeout);
  std::vector<std::string> WorkerArgs(const std::string& service, int metrics_port);

  std::string brokers_;
  std::string prefix_;
  std::string tmp_dir_;
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::vector<std::unique_ptr<ChildProcess>> children_;
  std::map<std::string, int> metrics_ports_;  // by child name
  int sim_port_ = 0;
  int dialer_http_port_ = 0;
  int orchestrator_port_ = 0;
  std::unique_ptr<v1::JourneyService::Stub> journeys_;
  std::unique_ptr<v1::ConsentService::Stub> consent_;
};

}  // namespace blend::e2e
