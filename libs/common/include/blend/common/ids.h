#pragma once

#include <compare>
#include <ostream>
#include <string>
#include <utility>

#include "absl/hash/hash.h"

namespace blend {

// A string id that cannot be mixed up with an id of another kind.
template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend auto operator<=>(const StrongId&, const StrongId&) = default;
  friend bool operator==(const StrongId&, const StrongId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const StrongId& id) {
    return H::combine(std::move(h), id.value_);
  }
  friend std::ostream& operator<<(std::ostream& os, const StrongId& id) { return os << id.value_; }

 private:
  std::string value_;
};

using JourneyId = StrongId<struct JourneyIdTag>;
using TouchId = StrongId<struct TouchIdTag>;
using CustomerId = StrongId<struct CustomerIdTag>;
using CampaignId = StrongId<struct CampaignIdTag>;
using MessageId = StrongId<struct MessageIdTag>;

// A random RFC 4122 version-4 UUID string, for message ids and journey ids. Uses a
// process-wide random generator; pure code must take ids from its caller instead.
std::string NewUuid();

}  // namespace blend
