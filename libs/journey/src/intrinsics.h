#pragma once

// The intrinsic functions of ASL (States.Format ... States.UUID): their names, argument
// counts and evaluation on already evaluated arguments. Private to libs/journey; the lexer
// and the evaluator of `.$` values are in expression.cc.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "blend/journey/expression.h"

namespace blend::journey::internal {

struct IntrinsicArity {
  size_t min = 0;
  size_t max = 0;
};

// Nullopt when `name` is no intrinsic function of the specification.
std::optional<IntrinsicArity> FindIntrinsic(std::string_view name);

// Applies `name` to `args`. `format_placeholders`: for States.Format whose template is a
// string literal, the offsets of its unescaped "{}" (escaped braces are plain text); null
// when the template came from a path (then every "{}" is a placeholder). InvalidArgument
// (ASL error States.IntrinsicFailure) with a cause when an argument breaks the rules.
absl::StatusOr<nlohmann::json> ApplyIntrinsic(const std::string& name,
                                              std::vector<nlohmann::json> args,
                                              const std::vector<size_t>* format_placeholders,
                                              const EvalContext& ctx);

}  // namespace blend::journey::internal
