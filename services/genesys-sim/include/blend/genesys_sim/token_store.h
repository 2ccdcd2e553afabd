#pragma once

// OAuth client-credentials tokens: checks client id/secret, issues opaque bearer tokens
// that expire after the client's lifetime, and resolves a bearer token to its client.
// Thread-safe.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys_sim/config.h"

namespace blend::genesys_sim {

struct IssuedToken {
  std::string access_token;
  int64_t expires_in_seconds = 0;
};

enum class TokenState { kValid, kUnknown, kExpired };

struct TokenCheck {
  TokenState state = TokenState::kUnknown;
  std::string client_id;
};

class TokenStore {
 public:
  TokenStore(const Clock& clock, const std::vector<OAuthClientConfig>& clients);

  // kUnauthenticated for an unknown client or a wrong secret.
  absl::StatusOr<IssuedToken> Issue(const std::string& client_id, const std::string& secret);
  TokenCheck Check(const std::string& access_token) const;
  // Makes every issued token expired now (admin API: lets clients test refresh on 401).
  int ExpireAll();

 private:
  struct Token {
    std::string client_id;
    absl::Time expires;
  };
  const Clock& clock_;
  absl::flat_hash_map<std::string, OAuthClientConfig> clients_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Token> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::genesys_sim
