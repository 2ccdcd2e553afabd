#include "blend/genesys_sim/sim.h"

#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "blend/common/ids.h"
#include "blend/genesys_sim/api_error.h"
#include "blend/genesys_sim/util.h"
#include "blend/telemetry/log.h"
#include "sim_internal.h"

namespace blend::genesys_sim {

using nlohmann::json;

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

namespace internal {

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

HttpResponse ErrorResponse(const std::string& correlation_id, int http_status,
                           const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = http_status;
  r.body = ErrorBodyJson(http_status, code, message, correlation_id);
  return r;
}

HttpResponse ErrorResponse(const std::string& correlation_id, const absl::Status& status) {
  return ErrorResponse(correlation_id, HttpStatusOf(status.code()), GenesysCodeOf(status),
                       std::string(status.message()));
}

absl::Status InvalidValue(const std::string& message) {
  return GenesysError(absl::StatusCode::kInvalidArgument, "invalid.value", message);
}

absl::StatusOr<json> ParseJsonBody(const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return GenesysError(absl::StatusCode::kInvalidArgument, "bad.request",
                        "The request could not be understood by the server due to malformed "
                        "syntax: the body is not valid JSON.");
  }
  return body;
}

namespace {

void CollectTouchIds(const json& j, std::vector<std::string>& keyed,
                     std::vector<std::string>& marked) {
  static const std::regex kMarker(R"(blend-touch-id[:=]\s*([A-Za-z0-9._:\-]+))");
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (value.is_string() && (key == "blendTouchId" || key == "touchId" ||
                                key == "blend_touch_id" || key == "touch_id")) {
        keyed.push_back(value.get<std::string>());
      } else {
        CollectTouchIds(value, keyed, marked);
      }
    }
  } else if (j.is_array()) {
    for (const json& v : j) CollectTouchIds(v, keyed, marked);
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (!absl::StrContains(s, "blend-touch-id")) return;
    for (std::sregex_iterator it(s.begin(), s.end(), kMarker), end; it != end; ++it) {
      marked.push_back((*it)[1].str());
    }
  }
}

}  // namespace

std::string ExtractTouchIds(const json& body, const HttpRequest& request) {
  std::vector<std::string> keyed, marked;
  CollectTouchIds(body, keyed, marked);
  if (!keyed.empty()) return absl::StrJoin(keyed, ",");
  if (!marked.empty()) return absl::StrJoin(marked, ",");
  return request.Header("x-blend-touch-id");
}

json ContactJson(const Contact& c, const std::vector<PhoneColumnConfig>& phones) {
  json j = {{"id", c.id},
            {"contactListId", c.contact_list_id},
            {"data", c.data},
            {"callable", c.callable},
            {"configurationOverrides", {{"priority", c.priority}}},
            {"dateCreated", FormatIso(c.date_created)},
            {"selfUri", absl::StrCat("/api/v2/outbound/contactlists/", c.contact_list_id,
                                     "/contacts/", c.id)}};
  json status = json::object();
  for (const PhoneColumnConfig& p : phones) {
    if (c.data.contains(p.column_name)) status[p.column_name] = {{"callable", true}};
  }
  if (!status.empty()) j["phoneNumberStatus"] = status;
  if (!c.call_records.empty()) {
    json records = json::object();
    for (const auto& [col, r] : c.call_records) {
      records[col] = {{"lastAttempt", FormatIso(r.last_attempt)}, {"lastResult", r.last_result}};
    }
    j["callRecords"] = records;
  }
  return j;
}

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    auto decode = [](std::string s) {
      std::string out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
          out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size()) {
          out += absl::HexStringToBytes(s.substr(i + 1, 2));
          i += 2;
        } else {
          out.push_back(s[i]);
        }
      }
      return out;
    };
    out[decode(kv.first)] = decode(kv.second);
  }
  return out;
}

}  // namespace internal

namespace {

struct Route {
  const char* method;
  const char* pattern;  // "{}" matches one path segment
  const char* operation;
  GenesysSim::Handler handler;
};

bool MatchPattern(const std::string& pattern, const std::string& path,
                  std::vector<std::string>* params) {
  std::vector<absl::string_view> p = absl::StrSplit(pattern, '/');
  std::vector<absl::string_view> s = absl::StrSplit(path, '/');
  if (p.size() != s.size()) return false;
  std::vector<std::string> captured;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == "{}") {
      if (s[i].empty()) return false;
      captured.emplace_back(s[i]);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  *params = std::move(captured);
  return true;
}

std::string BearerToken(const HttpRequest& req) {
  std::string auth = req.Header("authorization");
  if (auth.size() > 7 && absl::EqualsIgnoreCase(auth.substr(0, 7), "bearer ")) {
    return std::string(absl::StripAsciiWhitespace(auth.substr(7)));
  }
  return "";
}

HttpResponse TooManyRequests(const std::string& correlation_id, int retry_after) {
  HttpResponse r = internal::ErrorResponse(
      correlation_id, 429, "too.many.requests.retry.after",
      absl::StrCat("Rate limit exceeded the maximum. Retry the request in [", retry_after,
                   "] seconds"));
  r.headers.push_back({"Retry-After", absl::StrCat(retry_after)});
  return r;
}

void AddRateHeaders(const RateDecision& d, HttpResponse& r) {
  r.headers.push_back({"inin-ratelimit-count", absl::StrCat(d.count)});
  r.headers.push_back({"inin-ratelimit-allowed", absl::StrCat(d.limit)});
  r.headers.push_back({"inin-ratelimit-reset", absl::StrCat(d.reset_seconds)});
}

}  // namespace

absl::StatusOr<std::unique_ptr<GenesysSim>> GenesysSim::Create(
    SimConfig config, const Clock& clock, std::shared_ptr<prometheus::Registry> registry,
    std::unique_ptr<WebhookSender> sender, std::unique_ptr<PreCallTransport> precall_transport) {
  if (absl::Status st = ValidateConfig(config); !st.ok()) return st;
  if (sender == nullptr) {
    sender = std::make_unique<HttplibWebhookSender>(config.webhooks.timeout);
  }
  if (precall_transport == nullptr) precall_transport = std::make_unique<HttplibPreCallTransport>();
  if (registry == nullptr) registry = std::make_shared<prometheus::Registry>();
  return std::unique_ptr<GenesysSim>(new GenesysSim(std::move(config), clock, std::move(registry),
                                                    std::move(sender),
                                                    std::move(precall_transport)));
}

GenesysSim::GenesysSim(SimConfig config, const Clock& clock,
                       std::shared_ptr<prometheus::Registry> registry,
                       std::unique_ptr<WebhookSender> sender,
                       std::unique_ptr<PreCallTransport> precall_transport)
    : config_(std::move(config)),
      clock_(clock),
      registry_(std::move(registry)),
      sender_(std::move(sender)),
      precall_transport_(std::move(precall_transport)),
      precall_(config_.precall.url.empty()
                   ? nullptr
                   : std::make_unique<PreCallRule>(config_.precall, *precall_transport_)),
      tokens_(clock_, config_.clients),
      rate_limiter_(clock_, config_.requests_per_minute),
      faults_(clock_, config_.faults),
      audit_(config_.audit_capacity),
      outbound_(clock_, config_),
      messaging_(clock_, config_),
      dispatcher_(clock_, *sender_,
                  RetryPolicy{config_.webhooks.initial_backoff, config_.webhooks.max_backoff,
                              config_.webhooks.max_attempts},
                  config_.webhooks.signing_secret),
      post_contact_urls_(config_.webhooks.post_contact_urls),
      inbound_sms_urls_(config_.webhooks.inbound_sms_urls),
      requests_(prometheus::BuildCounter()
                    .Name("blend_genesys_sim_requests_total")
                    .Help("Requests served by genesys-sim, by operation and HTTP status")
                    .Register(*registry_)),
      rate_limited_(prometheus::BuildCounter()
                        .Name("blend_genesys_sim_rate_limited_total")
                        .Help("Requests refused with 429 by the per-client rate limit or a storm")
                        .Register(*registry_)),
      faults_injected_(
          prometheus::BuildCounter()
              .Name("blend_genesys_sim_faults_injected_total")
              .Help("Injected faults by kind (latency, drop, storm_429, error_5xx, accepted_drop)")
              .Register(*registry_)),
      dials_(prometheus::BuildCounter()
                 .Name("blend_genesys_sim_dials_total")
                 .Help("Contacts dialled (or scrubbed) by the simulated dialer, by wrap-up code")
                 .Register(*registry_)),
      messages_(prometheus::BuildCounter()
                    .Name("blend_genesys_sim_messages_total")
                    .Help("Messages by channel (sms, email, inbound_sms) and status")
                    .Register(*registry_)),
      webhook_results_(prometheus::BuildCounter()
                           .Name("blend_genesys_sim_webhook_deliveries_total")
                           .Help("Webhook delivery attempts by kind and result")
                           .Register(*registry_)),
      precall_results_(prometheus::BuildCounter()
                           .Name("blend_genesys_sim_precall_evaluations_total")
                           .Help("Pre-call rule evaluations by outcome (dial, skip, error-skip, "
                                 "error-dial)")
                           .Register(*registry_)),
      dial_queue_(prometheus::BuildGauge()
                      .Name("blend_genesys_sim_dial_queue_size")
                      .Help("Contacts waiting to be dialled")
                      .Register(*registry_)
                      .Add({})) {
  dispatcher_.SetObserver([this](const std::string& kind, const std::string& result) {
    webhook_results_.Add({{"kind", kind}, {"result", result}}).Increment();
  });
}

HttpResponse GenesysSim::Handle(const HttpRequest& request) {
  Call call(request);
  call.correlation_id = NewUuid();
  call.touch_id = request.Header("x-blend-touch-id");  // handlers prefer ids in the body
  HttpResponse response;
  try {
    response = Serve(call);
  } catch (const nlohmann::json::exception& e) {
    // A JSON value of the wrong type deep in a body: the client's mistake, not ours.
    response = internal::ErrorResponse(call.correlation_id, 400, "bad.request",
                                       absl::StrCat("The request body is not valid: ", e.what()));
  }
  BLEND_LOG(kDebug, "request served",
            {{"method", request.method},
             {"path", request.path},
             {"operation", call.operation},
             {"client_id", call.client_id},
             {"status", absl::StrCat(response.status)}});
  response.headers.push_back({"ININ-Correlation-Id", call.correlation_id});
  if (call.audited) {
    Audit(call, response);
    ObserveMetrics(call, response);
  }
  return response;
}

HttpResponse GenesysSim::Serve(Call& call) {
  const HttpRequest& req = call.req;
  if (req.path == "/healthz") {
    call.operation = "healthz";
    call.audited = false;
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = "ok\n";
    return r;
  }
  if (absl::StartsWith(req.path, "/sim/")) {
    call.operation = "admin";
    call.audited = false;
    return HandleAdmin(call);
  }
  call.fault = faults_.Decide(req.path, req.method);
  HttpResponse r;
  if (call.fault.drop) {
    r.drop = true;
    r.status = 0;
  } else if (req.path == "/oauth/token") {
    call.operation = "oauth.token";
    if (call.fault.storm_429) {
      r = TooManyRequests(call.correlation_id, call.fault.retry_after_seconds);
    } else if (call.fault.error_status != 0) {
      r = internal::ErrorResponse(call.correlation_id, call.fault.error_status,
                                  "service.unavailable", "The service is currently unavailable.");
    } else {
      r = HandleToken(call);
    }
  } else if (absl::StartsWith(req.path, "/api/v2/")) {
    r = ServeApi(call);
  } else {
    r = internal::ErrorResponse(call.correlation_id, 404, "not.found",
                                absl::StrCat("No resource at ", req.path));
  }
  r.delay = call.fault.latency;
  // Performed (and audited with its real status), but the answer never reaches the client.
  if (call.fault.drop_after_handling) r.drop = true;
  return r;
}

HttpResponse GenesysSim::ServeApi(Call& call) {
  // The Genesys routes, in match order (defined here: the handlers are private).
  static const std::vector<Route>* const kRoutes = new std::vector<Route>{
      {"POST", "/api/v2/conversations/messages/agentless", "sms.send", &GenesysSim::HandleSendSms},
      {"POST", "/api/v2/conversations/emails/agentless", "email.send",
       &GenesysSim::HandleSendEmail},
      {"POST", "/api/v2/outbound/contactlists/{}/contacts", "contacts.add",
       &GenesysSim::HandleAddContacts},
      {"GET", "/api/v2/outbound/contactlists/{}/contacts/{}", "contacts.get",
       &GenesysSim::HandleGetContact},
      {"PUT", "/api/v2/outbound/contactlists/{}/contacts/{}", "contacts.update",
       &GenesysSim::HandleUpdateContact},
      {"DELETE", "/api/v2/outbound/contactlists/{}/contacts/{}", "contacts.delete",
       &GenesysSim::HandleDeleteContact},
      {"GET", "/api/v2/outbound/contactlists/{}", "contactlist.get",
       &GenesysSim::HandleGetContactList},
      {"POST", "/api/v2/outbound/contactlists/{}/export", "contactlist.export",
       &GenesysSim::HandleStartExport},
      {"GET", "/api/v2/outbound/contactlists/{}/export", "contactlist.export.get",
       &GenesysSim::HandleGetExport},
      {"POST", "/api/v2/outbound/dnclists/{}/phonenumbers", "dnc.add", &GenesysSim::HandleDncAdd},
      {"PATCH", "/api/v2/outbound/dnclists/{}/phonenumbers", "dnc.patch",
       &GenesysSim::HandleDncPatch},
      {"DELETE", "/api/v2/outbound/dnclists/{}/phonenumbers", "dnc.clear",
       &GenesysSim::HandleDncClear},
      {"GET", "/api/v2/outbound/dnclists/{}", "dnclist.get", &GenesysSim::HandleGetDncList},
      {"POST", "/api/v2/outbound/dnclists/{}/export", "dnclist.export",
       &GenesysSim::HandleStartExport},
      {"GET", "/api/v2/outbound/dnclists/{}/export", "dnclist.export.get",
       &GenesysSim::HandleGetExport},
      {"GET", "/api/v2/downloads/{}", "download", &GenesysSim::HandleDownload},
      {"GET", "/api/v2/organizations/limits/namespaces/{}", "limits.get",
       &GenesysSim::HandleLimits},
  };
  const Route* route = nullptr;
  for (const Route& candidate : *kRoutes) {
    if (call.req.method == candidate.method &&
        MatchPattern(candidate.pattern, call.req.path, &call.params)) {
      route = &candidate;
      break;
    }
  }
  if (route != nullptr) call.operation = route->operation;
  bool authenticated = false;
  HttpResponse denied = Authenticate(call, &authenticated);
  // Downloads stand in for pre-signed S3 URLs: they also work without a token.
  if (!authenticated &&
      !(route != nullptr && call.operation == "download" && BearerToken(call.req).empty())) {
    return denied;
  }
  if (call.fault.storm_429)
    return TooManyRequests(call.correlation_id, call.fault.retry_after_seconds);
  RateDecision rate;
  if (authenticated) {
    rate = rate_limiter_.Acquire(call.client_id);
    if (!rate.allowed) {
      HttpResponse r = TooManyRequests(call.correlation_id, rate.retry_after_seconds);
      AddRateHeaders(rate, r);
      return r;
    }
  }
  HttpResponse r;
  if (call.fault.error_status != 0) {
    r = internal::ErrorResponse(
        call.correlation_id, call.fault.error_status,
        call.fault.error_status == 503 ? "service.unavailable" : "internal.server.error",
        "The service is currently unavailable (injected fault).");
  } else if (route == nullptr) {
    r = internal::ErrorResponse(
        call.correlation_id, 404, "not.found",
        absl::StrCat("No resource for ", call.req.method, " ", call.req.path));
  } else {
    r = (this->*(route->handler))(call);
  }
  if (authenticated) AddRateHeaders(rate, r);
  return r;
}

HttpResponse GenesysSim::Authenticate(Call& call, bool* ok) {
  *ok = false;
  std::string token = BearerToken(call.req);
  if (token.empty()) {
    return internal::ErrorResponse(call.correlation_id, 401, "authentication.required",
                                   "No authentication bearer token specified in authorization "
                                   "header.");
  }
  TokenCheck check = tokens_.Check(token);
  if (check.state == TokenState::kUnknown) {
    return internal::ErrorResponse(call.correlation_id, 401, "bad.credentials",
                                   "Invalid login credentials.");
  }
  if (check.state == TokenState::kExpired) {
    call.client_id = check.client_id;
    return internal::ErrorResponse(call.correlation_id, 401, "credentials.expired",
                                   "The authentication token has expired.");
  }
  call.client_id = check.client_id;
  *ok = true;
  return {};
}

void GenesysSim::Audit(const Call& call, const HttpResponse& response) {
  AuditEntry e;
  e.time = clock_.Now();
  e.method = call.req.method;
  e.path = call.req.path;
  e.operation = call.operation;
  e.client_id = call.client_id;
  e.status = response.status;
  e.body_sha256 = Sha256Hex(call.req.body);
  e.touch_id = call.touch_id;
  e.to_address = call.to_address;
  e.contact_id = call.contact_id;
  e.fault = call.fault.Kinds();
  audit_.Record(std::move(e));
}

void GenesysSim::ObserveMetrics(const Call& call, const HttpResponse& response) {
  requests_.Add({{"operation", call.operation}, {"status", absl::StrCat(response.status)}})
      .Increment();
  if (response.status == 429) rate_limited_.Add({{"client_id", call.client_id}}).Increment();
  if (call.fault.drop) faults_injected_.Add({{"kind", "drop"}}).Increment();
  if (call.fault.storm_429) faults_injected_.Add({{"kind", "storm_429"}}).Increment();
  if (call.fault.error_status != 0) faults_injected_.Add({{"kind", "error_5xx"}}).Increment();
  if (call.fault.drop_after_handling) faults_injected_.Add({{"kind", "accepted_drop"}}).Increment();
  if (call.fault.latency > absl::ZeroDuration())
    faults_injected_.Add({{"kind", "latency"}}).Increment();
}

void GenesysSim::Tick() {
  Advance();
  DeliverWebhooks();
}

void GenesysSim::DeliverWebhooks() { dispatcher_.DeliverDue(); }

PreCallVerdict GenesysSim::EvaluatePreCall(const Contact& contact) {
  // Audited at the moment the evaluation began: whatever the data action read, it read after
  // this instant (a judge of races needs the earliest moment, not when the answer came back).
  const absl::Time started = clock_.Now();
  PreCallEvaluation e = precall_->Evaluate(contact);
  precall_results_.Add({{"outcome", e.outcome}}).Increment();
  if (!e.error.empty()) {
    BLEND_LOG(kWarn, "pre-call rule evaluation failed",
              {{"contact_id", contact.id}, {"error", e.error}, {"outcome", e.outcome}});
  }
  const std::string& url = config_.precall.url;
  size_t scheme_end = url.find("://");
  size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  AuditEntry a;
  a.time = started;
  a.method = "POST";
  a.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  a.operation = "precall.evaluate";
  a.status = e.http_status;
  a.body_sha256 = Sha256Hex(e.request_body);
  a.touch_id = internal::ExtractTouchIds(json{{"data", contact.data}}, HttpRequest{});
  a.contact_id = contact.id;
  a.outcome = e.outcome;
  audit_.Record(std::move(a));
  return e.verdict;
}

void GenesysSim::Advance() {
  PreCallCheck precall;
  if (precall_ != nullptr) {
    precall = [this](const Contact& contact, const CampaignConfig&, const std::string&) {
      return EvaluatePreCall(contact);
    };
  }
  for (const CallOutcome& outcome : outbound_.DialDue(precall)) {
    dials_.Add({{"wrapup_code", outcome.wrapup_code}}).Increment();
    EmitPostContact(outcome);
    absl::MutexLock lock(&webhook_mu_);
    recent_calls_.push_back(outcome);
    if (recent_calls_.size() > kRecentCallsKept) recent_calls_.pop_front();
  }
  for (const InboundSms& sms : messaging_.DueReplies()) EmitInboundSms(sms);
  dial_queue_.Set(static_cast<double>(outbound_.QueuedCount()));
}

std::vector<CallOutcome> GenesysSim::RecentCalls() const {
  absl::MutexLock lock(&webhook_mu_);
  return {recent_calls_.begin(), recent_calls_.end()};
}

std::vector<std::string> GenesysSim::PostContactUrls() const {
  absl::MutexLock lock(&webhook_mu_);
  return post_contact_urls_;
}

std::vector<std::string> GenesysSim::InboundSmsUrls() const {
  absl::MutexLock lock(&webhook_mu_);
  return inbound_sms_urls_;
}

void GenesysSim::EmitPostContact(const CallOutcome& o) {
  const EventBridgeConfig& eb = config_.event_bridge;
  static constexpr char kTopic[] = "v2.outbound.voice.campaigns.contact.postContact";
  json voice = {{"contactPhoneNumber", o.phone_number},
                {"contactPhoneType", o.phone_type.empty() ? "UNKNOWN" : o.phone_type},
                {"callerIdPhoneNumber", o.campaign.caller_id_number},
                {"callerIdName", o.campaign.caller_id_name}};
  json body = {{"eventTime", EpochMillis(o.time)},
               {"voiceAttributes", voice},
               {"wrapupCode", o.wrapup_code},
               {"outboundCampaignId", o.campaign.id},
               {"dialingMode", o.campaign.dialing_mode},
               {"divisionId", o.campaign.division_id},
               {"outboundContactListId", o.contact_list_id},
               {"outboundQueueId", o.campaign.queue_id},
               {"outboundContactId", o.contact_id},
               {"isCampaignAlwaysRunning", false},
               {"isReCall", false},
               {"isRightPartyContact", o.right_party_contact}};
  if (!o.conversation_id.empty()) body["conversationId"] = o.conversation_id;
  if (!o.call_analysis_disposition.empty()) {
    body["callAnalysisDisposition"] = o.call_analysis_disposition;
  }
  if (!o.agent_id.empty()) body["agentId"] = o.agent_id;
  std::string event_id = NewUuid();
  json envelope = {
      {"version", "0"},
      {"id", event_id},
      {"detail-type", kTopic},
      {"source", absl::StrCat("aws.partner/genesys.com/cloud/", eb.org_id, "/", eb.source_suffix)},
      {"account", eb.account},
      {"time", FormatIsoSeconds(o.time)},
      {"region", eb.region},
      {"resources", json::array()},
      {"detail",
       {{"topicName", kTopic},
        {"version", "2"},
        {"eventBody", body},
        {"metadata", {{"CorrelationId", NewUuid()}}}}}};
  std::string text = envelope.dump();
  for (const std::string& url : PostContactUrls()) {
    dispatcher_.Enqueue("postContact", event_id, url, text);
  }
}

void GenesysSim::EmitInboundSms(const InboundSms& sms) {
  messages_.Add({{"channel", "inbound_sms"}, {"status", "received"}}).Increment();
  json body = {{"messageId", sms.id},
               {"conversationId", sms.conversation_id},
               {"fromAddress", sms.from_address},
               {"toAddress", sms.to_address},
               {"messengerType", "sms"},
               {"direction", "inbound"},
               {"textBody", sms.text},
               {"timestamp", FormatIso(sms.time)}};
  if (!sms.in_reply_to.empty()) body["inReplyToMessageId"] = sms.in_reply_to;
  std::string text = body.dump();
  for (const std::string& url : InboundSmsUrls()) {
    dispatcher_.Enqueue("inboundSms", sms.id, url, text);
  }
}

}  // namespace blend::genesys_sim
