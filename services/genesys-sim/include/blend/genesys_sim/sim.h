#pragma once

// GenesysSim: the simulator's core, independent of any HTTP library. Handle() answers one
// request (routing, OAuth, per-client rate limit, fault injection, audit, the Genesys
// endpoints and the /sim/ admin API); Tick() advances the time-driven parts (dialer, SMS
// replies, webhook deliveries) to the injected clock's now. SimHttpServer (http_server.h)
// puts it on a port. Thread-safe: Handle() may run on many threads while Tick() runs on one.

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys_sim/audit_log.h"
#include "blend/genesys_sim/config.h"
#include "blend/genesys_sim/faults.h"
#include "blend/genesys_sim/messaging.h"
#include "blend/genesys_sim/outbound.h"
#include "blend/genesys_sim/precall.h"
#include "blend/genesys_sim/rate_limiter.h"
#include "blend/genesys_sim/token_store.h"
#include "blend/genesys_sim/webhooks.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace blend::genesys_sim {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  std::string Header(const std::string& lower_name) const;
  std::string Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
  absl::Duration delay = absl::ZeroDuration();  // fault injection: the server waits first
  bool drop = false;                            // fault injection: close without a body

  // The first header called `name` (case-insensitive), or "".
  std::string Header(const std::string& name) const;
};

class GenesysSim {
 public:
  // `sender` delivers webhooks; nullptr uses HttplibWebhookSender. `precall_transport`
  // calls the pre-call rule's URL (when config.precall.url is set); nullptr uses
  // HttplibPreCallTransport. `registry` receives the blend_genesys_sim_* metrics.
  // InvalidArgument if the configuration is inconsistent.
  static absl::StatusOr<std::unique_ptr<GenesysSim>> Create(
      SimConfig config, const Clock& clock, std::shared_ptr<prometheus::Registry> registry,
      std::unique_ptr<WebhookSender> sender = nullptr,
      std::unique_ptr<PreCallTransport> precall_transport = nullptr);

  HttpResponse Handle(const HttpRequest& request);
  // Advance() then DeliverWebhooks(): what tests call after moving the fake clock.
  void Tick();
  // Dials due contacts and turns due SMS replies into webhook deliveries. Blocks on I/O only
  // for the pre-call rule (at most its timeout per contact about to be dialled).
  void Advance();
  // Posts due webhook deliveries (blocks on the receivers; the binary runs it on its own thread
  // so a slow receiver never delays the dialer).
  void DeliverWebhooks();

  AuditLog& audit() { return audit_; }
  OutboundStore& outbound() { return outbound_; }
  MessagingState& messaging() { return messaging_; }
  EventDispatcher& dispatcher() { return dispatcher_; }
  FaultInjector& faults() { return faults_; }
  RateLimiter& rate_limiter() { return rate_limiter_; }
  TokenStore& tokens() { return tokens_; }
  // Dials made so far (newest kRecentCallsKept), oldest first.
  std::vector<CallOutcome> RecentCalls() const;

  // Everything one request carries through the pipeline (public for the handler helpers).
  struct Call;
  using Handler = HttpResponse (GenesysSim::*)(Call&);

 private:
  GenesysSim(SimConfig config, const Clock& clock, std::shared_ptr<prometheus::Registry> registry,
             std::unique_ptr<WebhookSender> sender,
             std::unique_ptr<PreCallTransport> precall_transport);
  // The pre-call rule's verdict on one contact, recorded in the audit (operation
  // "precall.evaluate").
  PreCallVerdict EvaluatePreCall(const Contact& contact);

  HttpResponse Serve(Call& call);
  HttpResponse ServeApi(Call& call);
  HttpResponse Authenticate(Call& call, bool* ok);
  void Audit(const Call& call, const HttpResponse& response);
  void ObserveMetrics(const Call& call, const HttpResponse& response);

  // Genesys endpoints (sim_*_handlers.cc).
  HttpResponse HandleToken(Call& call);
  HttpResponse HandleSendSms(Call& call);
  HttpResponse HandleSendEmail(Call& call);
  HttpResponse HandleAddContacts(Call& call);
  HttpResponse HandleGetContact(Call& call);
  HttpResponse HandleUpdateContact(Call& call);
  HttpResponse HandleDeleteContact(Call& call);
  HttpResponse HandleGetContactList(Call& call);
  HttpResponse HandleDncAdd(Call& call);
  HttpResponse HandleDncPatch(Call& call);
  HttpResponse HandleDncClear(Call& call);
  HttpResponse HandleGetDncList(Call& call);
  HttpResponse HandleStartExport(Call& call);
  HttpResponse HandleGetExport(Call& call);
  HttpResponse HandleDownload(Call& call);
  HttpResponse HandleLimits(Call& call);
  // Admin API under /sim/ (sim_admin_handlers.cc).
  HttpResponse HandleAdmin(Call& call);
  HttpResponse AdminAudit(Call& call);
  HttpResponse AdminFaults(Call& call);
  HttpResponse AdminLists(Call& call);
  HttpResponse AdminMessaging(Call& call);
  HttpResponse AdminSettings(Call& call);
  HttpResponse AdminInspect(Call& call);

  // Turns call outcomes and replies into webhook deliveries.
  void EmitPostContact(const CallOutcome& outcome);
  void EmitInboundSms(const InboundSms& sms);
  std::vector<std::string> PostContactUrls() const;
  std::vector<std::string> InboundSmsUrls() const;

  const SimConfig config_;
  const Clock& clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<WebhookSender> sender_;
  std::unique_ptr<PreCallTransport> precall_transport_;
  std::unique_ptr<PreCallRule> precall_;  // null without config.precall.url
  TokenStore tokens_;
  RateLimiter rate_limiter_;
  FaultInjector faults_;
  AuditLog audit_;
  OutboundStore outbound_;
  MessagingState messaging_;
  EventDispatcher dispatcher_;

  mutable absl::Mutex webhook_mu_;
  std::vector<std::string> post_contact_urls_ ABSL_GUARDED_BY(webhook_mu_);
  std::vector<std::string> inbound_sms_urls_ ABSL_GUARDED_BY(webhook_mu_);
  std::deque<CallOutcome> recent_calls_ ABSL_GUARDED_BY(webhook_mu_);  // for GET /sim/calls
  static constexpr size_t kRecentCallsKept = 100000;

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& rate_limited_;
  prometheus::Family<prometheus::Counter>& faults_injected_;
  prometheus::Family<prometheus::Counter>& dials_;
  prometheus::Family<prometheus::Counter>& messages_;
  prometheus::Family<prometheus::Counter>& webhook_results_;
  prometheus::Family<prometheus::Counter>& precall_results_;
  prometheus::Gauge& dial_queue_;
};

}  // namespace blend::genesys_sim
