// SMS-worker throughput: R `blend-sms-worker` processes drain N touches queued on a Kafka
// topic against genesys-sim (in this process, its rate limit raised out of the way), on the
// real PostgreSQL + Kafka named by BLEND_PG_URL / BLEND_KAFKA_BROKERS (`scripts/cluster up`).
// The claims go to a stand-in TouchService in this process that grants every touch
// (ClaimTouch and ClaimTouches): the figure is the worker's, not the orchestrator's fence.
// Usage: worker_bench [--touches N] [--replicas R] [--k K] [--partitions P] [--log-level L]
// touches/s is counted from the first disposition to the last (the group join before the
// first one is reported apart). The run fails unless every touch was sent exactly once.
// The last line of the output is one JSON object: replicas, touches_per_s, k, touches.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/bus/topics.h"
#include "blend/common/clock.h"
#include "blend/common/ids.h"
#include "blend/common/testing/ports.h"
#include "blend/genesys_sim/config.h"
#include "blend/genesys_sim/http_server.h"
#include "blend/genesys_sim/sim.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/store/testing/test_database.h"
#include "blend/v1/touch_service.grpc.pb.h"
#include "prometheus/registry.h"

extern char** environ;

namespace {

using namespace blend;  // NOLINT: a driver program

// Grants every claim with the claimed message as the stored touch.
class GrantAll final : public v1::TouchService::Service {
 public:
  grpc::Status ClaimTouch(grpc::ServerContext*, const v1::ClaimTouchRequest* request,
                          v1::ClaimTouchResponse* response) override {
    response->set_decision(v1::ClaimTouchResponse::DECISION_GRANTED);
    *response->mutable_touch() = request->touch();
    return grpc::Status::OK;
  }
  grpc::Status ClaimTouches(grpc::ServerContext* ctx, const v1::ClaimTouchesRequest* request,
                            v1::ClaimTouchesResponse* response) override {
    for (const auto& claim : request->claims()) {
      (void)ClaimTouch(ctx, &claim, response->add_results());
    }
    return grpc::Status::OK;
  }
};

v1::TouchCommand Touch(int i) {
  const std::string id = absl::StrCat("bench-", i);
  v1::TouchCommand t;
  t.set_touch_id(id);
  t.set_journey_id("j-" + id);
  t.set_campaign_id("bench");
  t.set_campaign_version(1);
  t.set_channel(v1::CHANNEL_SMS);
  t.mutable_customer()->set_customer_id("c-" + id);
  t.mutable_customer()->set_phone_e164(absl::StrFormat("+1212555%04d", 1000 + i % 9000));
  (*t.mutable_parameters()->mutable_fields())["text"].set_string_value(
      "Invoice {{invoice}} is 30 days overdue.");
  (*t.mutable_parameters()->mutable_fields())["invoice"].set_string_value("INV-" + id);
  t.mutable_genesys()->set_sms_from_number("+18005550199");
  t.set_attempt(1);
  return t;
}

std::string Envelope(const v1::TouchCommand& touch) {
  v1::Envelope e;
  e.set_message_id(NewUuid());
  e.set_schema_version(1);
  *e.mutable_touch() = touch;
  return e.SerializeAsString();
}

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(stat.substr(end_of_name + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // utime is field 14, stime 15
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// How a replica stood when the run ended short, so a stall can be told from a crash: gone
// (and how it ended), or running with its readiness and the loop's gauges. True when it had
// exited: it is reaped here, and its pid must not be signalled or waited for again.
bool ReportReplica(int replica, pid_t pid, int metrics_port) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == pid) {
    std::cout << "replica " << replica << " had exited: "
              << (WIFSIGNALED(status) ? absl::StrCat("signal ", WTERMSIG(status))
                                      : absl::StrCat("status ", WEXITSTATUS(status)))
              << "\n";
    return true;
  }
  httplib::Client admin("127.0.0.1", metrics_port);
  admin.set_read_timeout(2, 0);
  auto ready = admin.Get("/readyz");
  std::cout << "replica " << replica << " still running; /readyz "
            << (ready ? absl::StrCat(ready->status, " ", ready->body) : "no answer") << "\n";
  auto metrics = admin.Get("/metrics");
  if (!metrics) return false;
  std::istringstream lines(metrics->body);
  for (std::string line; std::getline(lines, line);) {
    for (const char* gauge : {"blend_worker_held ", "blend_worker_in_flight ",
                              "blend_worker_stalled ", "blend_worker_consumer_lag "}) {
      if (line.rfind(gauge, 0) == 0) std::cout << "  " << line << "\n";
    }
  }
  return false;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line + "\n";
}

int Fail(const std::string& why) {
  std::cerr << "worker_bench: " << why << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"worker_bench: SMS touches/s of R blend-sms-worker replicas against genesys-sim"};
  int touches = 20000, replicas = 1, k = 16, partitions = 4;
  int queue_capacity = 0;  // 0: the worker's default
  std::string log_level = "warn";
  std::string worker_bin = BLEND_SMS_WORKER_BIN;
  app.add_option("--touches", touches, "touches queued before the replicas start");
  app.add_option("--replicas", replicas, "blend-sms-worker processes");
  app.add_option("--k", k, "--max-in-flight of each replica");
  app.add_option("--partitions", partitions, "partitions of the touch topic");
  app.add_option("--queue-capacity", queue_capacity,
                 "--queue-capacity of each replica (default: the worker's own)");
  app.add_option("--log-level", log_level, "--log-level of the replicas");
  app.add_option("--worker-bin", worker_bin, "the blend-sms-worker binary");
  CLI11_PARSE(app, argc, argv);

  const char* brokers_env = std::getenv("BLEND_KAFKA_BROKERS");
  if (brokers_env == nullptr) return Fail("BLEND_KAFKA_BROKERS is not set (scripts/cluster up)");
  const std::string brokers = brokers_env;
  auto db = store::testing::TestDatabase::CreateFromEnv();
  if (!db.ok()) return Fail(std::string(db.status().message()));
  {
    auto pool = store::ConnectionPool::Create((*db)->url(), store::PoolOptions{.size = 1});
    if (!pool.ok()) return Fail(std::string(pool.status().message()));
    auto migrations = store::BlendMigrations();
    if (!migrations.ok() || !store::Migrate(**pool, *migrations).ok()) return Fail("migrations");
  }

  // genesys-sim with a limit far above what the replicas can reach.
  genesys_sim::SimConfig sim_config = genesys_sim::DemoConfig();
  sim_config.requests_per_minute = 10'000'000;
  auto sim = genesys_sim::GenesysSim::Create(sim_config, RealClock::Instance(),
                                             std::make_shared<prometheus::Registry>());
  if (!sim.ok()) return Fail(std::string(sim.status().message()));
  auto sim_server = genesys_sim::SimHttpServer::Start(**sim, "127.0.0.1:0");
  if (!sim_server.ok()) return Fail(std::string(sim_server.status().message()));
  const std::string sim_url = absl::StrCat("http://127.0.0.1:", (*sim_server)->port());

  GrantAll grant_all;
  const std::string claim_addr = absl::StrCat("127.0.0.1:", test_support::FreeLoopbackPort());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(claim_addr, grpc::InsecureServerCredentials());
  builder.RegisterService(&grant_all);
  std::unique_ptr<grpc::Server> claim_server = builder.BuildAndStart();
  if (!claim_server) return Fail("the stand-in TouchService did not start");

  const std::string prefix = absl::StrCat("bench-", NewUuid().substr(0, 8), ".");
  const std::string touch_topic = prefix + "blend.touch.sms";
  const std::string dispositions_topic = prefix + "blend.dispositions";
  std::vector<std::string> topics;
  for (const std::string& t : bus::BlendTopics()) topics.push_back(prefix + t);
  if (!bus::EnsureTopics(brokers, topics, partitions).ok()) return Fail("topics");

  {
    auto producer = bus::Producer::Create(bus::ProducerConfig{.brokers = brokers});
    if (!producer.ok()) return Fail(std::string(producer.status().message()));
    std::vector<bus::OutgoingMessage> batch;
    for (int i = 0; i < touches; ++i) {
      v1::TouchCommand t = Touch(i);
      batch.push_back({touch_topic, t.journey_id(), Envelope(t), {}});
      if (batch.size() == 5000 || i + 1 == touches) {
        for (const absl::Status& s : (*producer)->ProduceBatch(batch)) {
          if (!s.ok()) return Fail("queueing touches: " + std::string(s.message()));
        }
        batch.clear();
      }
    }
  }
  std::cout << "queued " << touches << " touches on " << partitions << " partitions\n"
            << std::flush;

  auto dispositions = bus::Consumer::Create(bus::ConsumerConfig{
      .brokers = brokers, .group_id = prefix + "bench", .topics = {dispositions_topic}});
  if (!dispositions.ok()) return Fail(std::string(dispositions.status().message()));

  const absl::Time started = absl::Now();
  std::vector<pid_t> children;
  std::vector<int> metrics_ports;
  for (int r = 0; r < replicas; ++r) {
    metrics_ports.push_back(test_support::FreeLoopbackPort());
    std::vector<std::string> args = {worker_bin,
                                     "--kafka-brokers",
                                     brokers,
                                     "--pg-url",
                                     (*db)->url(),
                                     "--orchestrator-addr",
                                     claim_addr,
                                     "--genesys-api-url",
                                     sim_url,
                                     "--quota-rpm",
                                     "10000000",
                                     "--quota-burst",
                                     "100000",
                                     "--quota-lease-size",
                                     "200",
                                     "--topic-prefix",
                                     prefix,
                                     "--topic-partitions",
                                     absl::StrCat(partitions),
                                     "--worker-id",
                                     absl::StrCat("bench-sms-", r),
                                     "--max-in-flight",
                                     absl::StrCat(k),
                                     "--metrics-addr",
                                     absl::StrCat("127.0.0.1:", metrics_ports.back()),
                                     "--log-level",
                                     log_level,
                                     "--kafka-session-timeout",
                                     "6s"};
    if (queue_capacity > 0) {
      args.insert(args.end(), {"--queue-capacity", absl::StrCat(queue_capacity)});
    }
    children.push_back(Spawn(args));
    if (children.back() <= 0) return Fail("cannot start " + worker_bin);
  }

  std::set<std::string> finished;
  int64_t other_outcomes = 0;
  absl::Time first = absl::InfinitePast(), last = absl::InfinitePast();
  const absl::Time deadline = started + absl::Minutes(10);
  while (static_cast<int>(finished.size()) < touches && absl::Now() < deadline) {
    std::optional<bus::Message> m = (*dispositions)->Poll(absl::Milliseconds(200));
    // A minute without a disposition after the first: the replicas stopped; say how they are.
    if (first != absl::InfinitePast() && absl::Now() - last > absl::Minutes(1)) break;
    if (!m) continue;
    v1::Envelope e;
    if (!e.ParseFromString(m->payload) || !e.has_disposition()) continue;
    if (e.disposition().outcome() != v1::TOUCH_OUTCOME_SENT) ++other_outcomes;
    if (finished.insert(e.disposition().touch_id()).second) {
      last = absl::Now();
      if (first == absl::InfinitePast()) first = last;
    }
  }
  if (static_cast<int>(finished.size()) < touches) {
    for (int r = 0; r < replicas; ++r) {
      if (ReportReplica(r, children[r], metrics_ports[r])) children[r] = -1;
    }
  }
  double worker_cpu = 0;
  for (pid_t pid : children) worker_cpu += pid > 0 ? CpuSeconds(pid) : 0;
  for (pid_t pid : children) {
    if (pid > 0) kill(pid, SIGTERM);
  }
  for (pid_t pid : children) {
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  claim_server->Shutdown();
  (*sim_server)->Stop();

  const genesys_sim::AuditCounters counters = (*sim)->audit().Counters();
  const int64_t sends =
      counters.by_operation.count("sms.send") ? counters.by_operation.at("sms.send") : 0;
  const int n = static_cast<int>(finished.size());
  const double seconds = absl::ToDoubleSeconds(last - first);
  const double per_s = n > 1 && seconds > 0 ? (n - 1) / seconds : 0;
  std::cout << absl::StrFormat(
      "replicas=%d k=%d: %d of %d touches finished; first disposition %.1f s after start, "
      "then %.1f s to the last: %.0f touches/s (%.0f/s including the start)\n"
      "genesys-sim sms.send requests: %d (every touch exactly once: %s); not SENT: %d\n"
      "worker CPU: %.1f s in all (%.0f touches per worker CPU second); machine load %s",
      replicas, k, n, touches, absl::ToDoubleSeconds(first - started), seconds, per_s,
      n / absl::ToDoubleSeconds(last - started), sends,
      sends == touches && n == touches ? "yes" : "NO", other_outcomes, worker_cpu,
      worker_cpu > 0 ? n / worker_cpu : 0, LoadAverage());
  std::cout << absl::StrFormat(R"({"replicas": %d, "touches_per_s": %.0f, "k": %d, "touches": %d})",
                               replicas, per_s, k, n)
            << "\n";
  return n == touches && sends == touches ? 0 : 1;
}
