#include "blend/worker/worker_runtime.h"

#include <unistd.h>

#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/bus/topics.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/curl_transport.h"
#include "blend/genesys/metrics.h"
#include "blend/quota/quota_store.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/telemetry/admin_server.h"
#include "blend/telemetry/log.h"
#include "blend/worker/executor.h"
#include "blend/worker/grpc_touch_claimer.h"
#include "blend/worker/touch_processor.h"
#include "blend/worker/touch_tagging_transport.h"
#include "blend/worker/worker_loop.h"
#include "prometheus/registry.h"

namespace blend::worker {
namespace {

Channel FromProto(v1::Channel channel) {
  switch (channel) {
    case v1::CHANNEL_VOICE:
      return Channel::kVoice;
    case v1::CHANNEL_EMAIL:
      return Channel::kEmail;
    default:
      return Channel::kSms;
  }
}

}  // namespace

struct WorkerRuntime::Parts {
  std::unique_ptr<quota::PgQuotaStore> quota_store;
  std::unique_ptr<genesys::CurlTransport> curl;
  std::unique_ptr<TouchTaggingTransport> tagging;
  std::unique_ptr<genesys::PrometheusRequestObserver> observer;
  std::unique_ptr<GrpcTouchClaimer> claimer;
};

WorkerRuntime::WorkerRuntime(WorkerRuntimeConfig config, const Clock& clock,
                             std::shared_ptr<prometheus::Registry> registry)
    : config_(std::move(config)),
      clock_(clock),
      registry_(std::move(registry)),
      parts_(std::make_unique<Parts>()) {}

WorkerRuntime::~WorkerRuntime() {
  if (admin_) admin_->Stop();
  if (consumer_) (void)consumer_->Close();
}

absl::StatusOr<std::unique_ptr<WorkerRuntime>> WorkerRuntime::Create(
    WorkerRuntimeConfig config, const Clock& clock,
    std::shared_ptr<prometheus::Registry> registry) {
  if (config.kafka_brokers.empty())
    return absl::InvalidArgumentError("--kafka-brokers is required");
  if (config.pg_url.empty()) return absl::InvalidArgumentError("--pg-url is required");
  // Before any connection: a token must not leave this machine in plaintext.
  BLEND_RETURN_IF_ERROR(CheckOrchestratorClientSecurity(
      config.orchestrator_addr, config.orchestrator_tls, config.orchestrator_token));
  if (config.worker_id.empty()) config.worker_id = absl::StrCat(config.service, "-", getpid());
  if (config.group_id.empty()) config.group_id = "blend-" + config.service;
  if (config.quota_name.empty()) config.quota_name = "genesys:" + config.genesys.client_id;
  if (registry == nullptr) registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<WorkerRuntime> runtime(
      new WorkerRuntime(std::move(config), clock, std::move(registry)));
  BLEND_RETURN_IF_ERROR(runtime->Build());
  return runtime;
}

absl::Status WorkerRuntime::Build() {
  BLEND_ASSIGN_OR_RETURN(
      pool_, store::ConnectionPool::Create(config_.pg_url,
                                           store::PoolOptions{.size = config_.pg_pool_size,
                                                              .name = config_.service,
                                                              .registry = registry_.get()}));
  if (config_.migrate) {
    BLEND_ASSIGN_OR_RETURN(std::vector<store::Migration> migrations, store::BlendMigrations());
    BLEND_RETURN_IF_ERROR(store::Migrate(*pool_, migrations).status());
  }
  const std::string touch_topic = Topic(bus::TouchTopic(FromProto(config_.channel)));
  std::vector<std::string> topics;
  for (const std::string& t : bus::BlendTopics()) topics.push_back(Topic(t));
  BLEND_LOG(kInfo, "kafka connection",
            {{"brokers", config_.kafka_brokers},
             {"security", bus::DescribeSecurity(config_.kafka_security)}});
  BLEND_RETURN_IF_ERROR(bus::EnsureTopics(config_.kafka_brokers, config_.kafka_security, topics,
                                          config_.topic_partitions));
  BLEND_ASSIGN_OR_RETURN(
      producer_, bus::Producer::Create(bus::ProducerConfig{.brokers = config_.kafka_brokers,
                                                           .client_id = config_.worker_id,
                                                           .security = config_.kafka_security,
                                                           .registry = registry_.get()}));
  bus::ConsumerConfig cc{.brokers = config_.kafka_brokers,
                         .group_id = config_.group_id,
                         .client_id = config_.worker_id,
                         .security = config_.kafka_security,
                         .topics = {touch_topic}};
  cc.session_timeout = config_.kafka_session_timeout;
  cc.heartbeat_interval = std::min(absl::Seconds(3), config_.kafka_session_timeout / 5);
  // Little prefetch: touches wait in Kafka, not in this process's memory.
  cc.properties = {{"queued.max.messages.kbytes", "1024"}, {"queued.min.messages", "100"}};
  cc.registry = registry_.get();
  BLEND_ASSIGN_OR_RETURN(consumer_, bus::Consumer::Create(std::move(cc)));

  parts_->quota_store = std::make_unique<quota::PgQuotaStore>(*pool_);
  quota_ = std::make_unique<quota::QuotaGovernor>(*parts_->quota_store, clock_, config_.quota_name,
                                                  config_.quota, registry_.get());
  BLEND_RETURN_IF_ERROR(BuildGenesys());
  ledger_ = std::make_unique<PgTouchLedger>(*pool_);
  BLEND_ASSIGN_OR_RETURN(orchestrator_channel_, NewOrchestratorChannel(config_.orchestrator_addr,
                                                                       config_.orchestrator_tls));
  parts_->claimer = std::make_unique<GrpcTouchClaimer>(orchestrator_channel_, config_.worker_id,
                                                       config_.orchestrator_token);
  if (!config_.metrics_addr.empty()) {
    BLEND_ASSIGN_OR_RETURN(admin_, telemetry::AdminServer::Create(config_.metrics_addr, registry_));
    admin_->AddReadinessCheck("dependencies", [this] { return Ready(); });
  }
  return absl::OkStatus();
}

absl::Status WorkerRuntime::BuildGenesys() {
  BLEND_ASSIGN_OR_RETURN(parts_->curl, genesys::CurlTransport::Create());
  parts_->tagging = std::make_unique<TouchTaggingTransport>(*parts_->curl);
  parts_->observer = std::make_unique<genesys::PrometheusRequestObserver>(*registry_);
  BLEND_ASSIGN_OR_RETURN(genesys_, genesys::GenesysClient::Create(config_.genesys, *parts_->tagging,
                                                                  clock_, parts_->observer.get()));
  return absl::OkStatus();
}

absl::Status WorkerRuntime::Ready() {
  {
    absl::MutexLock lock(&mu_);
    if (loop_ != nullptr && loop_->stalled()) {
      return absl::UnavailableError(
          "stalled: records wait on this replica's partitions but none arrives");
    }
  }
  BLEND_RETURN_IF_ERROR(producer_->Health());
  BLEND_RETURN_IF_ERROR(consumer_->Health());
  BLEND_RETURN_IF_ERROR(store::Ping(*pool_));
  return producer_->CheckConnection(absl::Seconds(2));
}

int64_t WorkerRuntime::handled() const { return handled_.load(); }

void WorkerRuntime::Run(ChannelSender& sender, WithdrawHandler* withdrawals) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  // K touches at once; their ledger writes and claims that coincide go out as one batch.
  const int k = std::max(1, config_.max_in_flight);
  BatchingTouchLedger ledger(*ledger_, static_cast<size_t>(k));
  BatchingTouchClaimer claimer(*parts_->claimer, static_cast<size_t>(k));
  std::optional<ThreadPoolExecutor> executor;
  if (k > 1) executor.emplace(k);
  TouchProcessor processor(
      ledger, claimer, *quota_, sender, clock_,
      ProcessorOptions{.worker_id = config_.worker_id,
                       .channel = config_.channel,
                       .backoff = config_.backoff,
                       .default_retry_after = config_.default_retry_after,
                       .in_doubt_after = config_.in_doubt_after},
      [&] { return uniform(rng); }, registry_.get());
  KafkaTouchQueue queue(*consumer_, *producer_, clock_);
  WorkerLoop loop(queue, processor, clock_,
                  WorkerLoopOptions{.dispositions_topic = Topic(kDispositionsTopic),
                                    .stall_after = config_.stall_after,
                                    .withdrawals = withdrawals,
                                    .max_in_flight = k,
                                    .queue_capacity = std::max(k, config_.queue_capacity),
                                    .executor = executor ? &*executor : nullptr,
                                    .commit_interval = absl::Milliseconds(100)},
                  registry_.get());
  {
    absl::MutexLock lock(&mu_);
    if (stop_requested_) return;
    loop_ = &loop;
  }
  BLEND_LOG(kInfo, "worker consuming",
            {{"service", config_.service},
             {"worker_id", config_.worker_id},
             {"group", config_.group_id},
             {"quota", config_.quota_name},
             {"max_in_flight", absl::StrCat(k)}});
  loop.Run();
  {
    absl::MutexLock lock(&mu_);
    loop_ = nullptr;
  }
  handled_ = loop.handled();
  BLEND_LOG(kInfo, "worker leaving the consumer group");
  (void)consumer_->Close();
  BLEND_LOG(kInfo, "worker stopped", {{"handled", absl::StrCat(loop.handled())}});
}

void WorkerRuntime::Stop() {
  absl::MutexLock lock(&mu_);
  stop_requested_ = true;
  if (loop_ != nullptr) loop_->Stop();
}

bool AcquireQuotaBlocking(quota::QuotaGovernor& quota, const Clock& clock,
                          const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<quota::QuotaGovernor::Decision> d = quota.TryAcquire();
    absl::Time until = clock.Now() + absl::Seconds(1);
    if (d.ok() && d->granted) return true;
    if (d.ok()) until = d->retry_at;
    absl::SleepFor(std::clamp(until - clock.Now(), absl::Milliseconds(1), absl::Milliseconds(200)));
  }
  return false;
}

}  // namespace blend::worker
