#pragma once

// gRPC front of the orchestrator: JourneyService (CRMs), TouchService (workers),
// EngagementService and ConsentService (CRMs, scope "*"). Each RPC
// authenticates the caller (grpc_auth.h), checks its scope, then delegates to JourneyRunner.
// absl status codes map 1:1 onto gRPC codes. Thread-safe (the sync server calls them from its
// pool of threads).

#include "blend/orchestrator/auth.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/v1/consent_service.grpc.pb.h"
#include "blend/v1/engagement_service.grpc.pb.h"
#include "blend/v1/journey_service.grpc.pb.h"
#include "blend/v1/touch_service.grpc.pb.h"

namespace blend::orchestrator {

class JourneyServiceImpl final : public blend::v1::JourneyService::Service {
 public:
  JourneyServiceImpl(JourneyRunner& runner, Authenticator& auth, int start_batch_size)
      : runner_(runner), auth_(auth), start_batch_size_(start_batch_size) {}

  grpc::Status PutCampaign(grpc::ServerContext* ctx, const blend::v1::PutCampaignRequest* req,
                           blend::v1::PutCampaignResponse* resp) override;
  grpc::Status ValidateCampaign(grpc::ServerContext* ctx,
                                const blend::v1::ValidateCampaignRequest* req,
                                blend::v1::ValidateCampaignResponse* resp) override;
  grpc::Status GetCampaign(grpc::ServerContext* ctx, const blend::v1::GetCampaignRequest* req,
                           blend::v1::Campaign* resp) override;
  grpc::Status StartJourney(grpc::ServerContext* ctx, const blend::v1::StartJourneyRequest* req,
                            blend::v1::StartJourneyResponse* resp) override;
  grpc::Status StartJourneys(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<blend::v1::StartJourneyResult, blend::v1::StartJourneyRequest>*
          stream) override;
  grpc::Status GetJourney(grpc::ServerContext* ctx, const blend::v1::GetJourneyRequest* req,
                          blend::v1::Journey* resp) override;
  grpc::Status ListJourneys(grpc::ServerContext* ctx, const blend::v1::ListJourneysRequest* req,
                            blend::v1::ListJourneysResponse* resp) override;
  grpc::Status CancelJourney(grpc::ServerContext* ctx, const blend::v1::CancelJourneyRequest* req,
                             blend::v1::Journey* resp) override;
  grpc::Status SendCustomerEvent(grpc::ServerContext* ctx,
                                 const blend::v1::SendCustomerEventRequest* req,
                                 blend::v1::SendCustomerEventResponse* resp) override;

 private:
  JourneyRunner& runner_;
  Authenticator& auth_;
  int start_batch_size_;
};

class TouchServiceImpl final : public blend::v1::TouchService::Service {
 public:
  TouchServiceImpl(JourneyRunner& runner, Authenticator& auth) : runner_(runner), auth_(auth) {}
  grpc::Status ClaimTouch(grpc::ServerContext* ctx, const blend::v1::ClaimTouchRequest* req,
                          blend::v1::ClaimTouchResponse* resp) override;
  // A batch of claims in one transaction; INVALID_ARGUMENT above JourneyRunner::kMaxClaimBatch.
  grpc::Status ClaimTouches(grpc::ServerContext* ctx, const blend::v1::ClaimTouchesRequest* req,
                            blend::v1::ClaimTouchesResponse* resp) override;
  grpc::Status CheckTouch(grpc::ServerContext* ctx, const blend::v1::CheckTouchRequest* req,
                          blend::v1::CheckTouchResponse* resp) override;

 private:
  JourneyRunner& runner_;
  Authenticator& auth_;
};

// EngagementService: historical import and profile reads. Both need scope "*" (a profile spans
// every campaign). The import applies rows in batches of `batch_size` while they stream in.
class EngagementServiceImpl final : public blend::v1::EngagementService::Service {
 public:
  EngagementServiceImpl(JourneyRunner& runner, Authenticator& auth, int batch_size)
      : runner_(runner), auth_(auth), batch_size_(batch_size) {}
  grpc::Status ImportInteractions(grpc::ServerContext* ctx,
                                  grpc::ServerReader<blend::v1::ImportInteractionRequest>* reader,
                                  blend::v1::ImportInteractionsResponse* resp) override;
  grpc::Status GetEngagement(grpc::ServerContext* ctx, const blend::v1::GetEngagementRequest* req,
                             blend::v1::Engagement* resp) override;

 private:
  JourneyRunner& runner_;
  Authenticator& auth_;
  int batch_size_;
};

// ConsentService: the consent record (consent_service.cc). Every RPC needs scope "*" (consent
// spans every campaign), like EngagementService. The import applies rows in batches of
// `batch_size` while they stream in and answers each row in order.
class ConsentServiceImpl final : public blend::v1::ConsentService::Service {
 public:
  ConsentServiceImpl(JourneyRunner& runner, Authenticator& auth, int batch_size)
      : runner_(runner), auth_(auth), batch_size_(batch_size) {}
  grpc::Status PutSuppression(grpc::ServerContext* ctx, const blend::v1::PutSuppressionRequest* req,
                              blend::v1::PutSuppressionResponse* resp) override;
  grpc::Status GetConsent(grpc::ServerContext* ctx, const blend::v1::GetConsentRequest* req,
                          blend::v1::Consent* resp) override;
  grpc::Status ListSuppressions(grpc::ServerContext* ctx,
                                const blend::v1::ListSuppressionsRequest* req,
                                blend::v1::ListSuppressionsResponse* resp) override;
  grpc::Status RemoveSuppression(grpc::ServerContext* ctx,
                                 const blend::v1::RemoveSuppressionRequest* req,
                                 blend::v1::RemoveSuppressionResponse* resp) override;
  grpc::Status ImportSuppressions(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<blend::v1::ImportSuppressionResult,
                               blend::v1::ImportSuppressionRequest>* stream) override;

 private:
  JourneyRunner& runner_;
  Authenticator& auth_;
  int batch_size_;
};

}  // namespace blend::orchestrator
