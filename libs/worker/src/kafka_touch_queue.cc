#include "blend/bus/consumer.h"
#include "blend/bus/dead_letter.h"
#include "blend/bus/producer.h"
#include "blend/worker/touch_queue.h"

namespace blend::worker {

std::optional<bus::Message> KafkaTouchQueue::Poll(absl::Duration timeout) {
  return consumer_.Poll(timeout);
}
absl::Status KafkaTouchQueue::Commit(const bus::Message& message) {
  return consumer_.Commit(message);
}
absl::Status KafkaTouchQueue::PauseAll() { return consumer_.PauseAll(); }
absl::Status KafkaTouchQueue::ResumeAll() { return consumer_.ResumeAll(); }
bool KafkaTouchQueue::StillAssigned(const bus::Message& message) const {
  return consumer_.StillAssigned(message);
}
int KafkaTouchQueue::AssignedPartitions() const {
  return static_cast<int>(consumer_.Assignment().size());
}
absl::StatusOr<int64_t> KafkaTouchQueue::Lag() { return consumer_.Lag(); }
absl::Status KafkaTouchQueue::Publish(std::string_view topic, std::string_view key,
                                      std::string_view payload) {
  return producer_.ProduceSync(topic, key, payload);
}
absl::Status KafkaTouchQueue::PublishAsync(std::string_view topic, std::string_view key,
                                           std::string_view payload,
                                           std::function<void(absl::Status)> done) {
  bus::OutgoingMessage message{std::string(topic), std::string(key), std::string(payload), {}};
  return producer_.Produce(
      message, [done = std::move(done)](absl::Status status, const bus::DeliveryReport&) {
        done(std::move(status));
      });
}
absl::Status KafkaTouchQueue::DeadLetter(const bus::Message& message, std::string_view reason) {
  return bus::DeadLetter(producer_, message, reason, clock_);
}

}  // namespace blend::worker
