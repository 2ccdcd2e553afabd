// sms-worker against the real genesys-sim, PostgreSQL and Kafka: exactly-once effect, dead
// letters, the global quota shared by three replicas, and a 429 storm.

#include <algorithm>
#include <set>
#include "blend/common/testing/child_process.h"
#include "blend/common/testing/ports.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

#include "blend/bus/dead_letter.h"
#include "blend/genesys_sim/testing/workers_test.h"
#include "blend/sms_worker/sms_sender.h"
#include "prometheus/text_serializer.h"

namespace blend::workers_test {
namespace {

using genesys_sim::AuditEntry;
using genesys_sim::AuditFilter;

class SmsWorkerTest : public WorkersTest {
 protected:
  worker::WorkerRuntime& StartSmsReplica(int quota_rpm) {
    return StartReplica(RuntimeConfig(v1::CHANNEL_SMS, quota_rpm), [](worker::WorkerRuntime& rt) {
      return std::make_unique<sms_worker::SmsSender>(rt.genesys(), sms_worker::SmsSenderOptions{});
    });
  }
  std::vector<AuditEntry> SmsAudit() {
    AuditFilter f;
    f.operation = "sms.send";
    f.limit = 100000;
    return sim_->sim().audit().Query(f);
  }
};

std::map<std::string, v1::Disposition> ByTouch(const std::vector<v1::Envelope>& envelopes) {
  std::map<std::string, v1::Disposition> out;
  for (const auto& e : envelopes) out[e.disposition().touch_id()] = e.disposition();
  return out;
}

TEST_F(SmsWorkerTest, RedeliveredTouchReachesGenesysOnceAndRepublishesTheSameDisposition) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  worker::WorkerRuntime& rt = StartSmsReplica(300);
  v1::TouchCommand touch = SmsTouch("redelivered-1", "+12125550100");
  Publish(touch);
  Publish(touch);  // a Kafka redelivery of the same command
  std::vector<v1::Envelope> got = dispositions.WaitFor(2, absl::Seconds(30));
  ASSERT_EQ(got.size(), 2u);
  for (const auto& e : got) {
    EXPECT_EQ(e.disposition().touch_id(), "redelivered-1");
    EXPECT_EQ(e.disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
    EXPECT_FALSE(e.disposition().provider_ids().at("messageId").empty());
  }
  EXPECT_EQ(got[0].disposition().provider_ids().at("messageId"),
            got[1].disposition().provider_ids().at("messageId"));
  EXPECT_EQ(sim_->Sent("sms.send", "redelivered-1"), 1);
  EXPECT_EQ(touch_service_->service().claims("redelivered-1"), 1);
  auto sms = sim_->Admin("GET", "/sim/messages/sms");
  EXPECT_NE(sms.body.find("Invoice INV-redelivered-1 is 30 days overdue."), std::string::npos);
  std::string metrics = prometheus::TextSerializer().Serialize(rt.registry().Collect());
  EXPECT_NE(
      metrics.find(
          "blend_worker_touches_total{channel=\"CHANNEL_SMS\",outcome=\"TOUCH_OUTCOME_SENT\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("blend_genesys_requests_total{endpoint=\"agentless_sms\",status=\"200\"} 1"),
      std::string::npos);
  EXPECT_NE(metrics.find("blend_worker_consumer_lag"), std::string::npos);
}

TEST_F(SmsWorkerTest, MalformedTouchIsDeadLetteredAndDoesNotBlockThePartition) {
  StartSim(genesys_sim::DemoConfig());
  Collector dlq(brokers_, {Topic("blend.touch.sms.dlq")});
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  StartSmsReplica(300);
  ASSERT_TRUE(producer_->ProduceSync(Topic("blend.touch.sms"), "same-key", "not a protobuf").ok());
  v1::TouchCommand touch = SmsTouch("after-garbage", "+12125550101");
  touch.set_journey_id("same-key");
  Publish(touch);
  dlq.WaitFor(1, absl::Seconds(30));
  ASSERT_EQ(dlq.raw().size(), 1u);
  EXPECT_EQ(dlq.raw()[0].payload, "not a protobuf");
  EXPECT_TRUE(bus::FindHeader(dlq.raw()[0].headers, bus::kDlqReason).has_value());
  std::vector<v1::Envelope> got = dispositions.WaitFor(1, absl::Seconds(30));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
}

TEST_F(SmsWorkerTest, RefusedClaimSendsNothingAndReportsTheReason) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  touch_service_->service().Refuse("paid-1", "journey finished: SUCCEEDED");
  touch_service_->service().Refuse("stopped-1", "opted_out");
  StartSmsReplica(300);
  Publish(SmsTouch("paid-1", "+12125550102"));
  Publish(SmsTouch("stopped-1", "+12125550103"));
  auto got = ByTouch(dispositions.WaitFor(2, absl::Seconds(30)));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got["paid-1"].outcome(), v1::TOUCH_OUTCOME_SKIPPED);
  EXPECT_NE(got["paid-1"].reason().find("SUCCEEDED"), std::string::npos);
  EXPECT_EQ(got["stopped-1"].outcome(), v1::TOUCH_OUTCOME_OPTED_OUT);
  EXPECT_EQ(SmsAudit().size(), 0u);
}

TEST_F(SmsWorkerTest, TemplateWithAHoleFailsTheTouchWithoutSending) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  StartSmsReplica(300);
  v1::TouchCommand touch = SmsTouch("hole-1", "+12125550104");
  (*touch.mutable_parameters()->mutable_fields())["text"].set_string_value("Pay {{amount}}");
  Publish(touch);
  auto got = dispositions.WaitFor(1, absl::Seconds(30));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].disposition().outcome(), v1::TOUCH_OUTCOME_FAILED);
  EXPECT_NE(got[0].disposition().reason().find("amount"), std::string::npos);
  EXPECT_EQ(SmsAudit().size(), 0u);
}

// Three replicas, one quota of 120 requests/minute, more work queued than that.
TEST_F(SmsWorkerTest, ThreeReplicasShareOneQuotaWithoutEverExceedingIt) {
  constexpr int kQuota = 120;
  genesys_sim::SimConfig config = genesys_sim::DemoConfig();
  config.requests_per_minute = kQuota;  // Genesys's own limit: a 429 if Blend ever exceeds it
  StartSim(config);
  for (int i = 0; i < 3; ++i) StartSmsReplica(kQuota);
  WaitForAssignment(4);
  constexpr int kTouches = 150;
  for (int i = 0; i < kTouches; ++i) {
    Publish(SmsTouch("q-" + std::to_string(i), "+1212555" + std::to_string(1000 + i)));
  }
  // Run a little over one minute of sending, with work queued the whole time.
  absl::Time deadline = absl::Now() + absl::Seconds(90);
  absl::Time first = absl::InfiniteFuture();
  while (absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(500));
    std::vector<AuditEntry> audit = SmsAudit();
    if (!audit.empty()) first = audit.front().time;
    if (absl::Now() > first + absl::Seconds(61)) break;
  }
  StopReplicas();
  std::vector<AuditEntry> audit = SmsAudit();
  ASSERT_FALSE(audit.empty());
  int in_first_minute = 0, rejected = 0;
  std::set<std::string> touches;
  for (const AuditEntry& e : audit) {
    if (e.status == 429) ++rejected;
    if (e.status == 200 && e.time < first + absl::Seconds(60)) ++in_first_minute;
    if (e.status == 200) {
      EXPECT_TRUE(touches.insert(e.touch_id).second) << "sent twice: " << e.touch_id;
    }
  }
  int64_t max_window = sim_->sim().audit().MaxInWindow("demo-client", absl::Seconds(60));
  std::cout << "quota " << kQuota
            << "/min, 3 replicas: max requests in any 60 s window = " << max_window
            << ", sent in the first minute = " << in_first_minute << ", 429 answers = " << rejected
            << "\n";
  RecordProperty("max_requests_in_60s", static_cast<int>(max_window));
  RecordProperty("sent_in_first_minute", in_first_minute);
  EXPECT_LE(max_window, kQuota);
  EXPECT_EQ(rejected, 0);
  EXPECT_LT(static_cast<int>(touches.size()), kTouches) << "work must stay queued all minute";
  EXPECT_GE(in_first_minute, kQuota * 95 / 100) << "quota under-used while work was queued";
}

// A 429 storm pauses every replica for Retry-After; nothing is lost or sent twice.
TEST_F(SmsWorkerTest, RateLimitStormPausesAllReplicasThenEverythingIsSentOnce) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  for (int i = 0; i < 3; ++i) StartSmsReplica(600);
  WaitForAssignment(4);
  genesys_sim::FaultConfig storm;
  storm.storm_429_for = absl::Seconds(4);
  storm.path_prefix = "/api/v2/conversations";
  sim_->sim().faults().Set(storm);
  constexpr int kTouches = 30;
  for (int i = 0; i < kTouches; ++i) {
    Publish(SmsTouch("s-" + std::to_string(i), "+1212556" + std::to_string(1000 + i)));
  }
  auto got = ByTouch(dispositions.WaitFor(kTouches, absl::Seconds(60)));
  EXPECT_EQ(got.size(), static_cast<size_t>(kTouches));
  for (const auto& [id, d] : got) EXPECT_EQ(d.outcome(), v1::TOUCH_OUTCOME_SENT) << id;
  std::vector<AuditEntry> audit = SmsAudit();
  std::map<std::string, int> sent;
  absl::Time first_429 = absl::InfiniteFuture(), first_ok_after = absl::InfiniteFuture();
  int storm_answers = 0;
  for (const AuditEntry& e : audit) {
    if (e.status == 429) {
      ++storm_answers;
      first_429 = std::min(first_429, e.time);
    }
    if (e.status == 200) ++sent[e.touch_id];
  }
  for (const AuditEntry& e : audit) {
    if (e.status == 200 && e.time > first_429) first_ok_after = std::min(first_ok_after, e.time);
  }
  EXPECT_EQ(sent.size(), static_cast<size_t>(kTouches));
  for (const auto& [id, n] : sent) EXPECT_EQ(n, 1) << id;
  ASSERT_GT(storm_answers, 0);
  // Each replica may spend the tokens it already leased (at most a burst each) before it
  // learns of the pause; after that, nobody calls Genesys until Retry-After has passed.
  std::cout << "429 storm: " << storm_answers << " answers of 429, first success "
            << absl::FormatDuration(first_ok_after - first_429) << " after the first 429\n";
  RecordProperty("storm_429_answers", storm_answers);
  EXPECT_LE(storm_answers, 3 * quota::QuotaConfig().burst);
  EXPECT_GE(first_ok_after - first_429, absl::Seconds(3));
  int calls_during_pause = 0;
  for (const AuditEntry& e : audit) {
    if (e.time > first_429 + absl::Milliseconds(1500) && e.time < first_429 + absl::Seconds(3)) {
      ++calls_during_pause;
    }
  }
  EXPECT_EQ(calls_during_pause, 0);
}

#ifdef BLEND_SMS_WORKER_BIN
int FreePort() { return blend::test_support::FreeLoopbackPort(); }

// The real binary: flags, composition root, and a clean exit on SIGTERM after draining.
TEST_F(SmsWorkerTest, BinarySendsATouchAndExitsCleanlyOnSigterm) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  const int metrics_port = FreePort();
  std::vector<std::string> args = {
      BLEND_SMS_WORKER_BIN,
      "--kafka-brokers=" + brokers_,
      "--pg-url=" + db_->url(),
      "--orchestrator-addr=" + touch_service_->address(),
      "--genesys-api-url=" + sim_->url(),
      "--topic-prefix=" + prefix_,
      "--group-id=" + prefix_ + "blend-sms-worker",  // the test's own group (RuntimeConfig)
      "--metrics-addr=127.0.0.1:" + std::to_string(metrics_port),
      "--log-level=warn",
      "--kafka-session-timeout=6s"};
  auto worker = test_support::ChildProcess::Spawn("blend-sms-worker", args);
  ASSERT_TRUE(worker.ok()) << worker.status();
  Publish(SmsTouch("binary-1", "+12125550105"));
  auto got = dispositions.WaitFor(1, absl::Seconds(40));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(sim_->Sent("sms.send", "binary-1"), 1);
  httplib::Client admin("127.0.0.1", metrics_port);
  auto ready = admin.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find(
          "blend_worker_touches_total{channel=\"CHANNEL_SMS\",outcome=\"TOUCH_OUTCOME_SENT\"} 1"),
      std::string::npos);
  EXPECT_NE(metrics->body.find("blend_quota_"), std::string::npos);
  absl::StatusOr<int> code = (*worker)->Terminate(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}
#endif

}  // namespace
}  // namespace blend::workers_test
