#include "blend/genesys_sim/util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace blend::genesys_sim {

std::string FormatIso(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string FormatIsoSeconds(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

int64_t EpochMillis(absl::Time t) { return absl::ToUnixMillis(t); }

std::string DigitsOnly(absl::string_view number) {
  std::string out;
  for (char c : number) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

bool IsE164(absl::string_view number) {
  if (number.size() < 3 || number.size() > 16 || number[0] != '+' || number[1] == '0') return false;
  for (char c : number.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string CsvField(absl::string_view value) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(value);
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

}  // namespace blend::genesys_sim
