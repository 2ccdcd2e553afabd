#include "blend/console/grpc_orchestrator_api.h"

#include <grpcpp/client_context.h>

#include "absl/time/clock.h"

namespace blend::console {

GrpcOrchestratorApi::GrpcOrchestratorApi(std::shared_ptr<grpc::Channel> channel, Secret token,
                                         absl::Duration timeout)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      timeout_(timeout),
      campaigns_(v1::CampaignService::NewStub(channel_)),
      journeys_(v1::JourneyService::NewStub(channel_)),
      consent_(v1::ConsentService::NewStub(channel_)),
      engagement_(v1::EngagementService::NewStub(channel_)) {}

template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> GrpcOrchestratorApi::Call(Stub& stub,
                                               grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                            const Req&, Resp*),
                                               const Req& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_.Reveal());
  Resp resp;
  grpc::Status st = (stub.*method)(&ctx, req, &resp);
  if (!st.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
  }
  return resp;
}

absl::StatusOr<v1::ListCampaignsResponse> GrpcOrchestratorApi::ListCampaigns(
    const v1::ListCampaignsRequest& req) {
  return Call(*campaigns_, &v1::CampaignService::Stub::ListCampaigns, req);
}
absl::StatusOr<v1::CampaignStats> GrpcOrchestratorApi::GetCampaignStats(
    const v1::GetCampaignStatsRequest& req) {
  return Call(*campaigns_, &v1::CampaignService::Stub::GetCampaignStats, req);
}
absl::StatusOr<v1::CampaignPause> GrpcOrchestratorApi::PauseCampaign(
    const v1::PauseCampaignRequest& req) {
  return Call(*campaigns_, &v1::CampaignService::Stub::PauseCampaign, req);
}
absl::StatusOr<v1::CampaignPause> GrpcOrchestratorApi::ResumeCampaign(
    const v1::ResumeCampaignRequest& req) {
  return Call(*campaigns_, &v1::CampaignService::Stub::ResumeCampaign, req);
}
absl::StatusOr<v1::Campaign> GrpcOrchestratorApi::GetCampaign(const v1::GetCampaignRequest& req) {
  return Call(*journeys_, &v1::JourneyService::Stub::GetCampaign, req);
}
absl::StatusOr<v1::ValidateCampaignResponse> GrpcOrchestratorApi::ValidateCampaign(
    const v1::ValidateCampaignRequest& req) {
  return Call(*journeys_, &v1::JourneyService::Stub::ValidateCampaign, req);
}
absl::StatusOr<v1::ListJourneysResponse> GrpcOrchestratorApi::ListJourneys(
    const v1::ListJourneysRequest& req) {
  return Call(*journeys_, &v1::JourneyService::Stub::ListJourneys, req);
}
absl::StatusOr<v1::Journey> GrpcOrchestratorApi::GetJourney(const v1::GetJourneyRequest& req) {
  return Call(*journeys_, &v1::JourneyService::Stub::GetJourney, req);
}
absl::StatusOr<v1::Consent> GrpcOrchestratorApi::GetConsent(const v1::GetConsentRequest& req) {
  return Call(*consent_, &v1::ConsentService::Stub::GetConsent, req);
}
absl::StatusOr<v1::Engagement> GrpcOrchestratorApi::GetEngagement(
    const v1::GetEngagementRequest& req) {
  return Call(*engagement_, &v1::EngagementService::Stub::GetEngagement, req);
}

bool GrpcOrchestratorApi::Connected() const {
  return channel_->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY;
}

}  // namespace blend::console
