#pragma once

// Dynamic values of ASL: a `.$` field's value in Parameters / ResultSelector is a reference
// path, a context path (`$$...`) or an intrinsic function call (`States.Format(...)`).
// Expressions and payload templates are compiled once and evaluated many times; both are
// immutable after compilation and safe to share between threads.

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
// `$$`; `uuid` supplies States.UUID() values (the library has no randomness of its own).
struct EvalContext {
  const nlohmann::json& input;
  const nlohmann::json* context = nullptr;
  const std::function<std::string()>* uuid = nullptr;
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

// A payload template (Parameters, ResultSelector): a JSON object whose keys ending in ".$"
// are expressions. Nested objects are templates too; arrays and other values are copied.
class PayloadTemplate {
 public:
  // Reports every bad `.$` value into `problems` under `pointer`; the template is usable
  // only when no problem was added.
  static PayloadTemplate Compile(const nlohmann::json& tmpl, const std::string& pointer,
                                 std::vector<ValidationProblem>& problems);

  absl::StatusOr<nlohmann::json> Evaluate(const EvalContext& ctx) const;
  bool uses_context() const { return uses_context_; }

 private:
  struct Field {
    std::string key;
    std::shared_ptr<const PayloadTemplate> nested;  // set for object values
    std::shared_ptr<const Expression> expr;         // set for ".$" keys
    nlohmann::json value;                           // otherwise
  };
  std::vector<Field> fields_;
  nlohmann::json static_value_;  // when the template is not an object
  bool is_object_ = false;
  bool uses_context_ = false;
};

}  // namespace blend::journey
