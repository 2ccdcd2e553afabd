#pragma once

// OrchestratorApi over gRPC: the console's own token on every call, a deadline per call.

#include <memory>

#include <grpcpp/channel.h>

#include "absl/time/time.h"
#include "blend/common/secret.h"
#include "blend/console/orchestrator_api.h"
#include "blend/v1/campaign_service.grpc.pb.h"
#include "blend/v1/consent_service.grpc.pb.h"
#include "blend/v1/engagement_service.grpc.pb.h"
#include "blend/v1/journey_service.grpc.pb.h"

namespace blend::console {

class GrpcOrchestratorApi final : public OrchestratorApi {
 public:
  GrpcOrchestratorApi(std::shared_ptr<grpc::Channel> channel, Secret token, absl::Duration timeout);

  absl::StatusOr<v1::ListCampaignsResponse> ListCampaigns(
      const v1::ListCampaignsRequest& req) override;
  absl::StatusOr<v1::CampaignStats> GetCampaignStats(
      const v1::GetCampaignStatsRequest& req) override;
  absl::StatusOr<v1::CampaignPause> PauseCampaign(const v1::PauseCampaignRequest& req) override;
  absl::StatusOr<v1::CampaignPause> ResumeCampaign(const v1::ResumeCampaignRequest& req) override;
  absl::StatusOr<v1::Campaign> GetCampaign(const v1::GetCampaignRequest& req) override;
  absl::StatusOr<v1::ValidateCampaignResponse> ValidateCampaign(
      const v1::ValidateCampaignRequest& req) override;
  absl::StatusOr<v1::ListJourneysResponse> ListJourneys(
      const v1::ListJourneysRequest& req) override;
  absl::StatusOr<v1::Journey> GetJourney(const v1::GetJourneyRequest& req) override;
  absl::StatusOr<v1::Consent> GetConsent(const v1::GetConsentRequest& req) override;
  absl::StatusOr<v1::Engagement> GetEngagement(const v1::GetEngagementRequest& req) override;

  // Whether the channel is connected (readiness); asks it to connect when idle.
  bool Connected() const;

 private:
  template <typename Stub, typename Req, typename Resp>
  absl::StatusOr<Resp> Call(Stub& stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const Req& req);

  std::shared_ptr<grpc::Channel> channel_;
  Secret token_;
  absl::Duration timeout_;
  std::unique_ptr<v1::CampaignService::Stub> campaigns_;
  std::unique_ptr<v1::JourneyService::Stub> journeys_;
  std::unique_ptr<v1::ConsentService::Stub> consent_;
  std::unique_ptr<v1::EngagementService::Stub> engagement_;
};

}  // namespace blend::console
