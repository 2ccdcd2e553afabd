#include "blend/journey/json_path.h"

#include <cctype>

#include "absl/strings/str_cat.h"

namespace blend::journey {
namespace {

absl::Status SyntaxError(std::string_view text, size_t pos, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid reference path '", std::string(text),
                                                 "' at offset ", pos, ": ", std::string(why)));
}

bool IsNameChar(char c) {
  return c != '.' && c != '[' && c != ']' && c != '\'' && c != '"' && c != '*' && c != '?' &&
         c != '@' && c != '(' && c != ')' && c != ',' &&
         !std::isspace(static_cast<unsigned char>(c));
}

}  // namespace

absl::StatusOr<ReferencePath> ReferencePath::Parse(std::string_view text) {
  ReferencePath path;
  path.text_ = std::string(text);
  if (text.empty() || text[0] != '$') return SyntaxError(text, 0, "a path starts with '$'");
  size_t i = 1;
  if (text.size() > 1 && text[1] == '$') {
    path.context_ = true;
    i = 2;
  }
  while (i < text.size()) {
    char c = text[i];
    if (c == '.') {
      ++i;
      if (i < text.size() && text[i] == '.')
        return SyntaxError(text, i, "'..' (deep scan) is not allowed");
      size_t start = i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      if (i == start) {
        if (i < text.size() && text[i] == '*')
          return SyntaxError(text, i, "wildcards are not allowed");
        return SyntaxError(text, i, "expected a field name after '.'");
      }
      path.segments_.emplace_back(std::string(text.substr(start, i - start)));
    } else if (c == '[') {
      ++i;
      if (i >= text.size()) return SyntaxError(text, i, "unterminated '['");
      if (text[i] == '\'' || text[i] == '"') {
        char quote = text[i++];
        std::string name;
        while (i < text.size() && text[i] != quote) {
          if (text[i] == '\\' && i + 1 < text.size()) ++i;
          name.push_back(text[i++]);
        }
        if (i >= text.size()) return SyntaxError(text, i, "unterminated quoted name");
        ++i;
        if (i >= text.size() || text[i] != ']') return SyntaxError(text, i, "expected ']'");
        ++i;
        path.segments_.emplace_back(std::move(name));
      } else if (std::isdigit(static_cast<unsigned char>(text[i]))) {
        size_t index = 0;
        size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
          if (i - start > 9) return SyntaxError(text, i, "array index too large");
          index = index * 10 + static_cast<size_t>(text[i] - '0');
          ++i;
        }
        if (i >= text.size() || text[i] != ']') return SyntaxError(text, i, "expected ']'");
        ++i;
        path.segments_.emplace_back(index);
      } else {
        return SyntaxError(
            text, i, "only [index] or ['name'] are allowed (no wildcards, slices or filters)");
      }
    } else {
      return SyntaxError(text, i, "expected '.' or '['");
    }
  }
  return path;
}

const nlohmann::json* ReferencePath::Find(const nlohmann::json& root) const {
  const nlohmann::json* node = &root;
  for (const Segment& seg : segments_) {
    if (const std::string* key = std::get_if<std::string>(&seg)) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(*key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else {
      size_t index = std::get<size_t>(seg);
      if (!node->is_array() || index >= node->size()) return nullptr;
      node = &(*node)[index];
    }
  }
  return node;
}

absl::Status ReferencePath::Set(nlohmann::json& root, nlohmann::json value) const {
  nlohmann::json* node = &root;
  for (const Segment& seg : segments_) {
    if (const std::string* key = std::get_if<std::string>(&seg)) {
      if (node->is_null()) *node = nlohmann::json::object();
      if (!node->is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat("ResultPath '", text_, "' crosses a non-object at '", *key, "'"));
      }
      node = &(*node)[*key];
    } else {
      size_t index = std::get<size_t>(seg);
      if (!node->is_array() || index >= node->size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("ResultPath '", text_, "' names a missing array element ", index));
      }
      node = &(*node)[index];
    }
  }
  *node = std::move(value);
  return absl::OkStatus();
}

}  // namespace blend::journey
