#pragma once

// The console's JSON API, served under /api by blend-console. Every body is a protobuf
// message in protobuf's JSON mapping (the orchestrator's own messages), so the pages read the
// same field names as the gRPC contract. Each call authenticates the operator first
// (operator_auth.h); personal data is masked unless the operator has the pii scope.
//
//   GET  /api/session                         who is signed in: {"operator", "scopes"}
//   GET  /api/campaigns                       ListCampaigns        (read)
//   GET  /api/campaigns/ID?version=N          GetCampaign          (read)
//   GET  /api/campaigns/ID/stats?version=N    GetCampaignStats     (read)
//   POST /api/campaigns/ID/pause   {"reason"} PauseCampaign        (operate; on the operator's
//   behalf) POST /api/campaigns/ID/resume  {"reason"} ResumeCampaign       (operate) GET
//   /api/journeys?campaignId=&campaignVersion=&stateName=&status=&customerId=&pageSize=&pageToken=
//                                             ListJourneys         (read)
//   GET  /api/journeys/ID                     GetJourney           (read)
//   GET  /api/customers/ID/consent            GetConsent           (read)
//   GET  /api/customers/ID/engagement         GetEngagement        (read)
//   POST /api/lint   <campaign document>      ValidateCampaign, pointers into the document (read)
//
// Errors: {"code": "NOT_FOUND", "message": "..."} with 400/401/403/404/409/503/502.

#include <memory>
#include <vector>

#include "blend/console/operator_auth.h"
#include "blend/console/orchestrator_api.h"
#include "blend/http/server.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace blend::console {

class ConsoleApi {
 public:
  // `orchestrator` and `auth` outlive the API; `registry` receives
  // blend_console_api_requests_total{route,code}.
  ConsoleApi(OrchestratorApi& orchestrator, const OperatorAuth& auth,
             prometheus::Registry& registry);

  std::vector<http::Route> Routes();

 private:
  using Call = std::function<http::Response(const http::Request&, const Operator&)>;
  enum class Needs { kRead, kOperate };
  http::Route Guarded(std::string method, std::string pattern, std::string route, Needs needs,
                      Call call);

  http::Response Session(const Operator& op) const;
  http::Response Pause(const http::Request& req, const Operator& op, bool pause);
  http::Response Journeys(const http::Request& req, const Operator& op);
  http::Response Lint(const http::Request& req);

  OrchestratorApi& orchestrator_;
  const OperatorAuth& auth_;
  prometheus::Family<prometheus::Counter>& requests_;
};

}  // namespace blend::console
