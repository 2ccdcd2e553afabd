#pragma once

// The dead-letter path: a message that cannot be processed (unparseable, refers to nothing)
// is copied to `<topic>.dlq` with the reason, then committed, so it never blocks its partition.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "blend/bus/message.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"

namespace blend::bus {

// Headers added to every dead-lettered record (after the original record's own headers).
inline constexpr std::string_view kDlqOriginalTopic = "blend.dlq.original-topic";
inline constexpr std::string_view kDlqOriginalPartition = "blend.dlq.original-partition";
inline constexpr std::string_view kDlqOriginalOffset = "blend.dlq.original-offset";
inline constexpr std::string_view kDlqReason = "blend.dlq.reason";
inline constexpr std::string_view kDlqTime = "blend.dlq.time";  // RFC 3339, UTC

// "<topic>.dlq".
std::string DeadLetterTopic(std::string_view topic);

// The record DeadLetter publishes: same key and payload as `message`, its headers plus the
// blend.dlq.* headers above. Pure; exposed for tests and for callers that batch.
OutgoingMessage MakeDeadLetter(const Message& message, std::string_view reason, absl::Time now);

// Publishes MakeDeadLetter(message, reason, clock.Now()) and waits for the acknowledgement.
// The caller commits the original message only when this returns OK (otherwise kUnavailable
// etc. from the producer: retry, the original stays uncommitted).
absl::Status DeadLetter(Producer& producer, const Message& message, std::string_view reason,
                        const Clock& clock = RealClock::Instance());

}  // namespace blend::bus
