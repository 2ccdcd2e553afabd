#pragma once

// Who is using the console. Operators sign in with a bearer token; tokens are configured only
// as SHA-256 hashes, one entry per line, in the orchestrator's token syntax with the console's
// scopes:
//
//   # name : sha256-hex-of-token : scopes
//   alice : 9f86d0...0a08 : read,operate,pii   sees everything, pauses and resumes
//   bob   : 60303a...2c6b : read               looks; phone numbers and emails masked
//
//   read     every page and the lint check
//   operate  pause and resume campaigns (recorded at the orchestrator on the operator's behalf)
//   pii      phone numbers and email addresses shown in clear
//
// With no token configured the console is open (loopback only): every caller is "local" with
// read and operate, and personal data stays masked.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "blend/common/secret.h"

namespace blend::console {

struct Operator {
  std::string name;
  bool read = false;
  bool operate = false;
  bool pii = false;
};

struct OperatorToken {
  std::string sha256_hex;  // lower-case hex of SHA-256(token)
  Operator op;
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Entries separated by newlines or ';'; blank lines and '#' comments skipped. InvalidArgument
// naming the line number (never a hash) for a malformed entry or an unknown scope.
absl::StatusOr<std::vector<OperatorToken>> ParseOperatorTokens(std::string_view text);

class OperatorAuth {
 public:
  // Reads `tokens_file` (optional) and `inline_tokens` (optional, same syntax).
  static absl::StatusOr<std::unique_ptr<OperatorAuth>> Create(const std::string& tokens_file,
                                                              const Secret& inline_tokens);
  static std::unique_ptr<OperatorAuth> FromTokens(std::vector<OperatorToken> tokens);

  bool open() const { return by_hash_.empty(); }
  // `authorization` is the raw header ("Bearer <token>", "" if absent). Unauthenticated when
  // tokens are configured and the token is missing or unknown.
  absl::StatusOr<Operator> Authenticate(std::string_view authorization) const;

 private:
  absl::flat_hash_map<std::string, Operator> by_hash_;
};

// The start-up rule: the console shows customers' journeys and pauses campaigns, so off
// loopback it needs operator tokens and TLS in front of it; this build serves plain HTTP, so
// it listens on loopback only. FailedPrecondition with the fix otherwise.
absl::Status CheckConsoleAddress(std::string_view http_addr);

}  // namespace blend::console
