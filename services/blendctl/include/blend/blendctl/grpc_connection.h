#pragma once

// The client side of blendctl's online commands: one channel to the orchestrator's
// blend.v1.JourneyService, and a ClientContext per call carrying the bearer token and the
// deadline. Thread-safe (gRPC stubs are); one per process.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/secret.h"
#include "blend/v1/campaign_service.grpc.pb.h"
#include "blend/v1/consent_service.grpc.pb.h"
#include "blend/v1/engagement_service.grpc.pb.h"
#include "blend/v1/journey_service.grpc.pb.h"

namespace blend::blendctl {

struct ConnectionOptions {
  std::string addr = "127.0.0.1:7400";         // host:port of the orchestrator's --grpc-addr
  Secret token;                                // sent as "authorization: Bearer <token>" when set
  absl::Duration timeout = absl::Seconds(30);  // deadline of each unary call
  std::string ca_file;  // PEM roots: use TLS and verify the server against them
};

class GrpcConnection {
 public:
  // kInvalidArgument when the CA file cannot be read; kFailedPrecondition for a token to a
  // non-loopback address without --ca-file (it would cross the network in clear). The channel
  // connects lazily, so an unreachable server shows up as UNAVAILABLE on the first call, not here.
  static absl::StatusOr<std::unique_ptr<GrpcConnection>> Create(const ConnectionOptions& options);

  // A context for one call; with_deadline=false for long streams (start-many).
  std::unique_ptr<grpc::ClientContext> NewContext(bool with_deadline = true) const;

  blend::v1::JourneyService::Stub& journeys() { return *stub_; }
  blend::v1::EngagementService::Stub& engagement() { return *engagement_stub_; }
  blend::v1::ConsentService::Stub& consent() { return *consent_stub_; }
  blend::v1::CampaignService::Stub& campaigns() { return *campaign_stub_; }

 private:
  GrpcConnection(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel);

  ConnectionOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<blend::v1::JourneyService::Stub> stub_;
  std::unique_ptr<blend::v1::EngagementService::Stub> engagement_stub_;
  std::unique_ptr<blend::v1::ConsentService::Stub> consent_stub_;
  std::unique_ptr<blend::v1::CampaignService::Stub> campaign_stub_;
};

}  // namespace blend::blendctl
