#include "blend/genesys/contact_id.h"

#include <openssl/sha.h>

#include <array>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace blend::genesys {
namespace {

// The 16 bytes of a canonical UUID text (no validation: only used on the constant above).
std::string UuidBytes(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c != '-') hex += c;
  }
  return absl::HexStringToBytes(hex);
}

}  // namespace

std::string ContactIdForTouch(std::string_view touch_id) {
  std::string name = UuidBytes(kBlendContactIdNamespace);
  name.append(touch_id.data(), touch_id.size());
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest.data());
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC 9562 variant
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest.data()), 16));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

}  // namespace blend::genesys
