// The one mapping between the status enums and their stored text (statuses.h).

#include "blend/orchestrator/statuses.h"

#include <array>
#include <utility>

#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {
namespace {

constexpr std::array<std::pair<TouchStatus, std::string_view>, 7> kTouchStatusTexts = {{
    {TouchStatus::kPending, "pending"},
    {TouchStatus::kClaimed, "claimed"},
    {TouchStatus::kRefused, "refused"},
    {TouchStatus::kDeferred, "deferred"},
    {TouchStatus::kSent, "sent"},
    {TouchStatus::kDone, "done"},
    {TouchStatus::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view TouchStatusText(TouchStatus status) {
  for (const auto& [s, text] : kTouchStatusTexts) {
    if (s == status) return text;
  }
  return "";  // unreachable: every enumerator is in the table (statuses_test.cc)
}

std::optional<TouchStatus> TouchStatusFromText(std::string_view text) {
  for (const auto& [s, t] : kTouchStatusTexts) {
    if (t == text) return s;
  }
  return std::nullopt;
}

std::string JourneyStatusText(int16_t status) {
  std::string name = blend::v1::JourneyStatus_Name(static_cast<blend::v1::JourneyStatus>(status));
  constexpr std::string_view kPrefix = "JOURNEY_STATUS_";
  return name.rfind(kPrefix, 0) == 0 ? name.substr(kPrefix.size()) : name;
}

}  // namespace blend::orchestrator
