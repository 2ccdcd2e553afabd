#pragma once

// The I/O seams of a channel worker, so the processing logic is tested with fakes.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/touch_service.pb.h"

namespace blend::worker {

// Asks the orchestrator whether a touch may go now (TouchService.ClaimTouch), sending the
// touch message as read from Kafka (`bus_copy`) so the orchestrator can refuse one it never
// wrote (DECISION_NOT_ISSUED). A GRANTED answer carries the touch as the orchestrator stored
// it: the only copy a worker sends.
// Status codes: kUnavailable when the orchestrator cannot be reached (retry later).
class TouchClaimer {
 public:
  virtual ~TouchClaimer() = default;
  virtual absl::StatusOr<v1::ClaimTouchResponse> Claim(const v1::TouchCommand& bus_copy) = 0;
  // Many claims (TouchService.ClaimTouches), one answer per touch in order, each what Claim
  // would answer. The default claims one by one.
  virtual std::vector<absl::StatusOr<v1::ClaimTouchResponse>> ClaimMany(
      const std::vector<v1::TouchCommand>& bus_copies) {
    std::vector<absl::StatusOr<v1::ClaimTouchResponse>> out;
    out.reserve(bus_copies.size());
    for (const v1::TouchCommand& t : bus_copies) out.push_back(Claim(t));
    return out;
  }
};

// What Genesys returned for an accepted request: ids to match later events and for audits.
struct SendReceipt {
  std::map<std::string, std::string> provider_ids;
};

// Performs the channel's Genesys request for one touch (agentless SMS, agentless email,
// priority contact insertion). Errors are the Genesys client's Status, with its GenesysError
// payload (429 Retry-After, outcome_unknown after a timeout, the error body).
class ChannelSender {
 public:
  virtual ~ChannelSender() = default;
  virtual absl::StatusOr<SendReceipt> Send(const v1::TouchCommand& touch) = 0;
};

}  // namespace blend::worker
