#pragma once

// The Kafka side of the worker loop behind a small interface, so the loop's backpressure and
// rebalance handling is tested with a fake in milliseconds; KafkaTouchQueue is the real one.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/bus/message.h"
#include "blend/common/clock.h"

namespace blend::bus {
class Consumer;
class Producer;
}  // namespace blend::bus

namespace blend::worker {

class TouchQueue {
 public:
  virtual ~TouchQueue() = default;
  // The next touch message, or nullopt when none came within `timeout`.
  virtual std::optional<bus::Message> Poll(absl::Duration timeout) = 0;
  virtual absl::Status Commit(const bus::Message& message) = 0;
  // Stop and restart fetching on every partition this member owns now or later.
  virtual absl::Status PauseAll() = 0;
  virtual absl::Status ResumeAll() = 0;
  // False once the partition that delivered `message` was revoked (see bus::Consumer).
  virtual bool StillAssigned(const bus::Message& message) const = 0;
  // Partitions this member owns now.
  virtual int AssignedPartitions() const = 0;
  // Records on this member's partitions not handed out yet.
  virtual absl::StatusOr<int64_t> Lag() = 0;
  // Publishes one record and waits for the broker's acknowledgement.
  virtual absl::Status Publish(std::string_view topic, std::string_view key,
                               std::string_view payload) = 0;
  // Enqueues one record; `done` runs once with the broker's answer, on any thread. A non-OK
  // return means nothing was enqueued and `done` will not run.
  virtual absl::Status PublishAsync(std::string_view topic, std::string_view key,
                                    std::string_view payload,
                                    std::function<void(absl::Status)> done) = 0;
  // Copies `message` to its dead-letter topic with `reason`, acknowledged.
  virtual absl::Status DeadLetter(const bus::Message& message, std::string_view reason) = 0;
};

class KafkaTouchQueue final : public TouchQueue {
 public:
  KafkaTouchQueue(bus::Consumer& consumer, bus::Producer& producer, const Clock& clock)
      : consumer_(consumer), producer_(producer), clock_(clock) {}
  std::optional<bus::Message> Poll(absl::Duration timeout) override;
  absl::Status Commit(const bus::Message& message) override;
  absl::Status PauseAll() override;
  absl::Status ResumeAll() override;
  bool StillAssigned(const bus::Message& message) const override;
  int AssignedPartitions() const override;
  absl::StatusOr<int64_t> Lag() override;
  absl::Status Publish(std::string_view topic, std::string_view key,
                       std::string_view payload) override;
  absl::Status PublishAsync(std::string_view topic, std::string_view key, std::string_view payload,
                            std::function<void(absl::Status)> done) override;
  absl::Status DeadLetter(const bus::Message& message, std::string_view reason) override;

 private:
  bus::Consumer& consumer_;
  bus::Producer& producer_;
  const Clock& clock_;
};

}  // namespace blend::worker
