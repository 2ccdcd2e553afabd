#include "blend/worker/call_outcome.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_join.h"

namespace blend::worker {

MappedCallOutcome MapWrapupCode(std::string_view wrapup_code) {
  if (wrapup_code == "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST") {
    return {v1::TOUCH_OUTCOME_DNC_ACTIVE, false};
  }
  bool system_code = absl::StartsWith(absl::string_view(wrapup_code.data(), wrapup_code.size()),
                                       "ININ-OUTBOUND-") || wrapup_code.empty();
  return {v1::TOUCH_OUTCOME_CALL_COMPLETED, !system_code};
}

bool IsOptOutKeyword(std::string_view message) {
  std::string text = absl::AsciiStrToUpper(
      absl::StripAsciiWhitespace(absl::string_view(message.data(), message.size())));
  // Trailing punctuation ("Stop.", "STOP!") still means stop.
  while (!text.empty() && (text.back() == '.' || text.back() == '!')) text.pop_back();
  std::vector<absl::string_view> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
  std::string normalized = absl::StrJoin(words, " ");
  for (std::string_view keyword :
       {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT", "OPTOUT"}) {
    if (normalized == keyword) return true;
  }
  return false;
}

}  // namespace blend::worker
