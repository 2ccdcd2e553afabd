// JourneyRunner::ClaimTouches: a pipelined worker's batch of claims in one transaction, so a
// batch costs one commit (one fsync) instead of one per touch. Each claim runs the same fence
// as ClaimTouch (ClaimInTx); the batch only changes how many commits and in which order the
// journey rows are locked: by journey id, the stable order every multi-journey writer uses,
// so two batches cannot deadlock on each other.

#include <algorithm>
#include <numeric>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/store/transaction.h"

namespace blend::orchestrator {
namespace {

// Journey id of each touch id that exists (one statement for the whole batch).
std::map<std::string, std::string> JourneysOfTouches(pqxx::work& tx,
                                                     const std::vector<std::string>& touch_ids) {
  std::map<std::string, std::string> out;
  pqxx::result rows =
      tx.exec_params("SELECT touch_id, journey_id FROM touches WHERE touch_id = ANY($1::text[])",
                     pg::TextArray(touch_ids));
  for (const auto& row : rows) out[row[0].as<std::string>()] = row[1].as<std::string>();
  return out;
}

}  // namespace

absl::StatusOr<blend::v1::ClaimTouchesResponse> JourneyRunner::ClaimTouches(
    const blend::v1::ClaimTouchesRequest& request) {
  const int n = request.claims_size();
  if (n > kMaxClaimBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxClaimBatch, " claims per ClaimTouches call, got ", n));
  }
  std::vector<std::string> touch_ids;
  touch_ids.reserve(n);
  for (const auto& claim : request.claims()) {
    if (claim.touch_id().empty()) return absl::InvalidArgumentError("touch_id is required");
    touch_ids.push_back(claim.touch_id());
  }
  blend::v1::ClaimTouchesResponse out;
  if (n == 0) return out;

  absl::Status done =
      ctx_.Transact({.name = "claim_touches"}, [&](pqxx::work& tx, TxNotes& notes) -> absl::Status {
        out.clear_results();
        for (int i = 0; i < n; ++i) out.add_results();
        const std::map<std::string, std::string> journeys = JourneysOfTouches(tx, touch_ids);
        auto journey_of = [&](int i) {
          auto it = journeys.find(touch_ids[i]);
          return it == journeys.end() ? std::string() : it->second;
        };
        // Lock order: journeys by id (unknown touches first: they lock nothing), then the
        // request order for claims of the same journey (a journey's touches stay in order).
        std::vector<int> order(n);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return journey_of(a) < journey_of(b); });
        const absl::Time now = ctx_.clock().Now();
        for (int i : order) {
          const auto& claim = request.claims(i);
          BLEND_ASSIGN_OR_RETURN(
              *out.mutable_results(i),
              ClaimInTx(tx, claim.touch_id(), claim.worker_id(), claim.touch(), now, notes));
        }
        return absl::OkStatus();
      });
  if (!done.ok()) return done;
  return out;
}

}  // namespace blend::orchestrator
