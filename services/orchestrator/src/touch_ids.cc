#include "blend/orchestrator/touch_ids.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace blend::orchestrator {

std::string PublicTouchId(std::string_view key, std::string_view journey_id,
                          std::string_view step_touch_id) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(step_touch_id.data()), step_touch_id.size(), mac,
       &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(journey_id);
  out.push_back('/');
  for (unsigned int i = 0; i < 16 && i < len; ++i) {  // 128 bits
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

std::optional<std::string> StepTouchIdOf(std::string_view key, const journey::JourneyState& state,
                                         std::string_view public_id) {
  for (const auto& [id, run] : state.runs) {
    if (run.waiting != journey::Run::Waiting::kTask || run.touch_id.empty()) continue;
    // A touch emitted before migration 0018 carries the interpreter's name itself.
    if (run.touch_id == public_id ||
        PublicTouchId(key, state.journey_id, run.touch_id) == public_id) {
      return run.touch_id;
    }
  }
  return std::nullopt;
}

nlohmann::json WithPublicTouchId(std::string_view key, std::string_view journey_id,
                                 nlohmann::json detail) {
  if (detail.is_object()) {
    auto it = detail.find("touchId");
    if (it != detail.end() && it->is_string()) {
      *it = PublicTouchId(key, journey_id, it->get<std::string>());
    }
  }
  return detail;
}

}  // namespace blend::orchestrator
