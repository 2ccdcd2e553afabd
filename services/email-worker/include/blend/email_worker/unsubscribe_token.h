#pragma once

// Unsubscribe tokens: what an email's unsubscribe link carries. A token is opaque — customer
// id, email address, touch id and expiry sealed with AES-256-GCM under a key derived from
// --unsubscribe-secret — so a URL in an access log or a mail scanner's history shows nothing
// about the person, and editing it yields a token that does not open. It expires
// (--unsubscribe-link-ttl, default 60 days; CAN-SPAM asks for at least 30).
//
//   token = base64url( 0x01 | nonce(12) | ciphertext | tag(16) ), no padding
//   plaintext = {"c": customer id, "e": email, "t": touch id, "x": expiry (unix seconds)}
//
// Links sent before this format ("<base64url JSON>.<base64url HMAC-SHA256>", the address
// readable inside, no expiry) still open while `accept_legacy` is set, so mail already
// delivered keeps a working link; turn it off once the last of them is older than the TTL.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"

namespace blend::email_worker {

struct UnsubscribeClaims {
  std::string customer_id;
  std::string email;
  std::string touch_id;
};

struct UnsubscribeTokenOptions {
  absl::Duration ttl = absl::Hours(24 * 60);
  bool accept_legacy = true;
};

// Issues and opens tokens. Thread-safe (immutable).
class UnsubscribeTokens {
 public:
  explicit UnsubscribeTokens(Secret secret, const Clock& clock = RealClock::Instance(),
                             UnsubscribeTokenOptions options = {});

  // A token for `claims` that expires `ttl` from now.
  std::string Sign(const UnsubscribeClaims& claims) const;
  // kInvalidArgument: not a token; kPermissionDenied: not sealed under this secret (forged or
  // altered); kFailedPrecondition: expired.
  absl::StatusOr<UnsubscribeClaims> Verify(std::string_view token) const;
  // "<base_url>/unsubscribe?token=<token>".
  std::string Link(const std::string& base_url, const UnsubscribeClaims& claims) const;

 private:
  absl::StatusOr<UnsubscribeClaims> VerifyLegacy(std::string_view token) const;

  std::string key_;  // AES-256 key derived from the secret
  Secret secret_;    // the legacy tokens' HMAC key
  const Clock& clock_;
  const UnsubscribeTokenOptions options_;
};

namespace internal {
// The sealed plaintext (exposed for the fuzzer and tests). ParseClaims: kInvalidArgument
// unless a JSON object with string "c", "e", "t" and an integer "x".
std::string SerializeClaims(const UnsubscribeClaims& claims, absl::Time expires_at);
absl::StatusOr<std::pair<UnsubscribeClaims, absl::Time>> ParseClaims(std::string_view plaintext);
}  // namespace internal

}  // namespace blend::email_worker
