#include "blend/bus/dead_letter.h"

#include "absl/strings/str_cat.h"

namespace blend::bus {

std::string DeadLetterTopic(std::string_view topic) { return std::string(topic) + ".dlq"; }

OutgoingMessage MakeDeadLetter(const Message& message, std::string_view reason, absl::Time now) {
  OutgoingMessage out{DeadLetterTopic(message.topic), message.key, message.payload,
                      message.headers};
  out.headers.push_back({std::string(kDlqOriginalTopic), message.topic});
  out.headers.push_back({std::string(kDlqOriginalPartition), absl::StrCat(message.partition)});
  out.headers.push_back({std::string(kDlqOriginalOffset), absl::StrCat(message.offset)});
  out.headers.push_back({std::string(kDlqReason), std::string(reason)});
  out.headers.push_back(
      {std::string(kDlqTime), absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone())});
  return out;
}

absl::Status DeadLetter(Producer& producer, const Message& message, std::string_view reason,
                        const Clock& clock) {
  OutgoingMessage dlq = MakeDeadLetter(message, reason, clock.Now());
  return producer.ProduceSync(dlq.topic, dlq.key, dlq.payload, dlq.headers);
}

}  // namespace blend::bus
