#include "blend/console/console_api.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <regex>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "blend/console/campaign_document.h"
#include "blend/console/personal_data.h"

namespace blend::console {
namespace {

using google::protobuf::Message;

constexpr char kJson[] = "application/json";

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 502;
  }
}

http::Response JsonOf(const Message& message, int status = 200) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // zero counts are shown, not left out
  http::Response r;
  r.status = status;
  r.content_type = kJson;
  r.headers.push_back({"Cache-Control", "no-store"});
  if (!google::protobuf::util::MessageToJsonString(message, &r.body, options).ok()) {
    r.status = 500;
    r.body.clear();
  }
  return r;
}

http::Response ErrorOf(const absl::Status& status) {
  google::protobuf::Struct error;
  (*error.mutable_fields())["code"].set_string_value(absl::StatusCodeToString(status.code()));
  (*error.mutable_fields())["message"].set_string_value(std::string(status.message()));
  return JsonOf(error, HttpStatusFor(status.code()));
}

// The orchestrator refusing the console's own credential is the console's configuration, not
// the operator's: 502, so the page does not ask the operator to sign in again.
absl::Status FromOrchestrator(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnauthenticated) return status;
  return absl::InternalError(
      absl::StrCat("the orchestrator refused the console's token: ", status.message()));
}

template <typename T>
http::Response Reply(absl::StatusOr<T> result, const Operator& op) {
  if (!result.ok()) return ErrorOf(FromOrchestrator(result.status()));
  if (!op.pii) MaskPersonalData(*result);
  return JsonOf(*result);
}

int32_t IntParam(const http::Request& req, std::string_view name) {
  int32_t value = 0;
  return absl::SimpleAtoi(req.Param(name), &value) ? value : 0;
}

// The first capture group of `pattern` in the path (the id between slashes).
std::string PathId(const http::Request& req, const std::string& pattern) {
  std::smatch m;
  std::regex re(pattern);
  return std::regex_match(req.path, m, re) && m.size() > 1 ? m[1].str() : std::string();
}

}  // namespace

ConsoleApi::ConsoleApi(OrchestratorApi& orchestrator, const OperatorAuth& auth,
                       prometheus::Registry& registry)
    : orchestrator_(orchestrator),
      auth_(auth),
      requests_(prometheus::BuildCounter()
                    .Name("blend_console_api_requests_total")
                    .Help("Console API requests by route and HTTP status")
                    .Register(registry)) {}

http::Route ConsoleApi::Guarded(std::string method, std::string pattern, std::string route,
                                Needs needs, Call call) {
  http::Route r;
  r.method = std::move(method);
  r.pattern = pattern;
  r.handler = [this, route, needs, call](const http::Request& req) {
    http::Response resp;
    absl::StatusOr<Operator> op = auth_.Authenticate(req.Header("authorization"));
    if (!op.ok()) {
      resp = ErrorOf(op.status());
    } else if ((needs == Needs::kRead && !op->read) || (needs == Needs::kOperate && !op->operate)) {
      resp = ErrorOf(absl::PermissionDeniedError(
          absl::StrCat("operator ", op->name, " lacks the ",
                       needs == Needs::kRead ? "read" : "operate", " scope")));
    } else {
      resp = call(req, *op);
    }
    requests_.Add({{"route", route}, {"code", absl::StrCat(resp.status)}}).Increment();
    return resp;
  };
  return r;
}

std::vector<http::Route> ConsoleApi::Routes() {
  const std::string campaign = "/api/campaigns/([^/]+)";
  const std::string journey = "/api/journeys/([^/]+)";
  const std::string customer = "/api/customers/([^/]+)";
  std::vector<http::Route> routes;
  routes.push_back(
      Guarded("GET", "/api/session", "session", Needs::kRead,
              [this](const http::Request&, const Operator& op) { return Session(op); }));
  routes.push_back(Guarded("GET", "/api/campaigns", "campaigns", Needs::kRead,
                           [this](const http::Request& req, const Operator& op) {
                             v1::ListCampaignsRequest r;
                             r.set_page_size(IntParam(req, "pageSize"));
                             r.set_page_token(req.Param("pageToken"));
                             return Reply(orchestrator_.ListCampaigns(r), op);
                           }));
  routes.push_back(Guarded("GET", campaign + "/stats", "campaign_stats", Needs::kRead,
                           [this, campaign](const http::Request& req, const Operator& op) {
                             v1::GetCampaignStatsRequest r;
                             r.set_campaign_id(PathId(req, campaign + "/stats"));
                             r.set_version(IntParam(req, "version"));
                             return Reply(orchestrator_.GetCampaignStats(r), op);
                           }));
  routes.push_back(Guarded(
      "POST", campaign + "/pause", "pause", Needs::kOperate,
      [this](const http::Request& req, const Operator& op) { return Pause(req, op, true); }));
  routes.push_back(Guarded(
      "POST", campaign + "/resume", "resume", Needs::kOperate,
      [this](const http::Request& req, const Operator& op) { return Pause(req, op, false); }));
  routes.push_back(Guarded("GET", campaign, "campaign", Needs::kRead,
                           [this, campaign](const http::Request& req, const Operator& op) {
                             v1::GetCampaignRequest r;
                             r.set_campaign_id(PathId(req, campaign));
                             r.set_version(IntParam(req, "version"));
                             return Reply(orchestrator_.GetCampaign(r), op);
                           }));
  routes.push_back(
      Guarded("GET", "/api/journeys", "journeys", Needs::kRead,
              [this](const http::Request& req, const Operator& op) { return Journeys(req, op); }));
  routes.push_back(Guarded("GET", journey, "journey", Needs::kRead,
                           [this, journey](const http::Request& req, const Operator& op) {
                             v1::GetJourneyRequest r;
                             r.set_journey_id(PathId(req, journey));
                             return Reply(orchestrator_.GetJourney(r), op);
                           }));
  routes.push_back(Guarded("GET", customer + "/consent", "consent", Needs::kRead,
                           [this, customer](const http::Request& req, const Operator& op) {
                             v1::GetConsentRequest r;
                             r.set_customer_id(PathId(req, customer + "/consent"));
                             return Reply(orchestrator_.GetConsent(r), op);
                           }));
  routes.push_back(Guarded("GET", customer + "/engagement", "engagement", Needs::kRead,
                           [this, customer](const http::Request& req, const Operator& op) {
                             v1::GetEngagementRequest r;
                             r.set_customer_id(PathId(req, customer + "/engagement"));
                             return Reply(orchestrator_.GetEngagement(r), op);
                           }));
  routes.push_back(
      Guarded("POST", "/api/lint", "lint", Needs::kRead,
              [this](const http::Request& req, const Operator&) { return Lint(req); }));
  return routes;
}

http::Response ConsoleApi::Session(const Operator& op) const {
  google::protobuf::Struct session;
  (*session.mutable_fields())["operator"].set_string_value(op.name);
  (*session.mutable_fields())["open"].set_bool_value(auth_.open());
  auto* scopes = (*session.mutable_fields())["scopes"].mutable_list_value();
  if (op.read) scopes->add_values()->set_string_value("read");
  if (op.operate) scopes->add_values()->set_string_value("operate");
  if (op.pii) scopes->add_values()->set_string_value("pii");
  return JsonOf(session);
}

http::Response ConsoleApi::Pause(const http::Request& req, const Operator& op, bool pause) {
  // The body is a PauseCampaignRequest in JSON ({"reason": "..."}); the campaign comes from
  // the path and on_behalf_of from the signed-in operator, whatever the body says.
  v1::PauseCampaignRequest body;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!req.body.empty()) {
    if (auto st = google::protobuf::util::JsonStringToMessage(req.body, &body, options); !st.ok()) {
      return ErrorOf(absl::InvalidArgumentError("the body is not {\"reason\": \"...\"}"));
    }
  }
  if (body.reason().empty()) {
    return ErrorOf(absl::InvalidArgumentError("a reason is required (it is recorded)"));
  }
  std::string id = PathId(req, "/api/campaigns/([^/]+)/(?:pause|resume)");
  if (pause) {
    v1::PauseCampaignRequest r;
    r.set_campaign_id(id);
    r.set_reason(body.reason());
    r.set_on_behalf_of(op.name);
    return Reply(orchestrator_.PauseCampaign(r), op);
  }
  v1::ResumeCampaignRequest r;
  r.set_campaign_id(id);
  r.set_reason(body.reason());
  r.set_on_behalf_of(op.name);
  return Reply(orchestrator_.ResumeCampaign(r), op);
}

http::Response ConsoleApi::Journeys(const http::Request& req, const Operator& op) {
  v1::ListJourneysRequest r;
  r.set_campaign_id(req.Param("campaignId"));
  r.set_campaign_version(IntParam(req, "campaignVersion"));
  r.set_state_name(req.Param("stateName"));
  r.set_customer_id(req.Param("customerId"));
  r.set_page_size(IntParam(req, "pageSize"));
  r.set_page_token(req.Param("pageToken"));
  if (std::string status = req.Param("status"); !status.empty()) {
    v1::JourneyStatus parsed;
    if (!v1::JourneyStatus_Parse(status, &parsed)) {
      return ErrorOf(absl::InvalidArgumentError("unknown status " + status));
    }
    r.set_status(parsed);
  }
  return Reply(orchestrator_.ListJourneys(r), op);
}

http::Response ConsoleApi::Lint(const http::Request& req) {
  LintDocument document = CampaignFromDocument(req.body);
  v1::ValidateCampaignRequest r;
  *r.mutable_campaign() = document.campaign;
  absl::StatusOr<v1::ValidateCampaignResponse> result = orchestrator_.ValidateCampaign(r);
  if (!result.ok()) return ErrorOf(FromOrchestrator(result.status()));
  PointIntoDocument(document, *result);
  return JsonOf(*result);
}

}  // namespace blend::console
