#pragma once

// The channel workers' integration-test fixture with the real simulator: libs/worker's
// WorkerReplicasTest (database, topics, claim stand-in, replicas) plus genesys-sim in this
// process. It lives with the simulator, not in libs/worker, because a library's test support
// must not depend on a service.

#include <memory>

#include "blend/genesys_sim/config.h"
#include "blend/genesys_sim/testing/sim_server.h"
#include "blend/worker/testing/workers_test.h"

namespace blend::workers_test {

class WorkersTest : public WorkerReplicasTest {
 protected:
  void TearDown() override;
  // Starts the simulator with `config` (DemoConfig plus changes); replicas configured from now
  // on call it.
  void StartSim(genesys_sim::SimConfig config);

  std::unique_ptr<genesys_sim::testing::SimServer> sim_;
};

}  // namespace blend::workers_test
