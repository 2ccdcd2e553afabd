#include "blend/orchestrator/grpc_services.h"

#include <deque>
#include <future>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/grpc_auth.h"

namespace blend::orchestrator {
namespace {

// Evaluates an absl::Status expression; returns it as a grpc::Status when not OK.
#define ORCH_RETURN_IF_ERROR(expr)                        \
  do {                                                    \
    if (absl::Status _orch_st = (expr); !_orch_st.ok()) { \
      return ToGrpcStatus(_orch_st);                      \
    }                                                     \
  } while (0)

std::string ProblemsText(const std::vector<journey::ValidationProblem>& problems) {
  std::string out;
  for (const auto& p : problems) absl::StrAppend(&out, p.pointer, ": ", p.message, "\n");
  return out;
}

}  // namespace

grpc::Status JourneyServiceImpl::PutCampaign(grpc::ServerContext* ctx,
                                             const blend::v1::PutCampaignRequest* req,
                                             blend::v1::PutCampaignResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckCampaignAccess(*who, req->campaign().campaign_id()));
  std::vector<journey::ValidationProblem> problems;
  auto r = runner_.PutCampaign(req->campaign(), &problems);
  if (!r.ok() && !problems.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, ProblemsText(problems));
  }
  return Assign(std::move(r), resp);
}

grpc::Status JourneyServiceImpl::ValidateCampaign(grpc::ServerContext* ctx,
                                                  const blend::v1::ValidateCampaignRequest* req,
                                                  blend::v1::ValidateCampaignResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  const auto& c = req->campaign();
  // The same scope as PutCampaign: validating is the first step of writing the campaign.
  ORCH_RETURN_IF_ERROR(CheckCampaignAccess(*who, c.campaign_id()));
  std::vector<journey::ValidationProblem> problems;
  std::map<std::string, std::string> aliases(c.resource_aliases().begin(),
                                             c.resource_aliases().end());
  auto parsed = journey::ParseCampaign(c.definition_json(), c.policies_json(), aliases, &problems,
                                       c.campaign_id());
  resp->set_valid(parsed.ok());
  for (const auto& p : problems) {
    auto* out = resp->add_problems();
    out->set_pointer(p.pointer);
    out->set_message(p.message);
  }
  if (!parsed.ok() && problems.empty()) {
    auto* out = resp->add_problems();
    out->set_message(std::string(parsed.status().message()));
  }
  return grpc::Status::OK;
}

grpc::Status JourneyServiceImpl::GetCampaign(grpc::ServerContext* ctx,
                                             const blend::v1::GetCampaignRequest* req,
                                             blend::v1::Campaign* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckCampaignAccess(*who, req->campaign_id()));
  return Assign(runner_.GetCampaign(req->campaign_id(), req->version()), resp);
}

grpc::Status JourneyServiceImpl::StartJourney(grpc::ServerContext* ctx,
                                              const blend::v1::StartJourneyRequest* req,
                                              blend::v1::StartJourneyResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckCampaignAccess(*who, req->campaign_id()));
  return Assign(runner_.StartJourney(*req), resp);
}

// Two batches in flight: while one is stepped and committed on a helper thread, the next is
// read from the stream and started as well, so the database's commit (an fsync) and the next
// batch's work overlap; results are written in request order. At most two batches and the one
// being read sit in memory: a 500,000-row stream never does.
constexpr size_t kStartBatchesInFlight = 2;

grpc::Status JourneyServiceImpl::StartJourneys(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<blend::v1::StartJourneyResult, blend::v1::StartJourneyRequest>*
        stream) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckSomeCampaignAccess(*who));  // then each row's campaign, below
  std::vector<blend::v1::StartJourneyRequest> batch;
  // Destroying a std::async future waits for its batch: an early return leaves none running.
  std::deque<std::future<std::vector<blend::v1::StartJourneyResult>>> in_flight;
  auto write_oldest = [&]() -> bool {
    std::vector<blend::v1::StartJourneyResult> results = in_flight.front().get();
    in_flight.pop_front();
    for (auto& r : results) {
      if (!stream->Write(r)) return false;
    }
    return true;
  };
  auto start_batch = [&]() -> bool {
    while (in_flight.size() >= kStartBatchesInFlight) {
      if (!write_oldest()) return false;
    }
    in_flight.push_back(std::async(
        std::launch::async, [this, rows = std::move(batch)] { return runner_.StartBatch(rows); }));
    batch.clear();
    return true;
  };
  auto flush = [&]() -> bool {
    if (!batch.empty() && !start_batch()) return false;
    while (!in_flight.empty()) {
      if (!write_oldest()) return false;
    }
    return true;
  };
  blend::v1::StartJourneyRequest req;
  while (stream->Read(&req)) {
    if (!who->MayUseCampaign(req.campaign_id())) {
      // Keep results in request order: answer what is pending before this row.
      if (!flush()) return grpc::Status::CANCELLED;
      blend::v1::StartJourneyResult r;
      r.set_row(req.row());
      r.set_reason(absl::StrCat("permission denied for campaign ", req.campaign_id()));
      if (!stream->Write(r)) return grpc::Status::CANCELLED;
      continue;
    }
    batch.push_back(std::move(req));
    req = {};
    if (static_cast<int>(batch.size()) >= start_batch_size_ && !start_batch()) {
      return grpc::Status::CANCELLED;
    }
  }
  if (!flush()) return grpc::Status::CANCELLED;
  return grpc::Status::OK;
}

grpc::Status JourneyServiceImpl::GetJourney(grpc::ServerContext* ctx,
                                            const blend::v1::GetJourneyRequest* req,
                                            blend::v1::Journey* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  // Authorised before anything about the journey is read or answered.
  ORCH_RETURN_IF_ERROR(
      CheckJourneyAccess(*who, req->journey_id(), runner_.CampaignOfJourney(req->journey_id())));
  return Assign(runner_.GetJourney(req->journey_id(), /*history=*/true), resp);
}

grpc::Status JourneyServiceImpl::ListJourneys(grpc::ServerContext* ctx,
                                              const blend::v1::ListJourneysRequest* req,
                                              blend::v1::ListJourneysResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckSomeCampaignAccess(*who));  // then filtered by scope, below
  // A campaign filter asks about that campaign: refused outright when it is out of scope.
  if (!req->campaign_id().empty()) {
    ORCH_RETURN_IF_ERROR(CheckCampaignAccess(*who, req->campaign_id()));
  }
  auto r = runner_.ListJourneys(*req);
  ORCH_RETURN_IF_ERROR(r.status());
  for (auto& j : *r->mutable_journeys()) {
    if (who->MayUseCampaign(j.campaign_id())) *resp->add_journeys() = std::move(j);
  }
  resp->set_next_page_token(r->next_page_token());
  return grpc::Status::OK;
}

grpc::Status JourneyServiceImpl::CancelJourney(grpc::ServerContext* ctx,
                                               const blend::v1::CancelJourneyRequest* req,
                                               blend::v1::Journey* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(
      CheckJourneyAccess(*who, req->journey_id(), runner_.CampaignOfJourney(req->journey_id())));
  return Assign(runner_.CancelJourney(req->journey_id(), req->reason()), resp);
}

grpc::Status JourneyServiceImpl::SendCustomerEvent(grpc::ServerContext* ctx,
                                                   const blend::v1::SendCustomerEventRequest* req,
                                                   blend::v1::SendCustomerEventResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  // An event reaches every journey of the customer, whatever its campaign.
  ORCH_RETURN_IF_ERROR(CheckAllCampaignsAccess(*who));
  return Assign(runner_.ApplyCustomerEvent(req->event()), resp);
}

grpc::Status TouchServiceImpl::ClaimTouch(grpc::ServerContext* ctx,
                                          const blend::v1::ClaimTouchRequest* req,
                                          blend::v1::ClaimTouchResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckServiceAccess(*who));
  return Assign(runner_.ClaimTouch(req->touch_id(), req->worker_id(), req->touch()), resp);
}

grpc::Status TouchServiceImpl::ClaimTouches(grpc::ServerContext* ctx,
                                            const blend::v1::ClaimTouchesRequest* req,
                                            blend::v1::ClaimTouchesResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckServiceAccess(*who));
  return Assign(runner_.ClaimTouches(*req), resp);
}

grpc::Status TouchServiceImpl::CheckTouch(grpc::ServerContext* ctx,
                                          const blend::v1::CheckTouchRequest* req,
                                          blend::v1::CheckTouchResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckServiceAccess(*who));
  return Assign(runner_.CheckTouch(req->touch_id()), resp);
}

grpc::Status EngagementServiceImpl::ImportInteractions(
    grpc::ServerContext* ctx, grpc::ServerReader<blend::v1::ImportInteractionRequest>* reader,
    blend::v1::ImportInteractionsResponse* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckAllCampaignsAccess(*who));
  std::vector<blend::v1::ImportInteractionRequest> batch;
  blend::v1::ImportInteractionRequest row;
  while (reader->Read(&row)) {
    batch.push_back(std::move(row));
    row = {};
    if (static_cast<int>(batch.size()) >= batch_size_) {
      ORCH_RETURN_IF_ERROR(runner_.ImportInteractions(batch, *resp));
      batch.clear();
    }
  }
  if (!batch.empty()) ORCH_RETURN_IF_ERROR(runner_.ImportInteractions(batch, *resp));
  return grpc::Status::OK;
}

grpc::Status EngagementServiceImpl::GetEngagement(grpc::ServerContext* ctx,
                                                  const blend::v1::GetEngagementRequest* req,
                                                  blend::v1::Engagement* resp) {
  auto who = AuthenticateCall(auth_, *ctx);
  ORCH_RETURN_IF_ERROR(who.status());
  ORCH_RETURN_IF_ERROR(CheckAllCampaignsAccess(*who));
  return Assign(runner_.GetEngagement(req->customer_id()), resp);
}

}  // namespace blend::orchestrator
