#include "blend/orchestrator/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "blend/common/status_macros.h"
#include "blend/common/transport_security.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {
namespace {

constexpr absl::string_view kBearer = "Bearer ";

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<TokenEntry> ParseEntry(absl::string_view line, int line_no) {
  std::vector<absl::string_view> parts = absl::StrSplit(line, ':');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("token entry ", line_no,
                     ": expected 'name : sha256-hex : scope' (3 fields, got ", parts.size(), ")"));
  }
  TokenEntry e;
  e.name = std::string(absl::StripAsciiWhitespace(parts[0]));
  std::string hash = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[1]));
  absl::string_view scope = absl::StripAsciiWhitespace(parts[2]);
  if (e.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("token entry ", line_no, ": empty name"));
  }
  if (!IsHex64(hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("token entry ", line_no, " (", e.name,
                     "): the second field must be the 64-hex-digit SHA-256 of the token, "
                     "not the token itself (sha256sum <<< -n TOKEN)"));
  }
  e.sha256_hex = std::move(hash);
  if (scope == "service") {
    e.service = true;
  } else if (scope == "*") {
    e.all_campaigns = true;
  } else {
    for (absl::string_view c : absl::StrSplit(scope, ',', absl::SkipWhitespace())) {
      e.campaigns.emplace_back(absl::StripAsciiWhitespace(c));
    }
    if (e.campaigns.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token entry ", line_no, " (", e.name,
          "): scope must be '*', 'service' or a comma-separated list of campaign ids"));
    }
  }
  return e;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read token file ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

bool Principal::MayUseCampaign(std::string_view campaign_id) const {
  return all_campaigns || campaigns.contains(std::string(campaign_id));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenEntries(std::string_view text_std) {
  absl::string_view text(text_std.data(), text_std.size());
  std::vector<TokenEntry> out;
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(text, absl::ByAnyChar("\n;"))) {
    ++line_no;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line.front() == '#') continue;
    BLEND_ASSIGN_OR_RETURN(TokenEntry e, ParseEntry(line, line_no));
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(AuthConfig config,
                                                                     const Clock& clock) {
  std::unique_ptr<Authenticator> auth(new Authenticator(std::move(config), clock));
  absl::MutexLock lock(&auth->mu_);
  BLEND_RETURN_IF_ERROR(auth->LoadAll());
  auth->last_check_ = clock.Now();
  return auth;
}

// Loads inline entries and the file into a fresh map; replaces the current one only on success.
absl::Status Authenticator::LoadAll() {
  absl::flat_hash_map<std::string, TokenEntry> fresh;
  BLEND_ASSIGN_OR_RETURN(auto inline_entries, ParseTokenEntries(config_.inline_tokens.Reveal()));
  for (auto& e : inline_entries) fresh[e.sha256_hex] = std::move(e);
  if (!config_.tokens_file.empty()) {
    struct stat st {};
    if (::stat(config_.tokens_file.c_str(), &st) != 0) {
      return absl::NotFoundError(
          absl::StrCat("token file ", config_.tokens_file, " does not exist or is not readable"));
    }
    BLEND_ASSIGN_OR_RETURN(std::string text, ReadFile(config_.tokens_file));
    auto entries = ParseTokenEntries(text);
    if (!entries.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_.tokens_file, ": ", entries.status().message()));
    }
    for (auto& e : *entries) fresh[e.sha256_hex] = std::move(e);
    file_seen_ = true;
    file_mtime_ns_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    file_size_ = st.st_size;
  }
  by_hash_ = std::move(fresh);
  return absl::OkStatus();
}

absl::Status Authenticator::ReloadIfChanged() {
  absl::MutexLock lock(&mu_);
  last_check_ = clock_.Now();
  if (config_.tokens_file.empty()) return absl::OkStatus();
  struct stat st {};
  if (::stat(config_.tokens_file.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("token file ", config_.tokens_file, " vanished; keeping the previous tokens"));
  }
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (file_seen_ && mtime == file_mtime_ns_ && st.st_size == file_size_) return absl::OkStatus();
  absl::Status s = LoadAll();
  if (s.ok()) {
    BLEND_LOG(kInfo, "api tokens reloaded",
              {{"file", config_.tokens_file}, {"tokens", std::to_string(by_hash_.size())}});
  }
  return s;
}

bool Authenticator::open() const {
  absl::MutexLock lock(&mu_);
  return by_hash_.empty() && config_.tokens_file.empty() && !config_.client_certs_verified;
}

size_t Authenticator::token_count() const {
  absl::MutexLock lock(&mu_);
  return by_hash_.size();
}

absl::StatusOr<Principal> Authenticator::Authenticate(std::string_view authorization_std,
                                                      bool peer_verified) {
  absl::string_view authorization(authorization_std.data(), authorization_std.size());
  bool check_due;
  {
    absl::MutexLock lock(&mu_);
    check_due = clock_.Now() - last_check_ >= config_.reload_check_interval;
  }
  if (check_due) {
    if (absl::Status s = ReloadIfChanged(); !s.ok()) {
      BLEND_LOG(kError, "api token reload failed", {{"error", std::string(s.message())}});
    }
  }
  absl::MutexLock lock(&mu_);
  const bool tokens_required = !by_hash_.empty() || !config_.tokens_file.empty();
  if (!tokens_required) {
    Principal p;
    p.all_campaigns = p.service = true;
    if (config_.client_certs_verified) {
      if (!peer_verified) return absl::UnauthenticatedError("a client certificate is required");
      p.name = "mtls-peer";
    } else {
      p.name = "anonymous";
    }
    return p;
  }
  if (!absl::StartsWith(authorization, kBearer)) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer <token>' metadata");
  }
  absl::string_view token = authorization.substr(kBearer.size());
  std::string hash = Sha256Hex(std::string_view(token.data(), token.size()));
  auto it = by_hash_.find(hash);
  // The map is keyed by the hash of the secret, so the lookup leaks nothing about the token;
  // the constant-time compare guards against a future change of the container.
  if (it == by_hash_.end() || CRYPTO_memcmp(it->first.data(), hash.data(), hash.size()) != 0) {
    return absl::UnauthenticatedError("unknown API token");
  }
  Principal p;
  p.name = it->second.name;
  p.service = it->second.service;
  p.all_campaigns = it->second.all_campaigns;
  p.campaigns.insert(it->second.campaigns.begin(), it->second.campaigns.end());
  return p;
}

absl::Status CheckCampaignAccess(const Principal& principal, std::string_view campaign_std) {
  absl::string_view campaign_id(campaign_std.data(), campaign_std.size());
  if (principal.MayUseCampaign(campaign_std)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "credential '", principal.name, "' is not allowed to use campaign '", campaign_id, "'"));
}

absl::Status CheckAllCampaignsAccess(const Principal& principal) {
  if (principal.all_campaigns) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "credential '", principal.name, "' is scoped to some campaigns; this call needs scope '*'"));
}

absl::Status CheckSomeCampaignAccess(const Principal& principal) {
  if (principal.all_campaigns || !principal.campaigns.empty()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "credential '", principal.name, "' may use no campaign (scope '*' or a campaign list)"));
}

absl::Status CheckServiceAccess(const Principal& principal) {
  if (principal.service) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "credential '", principal.name, "' is not a service credential (scope 'service')"));
}

absl::Status CheckJourneyAccess(const Principal& principal, std::string_view journey_id,
                                const absl::StatusOr<std::string>& campaign_of_journey) {
  if (campaign_of_journey.ok() && principal.MayUseCampaign(*campaign_of_journey)) {
    return absl::OkStatus();
  }
  const bool not_found =
      !campaign_of_journey.ok() && absl::IsNotFound(campaign_of_journey.status());
  if (!campaign_of_journey.ok() && !not_found) return campaign_of_journey.status();
  if (not_found && principal.all_campaigns) return campaign_of_journey.status();
  return absl::PermissionDeniedError(absl::StrCat(
      "credential '", principal.name, "' may not use journey '",
      absl::string_view(journey_id.data(), journey_id.size()), "' (or it does not exist)"));
}

absl::Status CheckListenAddressAllowed(std::string_view grpc_addr_std, bool open) {
  if (!open || blend::IsLoopbackHostPort(grpc_addr_std)) return absl::OkStatus();
  absl::string_view grpc_addr(grpc_addr_std.data(), grpc_addr_std.size());
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to serve gRPC on ", grpc_addr,
      " without credentials: set --api-tokens-file / --api-tokens or --tls-client-ca-file, "
      "or listen on a loopback address such as 127.0.0.1"));
}

}  // namespace blend::orchestrator
