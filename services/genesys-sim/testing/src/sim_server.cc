#include "blend/genesys_sim/testing/sim_server.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "blend/common/clock.h"
#include "prometheus/registry.h"

namespace blend::genesys_sim::testing {

SimServer::SimServer(SimConfig config) {
  auto sim = GenesysSim::Create(std::move(config), RealClock::Instance(),
                                std::make_shared<prometheus::Registry>());
  EXPECT_TRUE(sim.ok()) << sim.status();
  sim_ = std::move(*sim);
  auto server = SimHttpServer::Start(*sim_, "127.0.0.1:0");
  EXPECT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  ticker_ = std::thread([this] {
    while (!stop_) {
      sim_->Tick();
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
}

SimServer::~SimServer() {
  stop_ = true;
  ticker_.join();
  server_->Stop();
}

HttpResponse SimServer::Admin(const std::string& method, const std::string& path,
                              const std::string& body) {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = body;
  return sim_->Handle(req);
}

int SimServer::Sent(const std::string& operation, const std::string& touch_id) {
  AuditFilter f;
  f.operation = operation;
  f.touch_id = touch_id;
  f.status = 200;
  return static_cast<int>(sim_->audit().Query(f).size());
}

}  // namespace blend::genesys_sim::testing
