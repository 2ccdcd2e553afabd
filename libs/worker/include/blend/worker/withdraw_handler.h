#pragma once

// The channel seam for blend.v1.WithdrawTouch, next to ChannelSender: the WorkerLoop hands a
// withdrawal to the channel's handler and treats the answer like a touch's (publish and
// commit, hold and retry at a time, or commit without a disposition).

#include "absl/status/statusor.h"
#include "blend/v1/bus.pb.h"
#include "blend/worker/touch_processor.h"

namespace blend::worker {

class WithdrawHandler {
 public:
  virtual ~WithdrawHandler() = default;
  // Takes the touch back from Genesys, or makes sure it never gets there. kPublish: the
  // disposition to publish (TOUCH_OUTCOME_WITHDRAWN); kRetryAt: hold the message and call
  // again then (quota, backoff, an insert still in flight); kDrop: nothing to publish (too
  // late: the real outcome stands). Errors mean "try the same message again later".
  // Never sleeps. Not thread-safe: one handler per consumer loop.
  virtual absl::StatusOr<ProcessResult> Withdraw(const v1::WithdrawTouch& withdraw) = 0;
};

}  // namespace blend::worker
