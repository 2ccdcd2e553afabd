#pragma once

// The dialer's HTTP ingest (cpp-httplib), for what Genesys tells Blend after the fact:
//   POST /webhooks/genesys/post-contact  EventBridge envelope of a
//        v2.outbound.voice.campaigns.contact.postContact event → a Disposition on
//        blend.dispositions: CALL_COMPLETED with CallOutcome{wrapup_code,
//        call_analysis_disposition, answered, conversation_id}, or DNC_ACTIVE for the dialer's
//        scrub result ININ-OUTBOUND-ON-DO-NOT-CALL-LIST. The touch is found by the touch id in
//        the contact's data (read back with GetContact when the event does not carry it).
//   POST /webhooks/genesys/inbound-sms   an inbound message (as an inbound message flow's data
//        action posts it); an opt-out keyword → an opt-out CustomerEvent (channel SMS, the
//        number) on blend.customer-events per customer with that number, and the number is
//        written to the internal Genesys DNC list.
// Both verify `X-Blend-Signature: sha256=<hex HMAC-SHA256 of the body>` (401 otherwise; a
// missing or malformed header is refused on the headers, before the body is read) and
// are idempotent by event id (table dialer_webhook_events; the row commits only after Kafka
// acknowledged what the event produced, so a failed attempt is retried by the sender: 503).

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <pqxx/transaction>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"
#include "blend/dialer_worker/dial_check.h"
#include "blend/dialer_worker/dnc_sync.h"
#include "blend/dialer_worker/webhook_event.h"
#include "blend/genesys/client.h"
#include "blend/quota/quota_governor.h"
#include "blend/worker/touch_ledger.h"

namespace blend::http {
class Server;
}
namespace prometheus {
class Registry;
}
namespace blend::store {
class ConnectionPool;
}

namespace blend::dialer_worker {

// genesys-sim's demo signing key: the default, accepted only on a loopback --http-addr.
inline constexpr char kDemoWebhookSecret[] = "demo-signing-secret";

struct WebhookOptions {
  Secret secret = Secret(kDemoWebhookSecret);
  std::string dispositions_topic = "blend.dispositions";
  std::string customer_events_topic = "blend.customer-events";
  std::string touch_id_column = "touchId";
};

// What one webhook request became: HTTP status and a short text for the response body.
struct WebhookResult {
  int status = 200;
  std::string message;
};

// The request handling, without HTTP (tested directly). Thread-safe.
class WebhookHandler {
 public:
  WebhookHandler(store::ConnectionPool& pool, bus::Producer& producer,
                 genesys::GenesysClient& genesys, quota::QuotaGovernor& quota,
                 worker::TouchLedger& ledger, DncSync* dnc, const Clock& clock,
                 WebhookOptions options, prometheus::Registry* registry = nullptr);
  ~WebhookHandler();

  // At SIGTERM: a request waiting for a quota token gives up (503, the sender retries) instead
  // of holding the server's shutdown. Genesys requests are bounded by the client's transport
  // (the dialer's DeadlineTransport).
  void BeginShutdown() { stopping_ = true; }

  WebhookResult PostContact(const std::string& body, const std::string& signature);
  WebhookResult InboundSms(const std::string& body, const std::string& signature);
  bool SignatureValid(const std::string& body, const std::string& signature) const;
  // On the headers alone: a 401 (counted under `kind`) when the signature header cannot be
  // valid, so the server refuses the request before reading its body.
  std::optional<WebhookResult> CheckSignatureHeader(const std::string& kind,
                                                    const std::string& signature);

 private:
  struct Metrics;
  WebhookResult Count(const std::string& kind, WebhookResult result);
  // Runs `apply` in the transaction that records `event_id`; false (and no apply) when the
  // event was recorded before.
  absl::StatusOr<bool> Once(const std::string& event_id, const std::string& kind,
                            const std::function<absl::Status(pqxx::work&)>& apply);
  absl::Status PublishCallOutcome(const PostContactEvent& event);
  // A reply that is not an opt-out: one "sms.reply" event per customer with that number
  // (nothing for a number no journey knows).
  WebhookResult InboundReply(const std::string& message_id, const std::string& from);

  store::ConnectionPool& pool_;
  bus::Producer& producer_;
  genesys::GenesysClient& genesys_;
  quota::QuotaGovernor& quota_;
  worker::TouchLedger& ledger_;
  DncSync* dnc_;
  const Clock& clock_;
  const WebhookOptions options_;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<bool> stopping_{false};
};

struct WebhookServerOptions {
  // A postContact envelope is 1-3 KB; a larger body is refused (413) without being read.
  size_t max_body_bytes = 16 * 1024;
  absl::Duration read_timeout = absl::Seconds(5);
};

// Serves a WebhookHandler on `address` ("127.0.0.1:0" picks a free port) until Stop(), and,
// when `dial_check` is given, POST /v1/dial-check (blend/dialer_worker/dial_check.h; its Basic
// credentials are checked before the body is read). An open dial check (no Basic credentials)
// is refused on a non-loopback address.
class WebhookServer {
 public:
  static absl::StatusOr<std::unique_ptr<WebhookServer>> Start(
      WebhookHandler& handler, const std::string& address, DialCheckHandler* dial_check = nullptr,
      WebhookServerOptions options = {});
  ~WebhookServer();
  int port() const;
  void Stop();

 private:
  WebhookServer() = default;
  std::unique_ptr<http::Server> server_;
};

}  // namespace blend::dialer_worker
