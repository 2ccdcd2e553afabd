// Helpers for the engagement tests: instants as RFC 3339 text, zones by name.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace blend::engagement::testing {

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

inline std::string Utc(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace blend::engagement::testing
