#include "blend/worker/worker_flags.h"

#include <atomic>
#include <iostream>
#include <thread>

#include "blend/bus/security_flags.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/telemetry/log.h"

namespace blend::worker {

WorkerRuntimeConfig DefaultRuntimeConfig(std::string service, v1::Channel channel,
                                         std::string metrics_addr) {
  WorkerRuntimeConfig c;
  c.service = std::move(service);
  c.channel = channel;
  c.metrics_addr = std::move(metrics_addr);
  c.genesys.client_id = "demo-client";
  c.genesys.client_secret = Secret("demo-secret");
  return c;
}

void AddRuntimeFlags(CLI::App& app, WorkerRuntimeConfig& c, RuntimeFlagValues& v) {
  AddFlag(app, "kafka-brokers", c.kafka_brokers, "Kafka bootstrap servers, host:port[,host:port]");
  bus::AddKafkaSecurityFlags(app, v.kafka_security);
  AddFlag(app, "pg-url", c.pg_url, "PostgreSQL libpq URL (touch ledger, quotas, suppressions)");
  AddFlag(app, "pg-pool-size", c.pg_pool_size, "PostgreSQL connections");
  AddFlag(app, "orchestrator-addr", c.orchestrator_addr,
          "host:port of the orchestrator's TouchService (the claim fence)");
  AddSecretFlag(app, "orchestrator-token", c.orchestrator_token,
                "service credential sent to the orchestrator as a bearer token (off loopback "
                "only over TLS)");
  AddSwitch(app, "orchestrator-tls", c.orchestrator_tls.tls,
            "TLS to the orchestrator with the system's trust store (implied by "
            "--orchestrator-ca-file)");
  AddFlag(app, "orchestrator-ca-file", c.orchestrator_tls.ca_file,
          "PEM CA of the orchestrator's certificate (turns TLS on)");
  AddFlag(app, "orchestrator-cert-file", c.orchestrator_tls.cert_file,
          "PEM client certificate for the orchestrator (mTLS)");
  AddFlag(app, "orchestrator-key-file", c.orchestrator_tls.key_file,
          "PEM private key of --orchestrator-cert-file");
  AddFlag(app, "genesys-api-url", v.genesys_api_url,
          "Genesys API base URL; default the simulator http://127.0.0.1:7480 unless "
          "--genesys-region is set");
  AddFlag(app, "genesys-login-url", v.genesys_login_url,
          "Genesys OAuth base URL; default derived from the API URL or the region");
  AddFlag(app, "genesys-region", v.genesys_region,
          "Genesys Cloud region (us-east-1, eu-west-2, mypurecloud.com, ...)");
  AddFlag(app, "genesys-client-id", c.genesys.client_id, "Genesys OAuth client id");
  AddSecretFlag(app, "genesys-client-secret", c.genesys.client_secret,
                "Genesys OAuth client secret (default: the simulator's demo-secret)");
  AddDurationFlag(app, "genesys-timeout", c.genesys.request_timeout,
                  "deadline of each Genesys request");
  AddFlag(app, "quota-rpm", c.quota.requests_per_minute,
          "Genesys requests per minute for this OAuth client, shared by every replica");
  AddFlag(app, "quota-burst", c.quota.burst, "quota bucket capacity (largest burst)");
  AddFlag(app, "quota-lease-size", c.quota.lease_size,
          "tokens taken from the shared bucket per database round trip (unused ones go back)");
  AddFlag(app, "quota-name", c.quota_name,
          "name of the shared quota (default genesys:<client id>)");
  AddFlag(app, "worker-id", c.worker_id,
          "this replica's id in claims and logs (default <service>-<pid>)");
  AddFlag(app, "group-id", c.group_id, "Kafka consumer group (default blend-<service>)");
  AddFlag(app, "topic-prefix", c.topic_prefix, "prefix of every Kafka topic (tests only)");
  AddFlag(app, "topic-partitions", c.topic_partitions, "partitions of topics this worker creates");
  AddDurationFlag(app, "kafka-session-timeout", c.kafka_session_timeout,
                  "consumer group session timeout");
  AddDurationFlag(app, "in-doubt-after", c.in_doubt_after,
                  "another attempt's unfinished Genesys call younger than this is waited for; "
                  "older, the touch is reported UNKNOWN (keep above --genesys-timeout)");
  AddDurationFlag(app, "stall-after", c.stall_after,
                  "records waiting on this replica's partitions and none received for this long: "
                  "log an error, set blend_worker_stalled and fail /readyz");
  AddFlag(app, "max-in-flight", c.max_in_flight,
          "touches processed at once by this replica (never two of one journey); after a crash "
          "at most this many can be in doubt, each reported UNKNOWN");
  AddFlag(app, "queue-capacity", c.queue_capacity,
          "touch records held in memory before consumption pauses (at least --max-in-flight); "
          "consumption resumes at half, and the half left must last the ~1 s until the next "
          "fetch: keep it above a second of this replica's touches");
  AddFlag(app, "metrics-addr", c.metrics_addr, "host:port for /metrics, /healthz, /readyz");
  AddFlag(app, "log-level", v.log_level, "debug, info, warn or error");
}

absl::Status FinishRuntimeFlags(WorkerRuntimeConfig& c, const RuntimeFlagValues& v) {
  log::Level level;
  if (!log::ParseLevel(v.log_level, &level)) {
    return absl::InvalidArgumentError("--log-level must be debug, info, warn or error");
  }
  log::SetLevel(level);
  log::SetService(c.service);
  if (!v.genesys_region.empty()) c.genesys.region = v.genesys_region;
  c.genesys.api_base_url = v.genesys_api_url;
  if (v.genesys_api_url.empty() && v.genesys_region.empty()) c.genesys.api_base_url = kSimulatorUrl;
  c.genesys.login_base_url = v.genesys_login_url;
  auto kafka_security = bus::FinishKafkaSecurityFlags(v.kafka_security);
  if (!kafka_security.ok()) return kafka_security.status();
  c.kafka_security = *std::move(kafka_security);
  return absl::OkStatus();
}

int ReportStartFailure(const std::string& service, const absl::Status& status) {
  BLEND_LOG(kError, service + " cannot start", {{"error", std::string(status.message())}});
  std::cerr << "blend-" << service << ": " << status.message() << "\n";
  return 1;
}

void RunUntilSignal(WorkerRuntime& runtime, ChannelSender& sender, WithdrawHandler* withdrawals) {
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done && !ShutdownSignal::WaitFor(absl::Milliseconds(200))) {
    }
    runtime.Stop();
  });
  runtime.Run(sender, withdrawals);
  done = true;
  watcher.join();
}

}  // namespace blend::worker
