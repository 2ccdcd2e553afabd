#pragma once

// Serves a GenesysSim over HTTP (libs/http's server): converts requests, applies injected
// latency (a real sleep: this is the real-time edge) and drops connections when told to.
// Start() binds (port 0 picks a free port) and serves on its own thread until Stop().

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "blend/genesys_sim/sim.h"

namespace blend::http {
class Server;
}

namespace blend::genesys_sim {

class SimHttpServer {
 public:
  // `address` is "host:port". `threads` serve connections concurrently (httplib keeps one
  // per open keep-alive connection, and injected latency holds it). kUnavailable if the port
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<SimHttpServer>> Start(GenesysSim& sim,
                                                              const std::string& address,
                                                              int threads = 64);
  ~SimHttpServer();

  int port() const;
  void Stop();

 private:
  SimHttpServer() = default;

  std::unique_ptr<http::Server> server_;
};

}  // namespace blend::genesys_sim
