// Orchestrator throughput on the real PostgreSQL + Kafka named by BLEND_PG_URL /
// BLEND_KAFKA_BROKERS (the server must run with production durability: fsync=on,
// synchronous_commit=on — `scripts/cluster up` without BLEND_PG_FAST):
//   1. journey starts/s through StartJourneys (gRPC stream), counted until every first touch
//      is committed to the outbox AND published to Kafka (outbox empty);
//   2. state transitions/s while the same journeys take a disposition each (consumed from
//      blend.dispositions) and then fire their one-second timers;
//   3. customer events/s: one payment per customer (consumed from blend.customer-events),
//      each ending its journey (the seed's exit event), counted until every journey ended;
//   4. pgbench (TPC-B-like) on the same server as the reference.
// The campaign is the seed (examples/seed-collections/campaign.json) with two changes, made in
// SeedCampaignForBench below.
// Usage: orchestrator_bench [journeys=20000] [pgbench_seconds=20] [threads=2]
//   threads: intake consumers and timer pollers each (--intake-threads / --timer-threads).
// The last line of the output is one JSON object: journeys, starts_per_s, transitions_per_s,
// events_per_s, pgbench_tps.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "blend/bus/consumer.h"
#include "blend/common/ids.h"
#include "blend/orchestrator/orchestrator.h"
#include "blend/orchestrator/testing/orchestrator_test.h"
#include "blend/store/testing/test_database.h"
#include "blend/telemetry/log.h"
#include "nlohmann/json.hpp"

namespace {

using namespace blend;  // NOLINT: a driver program

// The seed campaign, changed only where a throughput run needs it:
// - its 24-hour wait takes 1 s, so phase 2 measures the timers firing instead of waiting a day;
// - no quiet hours, so the run measures the same work at any hour of the day (inside quiet
//   hours every touch would be deferred and phase 2 would wait for the morning).
v1::Campaign SeedCampaignForBench() {
  v1::Campaign campaign = orchestrator::testing::SeedCampaign("bench", /*wait_seconds=*/1);
  nlohmann::json policies = nlohmann::json::parse(campaign.policies_json());
  policies["quietHours"] = {{"sms", nullptr}, {"voice", nullptr}};
  campaign.set_policies_json(policies.dump());
  return campaign;
}

// One connection per database for every probe of the run.
int64_t Scalar(const std::string& url, const std::string& sql) {
  static std::map<std::string, std::unique_ptr<pqxx::connection>> connections;
  std::unique_ptr<pqxx::connection>& c = connections[url];
  if (c == nullptr) c = std::make_unique<pqxx::connection>(url);
  pqxx::nontransaction tx(*c);
  return tx.exec(sql)[0][0].as<int64_t>();
}

// Polls `pred` every 250 ms: the probes (a count over a table of 20,000-60,000 rows, ~20 ms of
// the server's CPU each) polled every 20 ms on a new connection took about a third of a core
// from the PostgreSQL under test. The figure can only be late by one interval (≤ 2.5 % of a
// 10 s phase), never early.
template <typename Pred>
absl::Duration WaitFor(absl::Time t0, Pred pred) {
  while (!pred()) absl::SleepFor(absl::Milliseconds(250));
  return absl::Now() - t0;
}

// Produces one record, waiting while the producer's queue is full; delivery is checked by the
// caller's final Flush and by what the orchestrator then applied.
void Produce(bus::Producer& producer, const std::string& topic, const std::string& key,
             const v1::Envelope& env) {
  while (!producer
              .Produce({topic, key, env.SerializeAsString(), {}},
                       [](const absl::Status&, const bus::DeliveryReport&) {})
              .ok()) {
    (void)producer.Flush(absl::Milliseconds(100));
  }
}

std::string PgBench(const std::string& server_url, int seconds) {
  std::string bin = "/usr/lib/postgresql/15/bin/pgbench";
  std::string cmd = absl::StrCat(bin, " -q -i -s 10 '", server_url, "' >/dev/null 2>&1 && ", bin,
                                 " -c 8 -j 2 -T ", seconds, " '", server_url,
                                 "' 2>/dev/null | grep -E 'tps|latency average'");
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out;
}

// The "tps = 1234.5 (without initial connection time)" figure of pgbench's output.
std::optional<double> PgBenchTps(const std::string& out) {
  const size_t at = out.find("tps = ");
  if (at == std::string::npos) return std::nullopt;
  double tps = 0;
  if (!absl::SimpleAtod(out.substr(at + 6, out.find(' ', at + 6) - at - 6), &tps)) {
    return std::nullopt;
  }
  return tps;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int pgbench_seconds = argc > 2 ? std::atoi(argv[2]) : 20;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  log::SetLevel(log::Level::kWarn);
  const char* brokers = std::getenv("BLEND_KAFKA_BROKERS");
  auto db = store::testing::TestDatabase::CreateFromEnv();
  if (!db.ok() || brokers == nullptr) {
    std::cerr << "needs BLEND_PG_URL and BLEND_KAFKA_BROKERS (scripts/cluster up)\n";
    return 2;
  }
  std::cout << "fsync=" << Scalar((*db)->url(), "SELECT (current_setting('fsync') = 'on')::int")
            << " synchronous_commit="
            << Scalar((*db)->url(), "SELECT (current_setting('synchronous_commit') = 'on')::int")
            << "\n";
  orchestrator::OrchestratorConfig cfg;
  cfg.grpc_addr = "127.0.0.1:0";
  cfg.pg_url = (*db)->url();
  cfg.kafka_brokers = brokers;
  cfg.topic_prefix = absl::StrCat("bench", NewUuid().substr(0, 6), ".");
  cfg.consumer_group = cfg.topic_prefix + "orchestrator";
  cfg.outbox_poll = absl::Milliseconds(5);
  cfg.timer_poll = absl::Milliseconds(20);
  cfg.intake_threads = threads;
  cfg.timer_threads = threads;
  auto orch = orchestrator::Orchestrator::Create(cfg, RealClock::Instance(),
                                                 std::make_shared<prometheus::Registry>());
  if (!orch.ok()) {
    std::cerr << orch.status() << "\n";
    return 1;
  }
  (*orch)->Start();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*orch)->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::JourneyService::NewStub(channel);
  {
    grpc::ClientContext ctx;
    v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaignForBench();
    v1::PutCampaignResponse resp;
    if (!stub->PutCampaign(&ctx, req, &resp).ok()) return 1;
  }

  // 1. Starts.
  absl::Time t0 = absl::Now();
  {
    grpc::ClientContext ctx;
    auto stream = stub->StartJourneys(&ctx);
    std::thread reader([&] {
      v1::StartJourneyResult r;
      while (stream->Read(&r)) {
      }
    });
    for (int i = 0; i < n; ++i) {
      v1::StartJourneyRequest r;
      r.set_campaign_id("bench");
      r.set_client_key(absl::StrCat("k", i));
      r.mutable_customer()->set_customer_id(absl::StrCat("c", i));
      r.mutable_customer()->set_phone_e164("+442079460958");
      r.set_row(i);
      stream->Write(r);
    }
    stream->WritesDone();
    reader.join();
    (void)stream->Finish();
  }
  absl::Duration committed = absl::Now() - t0;
  absl::Duration published =
      WaitFor(t0, [&] { return Scalar((*db)->url(), "SELECT count(*) FROM outbox") == 0; });
  std::printf("starts: %d journeys committed in %.2f s (%.0f/s), published in %.2f s (%.0f/s)\n", n,
              absl::ToDoubleSeconds(committed), n / absl::ToDoubleSeconds(committed),
              absl::ToDoubleSeconds(published), n / absl::ToDoubleSeconds(published));

  // 2. Transitions: one SENT disposition per SMS touch, then the 1 s timers fire.
  int64_t entered_before =
      Scalar((*db)->url(), "SELECT count(*) FROM journey_history WHERE kind = 'StateEntered'");
  auto& producer = (*orch)->producer();
  std::vector<std::pair<std::string, std::string>> touches;  // touch id, journey id
  {
    pqxx::connection c((*db)->url());
    pqxx::nontransaction tx(c);
    for (const auto& row : tx.exec("SELECT touch_id, journey_id FROM touches")) {
      touches.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    }
  }
  absl::Time t1 = absl::Now();
  for (const auto& [touch, journey] : touches) {
    v1::Envelope env;
    env.set_message_id("d-" + touch);
    env.mutable_disposition()->set_touch_id(touch);
    env.mutable_disposition()->set_outcome(v1::TOUCH_OUTCOME_SENT);
    Produce(producer, cfg.topic_prefix + "blend.dispositions", journey, env);
  }
  (void)producer.Flush(absl::Seconds(60));
  absl::Duration applied = WaitFor(t1, [&] {
    return Scalar((*db)->url(), "SELECT count(*) FROM touches WHERE channel = 2") == n;
  });
  int64_t transitions =
      Scalar((*db)->url(), "SELECT count(*) FROM journey_history WHERE kind = 'StateEntered'") -
      entered_before;
  std::printf(
      "transitions: %lld states entered in %.2f s (%.0f/s) for %d dispositions + %d timers\n",
      static_cast<long long>(transitions), absl::ToDoubleSeconds(applied),
      transitions / absl::ToDoubleSeconds(applied), n, n);

  // 3. Customer events: a payment per customer ends its journey (waiting at its voice Task).
  absl::Time t2 = absl::Now();
  for (int i = 0; i < n; ++i) {
    const std::string customer = absl::StrCat("c", i);
    v1::Envelope env;
    env.set_message_id("pay-" + customer);
    v1::CustomerEvent& ev = *env.mutable_customer_event();
    ev.set_event_id("pay-" + customer);
    ev.set_customer_id(customer);
    ev.set_type("payment.received");
    Produce(producer, cfg.topic_prefix + "blend.customer-events", customer, env);
  }
  (void)producer.Flush(absl::Seconds(60));
  absl::Duration ended = WaitFor(t2, [&] {
    return Scalar((*db)->url(), "SELECT count(*) FROM journeys WHERE status = 2") == n;
  });
  const double events_per_s = n / absl::ToDoubleSeconds(ended);
  std::printf("events: %d payments ended %d journeys in %.2f s (%.0f/s)\n", n, n,
              absl::ToDoubleSeconds(ended), events_per_s);
  (*orch)->Shutdown();

  // 3. The reference.
  const std::string pgbench = PgBench((*db)->url(), pgbench_seconds);
  std::printf("pgbench (TPC-B-like, scale 10, 8 clients, %d s, same server):\n%s", pgbench_seconds,
              pgbench.c_str());

  // 4. One JSON line last, so runs can be compared by a program (the ratios travel between
  // machines; the absolute figures do not). pgbench_tps is null when pgbench printed no tps.
  const double starts_per_s = n / absl::ToDoubleSeconds(committed);
  const double transitions_per_s = transitions / absl::ToDoubleSeconds(applied);
  const std::optional<double> tps = PgBenchTps(pgbench);
  std::printf(
      "{\"journeys\": %d, \"starts_per_s\": %.0f, \"transitions_per_s\": %.0f, "
      "\"events_per_s\": %.0f, \"pgbench_tps\": %s}\n",
      n, starts_per_s, transitions_per_s, events_per_s,
      tps ? absl::StrCat(static_cast<int64_t>(*tps)).c_str() : "null");
  return 0;
}
