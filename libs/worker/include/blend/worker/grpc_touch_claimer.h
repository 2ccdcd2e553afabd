#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "blend/common/secret.h"
#include "blend/v1/touch_service.grpc.pb.h"
#include "blend/worker/ports.h"

namespace blend::worker {

// TouchClaimer over the orchestrator's internal TouchService (gRPC). The service credential
// travels as "authorization: Bearer <token>" when set. Thread-safe.
class GrpcTouchClaimer final : public TouchClaimer {
 public:
  // Plaintext to `target` (loopback, tests).
  GrpcTouchClaimer(const std::string& target, std::string worker_id, Secret service_token,
                   absl::Duration timeout = absl::Seconds(5));
  // Over `channel` (NewOrchestratorChannel: TLS / mTLS).
  GrpcTouchClaimer(std::shared_ptr<grpc::Channel> channel, std::string worker_id,
                   Secret service_token, absl::Duration timeout = absl::Seconds(5));
  absl::StatusOr<v1::ClaimTouchResponse> Claim(const v1::TouchCommand& bus_copy) override;
  // One ClaimTouches call. An orchestrator without it (UNIMPLEMENTED) is asked one by one
  // from then on; a batch refused for another reason than the orchestrator being unreachable
  // (say, one unreadable touch) is retried one by one, so one bad touch does not hold back
  // the others.
  std::vector<absl::StatusOr<v1::ClaimTouchResponse>> ClaimMany(
      const std::vector<v1::TouchCommand>& bus_copies) override;

 private:
  std::unique_ptr<v1::TouchService::Stub> stub_;
  std::string worker_id_;
  Secret token_;
  absl::Duration timeout_;
  std::atomic<bool> batch_unimplemented_{false};
};

// Coalesces the Claim calls that K processing threads make at the same moment into one
// ClaimMany of `inner` (which must outlive it). Thread-safe like `inner`.
class BatchingTouchClaimer final : public TouchClaimer {
 public:
  explicit BatchingTouchClaimer(TouchClaimer& inner, size_t max_batch = 64);
  ~BatchingTouchClaimer() override;
  absl::StatusOr<v1::ClaimTouchResponse> Claim(const v1::TouchCommand& bus_copy) override;

 private:
  struct Batches;
  std::unique_ptr<Batches> batches_;
};

}  // namespace blend::worker
