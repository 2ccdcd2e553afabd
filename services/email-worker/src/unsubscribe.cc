#include "blend/email_worker/unsubscribe.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/telemetry/admin_server.h"
#include "blend/telemetry/log.h"
#include "blend/worker/customer_events.h"
#include "nlohmann/json.hpp"

namespace blend::email_worker {
namespace {

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

constexpr char kDonePage[] =
    "<!doctype html><title>Unsubscribed</title><p>You have been unsubscribed. You will not "
    "receive further emails about this matter.</p>";

}  // namespace

std::string UnsubscribeTokens::Sign(const UnsubscribeClaims& c) const {
  std::string payload =
      nlohmann::json{{"c", c.customer_id}, {"e", c.email}, {"t", c.touch_id}}.dump();
  std::string body = absl::WebSafeBase64Escape(payload);
  return absl::StrCat(body, ".", absl::WebSafeBase64Escape(Hmac(key_.Reveal(), body)));
}

absl::StatusOr<UnsubscribeClaims> UnsubscribeTokens::Verify(const std::string& token) const {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string payload, signature;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &payload) ||
      !absl::WebSafeBase64Unescape(parts[1], &signature)) {
    return absl::InvalidArgumentError("malformed unsubscribe token");
  }
  std::string expected = Hmac(key_.Reveal(), parts[0]);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError("unsubscribe token signature does not match");
  }
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.value("c", nlohmann::json()).is_string() ||
      !j.value("e", nlohmann::json()).is_string()) {
    return absl::InvalidArgumentError("malformed unsubscribe token payload");
  }
  return UnsubscribeClaims{j["c"].get<std::string>(), j["e"].get<std::string>(),
                           j.value("t", std::string())};
}

std::string UnsubscribeTokens::Link(const std::string& base_url, const UnsubscribeClaims& c) const {
  return absl::StrCat(base_url, "/unsubscribe?token=", Sign(c));
}

absl::StatusOr<std::unique_ptr<UnsubscribeServer>> UnsubscribeServer::Start(
    const std::string& address, const UnsubscribeTokens& tokens, UnsubscribeStore& store,
    UnsubscribePublisher* publisher, const Clock& clock) {
  auto hp = telemetry::ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  std::unique_ptr<UnsubscribeServer> s(new UnsubscribeServer());
  s->server_ = std::make_unique<httplib::Server>();
  auto handle = [&tokens, &store, publisher, &clock](const httplib::Request& req,
                                                     httplib::Response& res) {
    absl::StatusOr<UnsubscribeClaims> claims = tokens.Verify(req.get_param_value("token"));
    if (!claims.ok()) {
      res.status = 400;
      res.set_content("This unsubscribe link is not valid.", "text/plain");
      return;
    }
    // One id per link: a second click, and every redelivery, is the same opt-out.
    std::string event_id = absl::StrCat("email-unsubscribe:", claims->customer_id, ":",
                                        claims->touch_id);
    v1::CustomerEvent event = worker::MakeOptOutEvent(event_id, claims->customer_id,
                                                      v1::CHANNEL_EMAIL, claims->email,
                                                      "UNSUBSCRIBE", clock);
    // Committed before the answer: the customer will not click again, so the opt-out must
    // survive a Kafka outage (the publisher delivers it when Kafka is back).
    absl::StatusOr<bool> recorded = store.Record(event, clock.Now());
    if (!recorded.ok()) {
      BLEND_LOG(kError, "unsubscribe not recorded",
                {{"error", std::string(recorded.status().message())}});
      res.status = 503;
      res.set_content("Please try again in a minute.", "text/plain");
      return;
    }
    if (*recorded && publisher != nullptr) publisher->Wake();
    BLEND_LOG(kInfo, "email unsubscribe", {{"customer_id", claims->customer_id},
                                           {"email", log::RedactEmail(claims->email)},
                                           {"repeat", *recorded ? "false" : "true"}});
    res.set_content(kDonePage, "text/html");
  };
  s->server_->Get("/unsubscribe", handle);
  s->server_->Post("/unsubscribe", handle);
  s->port_ = hp->second == 0 ? s->server_->bind_to_any_port(hp->first)
                             : (s->server_->bind_to_port(hp->first, hp->second) ? hp->second : -1);
  if (s->port_ < 0) return absl::UnavailableError("cannot bind unsubscribe server to " + address);
  s->thread_ = std::thread([srv = s->server_.get()] { srv->listen_after_bind(); });
  return s;
}

UnsubscribeServer::~UnsubscribeServer() { Stop(); }

void UnsubscribeServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace blend::email_worker
