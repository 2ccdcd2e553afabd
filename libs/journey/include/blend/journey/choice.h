#pragma once

// Choice state rules of Amazon States Language: every comparison operator (String*, Numeric*,
// Boolean*, Timestamp*, their *Path forms, StringMatches, Is*) and And / Or / Not.
// Compiled once, evaluated on a state input. Immutable after compilation.
//
// Deviation from AWS, on purpose: a Variable that names nothing makes a comparison false
// (AWS fails the execution), so `$.paymentStatus` absent from the facts falls to Default.

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
  enum class Type { kString, kNumeric, kBoolean, kTimestamp, kIsNull, kIsPresent, kIsNumeric,
                    kIsString, kIsBoolean, kIsTimestamp, kStringMatches };
  enum class Cmp { kEq, kLt, kGt, kLe, kGe };

  Kind kind = Kind::kCompare;
  std::vector<ChoiceRule> children;  // And / Or / Not
  std::optional<ReferencePath> variable;
  Type type = Type::kString;
  Cmp cmp = Cmp::kEq;
  nlohmann::json operand;                    // literal operand
  std::optional<ReferencePath> operand_path; // the *Path forms
  std::string next;                          // top-level rules only

  // Compiles one rule; problems go to `problems` with pointers below `pointer`.
  // `top_level` rules need "Next"; nested ones must not have it.
  static std::optional<ChoiceRule> Compile(const nlohmann::json& rule, const std::string& pointer,
                                           bool top_level, std::vector<ValidationProblem>& problems);

  // `context` may be null when no path of the rule starts with `$$`.
  bool Matches(const nlohmann::json& input, const nlohmann::json* context) const;
};

// RFC 3339 timestamps as ASL uses them ("2026-11-26T18:00:00Z", offsets, fractions).
std::optional<absl::Time> ParseTimestamp(const std::string& text);

}  // namespace blend::journey
