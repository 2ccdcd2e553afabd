#pragma once

// Value types that cross the bus: what a producer sends and what a consumer receives.
// Plain data, copyable, no librdkafka types, so callers and tests need no Kafka headers.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace blend::bus {

// One Kafka record header. Kafka allows repeated keys and keeps their order, hence a vector.
struct Header {
  std::string key{};
  std::string value{};
  friend bool operator==(const Header&, const Header&) = default;
};
using Headers = std::vector<Header>;

// The value of the first header named `key`, if any.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view key);

// A record to publish. `key` decides the partition (same key, same partition, same order).
struct OutgoingMessage {
  std::string topic{};
  std::string key{};
  std::string payload{};
  Headers headers{};
};

// Where the broker stored a record (valid only when its delivery succeeded).
struct DeliveryReport {
  std::string topic{};
  int32_t partition = -1;
  int64_t offset = -1;
};

// A record received by a Consumer. A null key or payload arrives as an empty string.
struct Message {
  std::string topic{};
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key{};
  std::string payload{};
  Headers headers{};
  absl::Time timestamp = absl::InfinitePast();  // InfinitePast when the broker sent none.
  // Which assignment of its partition delivered it (Consumer::StillAssigned compares it with
  // the current one): a record held across a rebalance may belong to another member by now.
  uint64_t assignment = 0;
};

struct TopicPartition {
  std::string topic{};
  int32_t partition = -1;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
  friend std::ostream& operator<<(std::ostream& os, const TopicPartition& tp) {
    return os << tp.topic << "[" << tp.partition << "]";
  }
};

}  // namespace blend::bus
