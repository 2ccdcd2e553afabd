#pragma once

// The flags every channel worker shares (--kafka-brokers, --pg-url, --orchestrator-addr,
// --genesys-*, --quota-*, --worker-id, --metrics-addr, --log-level, ...), each with its
// BLEND_<FLAG> environment fallback (blend/common/flags_env.h). For main() only.

#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "blend/bus/security_flags.h"
#include "blend/worker/worker_runtime.h"

namespace blend::worker {

// Flag values that need a second step before they become a WorkerRuntimeConfig.
struct RuntimeFlagValues {
  std::string genesys_api_url;
  std::string genesys_login_url;
  std::string genesys_region;
  std::string log_level = "info";
  bus::KafkaSecurityFlags kafka_security;  // --kafka-security-protocol, --kafka-ca-file, ...
};

// The default genesys-sim address used when neither --genesys-api-url nor --genesys-region
// is given, so the demo needs no configuration.
inline constexpr char kSimulatorUrl[] = "http://127.0.0.1:7480";

// Defaults of a worker: the simulator's demo OAuth client, the given metrics address.
WorkerRuntimeConfig DefaultRuntimeConfig(std::string service, v1::Channel channel,
                                         std::string metrics_addr);

// Registers the shared flags; `config` holds the defaults shown by --help (set service,
// channel and metrics_addr before calling).
void AddRuntimeFlags(CLI::App& app, WorkerRuntimeConfig& config, RuntimeFlagValues& values);

// After parsing: applies the Genesys address rules, the log level and the Kafka security
// settings (password file read). kInvalidArgument for an unknown log level or bad settings.
absl::Status FinishRuntimeFlags(WorkerRuntimeConfig& config, const RuntimeFlagValues& values);

// Reports why a worker could not start (JSON log and stderr) and returns exit code 1.
int ReportStartFailure(const std::string& service, const absl::Status& status);

// Runs `runtime` with `sender` until SIGTERM/SIGINT (ShutdownSignal must be installed).
void RunUntilSignal(WorkerRuntime& runtime, ChannelSender& sender,
                    WithdrawHandler* withdrawals = nullptr);

}  // namespace blend::worker
