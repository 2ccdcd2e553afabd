#include "blend/journey/expression.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/status_macros.h"
#include "intrinsics.h"

namespace blend::journey {

std::string PointerAppend(const std::string& base, const std::string& token) {
  std::string out = base + "/";
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PointerAppend(const std::string& base, size_t index) {
  return absl::StrCat(base, "/", index);
}

struct Expression::Node {
  enum class Kind { kLiteral, kPath, kCall };
  Kind kind = Kind::kLiteral;
  nlohmann::json literal;
  std::optional<ReferencePath> path;
  std::string function;
  std::vector<Node> args;
  // A string literal: where its unescaped "{}" pairs start (States.Format placeholders;
  // "\\{" and "\\}" are plain braces).
  std::vector<size_t> placeholders;
};

namespace {

using Node = Expression::Node;

class IntrinsicParser {
 public:
  explicit IntrinsicParser(std::string_view text) : text_(text) {}

  absl::StatusOr<Node> ParseTop() {
    BLEND_ASSIGN_OR_RETURN(Node node, ParseValue(/*top=*/true));
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the expression");
    return node;
  }

 private:
  absl::Status Error(std::string_view why) const {
    return absl::InvalidArgumentError(absl::StrCat("invalid expression '", std::string(text_),
                                                   "' at offset ", pos_, ": ", std::string(why)));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  absl::StatusOr<Node> ParseValue(bool top) {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expected a value");
    char c = text_[pos_];
    if (c == '$') return ParsePath();
    if (text_.substr(pos_).starts_with("States.")) return ParseCall();
    if (top) return Error("expected a path starting with '$' or an intrinsic function States.*");
    if (c == '\'') return ParseString();
    return ParseScalar();
  }

  absl::StatusOr<Node> ParsePath() {
    size_t start = pos_;
    int depth = 0;
    char quote = 0;
    // A path ends at a top-level ',' or ')' (intrinsic argument separators).
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (quote) {
        if (c == '\\') ++pos_;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        --depth;
      } else if (depth == 0 &&
                 (c == ',' || c == ')' || std::isspace(static_cast<unsigned char>(c)))) {
        break;
      }
      ++pos_;
    }
    auto path = ReferencePath::Parse(text_.substr(start, pos_ - start));
    if (!path.ok()) return path.status();
    Node node;
    node.kind = Node::Kind::kPath;
    node.path = *std::move(path);
    return node;
  }

  // A 'quoted' literal. The specification reserves ' { } and \ inside it: written \' \{ \}
  // and \\ they stand for the character itself, once (States.Format does not unescape
  // again). An unescaped "{}" is a States.Format placeholder; an escaped brace never is.
  // A backslash before any other character is kept as it is.
  absl::StatusOr<Node> ParseString() {
    ++pos_;  // opening quote
    Node node;
    std::string value;
    bool open_brace = false;  // the previous character was an unescaped '{'
    while (pos_ < text_.size() && text_[pos_] != '\'') {
      char c = text_[pos_];
      if (c == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next != '\'' && next != '{' && next != '}' && next != '\\') value.push_back('\\');
        value.push_back(next);
        pos_ += 2;
        open_brace = false;
        continue;
      }
      if (c == '}' && open_brace) node.placeholders.push_back(value.size() - 1);
      open_brace = c == '{';
      value.push_back(c);
      ++pos_;
    }
    if (pos_ >= text_.size()) return Error("unterminated string literal");
    ++pos_;
    node.literal = std::move(value);
    return node;
  }

  absl::StatusOr<Node> ParseScalar() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ')' &&
           !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
    std::string token(text_.substr(start, pos_ - start));
    Node node;
    if (token == "true" || token == "false" || token == "null") {
      node.literal = nlohmann::json::parse(token);
      return node;
    }
    char* end = nullptr;
    if (!token.empty()) {
      if (token.find_first_of(".eE") == std::string::npos) {
        long long v = std::strtoll(token.c_str(), &end, 10);
        if (end && *end == '\0') {
          node.literal = v;
          return node;
        }
      }
      double d = std::strtod(token.c_str(), &end);
      if (end && *end == '\0') {
        node.literal = d;
        return node;
      }
    }
    pos_ = start;
    return Error("expected a 'string', a number, true, false, null, a path or States.*");
  }

  absl::StatusOr<Node> ParseCall() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != '(') ++pos_;
    std::string name(text_.substr(start, pos_ - start));
    if (!internal::FindIntrinsic(name)) {
      pos_ = start;
      return Error(absl::StrCat("unknown intrinsic function '", name, "'"));
    }
    if (pos_ >= text_.size()) return Error("expected '('");
    ++pos_;
    Node node;
    node.kind = Node::Kind::kCall;
    node.function = name;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ')') {
      ++pos_;
      return node;
    }
    if (++depth_ > 16) return Error("intrinsic calls nested too deeply");
    while (true) {
      BLEND_ASSIGN_OR_RETURN(Node arg, ParseValue(/*top=*/false));
      node.args.push_back(std::move(arg));
      SkipSpace();
      if (pos_ >= text_.size()) return Error("expected ',' or ')'");
      if (text_[pos_] == ')') break;
      if (text_[pos_] != ',') return Error("expected ',' or ')'");
      ++pos_;
    }
    ++pos_;
    --depth_;
    return node;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

bool NodeUsesContext(const Node& n) {
  if (n.kind == Node::Kind::kPath) return n.path->is_context();
  if (n.kind == Node::Kind::kCall) {
    for (const Node& a : n.args) {
      if (NodeUsesContext(a)) return true;
    }
  }
  return false;
}

absl::Status CheckArity(const Node& n) {
  const internal::IntrinsicArity want = *internal::FindIntrinsic(n.function);
  if (n.args.size() < want.min || n.args.size() > want.max) {
    return absl::InvalidArgumentError(absl::StrCat(
        n.function, " takes ", want.min, want.min == want.max ? "" : absl::StrCat(" to ", want.max),
        " argument(s), got ", n.args.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckTree(const Node& n) {
  if (n.kind != Node::Kind::kCall) return absl::OkStatus();
  BLEND_RETURN_IF_ERROR(CheckArity(n));
  for (const Node& a : n.args) BLEND_RETURN_IF_ERROR(CheckTree(a));
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> EvalNode(const Node& n, const EvalContext& ctx) {
  switch (n.kind) {
    case Node::Kind::kLiteral:
      return n.literal;
    case Node::Kind::kPath: {
      const nlohmann::json* root = &ctx.input;
      if (n.path->is_context()) {
        if (ctx.context == nullptr) return absl::FailedPreconditionError("no context object");
        root = ctx.context;
      }
      const nlohmann::json* found = n.path->Find(*root);
      if (found == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("path '", n.path->text(), "' names nothing in the input"));
      }
      return *found;
    }
    case Node::Kind::kCall: {
      std::vector<nlohmann::json> args;
      args.reserve(n.args.size());
      for (const Node& a : n.args) {
        auto v = EvalNode(a, ctx);
        if (!v.ok()) return v.status();
        args.push_back(*std::move(v));
      }
      const bool literal_template =
          n.function == "States.Format" && n.args[0].kind == Node::Kind::kLiteral;
      return internal::ApplyIntrinsic(n.function, std::move(args),
                                      literal_template ? &n.args[0].placeholders : nullptr, ctx);
    }
  }
  return absl::InternalError("bad expression node");
}

}  // namespace

absl::StatusOr<Expression> Expression::Parse(std::string_view text) {
  IntrinsicParser parser(text);
  auto node = parser.ParseTop();
  if (!node.ok()) return node.status();
  BLEND_RETURN_IF_ERROR(CheckTree(*node));
  Expression e;
  e.uses_context_ = NodeUsesContext(*node);
  e.root_ = std::make_shared<const Node>(*std::move(node));
  return e;
}

absl::StatusOr<nlohmann::json> Expression::Evaluate(const EvalContext& ctx) const {
  // A path alone is the hot case: copy only the node it names.
  return EvalNode(*root_, ctx);
}

namespace {

// True when `v` holds an object field named "*.$" anywhere (then it needs evaluating).
bool HasDynamicField(const nlohmann::json& v) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      if ((key.size() > 2 && key.ends_with(".$")) || HasDynamicField(child)) return true;
    }
  } else if (v.is_array()) {
    for (const nlohmann::json& child : v) {
      if (HasDynamicField(child)) return true;
    }
  }
  return false;
}

}  // namespace

PayloadTemplate PayloadTemplate::Compile(const nlohmann::json& tmpl, const std::string& pointer,
                                         std::vector<ValidationProblem>& problems) {
  PayloadTemplate out;
  if (!tmpl.is_object() && !tmpl.is_array()) {
    out.static_value_ = tmpl;
    return out;
  }
  // Static parts are copied whole; only values holding ".$" fields become nested templates.
  auto add_value = [&](Field& field, const nlohmann::json& value, const std::string& child) {
    if (HasDynamicField(value)) {
      auto nested = std::make_shared<PayloadTemplate>(Compile(value, child, problems));
      out.uses_context_ = out.uses_context_ || nested->uses_context_;
      field.nested = std::move(nested);
    } else {
      field.value = value;
    }
  };
  if (tmpl.is_array()) {
    out.kind_ = Kind::kArray;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      Field field;
      add_value(field, tmpl[i], PointerAppend(pointer, i));
      out.fields_.push_back(std::move(field));
    }
    return out;
  }
  out.kind_ = Kind::kObject;
  for (const auto& [key, value] : tmpl.items()) {
    std::string child = PointerAppend(pointer, key);
    Field field;
    if (key.size() > 2 && key.ends_with(".$")) {
      field.key = key.substr(0, key.size() - 2);
      if (!value.is_string()) {
        problems.push_back({child,
                            "a field whose name ends in '.$' must be a string: a path "
                            "('$.x'), a context path ('$$.x') or States.*(...)"});
        continue;
      }
      auto expr = Expression::Parse(value.get<std::string>());
      if (!expr.ok()) {
        problems.push_back({child, std::string(expr.status().message())});
        continue;
      }
      out.uses_context_ = out.uses_context_ || expr->uses_context();
      field.expr = std::make_shared<const Expression>(*std::move(expr));
    } else {
      field.key = key;
      add_value(field, value, child);
    }
    out.fields_.push_back(std::move(field));
  }
  return out;
}

absl::StatusOr<nlohmann::json> PayloadTemplate::Evaluate(const EvalContext& ctx) const {
  if (kind_ == Kind::kStatic) return static_value_;
  nlohmann::json out = kind_ == Kind::kArray ? nlohmann::json::array() : nlohmann::json::object();
  for (const Field& f : fields_) {
    nlohmann::json v;
    if (f.expr) {
      auto r = f.expr->Evaluate(ctx);
      if (!r.ok()) return r.status();
      v = *std::move(r);
    } else if (f.nested) {
      auto r = f.nested->Evaluate(ctx);
      if (!r.ok()) return r.status();
      v = *std::move(r);
    } else {
      v = f.value;
    }
    if (kind_ == Kind::kArray) {
      out.push_back(std::move(v));
    } else {
      out[f.key] = std::move(v);
    }
  }
  return out;
}

}  // namespace blend::journey
