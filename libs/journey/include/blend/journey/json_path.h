#pragma once

// The reference-path subset of JSONPath that Amazon States Language allows: `$`, `.name`,
// `['name']` and `[index]` segments, each path naming at most one node. Paths starting with
// `$$` address the context object instead of the state input. Pure and thread-compatible.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace blend::journey {

class ReferencePath {
 public:
  using Segment = std::variant<std::string, size_t>;  // object key or array index

  // Parses "$.a.b[0]['c d']" (or "$$.State.Name"). InvalidArgument explains the first syntax
  // error, e.g. wildcards and filters, which ASL does not allow in a reference path.
  static absl::StatusOr<ReferencePath> Parse(std::string_view text);

  bool is_context() const { return context_; }
  bool is_root() const { return segments_.empty(); }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::string& text() const { return text_; }

  // The node the path names, or nullptr when it does not exist.
  const nlohmann::json* Find(const nlohmann::json& root) const;

  // Writes `value` at the path (ResultPath semantics): missing objects on the way are
  // created; InvalidArgument when the path crosses a non-object or an index out of range.
  absl::Status Set(nlohmann::json& root, nlohmann::json value) const;

 private:
  std::string text_;
  bool context_ = false;
  std::vector<Segment> segments_;
};

}  // namespace blend::journey
