#pragma once

// Helpers for GenesysSim unit tests: a fake clock, a recording webhook sender and request
// builders that call GenesysSim::Handle directly (no sockets).

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "blend/common/clock.h"
#include "blend/genesys_sim/sim.h"

namespace blend::genesys_sim::testing {

// Records every post; fails the first `fail_first` posts with kUnavailable.
class RecordingSender : public WebhookSender {
 public:
  struct Post {
    std::string url, body;
    HeaderList headers;
  };
  absl::Status Post(const std::string& url, const std::string& body,
                    const HeaderList& headers) override {
    absl::MutexLock lock(&mu_);
    posts_.push_back({url, body, headers});
    if (fail_first_ > 0) {
      --fail_first_;
      return absl::UnavailableError("HTTP 500");
    }
    return absl::OkStatus();
  }
  std::vector<struct Post> posts() const {
    absl::MutexLock lock(&mu_);
    return posts_;
  }
  void FailFirst(int n) {
    absl::MutexLock lock(&mu_);
    fail_first_ = n;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<struct Post> posts_;
  int fail_first_ = 0;
};

inline std::string HeaderOf(const HeaderList& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

class SimTest : public ::testing::Test {
 protected:
  // Builds the simulator from `config` (demo defaults unless changed before calling).
  void Build(SimConfig config) {
    auto sender = std::make_unique<RecordingSender>();
    sender_ = sender.get();
    registry_ = std::make_shared<prometheus::Registry>();
    auto sim = GenesysSim::Create(std::move(config), clock_, registry_, std::move(sender));
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = std::move(*sim);
  }
  void SetUp() override { Build(DemoConfig()); }

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", std::map<std::string, std::string> query = {},
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.headers = std::move(headers);
    req.headers.emplace("host", "sim.test:7480");
    req.body = body;
    return sim_->Handle(req);
  }

  HttpResponse TokenCall(const std::string& id, const std::string& secret,
                         const std::string& grant = "client_credentials") {
    return Call("POST", "/oauth/token", "grant_type=" + grant, {},
                {{"authorization", "Basic " + absl::Base64Escape(id + ":" + secret)},
                 {"content-type", "application/x-www-form-urlencoded"}});
  }

  std::string Token(const std::string& id = "demo-client",
                    const std::string& secret = "demo-secret") {
    HttpResponse r = TokenCall(id, secret);
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body)["access_token"].get<std::string>();
  }

  // An authenticated API call with a (cached) demo token.
  HttpResponse Api(const std::string& method, const std::string& path, const std::string& body = "",
                   std::map<std::string, std::string> query = {}) {
    if (token_.empty()) token_ = Token();
    return Call(method, path, body, std::move(query), {{"authorization", "Bearer " + token_}});
  }

  HttpResponse SendSms(const std::string& to, const std::string& text = "Your invoice is due") {
    nlohmann::json body = {{"fromAddress", "+18005550199"},
                           {"toAddress", to},
                           {"toAddressMessengerType", "sms"},
                           {"textBody", text}};
    return Api("POST", "/api/v2/conversations/messages/agentless", body.dump());
  }

  HttpResponse AddContact(const std::string& phone, bool priority,
                          const std::string& touch_id = "") {
    nlohmann::json data = {{"phone", phone}};
    if (!touch_id.empty()) data["touchId"] = touch_id;
    nlohmann::json body =
        nlohmann::json::array({{{"contactListId", "demo-contacts"}, {"data", data}}});
    return Api("POST", "/api/v2/outbound/contactlists/demo-contacts/contacts", body.dump(),
               {{"priority", priority ? "true" : "false"}});
  }

  static nlohmann::json Json(const HttpResponse& r) { return nlohmann::json::parse(r.body); }

  FakeClock clock_;
  RecordingSender* sender_ = nullptr;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<GenesysSim> sim_;
  std::string token_;
};

}  // namespace blend::genesys_sim::testing

namespace blend::genesys_sim::testing {

// The value of counter/gauge `name` with exactly `labels` in `registry` (-1 if absent).
inline double MetricValue(prometheus::Registry& registry, const std::string& name,
                          const std::map<std::string, std::string>& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      std::map<std::string, std::string> got;
      for (const auto& l : m.label) got[l.name] = l.value;
      if (got == labels)
        return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  }
  return -1;
}

}  // namespace blend::genesys_sim::testing
