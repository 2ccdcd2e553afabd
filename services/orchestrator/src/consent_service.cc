// ConsentService over gRPC: authenticate, check scope "*" (the same helper as
// EngagementService and SendCustomerEvent), delegate to JourneyRunner (consent_runner.cc).

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/grpc_auth.h"
#include "blend/orchestrator/grpc_services.h"

namespace blend::orchestrator {
namespace {

// The caller may use every campaign: consent is about the customer, across campaigns.
absl::StatusOr<Principal> Authorise(Authenticator& auth, const grpc::ServerContext& ctx) {
  absl::StatusOr<Principal> who = AuthenticateCall(auth, ctx);
  if (!who.ok()) return who.status();
  if (absl::Status st = CheckAllCampaignsAccess(*who); !st.ok()) return st;
  return who;
}

}  // namespace

grpc::Status ConsentServiceImpl::PutSuppression(grpc::ServerContext* ctx,
                                                const blend::v1::PutSuppressionRequest* req,
                                                blend::v1::PutSuppressionResponse* resp) {
  auto who = Authorise(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return Assign(runner_.PutSuppression(req->suppression()), resp);
}

grpc::Status ConsentServiceImpl::GetConsent(grpc::ServerContext* ctx,
                                            const blend::v1::GetConsentRequest* req,
                                            blend::v1::Consent* resp) {
  auto who = Authorise(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return Assign(runner_.GetConsent(req->customer_id(), req->address()), resp);
}

grpc::Status ConsentServiceImpl::ListSuppressions(grpc::ServerContext* ctx,
                                                  const blend::v1::ListSuppressionsRequest* req,
                                                  blend::v1::ListSuppressionsResponse* resp) {
  auto who = Authorise(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return Assign(runner_.ListSuppressions(*req), resp);
}

grpc::Status ConsentServiceImpl::RemoveSuppression(grpc::ServerContext* ctx,
                                                   const blend::v1::RemoveSuppressionRequest* req,
                                                   blend::v1::RemoveSuppressionResponse* resp) {
  auto who = Authorise(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  // Recorded with the caller's token name: who removed it, and why.
  return Assign(runner_.RemoveSuppression(req->suppression_id(), who->name, req->reason()), resp);
}

grpc::Status ConsentServiceImpl::ImportSuppressions(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<blend::v1::ImportSuppressionResult,
                             blend::v1::ImportSuppressionRequest>* stream) {
  auto who = Authorise(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  std::vector<blend::v1::ImportSuppressionRequest> batch;
  auto flush = [&]() -> bool {
    for (const auto& result : runner_.ImportSuppressions(batch)) {
      if (!stream->Write(result)) return false;  // the client went away
    }
    batch.clear();
    return true;
  };
  blend::v1::ImportSuppressionRequest row;
  while (stream->Read(&row)) {
    if (row.suppression().source().empty()) {
      row.mutable_suppression()->set_source(absl::StrCat("import:", who->name));
    }
    batch.push_back(std::move(row));
    row = {};
    if (static_cast<int>(batch.size()) >= batch_size_ && !flush()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client stopped reading");
    }
  }
  if (!batch.empty() && !flush()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client stopped reading");
  }
  return grpc::Status::OK;
}

}  // namespace blend::orchestrator
