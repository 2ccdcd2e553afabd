#pragma once

#include <memory>
#include <string>

#include "blend/common/secret.h"
#include "blend/worker/ports.h"
#include "blend/v1/touch_service.grpc.pb.h"

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

 private:
  std::unique_ptr<v1::TouchService::Stub> stub_;
  std::string worker_id_;
  Secret token_;
  absl::Duration timeout_;
};

}  // namespace blend::worker
