#include "blend/email_worker/unsubscribe_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace blend::email_worker {
namespace {

constexpr unsigned char kVersion = 1;
constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;
constexpr char kAad[] = "blend-unsubscribe-v1";
constexpr char kKeyLabel[] = "blend unsubscribe token key v1";

std::string Hmac(const std::string& key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// AES-256-GCM; returns nonce | ciphertext | tag.
std::string Seal(const std::string& key, const std::string& plaintext) {
  std::string nonce(kNonce, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(kNonce));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out = nonce;
  out.resize(kNonce + plaintext.size() + kTag);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + kNonce;
  int len = 0;
  int total = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key), U(nonce));
  EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(kAad),
                    sizeof(kAad) - 1);
  EVP_EncryptUpdate(ctx.get(), cipher, &len, U(plaintext), static_cast<int>(plaintext.size()));
  total = len;
  EVP_EncryptFinal_ex(ctx.get(), cipher + total, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag),
                      cipher + plaintext.size());
  return out;
}

// The plaintext, or false when the tag does not verify (another key, altered bytes).
bool Open(const std::string& key, std::string_view sealed, std::string* plaintext) {
  const std::string nonce(sealed.substr(0, kNonce));
  const std::string cipher(sealed.substr(kNonce, sealed.size() - kNonce - kTag));
  std::string tag(sealed.substr(sealed.size() - kTag));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  plaintext->assign(cipher.size(), '\0');
  int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(plaintext->data());
  return EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key), U(nonce)) == 1 &&
         EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(kAad),
                           sizeof(kAad) - 1) == 1 &&
         EVP_DecryptUpdate(ctx.get(), out, &len, U(cipher), static_cast<int>(cipher.size())) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag), tag.data()) ==
             1 &&
         EVP_DecryptFinal_ex(ctx.get(), out + len, &len) == 1;
}

bool IsString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string();
}

}  // namespace

namespace internal {

std::string SerializeClaims(const UnsubscribeClaims& c, absl::Time expires_at) {
  return nlohmann::json{{"c", c.customer_id},
                        {"e", c.email},
                        {"t", c.touch_id},
                        {"x", absl::ToUnixSeconds(expires_at)}}
      // Ids and addresses come from outside: bytes that are not UTF-8 become U+FFFD instead
      // of throwing (proto strings are UTF-8 already).
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<std::pair<UnsubscribeClaims, absl::Time>> ParseClaims(std::string_view plaintext) {
  nlohmann::json j = nlohmann::json::parse(plaintext, nullptr, false);
  if (!j.is_object() || !IsString(j, "c") || !IsString(j, "e") || !IsString(j, "t") ||
      !j.contains("x") || !j["x"].is_number_integer()) {
    return absl::InvalidArgumentError("malformed unsubscribe token payload");
  }
  return std::make_pair(UnsubscribeClaims{j["c"].get<std::string>(), j["e"].get<std::string>(),
                                          j["t"].get<std::string>()},
                        absl::FromUnixSeconds(j["x"].get<int64_t>()));
}

}  // namespace internal

UnsubscribeTokens::UnsubscribeTokens(Secret secret, const Clock& clock,
                                     UnsubscribeTokenOptions options)
    : key_(Hmac(secret.Reveal(), kKeyLabel)),
      secret_(std::move(secret)),
      clock_(clock),
      options_(options) {}

std::string UnsubscribeTokens::Sign(const UnsubscribeClaims& claims) const {
  std::string token(1, static_cast<char>(kVersion));
  token += Seal(key_, internal::SerializeClaims(claims, clock_.Now() + options_.ttl));
  return absl::WebSafeBase64Escape(token);
}

absl::StatusOr<UnsubscribeClaims> UnsubscribeTokens::Verify(std::string_view token) const {
  if (token.find('.') != std::string_view::npos) return VerifyLegacy(token);
  std::string raw;
  if (!absl::WebSafeBase64Unescape(std::string(token), &raw) ||
      raw.size() < 1 + kNonce + kTag + 1 || static_cast<unsigned char>(raw[0]) != kVersion) {
    return absl::InvalidArgumentError("malformed unsubscribe token");
  }
  std::string plaintext;
  if (!Open(key_, std::string_view(raw).substr(1), &plaintext)) {
    return absl::PermissionDeniedError("unsubscribe token was not issued under this secret");
  }
  auto parsed = internal::ParseClaims(plaintext);
  if (!parsed.ok()) return parsed.status();
  if (clock_.Now() >= parsed->second) {
    return absl::FailedPreconditionError("unsubscribe token expired");
  }
  return parsed->first;
}

absl::StatusOr<UnsubscribeClaims> UnsubscribeTokens::VerifyLegacy(std::string_view token) const {
  std::vector<std::string> parts = absl::StrSplit(std::string(token), '.');
  std::string payload, signature;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &payload) ||
      !absl::WebSafeBase64Unescape(parts[1], &signature)) {
    return absl::InvalidArgumentError("malformed unsubscribe token");
  }
  std::string expected = Hmac(secret_.Reveal(), parts[0]);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError("unsubscribe token signature does not match");
  }
  if (!options_.accept_legacy) {
    return absl::FailedPreconditionError("unsubscribe link of the old format expired");
  }
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !IsString(j, "c") || !IsString(j, "e")) {
    return absl::InvalidArgumentError("malformed unsubscribe token payload");
  }
  return UnsubscribeClaims{j["c"].get<std::string>(), j["e"].get<std::string>(),
                           IsString(j, "t") ? j["t"].get<std::string>() : std::string()};
}

std::string UnsubscribeTokens::Link(const std::string& base_url,
                                    const UnsubscribeClaims& claims) const {
  return absl::StrCat(base_url, "/unsubscribe?token=", Sign(claims));
}

}  // namespace blend::email_worker
