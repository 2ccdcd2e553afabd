#pragma once

// blend.v1.CampaignService: what an operator sees of a campaign, and the pause switch.
// CampaignOps does the work (PostgreSQL; campaign_stats.h, campaign_pause.h); CampaignServiceImpl
// authenticates and checks the scope like JourneyService: a caller lists, reads and pauses only
// the campaigns of its token's scope ('*': all); the workers' service credential is refused.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "blend/common/clock.h"
#include "blend/orchestrator/auth.h"
#include "blend/store/connection_pool.h"
#include "blend/v1/campaign_service.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace blend::orchestrator {

// blend_campaign_paused{campaign} (1 paused, 0 running; every campaign ever paused, read from
// PostgreSQL, so every replica shows the same), blend_campaign_pause_changes_total{action}
// and blend_campaign_touches_released_total (held touches emitted again by a resume), the
// last two counted by the replica that served the call.
class CampaignMetrics {
 public:
  explicit CampaignMetrics(prometheus::Registry& registry);
  void SetPaused(const std::map<std::string, bool>& paused);
  void Changed(const std::string& action);
  void Released(int touches);

 private:
  prometheus::Family<prometheus::Gauge>& paused_;
  prometheus::Family<prometheus::Counter>& changes_;
  prometheus::Counter& released_;
};

class CampaignOps {
 public:
  CampaignOps(store::ConnectionPool& pool, const Clock& clock, std::string topic_prefix,
              CampaignMetrics* metrics)
      : pool_(pool), clock_(clock), topic_prefix_(std::move(topic_prefix)), metrics_(metrics) {}

  // The campaigns the principal may use, by id; page tokens are the last id of a page.
  absl::StatusOr<blend::v1::ListCampaignsResponse> ListCampaigns(
      const Principal& principal, const blend::v1::ListCampaignsRequest& request);
  absl::StatusOr<blend::v1::CampaignStats> Stats(const blend::v1::GetCampaignStatsRequest& req);
  // kNotFound for a campaign without any stored version.
  absl::StatusOr<blend::v1::CampaignPause> Pause(const std::string& campaign_id,
                                                 const std::string& changed_by,
                                                 const std::string& reason);
  // Records the resume, then emits every held touch again (in batches). Run on a campaign that
  // is not paused it records nothing and still releases what a crash may have left held.
  absl::StatusOr<blend::v1::CampaignPause> Resume(const std::string& campaign_id,
                                                  const std::string& changed_by,
                                                  const std::string& reason);
  // Refreshes blend_campaign_paused from PostgreSQL (the gauges loop calls it).
  absl::Status RefreshGauge();

 private:
  absl::Status CheckCampaignExists(const std::string& campaign_id);

  store::ConnectionPool& pool_;
  const Clock& clock_;
  const std::string topic_prefix_;
  CampaignMetrics* metrics_;
};

class CampaignServiceImpl final : public blend::v1::CampaignService::Service {
 public:
  CampaignServiceImpl(CampaignOps& ops, Authenticator& auth) : ops_(ops), auth_(auth) {}

  grpc::Status ListCampaigns(grpc::ServerContext* ctx, const blend::v1::ListCampaignsRequest* req,
                             blend::v1::ListCampaignsResponse* resp) override;
  grpc::Status GetCampaignStats(grpc::ServerContext* ctx,
                                const blend::v1::GetCampaignStatsRequest* req,
                                blend::v1::CampaignStats* resp) override;
  grpc::Status PauseCampaign(grpc::ServerContext* ctx, const blend::v1::PauseCampaignRequest* req,
                             blend::v1::CampaignPause* resp) override;
  grpc::Status ResumeCampaign(grpc::ServerContext* ctx, const blend::v1::ResumeCampaignRequest* req,
                              blend::v1::CampaignPause* resp) override;

 private:
  CampaignOps& ops_;
  Authenticator& auth_;
};

}  // namespace blend::orchestrator
