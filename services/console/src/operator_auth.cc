#include "blend/console/operator_auth.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "blend/common/transport_security.h"

namespace blend::console {

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

namespace {

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status ParseScopes(absl::string_view text, Operator& op, int line) {
  for (absl::string_view scope : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    scope = absl::StripAsciiWhitespace(scope);
    if (scope == "read") {
      op.read = true;
    } else if (scope == "operate") {
      op.operate = true;
    } else if (scope == "pii") {
      op.pii = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("operator token entry ", line, " (", op.name,
                                                     "): unknown scope '", scope,
                                                     "' (read, operate, pii)"));
    }
  }
  if (!op.read && !op.operate && !op.pii) {
    return absl::InvalidArgumentError(
        absl::StrCat("operator token entry ", line, " (", op.name, "): no scope"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<OperatorToken>> ParseOperatorTokens(std::string_view text) {
  std::vector<OperatorToken> out;
  int line = 0;
  for (absl::string_view entry :
       absl::StrSplit(absl::string_view(text.data(), text.size()), absl::ByAnyChar("\n;"))) {
    ++line;
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty() || entry.front() == '#') continue;
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("operator token entry ", line, ": expected 'name : sha256-hex : scopes'"));
    }
    OperatorToken token;
    token.op.name = std::string(absl::StripAsciiWhitespace(parts[0]));
    token.sha256_hex = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[1]));
    if (token.op.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("operator token entry ", line, ": no name"));
    }
    if (!IsSha256Hex(token.sha256_hex)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "operator token entry ", line, " (", token.op.name, "): the hash is not 64 hex digits"));
    }
    if (absl::Status st = ParseScopes(parts[2], token.op, line); !st.ok()) return st;
    out.push_back(std::move(token));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<OperatorAuth>> OperatorAuth::Create(const std::string& tokens_file,
                                                                   const Secret& inline_tokens) {
  std::vector<OperatorToken> all;
  if (!tokens_file.empty()) {
    std::ifstream in(tokens_file);
    if (!in) return absl::NotFoundError("cannot read --operator-tokens-file " + tokens_file);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParseOperatorTokens(text.str());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(tokens_file, ": ", parsed.status().message()));
    }
    all = std::move(*parsed);
  }
  if (!inline_tokens.empty()) {
    auto parsed = ParseOperatorTokens(inline_tokens.Reveal());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--operator-tokens: ", parsed.status().message()));
    }
    for (OperatorToken& t : *parsed) all.push_back(std::move(t));
  }
  return FromTokens(std::move(all));
}

std::unique_ptr<OperatorAuth> OperatorAuth::FromTokens(std::vector<OperatorToken> tokens) {
  auto auth = std::unique_ptr<OperatorAuth>(new OperatorAuth());
  for (OperatorToken& t : tokens) auth->by_hash_[t.sha256_hex] = std::move(t.op);
  return auth;
}

absl::StatusOr<Operator> OperatorAuth::Authenticate(std::string_view authorization) const {
  if (open()) return Operator{.name = "local", .read = true, .operate = true, .pii = false};
  absl::string_view token(authorization.data(), authorization.size());
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty()) {
    return absl::UnauthenticatedError("sign in with an operator token");
  }
  auto it = by_hash_.find(Sha256Hex(std::string_view(token.data(), token.size())));
  if (it == by_hash_.end()) return absl::UnauthenticatedError("unknown operator token");
  return it->second;
}

absl::Status CheckConsoleAddress(std::string_view http_addr) {
  if (IsLoopbackHostPort(http_addr)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to start: --http-addr ", std::string(http_addr),
      " is not a loopback address; the console shows customers' journeys and pauses "
      "campaigns, and serves plain HTTP, so it listens on loopback only (such as "
      "127.0.0.1:7490); operators elsewhere reach it through a TLS tunnel or proxy on this "
      "machine, signing in with --operator-tokens-file tokens"));
}

}  // namespace blend::console
