// Test helpers: instants written as RFC 3339 text, zones by name. Header-only.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace blend::test_support {

// "2026-03-08T07:00:00Z" or with an offset ("2026-03-08T03:00:00-04:00").
inline absl::Time At(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << rfc3339 << ": " << err;
  return t;
}

inline absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << "no zoneinfo for " << name;
  return tz;
}

inline std::vector<absl::TimeZone> Zones(const std::vector<std::string>& names) {
  std::vector<absl::TimeZone> out;
  for (const std::string& n : names) out.push_back(Zone(n));
  return out;
}

inline std::string Utc(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace blend::test_support
