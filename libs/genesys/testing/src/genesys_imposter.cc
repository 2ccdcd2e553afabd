#include "blend/genesys/testing/genesys_imposter.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace blend::genesys::testing {

std::string RecordedRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string ErrorBody(int status, const std::string& code, const std::string& message,
                      const std::string& context_id) {
  return nlohmann::json{{"message", message},
                        {"code", code},
                        {"status", status},
                        {"contextId", context_id},
                        {"details", nlohmann::json::array()},
                        {"errors", nlohmann::json::array()}}
      .dump();
}

GenesysImposter::GenesysImposter() {
  // Keep-alive connections each hold a worker thread; leave room for concurrency tests.
  server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
  // Headers and body go out in two writes; without NODELAY each response waits ~40 ms
  // for a delayed ACK.
  server_.set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_.Get(".*", handler);
  server_.Post(".*", handler);
  server_.Put(".*", handler);
  server_.Patch(".*", handler);
  server_.Delete(".*", handler);
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

GenesysImposter::~GenesysImposter() {
  stopping_.Notify();  // wakes handlers sleeping through an injected delay
  server_.stop();
  thread_.join();
}

std::string GenesysImposter::base_url() const { return absl::StrCat("http://127.0.0.1:", port_); }

void GenesysImposter::Enqueue(const std::string& method, const std::string& path,
                              CannedResponse response) {
  absl::MutexLock lock(&mu_);
  queued_[absl::StrCat(method, " ", path)].push_back(std::move(response));
}

void GenesysImposter::SetDefault(const std::string& method, const std::string& path,
                                 CannedResponse response) {
  absl::MutexLock lock(&mu_);
  defaults_[absl::StrCat(method, " ", path)] = std::move(response);
}

void GenesysImposter::SetTokenLifetime(int64_t seconds) {
  absl::MutexLock lock(&mu_);
  token_lifetime_s_ = seconds;
}

void GenesysImposter::SetTokenDelay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  token_delay_ = delay;
}

void GenesysImposter::RevokeTokens() {
  absl::MutexLock lock(&mu_);
  valid_tokens_.clear();
}

void GenesysImposter::RejectAllBearerTokens() {
  absl::MutexLock lock(&mu_);
  reject_bearer_ = true;
}

int GenesysImposter::TokenRequestCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(token_requests_.size());
}

std::vector<RecordedRequest> GenesysImposter::Requests() const {
  absl::MutexLock lock(&mu_);
  return api_requests_;
}

std::vector<RecordedRequest> GenesysImposter::TokenRequests() const {
  absl::MutexLock lock(&mu_);
  return token_requests_;
}

std::vector<RecordedRequest> GenesysImposter::RequestsTo(const std::string& method,
                                                         const std::string& path) const {
  std::vector<RecordedRequest> out;
  for (RecordedRequest& r : Requests()) {
    if (r.method == method && r.path == path) out.push_back(std::move(r));
  }
  return out;
}

CannedResponse GenesysImposter::Next(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (auto it = queued_.find(key); it != queued_.end() && !it->second.empty()) {
    CannedResponse r = std::move(it->second.front());
    it->second.pop_front();
    return r;
  }
  if (auto it = defaults_.find(key); it != defaults_.end()) return it->second;
  return {404, ErrorBody(404, "not.found", "The requested resource was not found")};
}

void GenesysImposter::Respond(const CannedResponse& canned, httplib::Response& res) {
  if (canned.delay > absl::ZeroDuration()) stopping_.WaitForNotificationWithTimeout(canned.delay);
  res.status = canned.status;
  res.set_header("ININ-Correlation-Id", "corr-imposter");
  for (const auto& [name, value] : canned.headers) res.set_header(name, value);
  if (!canned.body.empty()) res.set_content(canned.body, canned.content_type.c_str());
}

void GenesysImposter::HandleToken(const RecordedRequest& rec, httplib::Response& res) {
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    token_requests_.push_back(rec);
    delay = token_delay_;
  }
  if (delay > absl::ZeroDuration()) stopping_.WaitForNotificationWithTimeout(delay);
  std::string expected = absl::StrCat("Basic ", absl::Base64Escape("demo-client:demo-secret"));
  if (rec.Header("authorization") != expected || rec.body != "grant_type=client_credentials") {
    res.status = 401;
    res.set_content(R"({"error":"invalid_client","description":"client authentication failed"})",
                    "application/json");
    return;
  }
  absl::MutexLock lock(&mu_);
  std::string token = absl::StrCat("token-", ++tokens_issued_);
  valid_tokens_.insert(token);
  res.set_content(
      nlohmann::json{
          {"access_token", token}, {"token_type", "bearer"}, {"expires_in", token_lifetime_s_}}
          .dump(),
      "application/json");
}

void GenesysImposter::Handle(const httplib::Request& req, httplib::Response& res) {
  RecordedRequest rec{req.method, req.path, {}, {}, req.body, req.remote_port};
  for (const auto& [name, value] : req.params) rec.params[name] = value;
  for (const auto& [name, value] : req.headers) rec.headers[absl::AsciiStrToLower(name)] = value;
  if (req.path == "/oauth/token" && req.method == "POST") return HandleToken(rec, res);
  bool authorized;
  {
    absl::MutexLock lock(&mu_);
    api_requests_.push_back(rec);
    std::string auth = rec.Header("authorization");
    authorized = !reject_bearer_ && absl::StartsWith(auth, "Bearer ") &&
                 valid_tokens_.contains(auth.substr(7));
  }
  // Export downloads are pre-signed and need no token, like object-storage URLs.
  if (!authorized && !absl::StartsWith(req.path, "/downloads/")) {
    return Respond({401, ErrorBody(401, "bad.credentials", "Invalid login credentials.")}, res);
  }
  Respond(Next(absl::StrCat(req.method, " ", req.path)), res);
}

}  // namespace blend::genesys::testing
