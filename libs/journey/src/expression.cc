#include "blend/journey/expression.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/status_macros.h"

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
};

namespace {

using Node = Expression::Node;

constexpr std::string_view kFunctions[] = {"States.Format",    "States.StringToJson",
                                           "States.JsonToString", "States.Array",
                                           "States.MathAdd",   "States.StringSplit",
                                           "States.UUID"};

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
    return absl::InvalidArgumentError(
        absl::StrCat("invalid expression '", std::string(text_), "' at offset ", pos_, ": ", std::string(why)));
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
      } else if (depth == 0 && (c == ',' || c == ')' || std::isspace(static_cast<unsigned char>(c)))) {
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

  absl::StatusOr<Node> ParseString() {
    ++pos_;  // opening quote
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != '\'') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        // Keep \{ and \} escaped: States.Format needs to tell them from placeholders.
        if (next == '{' || next == '}') value.push_back('\\');
        value.push_back(next);
        pos_ += 2;
        continue;
      }
      value.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) return Error("unterminated string literal");
    ++pos_;
    Node node;
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
    bool known = false;
    for (std::string_view f : kFunctions) known = known || f == name;
    if (!known) {
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
  auto want = [&](size_t lo, size_t hi) -> absl::Status {
    if (n.args.size() < lo || n.args.size() > hi) {
      return absl::InvalidArgumentError(absl::StrCat(n.function, " takes ", lo,
                                                     lo == hi ? "" : absl::StrCat(" to ", hi),
                                                     " argument(s), got ", n.args.size()));
    }
    return absl::OkStatus();
  };
  const std::string& f = n.function;
  if (f == "States.Format") return want(1, 64);
  if (f == "States.StringToJson" || f == "States.JsonToString") return want(1, 1);
  if (f == "States.MathAdd" || f == "States.StringSplit") return want(2, 2);
  if (f == "States.UUID") return want(0, 0);
  return absl::OkStatus();  // States.Array: any count
}

absl::Status CheckTree(const Node& n) {
  if (n.kind != Node::Kind::kCall) return absl::OkStatus();
  BLEND_RETURN_IF_ERROR(CheckArity(n));
  for (const Node& a : n.args) BLEND_RETURN_IF_ERROR(CheckTree(a));
  return absl::OkStatus();
}

absl::Status Fail(const Node& n, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(n.function, ": ", std::string(why)));
}

absl::StatusOr<nlohmann::json> EvalNode(const Node& n, const EvalContext& ctx);

absl::StatusOr<nlohmann::json> Format(const Node& n, const std::vector<nlohmann::json>& args) {
  if (!args[0].is_string()) return Fail(n, "the template must be a string");
  const std::string& tmpl = args[0].get_ref<const std::string&>();
  std::string out;
  size_t next_arg = 1;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '\\' && i + 1 < tmpl.size()) {
      out.push_back(tmpl[++i]);
    } else if (c == '{' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
      if (next_arg >= args.size()) return Fail(n, "more {} placeholders than arguments");
      const nlohmann::json& a = args[next_arg++];
      if (a.is_object() || a.is_array()) return Fail(n, "arguments must be strings, numbers, booleans or null");
      out += a.is_string() ? a.get<std::string>() : a.dump();
      ++i;
    } else {
      out.push_back(c);
    }
  }
  if (next_arg != args.size()) return Fail(n, "fewer {} placeholders than arguments");
  return nlohmann::json(std::move(out));
}

absl::StatusOr<nlohmann::json> Apply(const Node& n, std::vector<nlohmann::json> args,
                                     const EvalContext& ctx) {
  const std::string& f = n.function;
  if (f == "States.Format") return Format(n, args);
  if (f == "States.Array") return nlohmann::json(std::move(args));
  if (f == "States.JsonToString") return nlohmann::json(args[0].dump());
  if (f == "States.StringToJson") {
    if (!args[0].is_string()) return Fail(n, "the argument must be a string");
    try {  // not allow_exceptions=false: nlohmann still throws on number overflow there
      return nlohmann::json::parse(args[0].get_ref<const std::string&>());
    } catch (const nlohmann::json::exception&) {
      return Fail(n, "the argument is not valid JSON");
    }
  }
  if (f == "States.MathAdd") {
    if (!args[0].is_number() || !args[1].is_number()) return Fail(n, "both arguments must be numbers");
    if (args[0].is_number_integer() && args[1].is_number_integer()) {
      return nlohmann::json(args[0].get<int64_t>() + args[1].get<int64_t>());
    }
    return nlohmann::json(args[0].get<double>() + args[1].get<double>());
  }
  if (f == "States.StringSplit") {
    if (!args[0].is_string() || !args[1].is_string()) return Fail(n, "both arguments must be strings");
    const std::string& s = args[0].get_ref<const std::string&>();
    const std::string& delims = args[1].get_ref<const std::string&>();
    nlohmann::json out = nlohmann::json::array();
    std::string cur;
    for (char c : s) {
      if (delims.find(c) != std::string::npos) {
        if (!cur.empty()) out.push_back(std::move(cur));
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
  }
  if (f == "States.UUID") {
    if (ctx.uuid == nullptr || !*ctx.uuid) return Fail(n, "no UUID source was supplied");
    return nlohmann::json((*ctx.uuid)());
  }
  return Fail(n, "unknown function");
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
        return absl::NotFoundError(absl::StrCat("path '", n.path->text(), "' names nothing in the input"));
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
      return Apply(n, std::move(args), ctx);
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

PayloadTemplate PayloadTemplate::Compile(const nlohmann::json& tmpl, const std::string& pointer,
                                         std::vector<ValidationProblem>& problems) {
  PayloadTemplate out;
  if (!tmpl.is_object()) {
    out.static_value_ = tmpl;
    return out;
  }
  out.is_object_ = true;
  for (const auto& [key, value] : tmpl.items()) {
    std::string child = PointerAppend(pointer, key);
    Field field;
    if (key.size() > 2 && key.ends_with(".$")) {
      field.key = key.substr(0, key.size() - 2);
      if (!value.is_string()) {
        problems.push_back({child, "a field whose name ends in '.$' must be a string: a path "
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
    } else if (value.is_object()) {
      field.key = key;
      auto nested = std::make_shared<PayloadTemplate>(Compile(value, child, problems));
      out.uses_context_ = out.uses_context_ || nested->uses_context_;
      field.nested = std::move(nested);
    } else {
      field.key = key;
      field.value = value;
    }
    out.fields_.push_back(std::move(field));
  }
  return out;
}

absl::StatusOr<nlohmann::json> PayloadTemplate::Evaluate(const EvalContext& ctx) const {
  if (!is_object_) return static_value_;
  nlohmann::json out = nlohmann::json::object();
  for (const Field& f : fields_) {
    if (f.expr) {
      auto v = f.expr->Evaluate(ctx);
      if (!v.ok()) return v.status();
      out[f.key] = *std::move(v);
    } else if (f.nested) {
      auto v = f.nested->Evaluate(ctx);
      if (!v.ok()) return v.status();
      out[f.key] = *std::move(v);
    } else {
      out[f.key] = f.value;
    }
  }
  return out;
}

}  // namespace blend::journey
