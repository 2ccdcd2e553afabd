#include "blend/worker/grpc_touch_claimer.h"

#include <grpcpp/grpcpp.h>

namespace blend::worker {

GrpcTouchClaimer::GrpcTouchClaimer(const std::string& target, std::string worker_id,
                                   Secret service_token, absl::Duration timeout)
    : GrpcTouchClaimer(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
                       std::move(worker_id), std::move(service_token), timeout) {}

GrpcTouchClaimer::GrpcTouchClaimer(std::shared_ptr<grpc::Channel> channel, std::string worker_id,
                                   Secret service_token, absl::Duration timeout)
    : stub_(v1::TouchService::NewStub(std::move(channel))),
      worker_id_(std::move(worker_id)), token_(std::move(service_token)), timeout_(timeout) {}

absl::StatusOr<v1::ClaimTouchResponse> GrpcTouchClaimer::Claim(const v1::TouchCommand& bus_copy) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_.Reveal());
  v1::ClaimTouchRequest request;
  request.set_touch_id(bus_copy.touch_id());
  request.set_worker_id(worker_id_);
  *request.mutable_touch() = bus_copy;
  v1::ClaimTouchResponse response;
  grpc::Status status = stub_->ClaimTouch(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        "ClaimTouch: " + status.error_message());
  }
  return response;
}

}  // namespace blend::worker
