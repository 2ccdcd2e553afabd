// The JourneyStore contract (journey_store_contract.h) against InMemoryJourneyStore.

#include <string>
#include <vector>

#include "blend/orchestrator/testing/in_memory_journey_store.h"
#include "journey_store_contract.h"

namespace blend::orchestrator::testing {
namespace {

class MemoryBackend {
 public:
  absl::Status Open() { return absl::OkStatus(); }
  JourneyStore& store() { return store_; }
  void Commit() {}
  void HoldJourney(const std::string& journey_id) { store_.HoldJourney(journey_id); }
  std::vector<OutboxSeen> Outbox() const {
    std::vector<OutboxSeen> seen;
    for (const auto& row : store_.outbox()) {
      seen.push_back({row.topic, row.key, row.payload, row.available_at});
    }
    return seen;
  }

 private:
  InMemoryJourneyStore store_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, JourneyStoreContract, MemoryBackend);

}  // namespace
}  // namespace blend::orchestrator::testing
