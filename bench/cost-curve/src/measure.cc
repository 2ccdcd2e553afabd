#include "blend/cost_curve/measure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace blend::cost_curve {

std::optional<double> Percentile(std::vector<double> values, double p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * values.size());
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

Summary Summarize(const std::vector<double>& values) {
  Summary s;
  if (values.empty()) return s;
  s.count = static_cast<int64_t>(values.size());
  s.p50 = *Percentile(values, 50);
  s.p99 = *Percentile(values, 99);
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

std::optional<int64_t> StatusFieldKb(absl::string_view status_text, absl::string_view field) {
  for (absl::string_view line : absl::StrSplit(status_text, '\n')) {
    if (!absl::ConsumePrefix(&line, field) || !absl::ConsumePrefix(&line, ":")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, "kB");
    int64_t kb = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb)) return kb;
  }
  return std::nullopt;
}

std::optional<double> SumMetric(absl::string_view prometheus_text, absl::string_view name) {
  std::optional<double> sum;
  for (absl::string_view line : absl::StrSplit(prometheus_text, '\n')) {
    if (line.empty() || line[0] == '#' || !absl::ConsumePrefix(&line, name)) continue;
    // The name must end here: `name{...} v` or `name v`, not `name_total v`.
    if (line.empty() || (line[0] != '{' && line[0] != ' ')) continue;
    if (line[0] == '{') {
      const size_t close = line.rfind('}');
      if (close == absl::string_view::npos) continue;
      line.remove_prefix(close + 1);
    }
    std::vector<absl::string_view> parts =
        absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
    double v = 0;
    if (parts.empty() || !absl::SimpleAtod(parts[0], &v)) continue;
    sum = sum.value_or(0) + v;
  }
  return sum;
}

std::string JsonNumber(std::optional<double> value, int digits) {
  if (!value || !std::isfinite(*value)) return "null";
  char buf[64];
  if (*value == std::round(*value) && std::fabs(*value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", *value);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", digits, *value);
  }
  return buf;
}

}  // namespace blend::cost_curve
