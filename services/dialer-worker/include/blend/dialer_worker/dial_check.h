#pragma once

// The dial-time check: Genesys Cloud's pre-call rule evaluates a Web Services Data Action just
// before each dial and skips the contact on its answer. The data action posts the contact's
// touch id here (POST /v1/dial-check, Basic auth, JSON); Blend answers from the same fence as
// ClaimTouch (TouchService.CheckTouch): {"skip": false} may dial, {"skip": true, "reason": ...}
// must not. A failure is answered honestly (5xx); the rule's own setting decides what Genesys
// does then. See docs/dial-time-check.md.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"
#include "blend/v1/touch_service.grpc.pb.h"

namespace prometheus {
class Registry;
}

namespace blend::dialer_worker {

// Asks the orchestrator whether a touch may be dialed now (TouchService.CheckTouch).
class TouchChecker {
 public:
  virtual ~TouchChecker() = default;
  // Gives up after `deadline` (kDeadlineExceeded).
  virtual absl::StatusOr<v1::CheckTouchResponse> Check(const std::string& touch_id,
                                                       absl::Duration deadline) = 0;
};

// TouchChecker over gRPC with the worker's service credential ("authorization: Bearer").
class GrpcTouchChecker final : public TouchChecker {
 public:
  // Plaintext to `target` (loopback, tests).
  GrpcTouchChecker(const std::string& target, Secret service_token);
  // Over `channel` (the worker runtime's orchestrator channel: TLS / mTLS as configured).
  GrpcTouchChecker(std::shared_ptr<grpc::Channel> channel, Secret service_token);
  absl::StatusOr<v1::CheckTouchResponse> Check(const std::string& touch_id,
                                               absl::Duration deadline) override;

 private:
  std::unique_ptr<v1::TouchService::Stub> stub_;
  Secret token_;
};

struct DialCheckOptions {
  // Basic auth the data action's credential sends (Genesys web-service data actions
  // authenticate with a "User Defined"/"Basic Auth" credential). Empty user: open (loopback only).
  std::string user;
  Secret password;
  // The input field holding the touch id: the contact-list column of the same name.
  std::string touch_id_field = "touchId";
  // The CheckTouch deadline; keep it well under the data action's timeout.
  absl::Duration check_timeout = absl::Seconds(1);
};

// One answer: HTTP status and JSON body.
struct DialCheckReply {
  int status = 200;
  std::string body;
};

// The request handling without HTTP (tested directly). Thread-safe.
class DialCheckHandler {
 public:
  DialCheckHandler(TouchChecker& checker, const Clock& clock, DialCheckOptions options,
                   prometheus::Registry* registry = nullptr);
  ~DialCheckHandler();

  // `authorization`: the request's Authorization header ("" when absent).
  DialCheckReply Handle(const std::string& body, const std::string& authorization);
  bool Authorized(const std::string& authorization) const;
  bool open() const { return options_.user.empty(); }

 private:
  struct Metrics;
  DialCheckReply Done(const std::string& result, absl::Time started, DialCheckReply reply);

  TouchChecker& checker_;
  const Clock& clock_;
  const DialCheckOptions options_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace blend::dialer_worker
