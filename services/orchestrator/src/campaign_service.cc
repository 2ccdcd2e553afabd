// blend.v1.CampaignService (campaign_service.h).

#include "blend/orchestrator/campaign_service.h"

#include <algorithm>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/campaign_stats.h"
#include "blend/orchestrator/grpc_auth.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {
namespace {

constexpr int kReleaseBatch = 200;  // journeys per release transaction

}  // namespace

CampaignMetrics::CampaignMetrics(prometheus::Registry& registry)
    : paused_(prometheus::BuildGauge()
                  .Name("blend_campaign_paused")
                  .Help("1 while the campaign is paused (no touch emitted or granted), else 0")
                  .Register(registry)),
      changes_(prometheus::BuildCounter()
                   .Name("blend_campaign_pause_changes_total")
                   .Help("Campaign pauses and resumes recorded by this replica, by action")
                   .Register(registry)),
      released_(prometheus::BuildCounter()
                    .Name("blend_campaign_touches_released_total")
                    .Help("Touches held by a pause and emitted again at the resume")
                    .Register(registry)
                    .Add({})) {
  // Both series exist from the first scrape.
  changes_.Add({{"action", "pause"}});
  changes_.Add({{"action", "resume"}});
}

void CampaignMetrics::SetPaused(const std::map<std::string, bool>& paused) {
  for (const auto& [campaign, p] : paused) paused_.Add({{"campaign", campaign}}).Set(p ? 1 : 0);
}

void CampaignMetrics::Changed(const std::string& action) {
  changes_.Add({{"action", action}}).Increment();
}

void CampaignMetrics::Released(int touches) { released_.Increment(touches); }

absl::StatusOr<blend::v1::ListCampaignsResponse> CampaignOps::ListCampaigns(
    const Principal& principal, const blend::v1::ListCampaignsRequest& request) {
  const int limit = request.page_size() <= 0 ? 100 : std::min(request.page_size(), 1000);
  std::vector<std::string> scope(principal.campaigns.begin(), principal.campaigns.end());
  store::TxOptions opts;
  opts.name = "list_campaigns";
  opts.read_only = true;
  opts.isolation = store::Isolation::kRepeatableRead;  // every figure from one snapshot
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<blend::v1::ListCampaignsResponse> {
        blend::v1::ListCampaignsResponse resp;
        std::vector<blend::v1::CampaignSummary> page = LoadCampaignSummaries(
            tx, principal.all_campaigns, scope, request.page_token(), limit, clock_.Now());
        if (static_cast<int>(page.size()) == limit) {
          resp.set_next_page_token(page.back().campaign_id());
        }
        for (auto& s : page) *resp.add_campaigns() = std::move(s);
        return resp;
      },
      opts);
}

absl::StatusOr<blend::v1::CampaignStats> CampaignOps::Stats(
    const blend::v1::GetCampaignStatsRequest& req) {
  if (req.campaign_id().empty()) return absl::InvalidArgumentError("campaign_id is required");
  store::TxOptions opts;
  opts.name = "campaign_stats";
  opts.read_only = true;
  opts.isolation = store::Isolation::kRepeatableRead;
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) {
        return LoadCampaignStats(tx, req.campaign_id(), req.version(), clock_.Now());
      },
      opts);
}

absl::Status CampaignOps::CheckCampaignExists(const std::string& campaign_id) {
  store::TxOptions opts;
  opts.name = "campaign_exists";
  opts.read_only = true;
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::Status {
        if (tx.exec_params("SELECT 1 FROM campaigns WHERE campaign_id = $1 LIMIT 1", campaign_id)
                .empty()) {
          return absl::NotFoundError(absl::StrCat("unknown campaign ", campaign_id));
        }
        return absl::OkStatus();
      },
      opts);
}

absl::StatusOr<blend::v1::CampaignPause> CampaignOps::Pause(const std::string& campaign_id,
                                                            const std::string& changed_by,
                                                            const std::string& reason) {
  if (absl::Status s = CheckCampaignExists(campaign_id); !s.ok()) return s;
  bool changed = false;
  store::TxOptions opts;
  opts.name = "pause_campaign";
  auto out = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<blend::v1::CampaignPause> {
        return SetPaused(tx, campaign_id, true, changed_by, reason, clock_.Now(), &changed);
      },
      opts);
  if (out.ok() && changed) {
    BLEND_LOG(kInfo, "campaign paused",
              {{"campaign", campaign_id}, {"by", changed_by}, {"reason", reason}});
    if (metrics_) {
      metrics_->Changed("pause");
      metrics_->SetPaused({{campaign_id, true}});
    }
  }
  return out;
}

absl::StatusOr<blend::v1::CampaignPause> CampaignOps::Resume(const std::string& campaign_id,
                                                             const std::string& changed_by,
                                                             const std::string& reason) {
  if (absl::Status s = CheckCampaignExists(campaign_id); !s.ok()) return s;
  bool changed = false;
  store::TxOptions opts;
  opts.name = "resume_campaign";
  auto out = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<blend::v1::CampaignPause> {
        return SetPaused(tx, campaign_id, false, changed_by, reason, clock_.Now(), &changed);
      },
      opts);
  if (!out.ok()) return out;
  // After the commit: every transaction that held a touch has committed (it share-locked the
  // row the resume updated), and none holds one from now on.
  int released = 0;
  store::TxOptions ropts;
  ropts.name = "release_held_touches";
  ropts.max_attempts = 5;
  for (;;) {
    auto batch = store::WithTransaction(
        pool_,
        [&](pqxx::work& tx) {
          return ReleaseHeldTouches(tx, campaign_id, topic_prefix_, clock_.Now(), kReleaseBatch);
        },
        ropts);
    if (!batch.ok()) {
      // The resume is recorded; the touches still held are released by the next resume call.
      BLEND_LOG(kError, "campaign resumed but held touches not all released",
                {{"campaign", campaign_id},
                 {"released", std::to_string(released)},
                 {"error", std::string(batch.status().message())}});
      return batch.status();
    }
    released += batch->touches;
    if (batch->journeys == 0) break;
  }
  if (changed || released > 0) {
    BLEND_LOG(kInfo, "campaign resumed",
              {{"campaign", campaign_id},
               {"by", changed_by},
               {"reason", reason},
               {"touches_released", std::to_string(released)}});
  }
  if (metrics_) {
    if (changed) {
      metrics_->Changed("resume");
      metrics_->SetPaused({{campaign_id, false}});
    }
    metrics_->Released(released);
  }
  return out;
}

absl::Status CampaignOps::RefreshGauge() {
  if (metrics_ == nullptr) return absl::OkStatus();
  store::TxOptions opts;
  opts.name = "campaign_pause_gauge";
  opts.read_only = true;
  auto paused = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::map<std::string, bool>> {
        std::map<std::string, bool> out;
        for (const auto& row : tx.exec("SELECT campaign_id, paused FROM campaign_pauses")) {
          out[row[0].as<std::string>()] = row[1].as<bool>();
        }
        return out;
      },
      opts);
  if (!paused.ok()) return paused.status();
  metrics_->SetPaused(*paused);
  return absl::OkStatus();
}

// gRPC

grpc::Status CampaignServiceImpl::ListCampaigns(grpc::ServerContext* ctx,
                                                const blend::v1::ListCampaignsRequest* req,
                                                blend::v1::ListCampaignsResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  // Filtered by scope in the query: a scoped caller sees only its campaigns.
  if (absl::Status s = CheckSomeCampaignAccess(*who); !s.ok()) return ToGrpcStatus(s);
  return Assign(ops_.ListCampaigns(*who, *req), resp);
}

grpc::Status CampaignServiceImpl::GetCampaignStats(grpc::ServerContext* ctx,
                                                   const blend::v1::GetCampaignStatsRequest* req,
                                                   blend::v1::CampaignStats* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  if (absl::Status s = CheckCampaignAccess(*who, req->campaign_id()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return Assign(ops_.Stats(*req), resp);
}

namespace {

// Pause and resume check the same scope and request, and record the caller the same way; only
// the operation differs (&CampaignOps::Pause or &CampaignOps::Resume).
template <typename Request>
grpc::Status ChangePause(Authenticator& auth, grpc::ServerContext& ctx, const Request& req,
                         CampaignOps& ops,
                         absl::StatusOr<blend::v1::CampaignPause> (CampaignOps::*change)(
                             const std::string&, const std::string&, const std::string&),
                         blend::v1::CampaignPause* resp) {
  auto who = AuthenticateCall(auth, ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  if (absl::Status s = CheckCampaignAccess(*who, req.campaign_id()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (absl::Status s = ValidatePauseRequest(req.campaign_id(), req.reason(), req.on_behalf_of());
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  return Assign(
      (ops.*change)(req.campaign_id(), ChangedBy(who->name, req.on_behalf_of()), req.reason()),
      resp);
}

}  // namespace

grpc::Status CampaignServiceImpl::PauseCampaign(grpc::ServerContext* ctx,
                                                const blend::v1::PauseCampaignRequest* req,
                                                blend::v1::CampaignPause* resp) {
  return ChangePause(auth_, *ctx, *req, ops_, &CampaignOps::Pause, resp);
}

grpc::Status CampaignServiceImpl::ResumeCampaign(grpc::ServerContext* ctx,
                                                 const blend::v1::ResumeCampaignRequest* req,
                                                 blend::v1::CampaignPause* resp) {
  return ChangePause(auth_, *ctx, *req, ops_, &CampaignOps::Resume, resp);
}

}  // namespace blend::orchestrator
