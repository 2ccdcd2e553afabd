#include "prefix_timezones.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace blend::phone::internal {
namespace {

struct Table {
  absl::flat_hash_map<std::string, std::vector<std::string>> zones_by_prefix;
  size_t longest_prefix = 0;
};

// Format: `prefix|Zone/A&Zone/B` per line, '#' comments (libphonenumber's map_data.txt).
// (Debian's Abseil has its own absl::string_view, distinct from std::string_view.)
Table ParseTable(absl::string_view text) {
  Table table;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, '|');
    if (kv.first.empty() || kv.second.empty()) continue;
    std::vector<std::string> zones = absl::StrSplit(kv.second, '&', absl::SkipEmpty());
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    table.longest_prefix = std::max(table.longest_prefix, kv.first.size());
    table.zones_by_prefix.emplace(std::string(kv.first), std::move(zones));
  }
  return table;
}

const Table& GetTable() {
  static const Table* const table = new Table(
      ParseTable(absl::string_view(kPrefixTimeZonesText.data(), kPrefixTimeZonesText.size())));
  return *table;
}

}  // namespace

const std::vector<std::string>& ZonesForLongestPrefix(std::string_view digits) {
  static const std::vector<std::string>* const kNone = new std::vector<std::string>();
  const Table& table = GetTable();
  for (size_t len = std::min(digits.size(), table.longest_prefix); len > 0; --len) {
    auto it = table.zones_by_prefix.find(absl::string_view(digits.data(), len));
    if (it != table.zones_by_prefix.end()) return it->second;
  }
  return *kNone;
}

size_t PrefixCount() { return GetTable().zones_by_prefix.size(); }

}  // namespace blend::phone::internal
