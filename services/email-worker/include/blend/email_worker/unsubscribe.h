#pragma once

// CAN-SPAM unsubscribe links and the small HTTP endpoint they point at. A link carries a
// signed token (customer id, email address, touch id; HMAC-SHA256 under a secret), so nobody
// can unsubscribe someone else by editing a URL. Opening it (GET, or POST for one-click
// clients) records an email opt-out CustomerEvent in PostgreSQL (UnsubscribeStore), which
// UnsubscribePublisher then delivers to blend.customer-events.

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"
#include "blend/email_worker/unsubscribe_publisher.h"
#include "blend/email_worker/unsubscribe_store.h"

namespace httplib {
class Server;
}

namespace blend::email_worker {

struct UnsubscribeClaims {
  std::string customer_id;
  std::string email;
  std::string touch_id;
};

// Signs and verifies tokens. Thread-safe (immutable).
class UnsubscribeTokens {
 public:
  explicit UnsubscribeTokens(Secret key) : key_(std::move(key)) {}
  std::string Sign(const UnsubscribeClaims& claims) const;
  // kInvalidArgument for a malformed token, kPermissionDenied for a bad signature.
  absl::StatusOr<UnsubscribeClaims> Verify(const std::string& token) const;
  // "<base_url>/unsubscribe?token=<token>".
  std::string Link(const std::string& base_url, const UnsubscribeClaims& claims) const;

 private:
  Secret key_;
};

// GET|POST /unsubscribe?token=… on its own thread (cpp-httplib). Answers 200 with a short
// page once the opt-out (event id "email-unsubscribe:<customer>:<touch>") is committed in
// `store`, whatever Kafka is doing, and wakes `publisher` (may be null) to deliver it; a
// second click finds it recorded and gets the same page. 400 for a bad token; 503 only when
// PostgreSQL cannot record it either (the person can retry). Start() binds; port 0 picks a
// free port.
class UnsubscribeServer {
 public:
  static absl::StatusOr<std::unique_ptr<UnsubscribeServer>> Start(
      const std::string& address, const UnsubscribeTokens& tokens, UnsubscribeStore& store,
      UnsubscribePublisher* publisher, const Clock& clock);
  ~UnsubscribeServer();
  int port() const { return port_; }
  void Stop();

 private:
  UnsubscribeServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace blend::email_worker
