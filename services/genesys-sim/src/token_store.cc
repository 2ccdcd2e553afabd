#include "blend/genesys_sim/token_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "blend/common/ids.h"

namespace blend::genesys_sim {

TokenStore::TokenStore(const Clock& clock, const std::vector<OAuthClientConfig>& clients)
    : clock_(clock) {
  for (const auto& c : clients) clients_[c.client_id] = c;
}

absl::StatusOr<IssuedToken> TokenStore::Issue(const std::string& client_id,
                                              const std::string& secret) {
  auto it = clients_.find(client_id);
  if (it == clients_.end() || it->second.client_secret.Reveal() != secret) {
    return absl::UnauthenticatedError("client id or secret is not valid");
  }
  // Opaque like Genesys's tokens; two UUIDs keep guessing out of reach.
  std::string token = absl::StrReplaceAll(absl::StrCat(NewUuid(), NewUuid()), {{"-", ""}});
  absl::Duration lifetime = it->second.token_lifetime;
  {
    absl::MutexLock lock(&mu_);
    tokens_[token] = {client_id, clock_.Now() + lifetime};
  }
  return IssuedToken{token, absl::ToInt64Seconds(lifetime)};
}

TokenCheck TokenStore::Check(const std::string& access_token) const {
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(access_token);
  if (it == tokens_.end()) return {TokenState::kUnknown, ""};
  if (clock_.Now() >= it->second.expires) return {TokenState::kExpired, it->second.client_id};
  return {TokenState::kValid, it->second.client_id};
}

int TokenStore::ExpireAll() {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (auto& [_, t] : tokens_) {
    if (t.expires > now) {
      t.expires = now;
      ++n;
    }
  }
  return n;
}

}  // namespace blend::genesys_sim
