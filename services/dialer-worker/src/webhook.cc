#include "blend/dialer_worker/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/common/transport_security.h"
#include "blend/dialer_worker/webhook_event.h"
#include "blend/http/address.h"
#include "blend/http/server.h"
#include "blend/phone/phone.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"
#include "blend/worker/call_outcome.h"
#include "blend/worker/customer_events.h"
#include "blend/worker/worker_loop.h"
#include "blend/worker/worker_runtime.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace blend::dialer_worker {
namespace {

using nlohmann::json;
constexpr char kRecordEvent[] =
    "INSERT INTO dialer_webhook_events (event_id, kind, received_at) VALUES ($1, $2, now()) "
    "ON CONFLICT (event_id) DO NOTHING";
constexpr char kCustomersByPhone[] =
    "SELECT DISTINCT customer_id FROM journeys WHERE customer->>'phone_e164' = $1 LIMIT 100";

std::string HexHmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), len));
}

WebhookResult FromStatus(const absl::Status& st) {
  if (st.ok()) return {200, "ok"};
  return {503, std::string(st.message())};
}

}  // namespace

struct WebhookHandler::Metrics {
  prometheus::Family<prometheus::Counter>* events;
};

WebhookHandler::WebhookHandler(store::ConnectionPool& pool, bus::Producer& producer,
                               genesys::GenesysClient& genesys, quota::QuotaGovernor& quota,
                               worker::TouchLedger& ledger, DncSync* dnc, const Clock& clock,
                               WebhookOptions options, prometheus::Registry* registry)
    : pool_(pool),
      producer_(producer),
      genesys_(genesys),
      quota_(quota),
      ledger_(ledger),
      dnc_(dnc),
      clock_(clock),
      options_(std::move(options)) {
  if (registry == nullptr) return;
  metrics_ =
      std::make_unique<Metrics>(Metrics{&prometheus::BuildCounter()
                                             .Name("blend_dialer_webhook_requests_total")
                                             .Help("Webhook requests by kind and HTTP status")
                                             .Register(*registry)});
}

WebhookHandler::~WebhookHandler() = default;

WebhookResult WebhookHandler::Count(const std::string& kind, WebhookResult result) {
  if (metrics_) {
    metrics_->events->Add({{"kind", kind}, {"status", absl::StrCat(result.status)}}).Increment();
  }
  if (result.status >= 500) {
    BLEND_LOG(kWarn, "webhook not applied; the sender will retry",
              {{"kind", kind}, {"error", result.message}});
  }
  return result;
}

bool WebhookHandler::SignatureValid(const std::string& body, const std::string& signature) const {
  if (!absl::StartsWith(signature, "sha256=")) return false;
  std::string expected = HexHmac(options_.secret.Reveal(), body);
  std::string given = absl::AsciiStrToLower(signature.substr(7));
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

absl::StatusOr<bool> WebhookHandler::Once(const std::string& event_id, const std::string& kind,
                                          const std::function<absl::Status(pqxx::work&)>& apply) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        if (tx.exec_params(kRecordEvent, event_id, kind).affected_rows() == 0) return false;
        BLEND_RETURN_IF_ERROR(apply(tx));
        return true;
      },
      {.name = "webhook_event"});
}

WebhookResult WebhookHandler::PostContact(const std::string& body, const std::string& signature) {
  if (!SignatureValid(body, signature)) return Count("post_contact", {401, "bad signature"});
  absl::StatusOr<PostContactEvent> event = ParsePostContact(body, options_.touch_id_column);
  if (!event.ok()) return Count("post_contact", {400, std::string(event.status().message())});
  if (!event->is_post_contact) {
    return Count("post_contact", {200, "ignored: not a postContact event"});
  }
  absl::StatusOr<bool> applied = Once(event->event_id, "post_contact",
                                      [&](pqxx::work&) { return PublishCallOutcome(*event); });
  if (!applied.ok()) return Count("post_contact", FromStatus(applied.status()));
  return Count("post_contact", {200, *applied ? "applied" : "duplicate"});
}

std::optional<WebhookResult> WebhookHandler::CheckSignatureHeader(const std::string& kind,
                                                                  const std::string& signature) {
  if (SignatureHeaderWellFormed(signature)) return std::nullopt;
  return Count(kind, {401, "bad signature"});
}

absl::Status WebhookHandler::PublishCallOutcome(const PostContactEvent& event) {
  const std::string& list_id = event.contact_list_id;
  const std::string& contact_id = event.contact_id;
  std::string touch_id = event.touch_id;
  if (touch_id.empty()) {
    if (!worker::AcquireQuotaBlocking(quota_, clock_, stopping_)) {
      return absl::UnavailableError("shutting down");
    }
    absl::StatusOr<genesys::DialerContact> contact = genesys_.GetContact(list_id, contact_id);
    if (contact.status().code() == absl::StatusCode::kNotFound) {
      BLEND_LOG(kWarn, "call outcome for an unknown contact ignored", {{"contact_id", contact_id}});
      return absl::OkStatus();
    }
    BLEND_RETURN_IF_ERROR(contact.status());
    auto it = contact->data.find(options_.touch_id_column);
    if (it != contact->data.end()) touch_id = it->second;
  }
  if (touch_id.empty()) {
    BLEND_LOG(kInfo, "call outcome of a contact Blend did not insert",
              {{"contact_id", contact_id}});
    return absl::OkStatus();
  }
  v1::Disposition d;
  d.set_touch_id(touch_id);
  d.set_channel(v1::CHANNEL_VOICE);
  BLEND_ASSIGN_OR_RETURN(std::optional<worker::LedgerEntry> entry, ledger_.Find(touch_id));
  if (entry && entry->disposition) d.set_journey_id(entry->disposition->journey_id());
  const std::string& wrapup = event.wrapup_code;
  worker::MappedCallOutcome mapped = worker::MapWrapupCode(wrapup);
  d.set_outcome(mapped.outcome);
  if (mapped.outcome == v1::TOUCH_OUTCOME_DNC_ACTIVE) d.set_reason("dialer DNC scrub: " + wrapup);
  v1::CallOutcome* call = d.mutable_call();
  call->set_wrapup_code(wrapup);
  call->set_call_analysis_disposition(event.call_analysis_disposition);
  call->set_answered(mapped.answered);
  call->set_conversation_id(event.conversation_id);
  (*d.mutable_provider_ids())["contactId"] = contact_id;
  (*d.mutable_provider_ids())["contactListId"] = list_id;
  if (!call->conversation_id().empty())
    (*d.mutable_provider_ids())["conversationId"] = call->conversation_id();
  *d.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock_.Now()));
  BLEND_LOG(kInfo, "call outcome",
            {{"touch_id", touch_id},
             {"wrapup_code", wrapup},
             {"outcome", v1::TouchOutcome_Name(d.outcome())}});
  return producer_.ProduceSync(options_.dispositions_topic, d.journey_id(),
                               worker::EncodeDisposition(d, clock_));
}

WebhookResult WebhookHandler::InboundSms(const std::string& body, const std::string& signature) {
  if (!SignatureValid(body, signature)) return Count("inbound_sms", {401, "bad signature"});
  absl::StatusOr<InboundSmsEvent> msg = ParseInboundSms(body);
  if (!msg.ok()) return Count("inbound_sms", {400, std::string(msg.status().message())});
  const std::string& message_id = msg->message_id;
  std::string from = msg->from;
  // Journeys and the consent record hold E.164: "(212) 555-0100" and "+12125550100" are one
  // customer. A sender that is not a phone number (a short code, an alphanumeric id) is kept
  // as it came.
  if (auto e164 = phone::NormalizeE164(from); e164.ok()) from = *e164;
  const std::string& text = msg->text;
  std::optional<std::string> opt_out = worker::OptOutKeyword(text);
  if (!opt_out) return InboundReply(message_id, from);
  const std::string& keyword = *opt_out;
  absl::StatusOr<bool> applied =
      Once("inbound-sms:" + message_id, "inbound_sms", [&](pqxx::work& tx) {
        std::vector<std::string> customers;
        for (const auto& row : tx.exec_params(kCustomersByPhone, from)) {
          customers.push_back(row[0].as<std::string>());
        }
        // A number no journey knows still opts out: the orchestrator records the suppression.
        if (customers.empty()) customers.push_back(from);
        for (const std::string& customer : customers) {
          v1::CustomerEvent event =
              worker::MakeOptOutEvent(absl::StrCat("sms-stop:", message_id, ":", customer),
                                      customer, v1::CHANNEL_SMS, from, keyword, clock_);
          BLEND_RETURN_IF_ERROR(producer_.ProduceSync(options_.customer_events_topic, customer,
                                                      worker::EncodeCustomerEvent(event, clock_)));
        }
        BLEND_LOG(
            kInfo, "SMS opt-out",
            {{"phone", log::RedactPhone(from)}, {"customers", absl::StrCat(customers.size())}});
        return absl::OkStatus();
      });
  if (!applied.ok()) return Count("inbound_sms", FromStatus(applied.status()));
  if (*applied && dnc_ != nullptr) {
    // Genesys's dial-time scrub should agree at once; the periodic push retries on failure.
    absl::Status pushed = dnc_->PushNumbers({from});
    if (!pushed.ok()) {
      BLEND_LOG(kWarn, "opt-out not yet on the Genesys DNC list",
                {{"error", std::string(pushed.message())}});
    }
  }
  return Count("inbound_sms", {200, *applied ? "opt-out recorded" : "duplicate"});
}

WebhookResult WebhookHandler::InboundReply(const std::string& message_id, const std::string& from) {
  int published = 0;
  absl::StatusOr<bool> applied =
      Once("inbound-sms:" + message_id, "inbound_sms", [&](pqxx::work& tx) {
        published = 0;
        for (const auto& row : tx.exec_params(kCustomersByPhone, from)) {
          const std::string customer = row[0].as<std::string>();
          v1::CustomerEvent event = worker::MakeSmsReplyEvent(
              absl::StrCat("sms-reply:", message_id, ":", customer), customer, clock_);
          BLEND_RETURN_IF_ERROR(producer_.ProduceSync(options_.customer_events_topic, customer,
                                                      worker::EncodeCustomerEvent(event, clock_)));
          ++published;
        }
        return absl::OkStatus();
      });
  if (!applied.ok()) return Count("inbound_sms", FromStatus(applied.status()));
  if (!*applied) return Count("inbound_sms", {200, "duplicate"});
  return Count("inbound_sms", {200, published > 0 ? "reply recorded" : "not an opt-out"});
}

absl::StatusOr<std::unique_ptr<WebhookServer>> WebhookServer::Start(WebhookHandler& handler,
                                                                    const std::string& address,
                                                                    DialCheckHandler* dial_check,
                                                                    WebhookServerOptions options) {
  auto hp = http::ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  if (dial_check != nullptr && dial_check->open() && !IsLoopbackHostPort(address)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve the dial check on ", address,
        " without credentials: set --dial-check-user and --dial-check-password (or "
        "--dial-check-password-file), or listen on a loopback address such as 127.0.0.1"));
  }
  auto reply = [](const WebhookResult& r) {
    http::Response res;
    res.status = r.status;
    res.body = json{{"result", r.message}}.dump();
    res.content_type = "application/json";
    return res;
  };
  // The signature header is checked before the body is read: without a well-formed one the
  // request cannot be genuine, so its body is refused unread. The HMAC needs the body.
  auto signed_header = [&handler, reply](const char* kind) {
    return [&handler, reply, kind](const http::Request& req) -> std::optional<http::Response> {
      std::optional<WebhookResult> refused =
          handler.CheckSignatureHeader(kind, req.Header("x-blend-signature"));
      if (!refused) return std::nullopt;
      return reply(*refused);
    };
  };
  std::vector<http::Route> routes;
  routes.push_back({"POST", "/webhooks/genesys/post-contact",
                    [&handler, reply](const http::Request& req) {
                      return reply(handler.PostContact(req.body, req.Header("x-blend-signature")));
                    },
                    signed_header("post_contact")});
  routes.push_back({"POST", "/webhooks/genesys/inbound-sms",
                    [&handler, reply](const http::Request& req) {
                      return reply(handler.InboundSms(req.body, req.Header("x-blend-signature")));
                    },
                    signed_header("inbound_sms")});
  if (dial_check != nullptr) {
    if (dial_check->open()) {
      BLEND_LOG(kWarn, "dial check is OPEN (no credentials configured); loopback only", {});
    }
    auto answer = [](const DialCheckReply& r) {
      http::Response res;
      res.status = r.status;
      if (r.status == 401) {
        res.headers.emplace_back("WWW-Authenticate", "Basic realm=\"blend-dial-check\"");
      }
      res.body = r.body;
      res.content_type = "application/json";
      return res;
    };
    routes.push_back(
        {"POST", "/v1/dial-check",
         [dial_check, answer](const http::Request& req) {
           return answer(dial_check->Handle(req.body, req.Header("authorization")));
         },
         // Credentials are checked on the headers, before the body is read.
         [dial_check, answer](const http::Request& req) -> std::optional<http::Response> {
           const std::string auth = req.Header("authorization");
           if (dial_check->Authorized(auth)) return std::nullopt;
           return answer(dial_check->Handle("", auth));
         }});
  }
  http::ServerOptions http_options;
  http_options.name = "webhooks";
  http_options.max_body_bytes = options.max_body_bytes;
  http_options.read_timeout = options.read_timeout;
  auto server = http::Server::Start(address, std::move(routes), http_options);
  if (!server.ok()) return server.status();
  std::unique_ptr<WebhookServer> s(new WebhookServer());
  s->server_ = std::move(*server);
  return s;
}

WebhookServer::~WebhookServer() { Stop(); }

int WebhookServer::port() const { return server_ ? server_->port() : 0; }

void WebhookServer::Stop() {
  if (server_) server_->Stop();
}

}  // namespace blend::dialer_worker
