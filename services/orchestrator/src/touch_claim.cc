// JourneyRunner's TouchService calls: each one PostgreSQL transaction around the fence
// (TouchFence, touch_fence.h) on a PgJourneyStore of it. ClaimTouches is a pipelined worker's
// batch: one commit (one fsync) for up to kMaxClaimBatch claims instead of one per touch.

#include <string>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_journey_store.h"

namespace blend::orchestrator {

absl::StatusOr<blend::v1::ClaimTouchResponse> JourneyRunner::ClaimTouch(
    const std::string& touch_id, const std::string& worker_id,
    const blend::v1::TouchCommand& bus_copy) {
  if (touch_id.empty()) return absl::InvalidArgumentError("touch_id is required");
  return ctx_.Transact({.name = "claim_touch"}, [&](pqxx::work& tx, TxNotes& notes) {
    PgJourneyStore store(tx);
    return fence_.Claim(store, touch_id, worker_id, bus_copy, ctx_.clock().Now(), notes);
  });
}

absl::StatusOr<blend::v1::ClaimTouchesResponse> JourneyRunner::ClaimTouches(
    const blend::v1::ClaimTouchesRequest& request) {
  const int n = request.claims_size();
  if (n > kMaxClaimBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxClaimBatch, " claims per ClaimTouches call, got ", n));
  }
  for (const auto& claim : request.claims()) {
    if (claim.touch_id().empty()) return absl::InvalidArgumentError("touch_id is required");
  }
  if (n == 0) return blend::v1::ClaimTouchesResponse();
  return ctx_.Transact({.name = "claim_touches"}, [&](pqxx::work& tx, TxNotes& notes) {
    PgJourneyStore store(tx);
    return fence_.ClaimMany(store, request, ctx_.clock().Now(), notes);
  });
}

absl::StatusOr<blend::v1::CheckTouchResponse> JourneyRunner::CheckTouch(
    const std::string& touch_id) {
  if (touch_id.empty()) return absl::InvalidArgumentError("touch_id is required");
  return ctx_.Transact({.name = "check_touch"}, [&](pqxx::work& tx, TxNotes&) {
    PgJourneyStore store(tx);
    return fence_.Check(store, touch_id, ctx_.clock().Now());
  });
}

}  // namespace blend::orchestrator
