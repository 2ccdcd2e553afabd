#include "blend/demo/prom_text.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace blend::demo {
namespace {

// Parses `a="x",b="y\"z"` into `labels`; false when malformed.
bool ParseLabels(absl::string_view text, std::map<std::string, std::string>& labels) {
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ',' || text[i] == ' ') {
      ++i;
      continue;
    }
    size_t eq = text.find('=', i);
    if (eq == absl::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"') return false;
    std::string key(text.substr(i, eq - i));
    std::string value;
    size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;
        value += text[j] == 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= text.size()) return false;
    labels[key] = value;
    i = j + 1;
  }
  return true;
}

}  // namespace

std::vector<Sample> ParsePrometheusText(std::string_view text) {
  std::vector<Sample> out;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t brace = line.find('{');
    size_t space;
    if (brace != absl::string_view::npos && brace < line.find(' ')) {
      size_t close = line.rfind('}');
      if (close == absl::string_view::npos ||
          !ParseLabels(line.substr(brace + 1, close - brace - 1), s.labels)) {
        continue;
      }
      s.name = std::string(line.substr(0, brace));
      space = close + 1;
    } else {
      space = line.find(' ');
      if (space == absl::string_view::npos) continue;
      s.name = std::string(line.substr(0, space));
    }
    absl::string_view rest = absl::StripAsciiWhitespace(line.substr(space));
    absl::string_view value = rest.substr(0, rest.find(' '));  // drop a timestamp
    if (value == "+Inf" || value == "-Inf" || value == "NaN") continue;
    if (!absl::SimpleAtod(value, &s.value)) continue;
    out.push_back(std::move(s));
  }
  return out;
}

double SumOf(const std::vector<Sample>& samples, std::string_view name,
             const std::map<std::string, std::string>& match) {
  double sum = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) {
        ok = false;
        break;
      }
    }
    if (ok) sum += s.value;
  }
  return sum;
}

std::map<std::string, double> SumBy(const std::vector<Sample>& samples, std::string_view name,
                                    const std::string& label) {
  std::map<std::string, double> out;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    auto it = s.labels.find(label);
    out[it == s.labels.end() ? "" : it->second] += s.value;
  }
  return out;
}

}  // namespace blend::demo
