#pragma once

// WorkerRuntime: everything a channel worker process is made of except its ChannelSender, so
// the three mains stay composition roots of a few lines. Create() builds, in order: the
// PostgreSQL pool (+ migrations), the Kafka producer, the touch topics, the consumer (group
// per service), the global quota (PgQuotaStore), the Genesys client (CurlTransport tagged
// with the touch id, PrometheusRequestObserver), the ledger, the claimer (GrpcTouchClaimer)
// and the admin server (/metrics, /healthz, /readyz = PostgreSQL and Kafka reachable and
// the loop not stalled).
//
// Lifecycle: Create() -> Run(sender) on one thread (blocks) -> Stop() from any thread (e.g. on
// SIGTERM): the touches in flight finish and are committed, then Run() returns and the
// consumer leaves its group. Destroy after Run() returned.
// Status codes of Create(): kInvalidArgument (bad configuration), kUnavailable (database or
// broker unreachable), kFailedPrecondition (schema migration refused).

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "blend/bus/security.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"
#include "blend/genesys/client.h"
#include "blend/quota/quota_governor.h"
#include "blend/worker/backoff.h"
#include "blend/worker/orchestrator_channel.h"
#include "blend/worker/ports.h"
#include "blend/worker/touch_ledger.h"

namespace prometheus {
class Registry;
}
namespace blend::bus {
class Producer;
class Consumer;
}  // namespace blend::bus
namespace blend::store {
class ConnectionPool;
}
namespace blend::telemetry {
class AdminServer;
}

namespace blend::worker {

class WorkerLoop;
class WithdrawHandler;

struct WorkerRuntimeConfig {
  std::string service = "sms-worker";  // logs, consumer group "blend-<service>", client id
  v1::Channel channel = v1::CHANNEL_SMS;
  std::string worker_id;  // recorded with claims and ledger rows; default <service>-<pid>
  std::string kafka_brokers;
  std::string pg_url;
  int pg_pool_size = 8;
  bool migrate = true;
  // Prepended to every topic name; "" in production, unique per test.
  std::string topic_prefix;
  std::string group_id;  // default "blend-<service>"
  int topic_partitions = 4;
  absl::Duration kafka_session_timeout = absl::Seconds(10);
  std::string orchestrator_addr = "127.0.0.1:7400";
  Secret orchestrator_token;
  // TLS / mTLS to the orchestrator; a token to a non-loopback address requires it.
  OrchestratorClientTls orchestrator_tls;
  // TLS / SASL to Kafka (blend/bus/security.h).
  bus::KafkaSecurity kafka_security;
  genesys::GenesysClientConfig genesys;
  quota::QuotaConfig quota;
  std::string quota_name;  // default "genesys:<client id>": Genesys limits per OAuth client
  BackoffPolicy backoff;
  absl::Duration default_retry_after = absl::Seconds(60);
  std::string metrics_addr;  // "" = no admin server
  // ProcessorOptions::in_doubt_after: how long another attempt's "calling" row is waited for.
  absl::Duration in_doubt_after = absl::Seconds(30);
  // The stall watchdog (WorkerLoopOptions::stall_after): readiness fails while it fires.
  absl::Duration stall_after = absl::Seconds(60);
  // K, touches in flight at once (WorkerLoopOptions::max_in_flight), and the records held in
  // memory before the partitions pause (queue_capacity).
  int max_in_flight = 16;
  int queue_capacity = 1024;  // why so many: WorkerLoopOptions::queue_capacity
};

class WorkerRuntime {
 public:
  static absl::StatusOr<std::unique_ptr<WorkerRuntime>> Create(
      WorkerRuntimeConfig config, const Clock& clock,
      std::shared_ptr<prometheus::Registry> registry);
  ~WorkerRuntime();

  // Consumes the channel's touch topic and sends each touch with `sender` until Stop();
  // withdrawals (WithdrawTouch) go to `withdrawals`, or are dead-lettered when null.
  void Run(ChannelSender& sender, WithdrawHandler* withdrawals = nullptr);
  void Stop();

  // OK when PostgreSQL and Kafka answer and the stall watchdog has not fired.
  absl::Status Ready();
  // "<prefix><base>", e.g. Topic("blend.customer-events").
  std::string Topic(std::string_view base) const {
    return config_.topic_prefix + std::string(base);
  }

  const WorkerRuntimeConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  prometheus::Registry& registry() { return *registry_; }
  store::ConnectionPool& pool() { return *pool_; }
  bus::Producer& producer() { return *producer_; }
  genesys::GenesysClient& genesys() { return *genesys_; }
  quota::QuotaGovernor& quota() { return *quota_; }
  TouchLedger& ledger() { return *ledger_; }
  bus::Consumer& consumer() { return *consumer_; }
  // The channel to the orchestrator (TLS as configured), for other TouchService clients.
  std::shared_ptr<grpc::Channel> orchestrator_channel() const { return orchestrator_channel_; }
  // Null without metrics_addr. Services may add readiness checks.
  telemetry::AdminServer* admin() { return admin_.get(); }
  int64_t handled() const;

 private:
  struct Parts;
  WorkerRuntime(WorkerRuntimeConfig config, const Clock& clock,
                std::shared_ptr<prometheus::Registry> registry);
  absl::Status Build();
  absl::Status BuildGenesys();

  WorkerRuntimeConfig config_;
  const Clock& clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::shared_ptr<grpc::Channel> orchestrator_channel_;
  std::unique_ptr<Parts> parts_;  // quota store, transports, observer, claimer
  std::unique_ptr<quota::QuotaGovernor> quota_;
  std::unique_ptr<genesys::GenesysClient> genesys_;
  std::unique_ptr<TouchLedger> ledger_;
  std::unique_ptr<telemetry::AdminServer> admin_;

  absl::Mutex mu_;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  WorkerLoop* loop_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::atomic<int64_t> handled_{0};
};

// Sleeps (in small steps, so `stop` is honoured) until `quota` grants a token. For the
// dialer's side requests (contact read-back, DNC writes and exports), which share the
// OAuth client's quota with the touches. false when `stop` became true first; errors of the
// quota store are retried after a second.
bool AcquireQuotaBlocking(quota::QuotaGovernor& quota, const Clock& clock,
                          const std::atomic<bool>& stop);

}  // namespace blend::worker
