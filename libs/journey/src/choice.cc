#include "blend/journey/choice.h"

#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace blend::journey {
namespace {

struct OperatorSpec {
  const char* name;
  ChoiceRule::Type type;
  ChoiceRule::Cmp cmp;
  bool is_path;
};

using T = ChoiceRule::Type;
using C = ChoiceRule::Cmp;

constexpr std::array kOperators = {
    OperatorSpec{"StringEquals", T::kString, C::kEq, false},
    OperatorSpec{"StringLessThan", T::kString, C::kLt, false},
    OperatorSpec{"StringGreaterThan", T::kString, C::kGt, false},
    OperatorSpec{"StringLessThanEquals", T::kString, C::kLe, false},
    OperatorSpec{"StringGreaterThanEquals", T::kString, C::kGe, false},
    OperatorSpec{"StringEqualsPath", T::kString, C::kEq, true},
    OperatorSpec{"StringLessThanPath", T::kString, C::kLt, true},
    OperatorSpec{"StringGreaterThanPath", T::kString, C::kGt, true},
    OperatorSpec{"StringLessThanEqualsPath", T::kString, C::kLe, true},
    OperatorSpec{"StringGreaterThanEqualsPath", T::kString, C::kGe, true},
    OperatorSpec{"StringMatches", T::kStringMatches, C::kEq, false},
    OperatorSpec{"NumericEquals", T::kNumeric, C::kEq, false},
    OperatorSpec{"NumericLessThan", T::kNumeric, C::kLt, false},
    OperatorSpec{"NumericGreaterThan", T::kNumeric, C::kGt, false},
    OperatorSpec{"NumericLessThanEquals", T::kNumeric, C::kLe, false},
    OperatorSpec{"NumericGreaterThanEquals", T::kNumeric, C::kGe, false},
    OperatorSpec{"NumericEqualsPath", T::kNumeric, C::kEq, true},
    OperatorSpec{"NumericLessThanPath", T::kNumeric, C::kLt, true},
    OperatorSpec{"NumericGreaterThanPath", T::kNumeric, C::kGt, true},
    OperatorSpec{"NumericLessThanEqualsPath", T::kNumeric, C::kLe, true},
    OperatorSpec{"NumericGreaterThanEqualsPath", T::kNumeric, C::kGe, true},
    OperatorSpec{"BooleanEquals", T::kBoolean, C::kEq, false},
    OperatorSpec{"BooleanEqualsPath", T::kBoolean, C::kEq, true},
    OperatorSpec{"TimestampEquals", T::kTimestamp, C::kEq, false},
    OperatorSpec{"TimestampLessThan", T::kTimestamp, C::kLt, false},
    OperatorSpec{"TimestampGreaterThan", T::kTimestamp, C::kGt, false},
    OperatorSpec{"TimestampLessThanEquals", T::kTimestamp, C::kLe, false},
    OperatorSpec{"TimestampGreaterThanEquals", T::kTimestamp, C::kGe, false},
    OperatorSpec{"TimestampEqualsPath", T::kTimestamp, C::kEq, true},
    OperatorSpec{"TimestampLessThanPath", T::kTimestamp, C::kLt, true},
    OperatorSpec{"TimestampGreaterThanPath", T::kTimestamp, C::kGt, true},
    OperatorSpec{"TimestampLessThanEqualsPath", T::kTimestamp, C::kLe, true},
    OperatorSpec{"TimestampGreaterThanEqualsPath", T::kTimestamp, C::kGe, true},
    OperatorSpec{"IsNull", T::kIsNull, C::kEq, false},
    OperatorSpec{"IsPresent", T::kIsPresent, C::kEq, false},
    OperatorSpec{"IsNumeric", T::kIsNumeric, C::kEq, false},
    OperatorSpec{"IsString", T::kIsString, C::kEq, false},
    OperatorSpec{"IsBoolean", T::kIsBoolean, C::kEq, false},
    OperatorSpec{"IsTimestamp", T::kIsTimestamp, C::kEq, false},
};

const OperatorSpec* FindOperator(const std::string& name) {
  for (const OperatorSpec& op : kOperators) {
    if (name == op.name) return &op;
  }
  return nullptr;
}

// Checks a literal operand's JSON type; returns an author-facing message or "".
std::string CheckOperand(const OperatorSpec& op, const nlohmann::json& v) {
  switch (op.type) {
    case T::kString:
    case T::kStringMatches:
      return v.is_string() ? "" : absl::StrCat(op.name, " needs a string value");
    case T::kNumeric:
      return v.is_number() ? "" : absl::StrCat(op.name, " needs a number value");
    case T::kTimestamp:
      if (!v.is_string()) return absl::StrCat(op.name, " needs an RFC 3339 timestamp string");
      return ParseTimestamp(v.get<std::string>())
                 ? ""
                 : absl::StrCat(op.name,
                                " needs an RFC 3339 timestamp such as "
                                "\"2026-01-31T09:00:00Z\"");
    default:
      return v.is_boolean() ? "" : absl::StrCat(op.name, " needs true or false");
  }
}

int Compare3(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

bool ApplyCmp(ChoiceRule::Cmp cmp, int c) {
  switch (cmp) {
    case C::kEq:
      return c == 0;
    case C::kLt:
      return c < 0;
    case C::kGt:
      return c > 0;
    case C::kLe:
      return c <= 0;
    case C::kGe:
      return c >= 0;
  }
  return false;
}

// ASL StringMatches: '*' matches any run of characters; '\*' and '\\' are literals.
bool WildcardMatch(const std::string& s, const std::string& pattern) {
  size_t si = 0, pi = 0, star_p = std::string::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < pattern.size() && pattern[pi] == '*') {
      star_p = pi++;
      star_s = si;
      continue;
    }
    if (pi < pattern.size()) {
      char pc = pattern[pi];
      size_t width = 1;
      if (pc == '\\' && pi + 1 < pattern.size()) {
        pc = pattern[pi + 1];
        width = 2;
      }
      if (pc == s[si]) {
        pi += width;
        ++si;
        continue;
      }
    }
    if (star_p == std::string::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < pattern.size() && pattern[pi] == '*') ++pi;
  return pi == pattern.size();
}

bool CompareValues(const ChoiceRule& r, const nlohmann::json& v, const nlohmann::json& operand) {
  switch (r.type) {
    case T::kString:
      if (!v.is_string() || !operand.is_string()) return false;
      return ApplyCmp(
          r.cmp, v.get_ref<const std::string&>().compare(operand.get_ref<const std::string&>()));
    case T::kStringMatches:
      return v.is_string() && operand.is_string() &&
             WildcardMatch(v.get<std::string>(), operand.get<std::string>());
    case T::kNumeric:
      if (!v.is_number() || !operand.is_number()) return false;
      if (v.is_number_integer() && operand.is_number_integer()) {
        int64_t a = v.get<int64_t>(), b = operand.get<int64_t>();
        return ApplyCmp(r.cmp, a < b ? -1 : (a > b ? 1 : 0));
      }
      return ApplyCmp(r.cmp, Compare3(v.get<double>(), operand.get<double>()));
    case T::kBoolean:
      return v.is_boolean() && operand.is_boolean() && v == operand;
    case T::kTimestamp: {
      if (!v.is_string() || !operand.is_string()) return false;
      auto a = ParseTimestamp(v.get<std::string>());
      auto b = ParseTimestamp(operand.get<std::string>());
      if (!a || !b) return false;
      return ApplyCmp(r.cmp, *a < *b ? -1 : (*a > *b ? 1 : 0));
    }
    default:
      return false;
  }
}

bool TypeTest(const ChoiceRule& r, const nlohmann::json* v) {
  bool want = r.operand.is_boolean() && r.operand.get<bool>();
  bool has = false;
  switch (r.type) {
    case T::kIsPresent:
      has = v != nullptr;
      break;
    case T::kIsNull:
      has = v != nullptr && v->is_null();
      break;
    case T::kIsNumeric:
      has = v != nullptr && v->is_number();
      break;
    case T::kIsString:
      has = v != nullptr && v->is_string();
      break;
    case T::kIsBoolean:
      has = v != nullptr && v->is_boolean();
      break;
    case T::kIsTimestamp:
      has = v != nullptr && v->is_string() && ParseTimestamp(v->get<std::string>()).has_value();
      break;
    default:
      break;
  }
  return has == want;
}

const nlohmann::json* Resolve(const ReferencePath& p, const nlohmann::json& input,
                              const nlohmann::json* context) {
  if (p.is_context()) return context ? p.Find(*context) : nullptr;
  return p.Find(input);
}

std::optional<ReferencePath> CompilePath(const nlohmann::json& v, const std::string& pointer,
                                         std::vector<ValidationProblem>& problems) {
  if (!v.is_string()) {
    problems.push_back({pointer, "must be a path string such as \"$.status\""});
    return std::nullopt;
  }
  auto p = ReferencePath::Parse(v.get<std::string>());
  if (!p.ok()) {
    problems.push_back({pointer, std::string(p.status().message())});
    return std::nullopt;
  }
  return *std::move(p);
}

bool CompileComparison(ChoiceRule& out, const nlohmann::json& rule, const std::string& pointer,
                       std::vector<ValidationProblem>& problems) {
  const OperatorSpec* op = nullptr;
  std::string op_name;
  bool ok = true;
  for (const auto& [key, value] : rule.items()) {
    if (key == "Variable" || key == "Next" || key == "Comment") continue;
    const OperatorSpec* found = FindOperator(key);
    if (found == nullptr) {
      problems.push_back({PointerAppend(pointer, key),
                          absl::StrCat("unknown field '", key, "' in a Choice rule")});
      ok = false;
      continue;
    }
    if (op != nullptr) {
      problems.push_back({PointerAppend(pointer, key),
                          absl::StrCat("a rule has exactly one comparison operator; '", op_name,
                                       "' is already given (combine rules with And/Or)")});
      ok = false;
      continue;
    }
    op = found;
    op_name = key;
  }
  if (op == nullptr) {
    if (ok)
      problems.push_back({pointer,
                          "a Choice rule needs a comparison operator (e.g. "
                          "StringEquals) or And/Or/Not"});
    return false;
  }
  out.type = op->type;
  out.cmp = op->cmp;
  const nlohmann::json& operand = rule.at(op_name);
  std::string op_ptr = PointerAppend(pointer, op_name);
  if (op->is_path) {
    out.operand_path = CompilePath(operand, op_ptr, problems);
    ok = ok && out.operand_path.has_value();
  } else if (std::string why = CheckOperand(*op, operand); !why.empty()) {
    problems.push_back({op_ptr, why});
    ok = false;
  } else {
    out.operand = operand;
  }
  if (!rule.contains("Variable")) {
    problems.push_back({pointer, "a comparison needs \"Variable\""});
    return false;
  }
  out.variable = CompilePath(rule.at("Variable"), PointerAppend(pointer, "Variable"), problems);
  return ok && out.variable.has_value();
}

}  // namespace

std::optional<absl::Time> ParseTimestamp(const std::string& text) {
  // The specification: RFC 3339 with an upper-case 'T' between date and time and an upper-case
  // 'Z' when there is no numeric offset. Checked by shape first (absl accepts more):
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
  auto digits = [&](size_t from, size_t n) {
    if (from + n > text.size()) return false;
    for (size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
    }
    return true;
  };
  if (!digits(0, 4) || text.size() < 20 || text[4] != '-' || !digits(5, 2) || text[7] != '-' ||
      !digits(8, 2) || text[10] != 'T' || !digits(11, 2) || text[13] != ':' || !digits(14, 2) ||
      text[16] != ':' || !digits(17, 2)) {
    return std::nullopt;
  }
  size_t i = 19;
  if (text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  const std::string_view zone = std::string_view(text).substr(i);
  const bool offset = zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(i + 1, 2) &&
                      zone[3] == ':' && digits(i + 4, 2);
  if (zone != "Z" && !offset) return std::nullopt;
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  return std::nullopt;
}

std::optional<ChoiceRule> ChoiceRule::Compile(const nlohmann::json& rule,
                                              const std::string& pointer, bool top_level,
                                              std::vector<ValidationProblem>& problems) {
  if (!rule.is_object()) {
    problems.push_back({pointer, "a Choice rule must be an object"});
    return std::nullopt;
  }
  ChoiceRule out;
  bool ok = true;
  if (top_level) {
    auto next = rule.find("Next");
    if (next == rule.end() || !next->is_string()) {
      problems.push_back({pointer, "a top-level Choice rule needs \"Next\" (a state name)"});
      ok = false;
    } else {
      out.next = next->get<std::string>();
    }
  } else if (rule.contains("Next")) {
    problems.push_back({PointerAppend(pointer, "Next"),
                        "only top-level Choice rules have \"Next\"; remove it from nested rules"});
    ok = false;
  }
  for (const char* combinator : {"And", "Or", "Not"}) {
    auto it = rule.find(combinator);
    if (it == rule.end()) continue;
    std::string cptr = PointerAppend(pointer, combinator);
    for (const auto& [key, _] : rule.items()) {
      if (key != combinator && key != "Next" && key != "Comment") {
        problems.push_back(
            {PointerAppend(pointer, key),
             absl::StrCat("unexpected field '", key, "' beside '", combinator, "'")});
        ok = false;
      }
    }
    out.kind = combinator[0] == 'A' ? Kind::kAnd : (combinator[0] == 'O' ? Kind::kOr : Kind::kNot);
    if (out.kind == Kind::kNot) {
      auto child = Compile(*it, cptr, false, problems);
      if (!child) return std::nullopt;
      out.children.push_back(*std::move(child));
    } else if (!it->is_array() || it->empty()) {
      problems.push_back({cptr, absl::StrCat(combinator, " needs a non-empty array of rules")});
      return std::nullopt;
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        auto child = Compile((*it)[i], PointerAppend(cptr, i), false, problems);
        if (!child) ok = false;
        else out.children.push_back(*std::move(child));
      }
    }
    return ok ? std::optional<ChoiceRule>(std::move(out)) : std::nullopt;
  }
  out.kind = Kind::kCompare;
  if (!CompileComparison(out, rule, pointer, problems)) return std::nullopt;
  return ok ? std::optional<ChoiceRule>(std::move(out)) : std::nullopt;
}

bool ChoiceRule::Matches(const nlohmann::json& input, const nlohmann::json* context) const {
  return *Evaluate(input, context, /*strict=*/false, nullptr);
}

std::optional<bool> ChoiceRule::Evaluate(const nlohmann::json& input, const nlohmann::json* context,
                                         bool strict, std::string* missing) const {
  switch (kind) {
    case Kind::kAnd:
      for (const ChoiceRule& c : children) {
        std::optional<bool> r = c.Evaluate(input, context, strict, missing);
        if (!r || !*r) return r;
      }
      return true;
    case Kind::kOr:
      for (const ChoiceRule& c : children) {
        std::optional<bool> r = c.Evaluate(input, context, strict, missing);
        if (!r || *r) return r;
      }
      return false;
    case Kind::kNot: {
      std::optional<bool> r = children.front().Evaluate(input, context, strict, missing);
      if (!r) return r;
      return !*r;
    }
    case Kind::kCompare:
      break;
  }
  const nlohmann::json* v = Resolve(*variable, input, context);
  // Type tests ask about presence or type: a missing value is an answer, not an error.
  if (type >= Type::kIsNull && type <= Type::kIsTimestamp) return TypeTest(*this, v);
  auto absent = [&](const ReferencePath& p) -> std::optional<bool> {
    if (!strict) return false;
    if (missing != nullptr) *missing = p.text();
    return std::nullopt;
  };
  if (v == nullptr) return absent(*variable);
  if (operand_path) {
    const nlohmann::json* other = Resolve(*operand_path, input, context);
    if (other == nullptr) return absent(*operand_path);
    return CompareValues(*this, *v, *other);
  }
  return CompareValues(*this, *v, operand);
}

}  // namespace blend::journey
