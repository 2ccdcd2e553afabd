// Scenario 7 of docs/architecture.md against the whole local cluster: many journeys started at
// once never push Genesys past its per-client rate limit. The touches queue in Kafka and drain
// at the workers' shared quota; the simulator's audit proves there was no 429 and no minute
// above the limit, and that every SMS went out exactly once.

#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cluster_harness.h"

namespace blend::e2e {
namespace {

// More journeys than the limit allows in a minute, so the quota has to hold the workers back.
// Three SMS-worker replicas (one sends about 15 SMS/s here, a touch at a time) could go
// faster than the limit, so it is the quota, shared through PostgreSQL, that paces them, with
// its defaults (burst 16, one-token leases, unused tokens given back): the busiest minute must
// come close to the limit (>= 95 %), and never exceed it.
constexpr int kJourneys = 1000;
constexpr int kRequestsPerMinute = 900;

constexpr char kBlast[] = R"json({
  "StartAt": "Notify",
  "States": {
    "Notify": {"Type": "Task", "Resource": "blend:sms",
      "Parameters": {"text": "Invoice {{invoice}} is due.", "invoice.$": "$.invoice"},
      "ResultPath": "$.sms", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

class RateLimitTest : public ClusterTest {
 protected:
  // StartJourneys with kJourneys rows; the accepted journey ids in row order.
  std::vector<std::string> StartMany() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto stream = journeys().StartJourneys(&ctx);
    std::vector<v1::StartJourneyResult> results;
    // Results are read while rows are written: neither side may stall on a full window.
    std::thread reader([&] {
      v1::StartJourneyResult r;
      while (stream->Read(&r)) results.push_back(r);
    });
    for (int i = 0; i < kJourneys; ++i) {
      v1::StartJourneyRequest req =
          JourneyRequest("blast", absl::StrCat("bulk-", i), absl::StrFormat("+1212556%04d", i));
      req.set_row(i);
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
    reader.join();
    grpc::Status s = stream->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& r : results) {
      EXPECT_TRUE(r.accepted()) << "row " << r.row() << ": " << r.reason();
      if (r.accepted()) ids.push_back(r.journey_id());
    }
    return ids;
  }
};

TEST_F(RateLimitTest, BulkStartDrainsAtTheQuotaWithoutA429AndSendsEverySmsOnce) {
  options_.sim_rate_limit_per_minute = kRequestsPerMinute;
  options_.quota_rpm = kRequestsPerMinute;  // one OAuth client: one quota for all three workers
  options_.sms_worker_replicas = 3;
  options_.sim_config = {{"smsReplies", nlohmann::json::array()}};
  options_.dnc_refresh_interval = "20s";  // the DNC mirror's requests count too, but are few
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("blast", kBlast);
  absl::Time started = absl::Now();
  std::vector<std::string> ids = StartMany();
  ASSERT_EQ(ids.size(), static_cast<size_t>(kJourneys));
  ASSERT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());

  // Polled through the cheap counters, once a second: fetching the whole audit often would
  // load the simulator and the machine and slow the very flow being measured.
  int64_t requests = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        HttpResult c = SimGet("/sim/audit/counters");
        requests = c.status == 200 ? c.body["byOperation"].value("sms.send", int64_t{0}) : 0;
        return requests >= kJourneys;
      },
      absl::Seconds(100), absl::Seconds(1)))
      << "only " << requests << " of " << kJourneys << " SMS requests after "
      << absl::FormatDuration(absl::Now() - started);
  absl::Duration drained = absl::Now() - started;

  // Every journey's one SMS, exactly once.
  std::vector<AuditEntry> sent = Audit({{"operation", "sms.send"}, {"status", "200"}});
  EXPECT_EQ(sent.size(), static_cast<size_t>(kJourneys));
  std::set<std::string> touches;
  for (const AuditEntry& e : sent) touches.insert(e.touch_id);
  EXPECT_EQ(touches.size(), sent.size()) << "a touch was sent twice";
  std::set<std::string> journeys_sent;
  for (const std::string& t : touches) journeys_sent.insert(t.substr(0, t.find('/')));
  EXPECT_EQ(journeys_sent, std::set<std::string>(ids.begin(), ids.end()));

  // Never a 429, never more than the limit in any 60 s window.
  HttpResult counters = SimGet("/sim/audit/counters");
  ASSERT_EQ(counters.status, 200);
  EXPECT_FALSE(counters.body["byStatus"].contains("429")) << counters.body.dump();
  EXPECT_TRUE(Audit({{"status", "429"}}).empty());
  HttpResult max_rate = SimGet("/sim/audit/max-rate?clientId=demo-client&window=60s");
  ASSERT_EQ(max_rate.status, 200);
  int64_t peak = max_rate.body.value("maxRequests", int64_t{-1});
  EXPECT_LE(peak, kRequestsPerMinute) << max_rate.body.dump();
  // The limit really bound: more SMS than it allows in a minute took more than a minute, and
  // the shared quota delivered nearly all of it. Three runs on a quiet 2-core machine: 881,
  // 892 and one >= 882 of 900 (the bucket allows (900 - 16) / 60.5 s plus its burst of 16, at
  // most 892.7); the floor leaves a little room for a slower machine.
  EXPECT_GT(drained, absl::Seconds(60));
  EXPECT_GE(peak, kRequestsPerMinute * 95 / 100) << max_rate.body.dump();
  std::cerr << "drained " << kJourneys << " SMS in " << absl::FormatDuration(drained)
            << ", busiest 60 s window: " << peak << " requests\n";

  // The workers' and services' own counters agree: every replica sent (one quota between
  // them), none saw a 429, and the simulator limited no one.
  double sent_total = 0;
  for (const char* replica : {"sms-worker-0", "sms-worker-1", "sms-worker-2"}) {
    double sent = Metric(replica, "blend_worker_touches_total",
                         {{"channel", "CHANNEL_SMS"}, {"outcome", "TOUCH_OUTCOME_SENT"}});
    EXPECT_GT(sent, 0) << replica;
    sent_total += sent;
  }
  EXPECT_EQ(sent_total, kJourneys);
  for (const char* child :
       {"sms-worker-0", "sms-worker-1", "sms-worker-2", "dialer-worker", "email-worker"}) {
    EXPECT_EQ(Metric(child, "blend_genesys_requests_total", {{"status", "429"}}), 0) << child;
  }
  EXPECT_EQ(Metric("genesys-sim", "blend_genesys_sim_rate_limited_total"), 0);
  EXPECT_EQ(Metric("orchestrator", "blend_journeys_started_total"), kJourneys);

  // Final states: every journey finished once its SMS was confirmed (the orchestrator's own
  // counter), and a sample of histories shows the one touch each.
  double succeeded = 0;
  EXPECT_TRUE(Eventually(
      [&] {
        succeeded = Metric("orchestrator", "blend_journeys_finished_total",
                           {{"campaign", "blast"}, {"status", "SUCCEEDED"}});
        return succeeded == kJourneys;
      },
      absl::Seconds(20), absl::Milliseconds(500)))
      << succeeded << " journeys succeeded";
  for (size_t i = 0; i < ids.size(); i += 97) {
    v1::Journey j = WaitForStatus(ids[i], v1::JOURNEY_STATUS_SUCCEEDED, absl::Seconds(20));
    EXPECT_EQ(TouchIds(j, "Notify").size(), 1u);
    EXPECT_TRUE(Entered(j, "Done"));
  }
}

}  // namespace
}  // namespace blend::e2e
