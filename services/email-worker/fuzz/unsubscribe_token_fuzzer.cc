// Fuzz target for the unsubscribe token decoder: tokens arrive in URLs from anyone. Built two
// ways (blend_fuzzer in cmake/BlendHelpers.cmake): a standalone runner over fuzz/corpus
// (CTest, label unit), or with clang and -DBLEND_LIBFUZZER=ON a libFuzzer binary.
// Invariants beyond "does not crash": no input opens without the key; the sealed payload
// round-trips; a token issued for any claims opens to the same claims.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "blend/email_worker/unsubscribe_token.h"
#include "nlohmann/json.hpp"

namespace {

bool IsUtf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace blend::email_worker;
  static blend::FakeClock clock;
  static const UnsubscribeTokens tokens(blend::Secret("fuzz-key"), clock);
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. Arbitrary text as a token (new and legacy formats): refused, never a crash. A forged
  //    token opening would need the key (or an AES-GCM forgery).
  absl::StatusOr<UnsubscribeClaims> opened = tokens.Verify(input);
  if (opened.ok() && input.find('.') == std::string_view::npos) __builtin_trap();

  // 2. Arbitrary text as the sealed payload: what parses serializes back to the same claims.
  auto parsed = internal::ParseClaims(input);
  if (parsed.ok()) {
    auto again = internal::ParseClaims(internal::SerializeClaims(parsed->first, parsed->second));
    if (!again.ok() || again->first.customer_id != parsed->first.customer_id ||
        again->first.email != parsed->first.email || again->second != parsed->second) {
      __builtin_trap();
    }
  }

  // 3. Claims made of the input: a token issued for them opens to them.
  const size_t third = size / 3;
  UnsubscribeClaims claims{std::string(input.substr(0, third)),
                           std::string(input.substr(third, third)),
                           std::string(input.substr(2 * third))};
  absl::StatusOr<UnsubscribeClaims> back = tokens.Verify(tokens.Sign(claims));
  if (!back.ok()) __builtin_trap();
  if (IsUtf8(claims.customer_id) && IsUtf8(claims.email) && IsUtf8(claims.touch_id) &&
      (back->customer_id != claims.customer_id || back->email != claims.email ||
       back->touch_id != claims.touch_id)) {
    __builtin_trap();
  }
  return 0;
}
