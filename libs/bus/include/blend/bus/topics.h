#pragma once

// Blend's Kafka topics (architecture.md) and the admin helper that creates them.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/bus/security.h"
#include "blend/common/channel.h"

namespace blend::bus {

inline constexpr std::string_view kTopicTouchSms = "blend.touch.sms";
inline constexpr std::string_view kTopicTouchVoice = "blend.touch.voice";
inline constexpr std::string_view kTopicTouchEmail = "blend.touch.email";
inline constexpr std::string_view kTopicDispositions = "blend.dispositions";
inline constexpr std::string_view kTopicCustomerEvents = "blend.customer-events";

// The touch topic a channel's worker consumes.
std::string_view TouchTopic(Channel channel);

// The five topics above followed by their five ".dlq" topics.
std::vector<std::string> BlendTopics();

// Creates every topic in `names` that does not exist yet, with `partitions` partitions and the
// broker's default replication factor, and waits until the controller has created them. A topic
// that already exists is left as it is (even with another partition count) and is not an error.
// kUnavailable when the broker cannot be reached within `timeout`; kInvalidArgument for a bad
// name or partition count.
absl::Status EnsureTopics(std::string_view brokers, const std::vector<std::string>& names,
                          int partitions, absl::Duration timeout = absl::Seconds(30));
// The same over a TLS / SASL connection (security.h).
absl::Status EnsureTopics(std::string_view brokers, const KafkaSecurity& security,
                          const std::vector<std::string>& names, int partitions,
                          absl::Duration timeout = absl::Seconds(30));

}  // namespace blend::bus
