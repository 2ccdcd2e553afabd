#pragma once

// The orchestrator RPCs the console uses, behind an interface so the JSON API is tested with a
// fake; GrpcOrchestratorApi (grpc_orchestrator_api.h) calls the real server.

#include "absl/status/statusor.h"
#include "blend/v1/campaign_service.pb.h"
#include "blend/v1/consent_service.pb.h"
#include "blend/v1/engagement_service.pb.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::console {

class OrchestratorApi {
 public:
  virtual ~OrchestratorApi() = default;
  virtual absl::StatusOr<v1::ListCampaignsResponse> ListCampaigns(
      const v1::ListCampaignsRequest& req) = 0;
  virtual absl::StatusOr<v1::CampaignStats> GetCampaignStats(
      const v1::GetCampaignStatsRequest& req) = 0;
  virtual absl::StatusOr<v1::CampaignPause> PauseCampaign(const v1::PauseCampaignRequest& req) = 0;
  virtual absl::StatusOr<v1::CampaignPause> ResumeCampaign(
      const v1::ResumeCampaignRequest& req) = 0;
  virtual absl::StatusOr<v1::Campaign> GetCampaign(const v1::GetCampaignRequest& req) = 0;
  virtual absl::StatusOr<v1::ValidateCampaignResponse> ValidateCampaign(
      const v1::ValidateCampaignRequest& req) = 0;
  virtual absl::StatusOr<v1::ListJourneysResponse> ListJourneys(
      const v1::ListJourneysRequest& req) = 0;
  virtual absl::StatusOr<v1::Journey> GetJourney(const v1::GetJourneyRequest& req) = 0;
  virtual absl::StatusOr<v1::Consent> GetConsent(const v1::GetConsentRequest& req) = 0;
  virtual absl::StatusOr<v1::Engagement> GetEngagement(const v1::GetEngagementRequest& req) = 0;
};

}  // namespace blend::console
