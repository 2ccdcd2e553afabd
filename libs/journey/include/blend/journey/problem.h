#pragma once

#include <string>
#include <vector>

namespace blend::journey {

// One problem found in a campaign or definition: a JSON pointer (RFC 6901) into the document
// that was given, and a message an author understands.
struct ValidationProblem {
  std::string pointer;
  std::string message;
  friend bool operator==(const ValidationProblem&, const ValidationProblem&) = default;
};

// "/States" + "Send/SMS" -> "/States/Send~1SMS".
std::string PointerAppend(const std::string& base, const std::string& token);
std::string PointerAppend(const std::string& base, size_t index);

}  // namespace blend::journey
