#pragma once

// The whole orchestrator wired together: PostgreSQL pool (+ migrations), Kafka producer and
// consumer, JourneyRunner, outbox relay, timer poller, event intake and the gRPC server
// (JourneyService, TouchService, health, reflection). main.cc only parses flags into an
// OrchestratorConfig and calls this; integration tests run several instances in one process.
//
// Lifecycle: Create() (connects, migrates, creates topics, binds the port) -> Start() ->
// Shutdown() (stops accepting RPCs, finishes in-flight work, flushes the producer). Create
// fails with the Status of the first step that failed (FailedPrecondition for an insecure
// non-loopback address, Unavailable for an unreachable database or broker, ...).

#include <memory>
#include <string>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"
#include "blend/orchestrator/auth.h"
#include "blend/orchestrator/background.h"
#include "blend/orchestrator/campaign_service.h"
#include "blend/orchestrator/grpc_auth.h"
#include "blend/orchestrator/grpc_services.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/metrics.h"
#include "blend/orchestrator/outbox_relay.h"
#include "blend/store/connection_pool.h"
#include "blend/store/dedupe_pruner.h"
#include "prometheus/registry.h"

namespace blend::orchestrator {

struct OrchestratorConfig {
  std::string grpc_addr = "127.0.0.1:7400";
  std::string pg_url;
  int pg_pool_size = 16;
  std::string kafka_brokers;
  bus::KafkaSecurity kafka_security;  // TLS / SASL to Kafka (blend/bus/security.h)
  std::string topic_prefix;           // tests only: isolates topics ("" in production)
  std::string consumer_group = "blend-orchestrator";
  int topic_partitions = 4;
  absl::Duration kafka_session_timeout = absl::Seconds(10);
  // The longest the intake may go between two polls before Kafka evicts it from its group
  // (librdkafka's max.poll.interval.ms, at least the session timeout). The intake keeps
  // polling even while PostgreSQL is down, so this only bounds a stuck thread.
  absl::Duration kafka_max_poll_interval = absl::Minutes(5);
  TlsConfig tls;
  AuthConfig auth;
  int start_batch_size = 500;
  int outbox_batch_size = 500;
  int timer_batch_size = 1000;
  // Parallel consumers (same group) and timer pollers: each waits on database round trips,
  // so a few of them keep PostgreSQL busy.
  int intake_threads = 2;
  int timer_threads = 2;
  absl::Duration outbox_poll = absl::Milliseconds(20);
  // Outbox rows: attempts before the dead letter (charged only while Kafka answers), backoff
  // after a failure (doubling up to the max), and how long a claimed row is this replica's.
  int outbox_max_attempts = 20;
  absl::Duration outbox_retry_backoff = absl::Seconds(1);
  absl::Duration outbox_max_retry_backoff = absl::Minutes(5);
  absl::Duration outbox_lease = absl::Minutes(1);
  absl::Duration timer_poll = absl::Milliseconds(100);
  absl::Duration gauge_interval = absl::Seconds(10);
  // processed_messages rows (bus messages and customer events applied) older than this are
  // pruned, dedupe_prune_batch at a time, every dedupe_prune_interval (store/dedupe_pruner.h).
  absl::Duration dedupe_retention = store::kDefaultDedupeRetention;
  int dedupe_prune_batch = 1000;
  absl::Duration dedupe_prune_interval = absl::Minutes(1);
  absl::Duration shutdown_grace = absl::Seconds(10);
  bool migrate = true;
  engagement::EngagementConfig engagement;  // goal events, attribution window, RPC codes
};

class Orchestrator {
 public:
  static absl::StatusOr<std::unique_ptr<Orchestrator>> Create(
      OrchestratorConfig config, const Clock& clock,
      std::shared_ptr<prometheus::Registry> registry);
  ~Orchestrator();

  void Start();
  void Shutdown();

  int grpc_port() const { return grpc_port_; }
  // OK when PostgreSQL and Kafka answer, the schema is migrated and neither the producer nor
  // any intake consumer hit a fatal Kafka error (kInternal: restart the process) (for /readyz).
  absl::Status Ready();

  JourneyRunner& runner() { return *runner_; }
  OutboxRelay& relay() { return *relay_; }
  Metrics& metrics() { return *metrics_; }
  store::ConnectionPool& pool() { return *pool_; }
  bus::Producer& producer() { return *producer_; }
  EventIntake& intake(size_t i) { return *intakes_.at(i); }

 private:
  Orchestrator() = default;

  OrchestratorConfig config_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<JourneyRunner> runner_;
  std::unique_ptr<OutboxRelay> relay_;
  std::vector<std::unique_ptr<Loop>> timers_;
  std::unique_ptr<Loop> gauges_;
  std::unique_ptr<store::DedupePruner> pruner_;
  std::unique_ptr<Loop> prune_loop_;
  std::vector<std::unique_ptr<EventIntake>> intakes_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<JourneyServiceImpl> journey_service_;
  std::unique_ptr<TouchServiceImpl> touch_service_;
  std::unique_ptr<EngagementServiceImpl> engagement_service_;
  std::unique_ptr<ConsentServiceImpl> consent_service_;
  std::unique_ptr<CampaignMetrics> campaign_metrics_;
  std::unique_ptr<CampaignOps> campaign_ops_;
  std::unique_ptr<CampaignServiceImpl> campaign_service_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  bool shut_down_ = false;
};

// Every topic the orchestrator uses (with their .dlq), prefixed.
std::vector<std::string> OrchestratorTopics(const std::string& prefix);

}  // namespace blend::orchestrator
