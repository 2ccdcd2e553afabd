#include "blend/bus/message.h"

namespace blend::bus {

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view key) {
  for (const Header& h : headers) {
    if (h.key == key) return std::string_view(h.value);
  }
  return std::nullopt;
}

}  // namespace blend::bus
