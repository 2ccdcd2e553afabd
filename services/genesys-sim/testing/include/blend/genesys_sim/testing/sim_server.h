#pragma once

// genesys-sim in the test's own process, for other components' integration tests: the real
// simulator behind its real HTTP adapter on a free loopback port, ticked by a thread on the
// real clock (the client under test runs on real time too).

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "blend/genesys_sim/http_server.h"
#include "blend/genesys_sim/sim.h"

namespace blend::genesys_sim::testing {

// genesys-sim on a free port, ticked every 50 ms until destroyed.
class SimServer {
 public:
  explicit SimServer(SimConfig config);
  ~SimServer();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  GenesysSim& sim() { return *sim_; }
  // Admin API call through the simulator's own handler.
  HttpResponse Admin(const std::string& method, const std::string& path,
                     const std::string& body = "");
  // Successful requests of `operation` carrying `touch_id`.
  int Sent(const std::string& operation, const std::string& touch_id);

 private:
  std::unique_ptr<GenesysSim> sim_;
  std::unique_ptr<SimHttpServer> server_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
};

}  // namespace blend::genesys_sim::testing
