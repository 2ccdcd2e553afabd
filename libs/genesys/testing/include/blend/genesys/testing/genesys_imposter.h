#pragma once

// A loopback HTTP server that plays Genesys Cloud for the client's tests, in the manner of
// Redpanda's http_imposter: it records every request, answers scripted responses, issues
// OAuth tokens and injects faults (delays, 401s, 429s, 5xx).

#include <deque>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "httplib.h"

namespace blend::genesys::testing {

struct RecordedRequest {
  std::string method = {};
  std::string path = {};                            // without the query string
  std::map<std::string, std::string> params = {};   // query parameters
  std::map<std::string, std::string> headers = {};  // lower-case names
  std::string body = {};
  int remote_port = 0;  // the client's side of the TCP connection

  std::string Header(const std::string& lower_name) const;
};

struct CannedResponse {
  int status = 200;
  std::string body = {};
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string content_type = "application/json";
  absl::Duration delay = absl::ZeroDuration();  // before answering (timeout tests)
};

class GenesysImposter {
 public:
  GenesysImposter();  // listening on 127.0.0.1, a free port
  ~GenesysImposter();

  std::string base_url() const;

  // Answers for "METHOD path": queued ones first (each used once), then the route's
  // default, then 404 with a Genesys not.found body.
  void Enqueue(const std::string& method, const std::string& path, CannedResponse response);
  void SetDefault(const std::string& method, const std::string& path, CannedResponse response);

  // POST /oauth/token: accepts Basic demo-client:demo-secret, issues "token-1", "token-2"…
  void SetTokenLifetime(int64_t seconds);
  void SetTokenDelay(absl::Duration delay);
  // Every token issued so far stops being accepted (as if expired server-side).
  void RevokeTokens();
  // Every bearer token is refused with 401 (a client without the needed role).
  void RejectAllBearerTokens();

  int TokenRequestCount() const;
  std::vector<RecordedRequest> Requests() const;  // API requests, token requests excluded
  std::vector<RecordedRequest> TokenRequests() const;
  std::vector<RecordedRequest> RequestsTo(const std::string& method, const std::string& path) const;

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleToken(const RecordedRequest& rec, httplib::Response& res);
  CannedResponse Next(const std::string& key);
  void Respond(const CannedResponse& canned, httplib::Response& res);

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Notification stopping_;

  mutable absl::Mutex mu_;
  std::vector<RecordedRequest> api_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedRequest> token_requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<CannedResponse>> queued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, CannedResponse> defaults_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> valid_tokens_ ABSL_GUARDED_BY(mu_);
  int tokens_issued_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t token_lifetime_s_ ABSL_GUARDED_BY(mu_) = 86399;
  absl::Duration token_delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  bool reject_bearer_ ABSL_GUARDED_BY(mu_) = false;
};

// A Genesys ErrorBody as JSON.
std::string ErrorBody(int status, const std::string& code, const std::string& message,
                      const std::string& context_id = "ctx-1");

}  // namespace blend::genesys::testing
