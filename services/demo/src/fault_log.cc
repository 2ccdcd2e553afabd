#include "blend/demo/fault_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace blend::demo {

absl::StatusOr<std::vector<FaultEvent>> ParseFaultLog(std::string_view text) {
  std::vector<FaultEvent> out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits('\t', 3));
    FaultEvent e;
    std::string err;
    if (f.size() < 3 || !absl::ParseTime(absl::RFC3339_full, std::string(f[0]), &e.time, &err)) {
      return absl::InvalidArgumentError(
          absl::StrCat("faults file line ", line_no,
                       ": expected <RFC 3339 time>\\t<event>\\t<target>[\\t<detail>]"));
    }
    e.event = std::string(f[1]);
    e.target = std::string(f[2]);
    if (f.size() > 3) e.detail = std::string(f[3]);
    out.push_back(std::move(e));
  }
  return out;
}

bool IsInfrastructure(std::string_view target) {
  return target == "kafka" || target == "postgresql";
}

Recovery RecoveryTimes(const std::vector<FaultEvent>& events, bool infrastructure) {
  Recovery r;
  std::map<std::string, absl::Time> down_since;
  for (const FaultEvent& e : events) {
    if (IsInfrastructure(e.target) != infrastructure) continue;
    if (e.event == "kill" || e.event == "stop") {
      // A second kill before the first recovery: the first never recovered on its own.
      if (down_since.contains(e.target)) ++r.unrecovered;
      down_since[e.target] = e.time;
    } else if (e.event == "ready") {
      auto it = down_since.find(e.target);
      if (it == down_since.end()) continue;
      r.seconds.push_back(absl::ToDoubleSeconds(e.time - it->second));
      down_since.erase(it);
    }
  }
  r.unrecovered += static_cast<int>(down_since.size());
  if (r.seconds.empty()) return r;
  std::vector<double> sorted = r.seconds;
  std::sort(sorted.begin(), sorted.end());
  r.p50 = sorted[(sorted.size() - 1) / 2];  // the lower median: a value that occurred
  r.max = sorted.back();
  return r;
}

}  // namespace blend::demo
