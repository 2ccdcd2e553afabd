#include "blend/worker/call_outcome.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace blend::worker {

MappedCallOutcome MapWrapupCode(std::string_view wrapup_code) {
  if (wrapup_code == "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST") {
    return {v1::TOUCH_OUTCOME_DNC_ACTIVE, false};
  }
  bool system_code = absl::StartsWith(absl::string_view(wrapup_code.data(), wrapup_code.size()),
                                      "ININ-OUTBOUND-") ||
                     wrapup_code.empty();
  return {v1::TOUCH_OUTCOME_CALL_COMPLETED, !system_code};
}

namespace {

// Punctuation people and phones put around a word, beyond ASCII: ¡ ¿ « » “ ” ‘ ’.
constexpr std::string_view kUtf8Punctuation[] = {"\xC2\xA1",     "\xC2\xBF",     "\xC2\xAB",
                                                 "\xC2\xBB",     "\xE2\x80\x9C", "\xE2\x80\x9D",
                                                 "\xE2\x80\x98", "\xE2\x80\x99"};

bool AsciiNoise(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && !absl::ascii_isalnum(u);
}

// Drops spaces and punctuation at both ends of `text`.
std::string_view TrimNoise(std::string_view text) {
  for (bool changed = true; changed && !text.empty();) {
    changed = false;
    while (!text.empty() && AsciiNoise(text.front())) {
      text.remove_prefix(1);
      changed = true;
    }
    while (!text.empty() && AsciiNoise(text.back())) {
      text.remove_suffix(1);
      changed = true;
    }
    for (std::string_view p : kUtf8Punctuation) {
      if (text.substr(0, p.size()) == p) {
        text.remove_prefix(p.size());
        changed = true;
      }
      if (text.size() >= p.size() && text.substr(text.size() - p.size()) == p) {
        text.remove_suffix(p.size());
        changed = true;
      }
    }
  }
  return text;
}

}  // namespace

std::optional<std::string> OptOutKeyword(std::string_view message) {
  const std::string core = absl::AsciiStrToUpper(
      absl::string_view(TrimNoise(message).data(), TrimNoise(message).size()));
  // Inside, any run of spaces, hyphens or underscores is one space ("Opt-Out", "OPT  OUT").
  std::vector<absl::string_view> words =
      absl::StrSplit(core, absl::ByAnyChar(" \t\r\n-_"), absl::SkipEmpty());
  std::string normalized = absl::StrJoin(words, " ");
  if (normalized == "OPTOUT") normalized = "OPT OUT";
  for (std::string_view keyword :
       {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT"}) {
    if (normalized == keyword) return std::string(keyword);
  }
  return std::nullopt;
}

bool IsOptOutKeyword(std::string_view message) { return OptOutKeyword(message).has_value(); }

}  // namespace blend::worker
