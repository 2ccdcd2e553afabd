// cost_curve_touches: the SMS worker's memory while a large queue of touches drains at the
// Genesys quota. Touches are real: journeys of a one-SMS campaign are started through
// StartJourneys, the orchestrator writes each touch and publishes it to blend.touch.sms from
// its outbox, and the worker claims each one at the orchestrator before it calls genesys-sim.
//   queued = touches published (started - still in the outbox) - touches claimed.
// The worker's RSS (/proc/<pid>/status) is read every --sample-seconds; the figures are the
// samples where the queue first reached 0, each --marks value and its maximum, and the last
// one after --drain-seconds of draining. The last line of the output is one JSON object.

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "blend/cost_curve/load.h"
#include "blend/cost_curve/measure.h"
#include "blend/cost_curve/probe.h"
#include "campaigns.h"

namespace {

using namespace blend;              // NOLINT: a driver program
using namespace blend::cost_curve;  // NOLINT

struct Sample {
  double t = 0;  // seconds since the first start
  int64_t started = 0, published = 0, claimed = 0, queued = 0;
  std::optional<double> lag;  // the worker's blend_worker_consumer_lag, summed
  std::optional<ProcessMemory> worker, orchestrator;
};

std::string Mb(const std::optional<ProcessMemory>& m) { return m ? JsonNumber(m->rss_mb) : "null"; }

}  // namespace

int main(int argc, char** argv) {
  std::string addr, pg_url, worker_metrics;
  int worker_pid = 0, orchestrator_pid = 0;
  int64_t touches = 500000, stream_rows = 10000;
  std::vector<int64_t> marks{100000};
  double drain_seconds = 120, sample_seconds = 2, quota_rpm = 0;
  CLI::App app{
      "SMS worker RSS while a queue of touches (made by real journeys) drains at the "
      "quota. Needs a running orchestrator, sms-worker and genesys-sim "
      "(bench/cost-curve/run starts everything)."};
  app.add_option("--orchestrator-addr", addr, "orchestrator gRPC host:port")
      ->envname("BLEND_ORCHESTRATOR_ADDR")
      ->required();
  app.add_option("--pg-url", pg_url, "the orchestrator's database")
      ->envname("BLEND_PG_URL")
      ->required();
  app.add_option("--worker-pid", worker_pid, "the sms-worker's process id")->required();
  app.add_option("--worker-metrics", worker_metrics, "the sms-worker's metrics host:port");
  app.add_option("--orchestrator-pid", orchestrator_pid, "also sample the orchestrator's RSS");
  app.add_option("--touches", touches, "journeys to start, one SMS touch each")
      ->capture_default_str();
  app.add_option("--marks", marks, "queue sizes at which the RSS is reported")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--drain-seconds", drain_seconds,
                 "keep sampling this long after every touch is published")
      ->capture_default_str();
  app.add_option("--sample-seconds", sample_seconds, "sampling period")->capture_default_str();
  app.add_option("--quota-rpm", quota_rpm, "the workers' quota, printed beside the drain rate");
  app.add_option("--stream-rows", stream_rows, "rows per StartJourneys stream")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines appear as they happen, also through tee
  std::sort(marks.begin(), marks.end());

  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto stub = v1::JourneyService::NewStub(channel);
  {
    grpc::ClientContext ctx;
    v1::PutCampaignRequest req;
    req.mutable_campaign()->set_campaign_id("sms-queue");
    req.mutable_campaign()->set_definition_json(kSmsDefinition);
    req.mutable_campaign()->set_policies_json(kPolicies);
    v1::PutCampaignResponse resp;
    const grpc::Status s = stub->PutCampaign(&ctx, req, &resp);
    if (!s.ok()) {
      std::cerr << "PutCampaign: " << s.error_message() << "\n";
      return 1;
    }
  }
  pqxx::connection db(pg_url);
  std::atomic<int64_t> answered{0};
  const absl::Time t0 = absl::Now();
  auto sample = [&] {
    Sample s;
    s.t = absl::ToDoubleSeconds(absl::Now() - t0);
    s.started = answered.load();
    s.published = s.started - PgScalar(db, "SELECT count(*) FROM outbox");
    s.claimed = PgScalar(db, "SELECT count(*) FROM touches WHERE claimed_at IS NOT NULL");
    s.queued = std::max<int64_t>(0, s.published - s.claimed);
    if (!worker_metrics.empty()) {
      if (auto text = HttpGet(worker_metrics, "/metrics")) {
        s.lag = SumMetric(*text, "blend_worker_consumer_lag");
      }
    }
    s.worker = ReadProcessMemory(worker_pid);
    if (orchestrator_pid > 0) s.orchestrator = ReadProcessMemory(orchestrator_pid);
    std::printf(
        "%7.1f s  started %7lld  published %7lld  claimed %6lld  queued %7lld  "
        "lag %8s  worker RSS %6s MB (peak %s)  orchestrator RSS %s MB\n",
        s.t, static_cast<long long>(s.started), static_cast<long long>(s.published),
        static_cast<long long>(s.claimed), static_cast<long long>(s.queued),
        JsonNumber(s.lag, 0).c_str(), Mb(s.worker).c_str(),
        s.worker ? JsonNumber(s.worker->hwm_mb).c_str() : "null", Mb(s.orchestrator).c_str());
    std::fflush(stdout);
    return s;
  };

  // The worker is up and subscribed to an empty topic.
  const Sample at_zero = sample();
  StartStats start;
  std::thread starter([&] {
    start = StartJourneys(
        *stub,
        [](int64_t i) {
          v1::StartJourneyRequest r;
          r.set_campaign_id("sms-queue");
          r.set_client_key(absl::StrCat("s-", i));
          r.mutable_customer()->set_customer_id(absl::StrCat("s", i));
          r.mutable_customer()->set_phone_e164("+442079460958");
          r.set_row(i);
          return r;
        },
        0, touches, stream_rows, &answered);
  });
  std::vector<std::optional<Sample>> at_mark(marks.size());
  Sample max_queued = at_zero, peak_rss = at_zero, last = at_zero;
  std::optional<absl::Time> all_published;
  bool starting = true;
  while (true) {
    absl::SleepFor(absl::Seconds(sample_seconds));
    last = sample();
    for (size_t i = 0; i < marks.size(); ++i) {
      if (!at_mark[i] && last.queued >= marks[i]) at_mark[i] = last;
    }
    if (last.queued >= max_queued.queued) max_queued = last;
    if (last.worker && (!peak_rss.worker || last.worker->rss_mb > peak_rss.worker->rss_mb)) {
      peak_rss = last;
    }
    if (starting && answered.load() + start.rejected >= touches) {
      starter.join();
      starting = false;
    }
    if (!starting && !all_published && last.published >= start.accepted) {
      all_published = absl::Now();
      std::printf("every touch published after %.1f s; draining for %.0f s\n",
                  absl::ToDoubleSeconds(*all_published - t0), drain_seconds);
    }
    if (all_published && absl::Now() - *all_published >= absl::Seconds(drain_seconds)) break;
    if (!last.worker) {
      std::printf("the worker process is gone\n");
      break;
    }
  }
  if (starting) starter.join();
  const double drain_per_min = all_published ? (last.claimed - max_queued.claimed) * 60.0 /
                                                   std::max(1.0, last.t - max_queued.t)
                                             : 0;
  std::printf("started %lld journeys in %.1f s (%.0f/s), %lld rejected%s\n",
              static_cast<long long>(start.accepted), absl::ToDoubleSeconds(start.elapsed),
              start.accepted / std::max(1e-9, absl::ToDoubleSeconds(start.elapsed)),
              static_cast<long long>(start.rejected),
              start.rejected ? absl::StrCat(" (first: ", start.first_reject, ")").c_str() : "");
  std::printf("drain: %.0f touches/min claimed after the queue peaked (quota %.0f/min)\n",
              drain_per_min, quota_rpm);
  std::vector<std::string> fields = {
      absl::StrCat("\"benchmark\": \"cost_curve_touches\", \"touches\": ", start.accepted),
      absl::StrCat("\"worker_rss_mb_at_0\": ", Mb(at_zero.worker))};
  for (size_t i = 0; i < marks.size(); ++i) {
    fields.push_back(absl::StrCat("\"worker_rss_mb_at_", marks[i],
                                  "\": ", at_mark[i] ? Mb(at_mark[i]->worker) : "null"));
  }
  fields.push_back(absl::StrCat("\"queued_max\": ", max_queued.queued,
                                ", \"worker_rss_mb_at_max\": ", Mb(max_queued.worker)));
  fields.push_back(absl::StrCat("\"worker_rss_mb_end\": ", Mb(last.worker),
                                ", \"worker_rss_mb_peak\": ", Mb(peak_rss.worker),
                                ", \"queued_end\": ", last.queued));
  fields.push_back(absl::StrCat("\"drain_per_min\": ", JsonNumber(drain_per_min, 0),
                                ", \"quota_rpm\": ", JsonNumber(quota_rpm, 0)));
  fields.push_back(absl::StrCat("\"orchestrator_rss_mb_end\": ", Mb(last.orchestrator)));
  std::printf("{%s}\n", absl::StrJoin(fields, ", ").c_str());
  return 0;
}
