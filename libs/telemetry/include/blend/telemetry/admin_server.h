#pragma once

// The admin HTTP endpoint every Blend service serves on its --metrics-addr:
//   GET /metrics  Prometheus text format of the registry
//   GET /healthz  200 while the process is alive (liveness)
//   GET /readyz   200 when every readiness check passes, else 503 with the failing reasons
// Create() binds (port 0 picks a free port); Stop() or the destructor stops the thread.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/registry.h"

namespace httplib {
class Server;
}

namespace blend::telemetry {

class AdminServer {
 public:
  // A readiness check returns OK when ready, or a status explaining what is missing.
  using ReadinessCheck = std::function<absl::Status()>;

  // `address` is "host:port", e.g. "127.0.0.1:9400" or "127.0.0.1:0".
  static absl::StatusOr<std::unique_ptr<AdminServer>> Create(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
  ~AdminServer();

  void AddReadinessCheck(std::string name, ReadinessCheck check);
  int port() const { return port_; }
  void Stop();

 private:
  AdminServer() = default;
  absl::Status Ready() const;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, ReadinessCheck>> checks_ ABSL_GUARDED_BY(mu_);
};

// Splits "host:port"; the port must be a number 0..65535.
absl::StatusOr<std::pair<std::string, int>> ParseHostPort(const std::string& address);

}  // namespace blend::telemetry
