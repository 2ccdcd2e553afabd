#pragma once

// Authentication and authorisation of the orchestrator's gRPC port (no gRPC types here, so it
// is unit-tested on its own; grpc_auth.h adapts it to a ServerContext).
//
// Clients present `authorization: Bearer <token>`. Tokens are configured as SHA-256 hashes
// only, one entry per line, in a file (re-read when it changes, so tokens rotate without a
// restart) and/or inline (flag/environment):
//
//   # name : sha256-hex-of-token : scope
//   crm-main : 9f86d0...0a08 : *                 every campaign
//   crm-eu   : 60303a...2c6b : dunning-eu,promo  only these campaigns
//   workers  : 2c26b4...7ae8 : service           TouchService (the workers' credential)
//
// A client certificate verified by mutual TLS also authenticates a CRM caller for every
// campaign when no token is required. See README.md for the full rules.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/common/secret.h"

namespace blend::orchestrator {

// Who is calling, after authentication.
struct Principal {
  std::string name;            // token name, "mtls-peer" or "anonymous" (open mode)
  bool service = false;        // may call TouchService
  bool all_campaigns = false;  // may use every campaign of JourneyService
  absl::flat_hash_set<std::string> campaigns;

  bool MayUseCampaign(std::string_view campaign_id) const;
};

// One configured token (its hash, never the token).
struct TokenEntry {
  std::string name;
  std::string sha256_hex;  // lower-case hex of SHA-256(token)
  bool service = false;
  bool all_campaigns = false;
  std::vector<std::string> campaigns;
};

// Lower-case hex SHA-256 of `data` (OpenSSL).
std::string Sha256Hex(std::string_view data);

// Parses entries separated by newlines or ';'. Blank lines and '#' comments are skipped.
// InvalidArgument naming the line (never its content beyond the name) on a malformed entry.
absl::StatusOr<std::vector<TokenEntry>> ParseTokenEntries(std::string_view text);

struct AuthConfig {
  std::string tokens_file;             // optional; re-read when its mtime/size changes
  Secret inline_tokens;                // optional entries, same syntax
  bool client_certs_verified = false;  // the transport verifies client certificates (mTLS)
  absl::Duration reload_check_interval = absl::Seconds(1);
};

// Checks callers against the configured tokens. Thread-safe. Create() fails with
// InvalidArgument / NotFound when the token file or inline entries cannot be read or parsed.
// A later reload that fails keeps the previous tokens (and logs why), so a half-written file
// never locks every client out.
class Authenticator {
 public:
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(AuthConfig config,
                                                               const Clock& clock);

  // True when no client credential of any kind is configured: the server is open and may
  // only listen on loopback.
  bool open() const;

  // `authorization` is the raw metadata value ("" if absent); `peer_verified` is true when
  // mTLS verified a client certificate. UNAUTHENTICATED when no valid credential is given.
  absl::StatusOr<Principal> Authenticate(std::string_view authorization, bool peer_verified);

  // Re-reads the token file if it changed. Called by Authenticate at most once per
  // reload_check_interval; public for tests and for a SIGHUP handler.
  absl::Status ReloadIfChanged();

  size_t token_count() const;

 private:
  Authenticator(AuthConfig config, const Clock& clock)
      : config_(std::move(config)), clock_(clock) {}
  absl::Status LoadAll();

  const AuthConfig config_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, TokenEntry> by_hash_ ABSL_GUARDED_BY(mu_);
  bool file_seen_ ABSL_GUARDED_BY(mu_) = false;
  int64_t file_mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t file_size_ ABSL_GUARDED_BY(mu_) = -1;
  absl::Time last_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// PERMISSION_DENIED unless the principal may use `campaign_id`.
absl::Status CheckCampaignAccess(const Principal& principal, std::string_view campaign_id);
// PERMISSION_DENIED unless the principal may use every campaign (customer events, lists).
absl::Status CheckAllCampaignsAccess(const Principal& principal);
// PERMISSION_DENIED unless the principal may use at least one campaign: the gate of the RPCs
// that then check each row's campaign (StartJourneys) or filter by scope (ListJourneys), so a
// service credential, which has no campaign, is refused outright.
absl::Status CheckSomeCampaignAccess(const Principal& principal);
// PERMISSION_DENIED unless the principal holds the service credential.
absl::Status CheckServiceAccess(const Principal& principal);
// Access to journey `journey_id`, given the lookup of its campaign (kNotFound when no such
// journey). A caller scoped to some campaigns gets the same PERMISSION_DENIED, with the same
// message, whether the journey does not exist or belongs to another campaign: the answer
// never tells which journey ids exist. A '*' caller may learn it (kNotFound). Other lookup
// errors (kUnavailable) pass through.
absl::Status CheckJourneyAccess(const Principal& principal, std::string_view journey_id,
                                const absl::StatusOr<std::string>& campaign_of_journey);

// Start-up rule: without credentials the server may only listen on loopback.
// FailedPrecondition with the fix otherwise.
absl::Status CheckListenAddressAllowed(std::string_view grpc_addr, bool open);

}  // namespace blend::orchestrator
