#include "blend/orchestrator/orchestrator.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "blend/bus/topics.h"
#include "blend/common/status_macros.h"
#include "blend/common/transport_security.h"
#include "blend/store/migrations.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

std::vector<std::string> OrchestratorTopics(const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& t : bus::BlendTopics()) out.push_back(prefix + t);
  return out;
}

absl::StatusOr<std::unique_ptr<Orchestrator>> Orchestrator::Create(
    OrchestratorConfig config, const Clock& clock, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<Orchestrator> o(new Orchestrator());
  o->config_ = config;
  o->registry_ = registry;

  // Refuse an open server on a routable address before touching anything else.
  BLEND_ASSIGN_OR_RETURN(o->auth_, Authenticator::Create(config.auth, clock));
  BLEND_RETURN_IF_ERROR(CheckListenAddressAllowed(config.grpc_addr, o->auth_->open()));
  // Tokens are bearer secrets: off loopback they only travel inside TLS.
  const bool tokens = !config.auth.tokens_file.empty() || !config.auth.inline_tokens.empty();
  BLEND_RETURN_IF_ERROR(CheckTokensTravelOverTls(config.grpc_addr, !config.tls.cert_file.empty(),
                                                 tokens, "--api-tokens-file / --api-tokens",
                                                 "--tls-cert-file and --tls-key-file"));
  BLEND_ASSIGN_OR_RETURN(auto creds, MakeServerCredentials(config.tls));

  store::PoolOptions po;
  po.size = config.pg_pool_size;
  po.name = "orchestrator";
  po.registry = registry.get();
  po.clock = &clock;
  BLEND_ASSIGN_OR_RETURN(o->pool_, store::ConnectionPool::Create(config.pg_url, po));
  if (config.migrate) {
    BLEND_ASSIGN_OR_RETURN(auto migrations, store::BlendMigrations());
    BLEND_ASSIGN_OR_RETURN(auto report, store::Migrate(*o->pool_, migrations));
    BLEND_LOG(kInfo, "schema migrated", {{"applied", std::to_string(report.applied.size())}});
  }
  bus::ProducerConfig pc;
  pc.brokers = config.kafka_brokers;
  pc.client_id = "blend-orchestrator";
  pc.security = config.kafka_security;
  pc.registry = registry.get();
  // A publication waits at most the delivery timeout plus a grace of 5 s; a shorter lease
  // would let another replica publish the same rows while this one still waits.
  if (config.outbox_lease <= pc.delivery_timeout + absl::Seconds(5)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--outbox-lease must exceed the Kafka delivery timeout plus 5 s (",
                     absl::FormatDuration(pc.delivery_timeout + absl::Seconds(5)), ")"));
  }
  if (config.outbox_max_attempts < 1) {
    return absl::InvalidArgumentError("--outbox-max-attempts must be at least 1");
  }
  BLEND_LOG(kInfo, "kafka connection",
            {{"brokers", config.kafka_brokers},
             {"security", bus::DescribeSecurity(config.kafka_security)}});
  BLEND_ASSIGN_OR_RETURN(o->producer_, bus::Producer::Create(pc));
  BLEND_RETURN_IF_ERROR(bus::EnsureTopics(config.kafka_brokers, config.kafka_security,
                                          OrchestratorTopics(config.topic_prefix),
                                          config.topic_partitions));

  o->metrics_ = std::make_unique<Metrics>(*registry);
  RunnerOptions ro;
  ro.topic_prefix = config.topic_prefix;
  ro.start_batch_size = config.start_batch_size;
  ro.timer_batch_size = config.timer_batch_size;
  ro.engagement = config.engagement;
  o->runner_ = std::make_unique<JourneyRunner>(*o->pool_, clock, o->metrics_.get(), ro);
  RelayOptions rel;
  rel.batch_size = config.outbox_batch_size;
  rel.idle_poll = config.outbox_poll;
  rel.max_attempts = config.outbox_max_attempts;
  rel.retry_backoff = config.outbox_retry_backoff;
  rel.max_retry_backoff = config.outbox_max_retry_backoff;
  rel.lease = config.outbox_lease;
  rel.dispositions_topic = config.topic_prefix + std::string(bus::kTopicDispositions);
  o->relay_ =
      std::make_unique<OutboxRelay>(*o->pool_, *o->producer_, clock, o->metrics_.get(), rel);
  JourneyRunner* runner = o->runner_.get();
  for (int i = 0; i < std::max(1, config.timer_threads); ++i) {
    o->timers_.push_back(std::make_unique<Loop>(
        "timers", [runner] { return runner->FireDueTimers(); }, config.timer_poll));
  }
  o->campaign_metrics_ = std::make_unique<CampaignMetrics>(*registry);
  o->campaign_ops_ = std::make_unique<CampaignOps>(*o->pool_, clock, config.topic_prefix,
                                                   o->campaign_metrics_.get());
  o->gauges_ = std::make_unique<Loop>(
      "gauges",
      [p = o->pool_.get(), m = o->metrics_.get(), c = o->campaign_ops_.get(),
       &clock]() -> absl::StatusOr<int> {
        BLEND_RETURN_IF_ERROR(c->RefreshGauge());
        return RefreshGauges(*p, *m, clock);
      },
      config.gauge_interval);
  // Engagement-import row keys stay: "re-importing the same file changes nothing" is forever.
  o->pruner_ = std::make_unique<store::DedupePruner>(
      *o->pool_, clock,
      std::vector<store::PruneTarget>{
          {"processed_messages", "processed_at", "source <> 'engagement-import'"}},
      store::PrunerOptions{.retention = config.dedupe_retention,
                           .batch = config.dedupe_prune_batch},
      registry.get());
  o->prune_loop_ = std::make_unique<Loop>(
      "dedupe-prune", [p = o->pruner_.get()] { return p->PruneOnce(); },
      config.dedupe_prune_interval);
  IntakeOptions io;
  io.brokers = config.kafka_brokers;
  io.security = config.kafka_security;
  io.group_id = config.consumer_group;
  io.topic_prefix = config.topic_prefix;
  io.session_timeout = config.kafka_session_timeout;
  io.max_poll_interval = config.kafka_max_poll_interval;
  for (int i = 0; i < std::max(1, config.intake_threads); ++i) {
    io.index = i;
    BLEND_ASSIGN_OR_RETURN(auto intake, EventIntake::Create(io, *o->runner_, *o->producer_, clock,
                                                            o->metrics_.get(), registry.get()));
    o->intakes_.push_back(std::move(intake));
  }

  o->journey_service_ =
      std::make_unique<JourneyServiceImpl>(*o->runner_, *o->auth_, config.start_batch_size);
  o->touch_service_ = std::make_unique<TouchServiceImpl>(*o->runner_, *o->auth_);
  o->engagement_service_ =
      std::make_unique<EngagementServiceImpl>(*o->runner_, *o->auth_, config.start_batch_size);
  o->consent_service_ =
      std::make_unique<ConsentServiceImpl>(*o->runner_, *o->auth_, config.start_batch_size);
  o->campaign_service_ = std::make_unique<CampaignServiceImpl>(*o->campaign_ops_, *o->auth_);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.grpc_addr, creds, &o->grpc_port_);
  builder.RegisterService(o->journey_service_.get());
  builder.RegisterService(o->touch_service_.get());
  builder.RegisterService(o->engagement_service_.get());
  builder.RegisterService(o->consent_service_.get());
  builder.RegisterService(o->campaign_service_.get());
  o->server_ = builder.BuildAndStart();
  if (!o->server_ || o->grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.grpc_addr));
  }
  if (o->auth_->open()) {
    BLEND_LOG(kWarn, "gRPC server is OPEN (no credentials configured); loopback only",
              {{"addr", config.grpc_addr}});
  }
  return o;
}

Orchestrator::~Orchestrator() { Shutdown(); }

void Orchestrator::Start() {
  relay_->Start();
  for (auto& t : timers_) t->Start();
  gauges_->Start();
  prune_loop_->Start();
  for (auto& i : intakes_) i->Start();
}

void Orchestrator::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(config_.shutdown_grace));
  }
  for (auto& i : intakes_) i->Stop();
  for (auto& t : timers_) t->Stop();
  if (gauges_) gauges_->Stop();
  if (prune_loop_) prune_loop_->Stop();
  if (relay_) relay_->Stop();
  if (producer_) (void)producer_->Flush(config_.shutdown_grace);
}

absl::Status Orchestrator::Ready() {
  // After a fatal Kafka error the client never recovers (the relay pauses, an intake stops
  // consuming) while the broker still answers: only a restart helps, so say so here first.
  BLEND_RETURN_IF_ERROR(producer_->Health());
  for (const auto& intake : intakes_) BLEND_RETURN_IF_ERROR(intake->Health());
  BLEND_RETURN_IF_ERROR(store::Ping(*pool_));
  BLEND_RETURN_IF_ERROR(producer_->CheckConnection(absl::Seconds(2)));
  BLEND_ASSIGN_OR_RETURN(auto migrations, store::BlendMigrations());
  return store::CheckMigrated(*pool_, migrations);
}

}  // namespace blend::orchestrator
