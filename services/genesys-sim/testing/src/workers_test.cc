#include "blend/genesys_sim/testing/workers_test.h"

namespace blend::workers_test {

void WorkersTest::TearDown() {
  WorkerReplicasTest::TearDown();  // the replicas stop before the Genesys they call
  sim_.reset();
}

void WorkersTest::StartSim(genesys_sim::SimConfig config) {
  sim_ = std::make_unique<genesys_sim::testing::SimServer>(std::move(config));
  genesys_url_ = sim_->url();
}

}  // namespace blend::workers_test
