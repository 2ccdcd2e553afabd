// The one mapping between the status enums and their stored forms (statuses.h).

#include "blend/orchestrator/statuses.h"

#include <array>
#include <utility>

#include "blend/orchestrator/codec.h"
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

// The stored numbers are blend.v1.JourneyStatus's (codec.h maps both ways), so the API and
// the column agree.
static_assert(blend::v1::JOURNEY_STATUS_RUNNING == kRunningJourneyCode,
              "SQL that finds running journeys writes `status = 1`");

int16_t JourneyStatusCode(journey::JourneyStatus status) {
  // kNotStarted is never stored: a journey is written once its first step ran.
  return static_cast<int16_t>(ToProto(status));
}

std::optional<journey::JourneyStatus> JourneyStatusFromCode(int16_t code) {
  if (!blend::v1::JourneyStatus_IsValid(code)) return std::nullopt;
  return FromProto(static_cast<blend::v1::JourneyStatus>(code));
}

std::string JourneyStatusText(journey::JourneyStatus status) {
  return std::string(journey::JourneyStatusName(status));
}

}  // namespace blend::orchestrator
