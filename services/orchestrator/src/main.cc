// blend-orchestrator: the composition root. Parses flags (each with a BLEND_* environment
// fallback), builds the real clock, registry and Orchestrator, serves until SIGTERM.

#include <iostream>

#include <CLI/CLI.hpp>

#include "blend/bus/security_flags.h"
#include "blend/common/clock.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/orchestrator.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/telemetry/admin_server.h"
#include "blend/telemetry/log.h"

namespace {

// --migrate-only: bring the schema up to this binary's migrations and exit (a Kubernetes Job
// or init step before a rollout). Replicas also migrate at start, under the same advisory lock.
absl::Status Migrate(const std::string& pg_url) {
  BLEND_ASSIGN_OR_RETURN(auto pool, blend::store::ConnectionPool::Create(pg_url, 1));
  BLEND_ASSIGN_OR_RETURN(auto migrations, blend::store::BlendMigrations());
  BLEND_ASSIGN_OR_RETURN(auto report, blend::store::Migrate(*pool, migrations));
  BLEND_LOG(kInfo, "schema migrated",
            {{"applied", std::to_string(report.applied.size())},
             {"already_applied", std::to_string(report.already_applied.size())}});
  return absl::OkStatus();
}

int MigrateOnly(const std::string& pg_url) {
  absl::Status s = Migrate(pg_url);
  if (s.ok()) return 0;
  BLEND_LOG(kError, "migration failed", {{"error", s.ToString()}});
  std::cerr << "blend-orchestrator: migration failed: " << s.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using blend::AddDurationFlag;
  using blend::AddFlag;
  blend::orchestrator::OrchestratorConfig cfg;
  std::string metrics_addr = "127.0.0.1:9400";
  std::string log_level = "info";
  CLI::App app{"Blend orchestrator: journeys in PostgreSQL, durable timers, outbox to Kafka"};
  AddFlag(app, "grpc-addr", cfg.grpc_addr,
          "gRPC listen address (JourneyService, TouchService, EngagementService, ConsentService)");
  AddFlag(app, "metrics-addr", metrics_addr, "/metrics, /healthz, /readyz listen address");
  AddFlag(app, "pg-url", cfg.pg_url, "PostgreSQL libpq URL")->required();
  AddFlag(app, "pg-pool-size", cfg.pg_pool_size, "PostgreSQL connections");
  AddFlag(app, "kafka-brokers", cfg.kafka_brokers, "Kafka bootstrap servers host:port (required)");
  blend::bus::KafkaSecurityFlags kafka_security;
  blend::bus::AddKafkaSecurityFlags(app, kafka_security);
  bool migrate_only = false;
  blend::AddSwitch(app, "migrate-only", migrate_only,
                   "Apply the database migrations and exit (no Kafka, no listeners)");
  AddFlag(app, "topic-prefix", cfg.topic_prefix, "Prefix of every Kafka topic (tests)");
  AddFlag(app, "consumer-group", cfg.consumer_group, "Kafka consumer group of the event intake");
  AddFlag(app, "topic-partitions", cfg.topic_partitions, "Partitions of topics it creates");
  AddDurationFlag(app, "kafka-max-poll-interval", cfg.kafka_max_poll_interval,
                  "Longest gap between two polls of the event intake before Kafka evicts it "
                  "from its group (max.poll.interval.ms; at least the session timeout)");
  AddFlag(app, "tls-cert-file", cfg.tls.cert_file,
          "PEM server certificate (enables TLS; required with tokens off loopback)");
  AddFlag(app, "tls-key-file", cfg.tls.key_file, "PEM server private key");
  AddFlag(app, "tls-client-ca-file", cfg.tls.client_ca_file,
          "PEM CA of client certificates (enables mTLS)");
  AddFlag(app, "api-tokens-file", cfg.auth.tokens_file,
          "File of 'name : sha256-hex : scope' token entries, reloaded when it changes");
  blend::AddSecretFlag(app, "api-tokens", cfg.auth.inline_tokens,
                       "Inline token entries (';'-separated), same syntax");
  AddFlag(app, "start-batch-size", cfg.start_batch_size, "Start-many rows per transaction");
  AddFlag(app, "outbox-batch-size", cfg.outbox_batch_size, "Outbox rows per publish batch");
  AddFlag(app, "timer-batch-size", cfg.timer_batch_size, "Timers fired per transaction");
  AddFlag(app, "intake-threads", cfg.intake_threads, "Parallel consumers of events/dispositions");
  AddFlag(app, "timer-threads", cfg.timer_threads, "Parallel timer pollers");
  AddDurationFlag(app, "outbox-poll", cfg.outbox_poll, "Outbox poll interval when idle");
  AddFlag(app, "outbox-max-attempts", cfg.outbox_max_attempts,
          "Publication attempts of an outbox row before it is dead-lettered (a Kafka outage "
          "charges none)");
  AddDurationFlag(app, "outbox-retry-backoff", cfg.outbox_retry_backoff,
                  "Wait after an outbox row's first failed publication (doubles per attempt)");
  AddDurationFlag(app, "outbox-max-retry-backoff", cfg.outbox_max_retry_backoff,
                  "Longest wait between two attempts of an outbox row");
  AddDurationFlag(app, "outbox-lease", cfg.outbox_lease,
                  "How long claimed outbox rows belong to this replica (longer than the Kafka "
                  "delivery timeout + 5 s); a dead replica's rows go out after it");
  AddDurationFlag(app, "timer-poll", cfg.timer_poll, "Timer poll interval when idle");
  AddDurationFlag(app, "dedupe-retention", cfg.dedupe_retention,
                  "keep processed_messages rows (redelivery dedupe) this long; longer than "
                  "Kafka's retention, so a redelivered message still finds its row");
  blend::AddFlag(app, "dedupe-prune-batch", cfg.dedupe_prune_batch,
                 "processed_messages rows deleted per prune transaction");
  AddDurationFlag(app, "dedupe-prune-interval", cfg.dedupe_prune_interval,
                  "pause between prune rounds once nothing is due");
  AddDurationFlag(app, "shutdown-grace", cfg.shutdown_grace, "Time allowed to drain on SIGTERM");
  AddFlag(app, "conversion-events", cfg.engagement.goal_events,
          "Customer event types that count as conversions (comma-separated in the env)");
  AddDurationFlag(app, "attribution-window", cfg.engagement.attribution_window,
                  "A conversion is credited to the last touch sent at most this long before it");
  AddFlag(app, "rpc-wrapup-codes", cfg.engagement.positive_wrapup_codes,
          "Wrap-up codes that mean a right-party contact (empty: every answered call)");
  AddFlag(app, "log-level", log_level, "debug, info, warn or error");
  CLI11_PARSE(app, argc, argv);
  cfg.auth.client_certs_verified = !cfg.tls.client_ca_file.empty();

  blend::log::SetService("orchestrator");
  blend::log::Level level;
  if (!blend::log::ParseLevel(log_level, &level)) {
    std::cerr << "--log-level: unknown level '" << log_level << "'\n";
    return 2;
  }
  blend::log::SetLevel(level);
  if (migrate_only) return MigrateOnly(cfg.pg_url);
  if (cfg.kafka_brokers.empty()) {
    std::cerr << "--kafka-brokers is required (or BLEND_KAFKA_BROKERS)\n" << app.help();
    return 2;
  }
  if (auto security = blend::bus::FinishKafkaSecurityFlags(kafka_security); security.ok()) {
    cfg.kafka_security = *std::move(security);
  } else {
    std::cerr << "blend-orchestrator: " << security.status().message() << "\n";
    return 2;
  }
  blend::ShutdownSignal::Install();

  auto registry = std::make_shared<prometheus::Registry>();
  auto orch =
      blend::orchestrator::Orchestrator::Create(cfg, blend::RealClock::Instance(), registry);
  if (!orch.ok()) {
    BLEND_LOG(kError, "orchestrator failed to start", {{"error", orch.status().ToString()}});
    std::cerr << "blend-orchestrator: " << orch.status().message() << "\n";
    return 1;
  }
  auto admin = blend::telemetry::AdminServer::Create(metrics_addr, registry);
  if (!admin.ok()) {
    BLEND_LOG(kError, "admin server failed to start", {{"error", admin.status().ToString()}});
    return 1;
  }
  blend::orchestrator::Orchestrator* o = orch->get();
  (*admin)->AddReadinessCheck("orchestrator", [o] { return o->Ready(); });
  o->Start();
  BLEND_LOG(kInfo, "orchestrator serving",
            {{"grpc_port", std::to_string(o->grpc_port())},
             {"metrics_port", std::to_string((*admin)->port())}});
  blend::ShutdownSignal::Wait();
  BLEND_LOG(kInfo, "shutting down");
  o->Shutdown();
  (*admin)->Stop();
  return 0;
}
