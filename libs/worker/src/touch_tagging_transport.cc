#include "blend/worker/touch_tagging_transport.h"

namespace blend::worker {
namespace {

thread_local std::string current_touch_id;

}  // namespace

ScopedTouchId::ScopedTouchId(std::string touch_id) : previous_(std::move(current_touch_id)) {
  current_touch_id = std::move(touch_id);
}

ScopedTouchId::~ScopedTouchId() { current_touch_id = std::move(previous_); }

const std::string& ScopedTouchId::Current() { return current_touch_id; }

absl::StatusOr<genesys::HttpResponse> TouchTaggingTransport::Send(
    const genesys::HttpRequest& request) {
  const std::string& touch_id = ScopedTouchId::Current();
  if (touch_id.empty()) return inner_.Send(request);
  genesys::HttpRequest tagged = request;
  tagged.headers.emplace_back(kTouchIdHeader, touch_id);
  return inner_.Send(tagged);
}

}  // namespace blend::worker
