#include "blend/worker/message_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace blend::worker {
namespace {

absl::StatusOr<std::string> Lookup(absl::string_view path, const nlohmann::json& values) {
  const nlohmann::json* node = &values;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!node->is_object() || !node->contains(std::string(part))) {
      return absl::InvalidArgumentError(
          absl::StrCat("template placeholder {{", path, "}} has no value in the touch parameters"));
    }
    node = &(*node)[std::string(part)];
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_object() || node->is_array() || node->is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat("template placeholder {{", path, "}} is not a string, number or boolean"));
  }
  return node->dump();
}

}  // namespace

absl::StatusOr<std::string> RenderTemplate(std::string_view text, const nlohmann::json& values) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    if (text.substr(open, 4) == "{{{{") {
      out.append("{{");
      pos = open + 4;
      continue;
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("template has an unclosed '{{' at offset ", open));
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    absl::string_view path =
        absl::StripAsciiWhitespace(absl::string_view(inner.data(), inner.size()));
    auto value = Lookup(path, values);
    if (!value.ok()) return value.status();
    out.append(*value);
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace blend::worker
