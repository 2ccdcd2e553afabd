#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace blend {

// A secret (password, client secret, API token). It never prints itself, so a config struct
// can be logged whole without leaking it. Read the value only where it is used.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend std::ostream& operator<<(std::ostream& os, const Secret& s) {
    return os << (s.value_.empty() ? "<unset>" : "<redacted>");
  }

 private:
  std::string value_;
};

}  // namespace blend
