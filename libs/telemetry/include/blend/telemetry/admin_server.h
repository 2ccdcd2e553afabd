#pragma once

// The admin HTTP endpoint every Blend service serves on its --metrics-addr:
//   GET /metrics  Prometheus text format of the registry
//   GET /healthz  200 while the process is alive (liveness)
//   GET /readyz   200 when every readiness check passes, else 503 with the failing reasons
// Create() binds (port 0 picks a free port); Stop() or the destructor stops the thread.
// Served through libs/http (blend/http/server.h); host:port parsing lives there too.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/registry.h"

namespace blend::http {
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
  int port() const;
  void Stop();

 private:
  AdminServer() = default;
  absl::Status Ready() const;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<http::Server> server_;
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, ReadinessCheck>> checks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::telemetry
