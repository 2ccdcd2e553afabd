#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace blend::blendctl {

// The whole file, or nullopt when it cannot be read.
inline std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace blend::blendctl
