#pragma once

// CAN-SPAM unsubscribe links and the small HTTP endpoint they point at (libs/http's server).
// A link carries an opaque, expiring token (unsubscribe_token.h): nobody can unsubscribe
// someone else by editing a URL, and the URL shows nothing about the person.
//
//   GET  /unsubscribe?token=…  a confirmation page with one button; changes nothing (mail
//                               scanners and link previews fetch links on their own)
//   POST /unsubscribe?token=…  unsubscribes: the page's button, or a mail client's RFC 8058
//                               one-click POST (body "List-Unsubscribe=One-Click", form- or
//                               multipart-encoded; the token is in the URL either way)
//
// A POST records an email opt-out CustomerEvent (event id "email-unsubscribe:<customer>:
// <touch>") in `store` before it answers, whatever Kafka is doing, and wakes `publisher` (may
// be null) to deliver it; a second POST finds it recorded and gets the same page. 400 for a
// token that is not valid, 410 for an expired one, 503 only when PostgreSQL cannot record it
// (the person can retry). Bodies over 4 KiB are refused unread.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/email_worker/unsubscribe_publisher.h"
#include "blend/email_worker/unsubscribe_store.h"
#include "blend/email_worker/unsubscribe_token.h"

namespace blend::http {
class Server;
}

namespace blend::email_worker {

// The email-worker's demo token secret: the default, accepted only on a loopback --http-addr.
inline constexpr char kDemoUnsubscribeSecret[] = "demo-unsubscribe-secret";

struct UnsubscribeServerOptions {
  absl::Duration read_timeout = absl::Seconds(5);
};

class UnsubscribeServer {
 public:
  // Start() binds `address`; port 0 picks a free port.
  static absl::StatusOr<std::unique_ptr<UnsubscribeServer>> Start(
      const std::string& address, const UnsubscribeTokens& tokens, UnsubscribeStore& store,
      UnsubscribePublisher* publisher, const Clock& clock, UnsubscribeServerOptions options = {});
  ~UnsubscribeServer();
  int port() const;
  void Stop();

 private:
  UnsubscribeServer() = default;
  std::unique_ptr<http::Server> server_;
};

}  // namespace blend::email_worker
