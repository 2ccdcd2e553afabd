#pragma once

#include <optional>
#include <string_view>

namespace blend {

// A channel through which Blend touches a customer (mirrors blend.v1.Channel).
enum class Channel { kSms, kVoice, kEmail };

inline constexpr Channel kAllChannels[] = {Channel::kSms, Channel::kVoice, Channel::kEmail};

// "sms", "voice", "email".
constexpr std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kSms:
      return "sms";
    case Channel::kVoice:
      return "voice";
    case Channel::kEmail:
      return "email";
  }
  return "unknown";
}

constexpr std::optional<Channel> ParseChannel(std::string_view name) {
  for (Channel c : kAllChannels) {
    if (ChannelName(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace blend
