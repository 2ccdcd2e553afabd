#pragma once

// Choice state rules of Amazon States Language: every comparison operator (String*, Numeric*,
// Boolean*, Timestamp*, their *Path forms, StringMatches, Is*) and And / Or / Not.
// Compiled once, evaluated on a state input. Immutable after compilation.
//
// A Variable (or the path of a *Path operator) that names nothing: AWS fails the execution
// with States.Runtime; `Evaluate(..., strict = true, ...)` reports it so the interpreter can.
// Leniently (`Matches`, or the campaign policy "choiceOnMissingVariable": "default") such a
// comparison is false, so `$.paymentStatus` absent from the facts falls to Default.
// Type tests (IsPresent, IsNull, IsString, ...) never fail on a missing value.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "blend/journey/json_path.h"
#include "blend/journey/problem.h"

namespace blend::journey {

struct ChoiceRule {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  enum class Type {
    kString,
    kNumeric,
    kBoolean,
    kTimestamp,
    kIsNull,
    kIsPresent,
    kIsNumeric,
    kIsString,
    kIsBoolean,
    kIsTimestamp,
    kStringMatches
  };
  enum class Cmp { kEq, kLt, kGt, kLe, kGe };

  Kind kind = Kind::kCompare;
  std::vector<ChoiceRule> children;  // And / Or / Not
  std::optional<ReferencePath> variable;
  Type type = Type::kString;
  Cmp cmp = Cmp::kEq;
  nlohmann::json operand;                     // literal operand
  std::optional<ReferencePath> operand_path;  // the *Path forms
  std::string next;                           // top-level rules only

  // Compiles one rule; problems go to `problems` with pointers below `pointer`.
  // `top_level` rules need "Next"; nested ones must not have it.
  static std::optional<ChoiceRule> Compile(const nlohmann::json& rule, const std::string& pointer,
                                           bool top_level,
                                           std::vector<ValidationProblem>& problems);

  // `context` may be null when no path of the rule starts with `$$`. Lenient: a comparison on
  // a path that names nothing is false.
  bool Matches(const nlohmann::json& input, const nlohmann::json* context) const;
  // Strict (`strict`): nullopt when a comparison reads a path that names nothing (AWS raises
  // States.Runtime), with the path's text in `*missing` (when not null). Rules are evaluated
  // left to right and stop at the first that decides, as And / Or do on AWS.
  std::optional<bool> Evaluate(const nlohmann::json& input, const nlohmann::json* context,
                               bool strict, std::string* missing) const;
};

// RFC 3339 timestamps as ASL requires them: "2026-11-26T18:00:00Z", an offset ("+02:00") or
// fractions allowed; upper-case 'T' and 'Z' only (the specification says MUST).
std::optional<absl::Time> ParseTimestamp(const std::string& text);

}  // namespace blend::journey
