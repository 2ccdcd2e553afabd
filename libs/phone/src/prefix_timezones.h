// Longest-prefix lookup in libphonenumber's prefix -> time-zone table (embedded text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace blend::phone::internal {

// The embedded data file (see prefix_timezones_data.cc.in).
extern const std::string_view kPrefixTimeZonesText;

// Zones of the longest prefix of `digits` (E.164 without '+') present in the table;
// empty if none. Thread-safe; the table is parsed once, on first use.
const std::vector<std::string>& ZonesForLongestPrefix(std::string_view digits);

// Number of prefixes in the table (for tests).
size_t PrefixCount();

}  // namespace blend::phone::internal
