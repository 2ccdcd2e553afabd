#include "blend/email_worker/unsubscribe.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/http/server.h"
#include "blend/telemetry/log.h"
#include "blend/worker/customer_events.h"

namespace blend::email_worker {
namespace {

// The confirmation page posts back to its own URL (no action attribute: the token is not
// echoed into the page).
constexpr char kConfirmPage[] =
    "<!doctype html><meta charset=\"utf-8\"><title>Unsubscribe</title>"
    "<p>Do you want to stop receiving these emails?</p>"
    "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
    "<button type=\"submit\">Unsubscribe</button></form>";
constexpr char kDonePage[] =
    "<!doctype html><meta charset=\"utf-8\"><title>Unsubscribed</title><p>You have been "
    "unsubscribed. You will not receive further emails about this matter.</p>";
constexpr char kInvalidPage[] =
    "<!doctype html><meta charset=\"utf-8\"><title>Unsubscribe</title>"
    "<p>This unsubscribe link is not valid.</p>";
constexpr char kExpiredPage[] =
    "<!doctype html><meta charset=\"utf-8\"><title>Unsubscribe</title>"
    "<p>This unsubscribe link has expired. Please use the link in a more recent email, or "
    "reply to the email to unsubscribe.</p>";
constexpr char kRetryPage[] =
    "<!doctype html><meta charset=\"utf-8\"><title>Unsubscribe</title>"
    "<p>Please try again in a minute.</p>";

http::Response Page(int status, const char* html) {
  http::Response r;
  r.status = status;
  r.body = html;
  r.content_type = "text/html; charset=utf-8";
  // The token is in the URL: keep it out of caches and Referer headers; the button must not
  // be framed by another site (clickjacking) and the page loads nothing.
  r.headers = {{"Cache-Control", "no-store"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Robots-Tag", "noindex"},
               {"X-Frame-Options", "DENY"},
               {"Content-Security-Policy", "default-src 'none'; form-action 'self'"}};
  return r;
}

}  // namespace

absl::StatusOr<std::unique_ptr<UnsubscribeServer>> UnsubscribeServer::Start(
    const std::string& address, const UnsubscribeTokens& tokens, UnsubscribeStore& store,
    UnsubscribePublisher* publisher, const Clock& clock, UnsubscribeServerOptions options) {
  // Checks the token; nullopt when it opens, else the page that says why not.
  auto refused = [&tokens](const http::Request& req,
                           UnsubscribeClaims* claims) -> std::optional<http::Response> {
    absl::StatusOr<UnsubscribeClaims> opened = tokens.Verify(req.Param("token"));
    if (opened.ok()) {
      *claims = *std::move(opened);
      return std::nullopt;
    }
    if (opened.status().code() == absl::StatusCode::kFailedPrecondition) {
      return Page(410, kExpiredPage);
    }
    return Page(400, kInvalidPage);
  };
  auto confirm = [refused](const http::Request& req) {
    UnsubscribeClaims claims;
    if (auto page = refused(req, &claims)) return *page;
    return Page(200, kConfirmPage);  // nothing recorded: only a POST unsubscribes
  };
  auto unsubscribe = [refused, &store, publisher, &clock](const http::Request& req) {
    UnsubscribeClaims claims;
    if (auto page = refused(req, &claims)) return *page;
    // One id per link: a second click, and every redelivery, is the same opt-out.
    std::string event_id =
        absl::StrCat("email-unsubscribe:", claims.customer_id, ":", claims.touch_id);
    v1::CustomerEvent event = worker::MakeOptOutEvent(
        event_id, claims.customer_id, v1::CHANNEL_EMAIL, claims.email, "UNSUBSCRIBE", clock);
    // Committed before the answer: the customer will not click again, so the opt-out must
    // survive a Kafka outage (the publisher delivers it when Kafka is back).
    absl::StatusOr<bool> recorded = store.Record(event, clock.Now());
    if (!recorded.ok()) {
      BLEND_LOG(kError, "unsubscribe not recorded",
                {{"error", std::string(recorded.status().message())}});
      return Page(503, kRetryPage);
    }
    if (*recorded && publisher != nullptr) publisher->Wake();
    BLEND_LOG(kInfo, "email unsubscribe",
              {{"customer_id", claims.customer_id},
               {"email", log::RedactEmail(claims.email)},
               {"one_click",
                absl::StrContains(req.body, "One-Click") || req.form.count("List-Unsubscribe") > 0
                    ? "true"
                    : "false"},
               {"repeat", *recorded ? "false" : "true"}});
    return Page(200, kDonePage);
  };
  std::vector<http::Route> routes = {{"GET", "/unsubscribe", confirm},
                                     {"POST", "/unsubscribe", unsubscribe}};
  http::ServerOptions http_options;
  http_options.name = "unsubscribe";
  http_options.max_body_bytes = 4 * 1024;  // a one-click body is 26 bytes
  http_options.read_timeout = options.read_timeout;
  auto server = http::Server::Start(address, std::move(routes), http_options);
  if (!server.ok()) return server.status();
  std::unique_ptr<UnsubscribeServer> s(new UnsubscribeServer());
  s->server_ = std::move(*server);
  return s;
}

UnsubscribeServer::~UnsubscribeServer() { Stop(); }

int UnsubscribeServer::port() const { return server_ ? server_->port() : 0; }

void UnsubscribeServer::Stop() {
  if (server_) server_->Stop();
}

}  // namespace blend::email_worker
