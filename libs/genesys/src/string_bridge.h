#pragma once

// Debian's Abseil is built with its own absl::string_view and absl::optional (not the std
// ones), so std::string_view values need an explicit bridge into absl string functions.

#include <string_view>

#include "absl/strings/string_view.h"

namespace blend::genesys::internal {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view StdSv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace blend::genesys::internal
