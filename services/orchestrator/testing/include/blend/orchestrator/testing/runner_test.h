#pragma once

// A JourneyRunner driven directly (no gRPC, no background loops) on the test's database and
// fake clock, for the tests of the runner's batches (timers, dispositions).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/testing/orchestrator_test.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"

namespace blend::orchestrator::testing {

class RunnerTest : public OrchestratorTest {
 protected:
  // Migrates the test's database and builds the runner with `options`.
  void MakeRunner(const RunnerOptions& options) {
    auto pool = store::ConnectionPool::Create(db_->url(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    auto migrations = store::BlendMigrations();
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    ASSERT_TRUE(store::Migrate(*pool_, *migrations).ok());
    runner_ = std::make_unique<JourneyRunner>(*pool_, clock_, nullptr, options);
  }

  // Stores campaign `id` with `definition` and no policies.
  void Put(const std::string& id, const std::string& definition) {
    blend::v1::Campaign c;
    c.set_campaign_id(id);
    c.set_definition_json(definition);
    c.set_policies_json("{}");
    std::vector<journey::ValidationProblem> problems;
    auto put = runner_->PutCampaign(c, &problems);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  // Starts `n` journeys of `campaign` (customers c<first>.., keys k<first>..): their ids.
  std::vector<std::string> StartMany(const std::string& campaign, int n, int first = 0) {
    std::vector<blend::v1::StartJourneyRequest> requests;
    requests.reserve(n);
    for (int i = first; i < first + n; ++i) {
      requests.push_back(StartRequest(campaign, absl::StrCat("k", i), absl::StrCat("c", i)));
    }
    std::vector<std::string> ids;
    for (const auto& r : runner_->StartBatch(requests)) {
      EXPECT_FALSE(r.journey_id().empty()) << r.DebugString();
      ids.push_back(r.journey_id());
    }
    return ids;
  }

  blend::v1::JourneyStatus StatusOf(const std::string& id) {
    auto j = runner_->GetJourney(id, false);
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? j->status() : blend::v1::JOURNEY_STATUS_UNSPECIFIED;
  }

  // Journeys whose history numbers are not exactly 1..n.
  int64_t JourneysWithGappedHistory() {
    return Count(
        "SELECT count(*) FROM (SELECT journey_id FROM journey_history GROUP BY journey_id "
        "HAVING min(seq) <> 1 OR max(seq) <> count(*)) g");
  }

  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<JourneyRunner> runner_;
};

}  // namespace blend::orchestrator::testing
