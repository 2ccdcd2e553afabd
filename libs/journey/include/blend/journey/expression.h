#pragma once

// Dynamic values of ASL: a `.$` field's value in Parameters / ResultSelector is a reference
// path, a context path (`$$...`) or an intrinsic function call (`States.Format(...)`).
// Expressions and payload templates are compiled once and evaluated many times; both are
// immutable after compilation and safe to share between threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "blend/journey/json_path.h"
#include "blend/journey/problem.h"

namespace blend::journey {

// What an expression may read. `context` may be null when no expression of the state uses
// `$$`. The library has no randomness of its own: `uuid` supplies States.UUID() values and
// `random` the 64 random bits behind each States.MathRandom without a seed argument (the
// interpreter derives both from the journey's seed, the state and its step counter, and
// records what it handed out in history).
struct EvalContext {
  const nlohmann::json& input;
  const nlohmann::json* context = nullptr;
  const std::function<std::string()>* uuid = nullptr;
  const std::function<uint64_t()>* random = nullptr;
};

class Expression {
 public:
  struct Node;

  // Parses "$.a", "$$.Execution.Id" or "States.Format('Hi {}', $.name)".
  static absl::StatusOr<Expression> Parse(std::string_view text);

  // NotFound when a path names nothing; InvalidArgument when an intrinsic fails
  // (ASL error States.IntrinsicFailure); FailedPrecondition when no context was supplied.
  absl::StatusOr<nlohmann::json> Evaluate(const EvalContext& ctx) const;

  bool uses_context() const { return uses_context_; }

 private:
  std::shared_ptr<const Node> root_;
  bool uses_context_ = false;
};

// A payload template (Parameters, ResultSelector, ItemSelector): a JSON value in which every
// object field whose name ends in ".$" is an expression, however deeply nested, objects inside
// arrays included. Parts without such fields are copied as they are.
class PayloadTemplate {
 public:
  // Reports every bad `.$` value into `problems` under `pointer`; the template is usable
  // only when no problem was added.
  static PayloadTemplate Compile(const nlohmann::json& tmpl, const std::string& pointer,
                                 std::vector<ValidationProblem>& problems);

  absl::StatusOr<nlohmann::json> Evaluate(const EvalContext& ctx) const;
  bool uses_context() const { return uses_context_; }

 private:
  // An object field or an array element (then `key` is unused).
  struct Field {
    std::string key;
    std::shared_ptr<const PayloadTemplate> nested;  // set for values holding ".$" fields
    std::shared_ptr<const Expression> expr;         // set for ".$" keys
    nlohmann::json value;                           // otherwise
  };
  enum class Kind { kStatic, kObject, kArray };
  std::vector<Field> fields_;
  nlohmann::json static_value_;  // kStatic
  Kind kind_ = Kind::kStatic;
  bool uses_context_ = false;
};

}  // namespace blend::journey
