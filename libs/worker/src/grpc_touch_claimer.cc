#include "blend/worker/grpc_touch_claimer.h"

#include <grpcpp/grpcpp.h>

#include "blend/worker/combiner.h"

namespace blend::worker {

GrpcTouchClaimer::GrpcTouchClaimer(const std::string& target, std::string worker_id,
                                   Secret service_token, absl::Duration timeout)
    : GrpcTouchClaimer(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
                       std::move(worker_id), std::move(service_token), timeout) {}

GrpcTouchClaimer::GrpcTouchClaimer(std::shared_ptr<grpc::Channel> channel, std::string worker_id,
                                   Secret service_token, absl::Duration timeout)
    : stub_(v1::TouchService::NewStub(std::move(channel))),
      worker_id_(std::move(worker_id)),
      token_(std::move(service_token)),
      timeout_(timeout) {}

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

std::vector<absl::StatusOr<v1::ClaimTouchResponse>> GrpcTouchClaimer::ClaimMany(
    const std::vector<v1::TouchCommand>& bus_copies) {
  if (bus_copies.size() == 1 || batch_unimplemented_) return TouchClaimer::ClaimMany(bus_copies);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_.Reveal());
  v1::ClaimTouchesRequest request;
  for (const v1::TouchCommand& t : bus_copies) {
    v1::ClaimTouchRequest* claim = request.add_claims();
    claim->set_touch_id(t.touch_id());
    claim->set_worker_id(worker_id_);
    *claim->mutable_touch() = t;
  }
  v1::ClaimTouchesResponse response;
  grpc::Status status = stub_->ClaimTouches(&context, request, &response);
  if (status.ok() && response.results_size() == static_cast<int>(bus_copies.size())) {
    std::vector<absl::StatusOr<v1::ClaimTouchResponse>> out;
    for (auto& r : *response.mutable_results()) out.push_back(std::move(r));
    return out;
  }
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) batch_unimplemented_ = true;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    absl::Status error(static_cast<absl::StatusCode>(status.error_code()),
                       "ClaimTouches: " + status.error_message());
    return std::vector<absl::StatusOr<v1::ClaimTouchResponse>>(bus_copies.size(), error);
  }
  return TouchClaimer::ClaimMany(bus_copies);
}

struct BatchingTouchClaimer::Batches {
  Batches(TouchClaimer& inner, size_t max_batch)
      : claims([&inner](const std::vector<v1::TouchCommand>& t) { return inner.ClaimMany(t); },
               max_batch) {}
  Combiner<v1::TouchCommand, absl::StatusOr<v1::ClaimTouchResponse>> claims;
};

BatchingTouchClaimer::BatchingTouchClaimer(TouchClaimer& inner, size_t max_batch)
    : batches_(std::make_unique<Batches>(inner, max_batch)) {}

BatchingTouchClaimer::~BatchingTouchClaimer() = default;

absl::StatusOr<v1::ClaimTouchResponse> BatchingTouchClaimer::Claim(
    const v1::TouchCommand& bus_copy) {
  return batches_->claims.Submit(bus_copy);
}

}  // namespace blend::worker
