#include "blend/common/email.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace blend {
namespace {

bool IsAtext(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool ValidLocalPart(std::string_view local) {
  if (local.empty() || local.front() == '.' || local.back() == '.') return false;
  char prev = 0;
  for (char c : local) {
    if (c == '.' ? prev == '.' : !IsAtext(c)) return false;
    prev = c;
  }
  return true;
}

bool ValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> NormalizeEmail(std::string_view input) {
  // This abseil's string_view is its own type: convert once at the boundary.
  const absl::string_view address =
      absl::StripAsciiWhitespace(absl::string_view(input.data(), input.size()));
  if (address.empty()) return absl::InvalidArgumentError("email address is empty");
  if (address.size() > 254) {
    return absl::InvalidArgumentError(
        absl::StrCat("email address longer than 254 octets (", address.size(), ")"));
  }
  const size_t at = address.find('@');
  if (at == absl::string_view::npos || address.find('@', at + 1) != absl::string_view::npos) {
    return absl::InvalidArgumentError("email address must have exactly one '@'");
  }
  const std::string_view local(address.data(), at);
  const absl::string_view domain = address.substr(at + 1);
  if (local.size() > 64) {
    return absl::InvalidArgumentError("email local part longer than 64 octets");
  }
  if (!ValidLocalPart(local)) {
    return absl::InvalidArgumentError(
        "email local part must be letters, digits and !#$%&'*+-/=?^_`{|}~ with single dots "
        "between them");
  }
  std::vector<absl::string_view> split = absl::StrSplit(domain, '.');
  std::vector<std::string_view> labels;
  for (absl::string_view l : split) labels.emplace_back(l.data(), l.size());
  bool ok = labels.size() >= 2 && domain.size() <= 253 && !AllDigits(labels.back());
  for (std::string_view label : labels) ok = ok && ValidLabel(label);
  if (!ok) {
    return absl::InvalidArgumentError(
        "email domain must be two or more dot-separated labels of letters, digits and inner "
        "hyphens (e.g. example.com)");
  }
  return absl::AsciiStrToLower(address);
}

}  // namespace blend
