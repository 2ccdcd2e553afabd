#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "blend/common/testing/times.h"
#include "blend/policy/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::policy {
namespace {

using ::blend::test_support::At;
using ::blend::test_support::Utc;
using ::blend::test_support::Zone;
using ::blend::test_support::Zones;
using ::testing::HasSubstr;

DailyWindow Window(const std::string& from, const std::string& until) {
  absl::StatusOr<DailyWindow> w = ParseDailyWindow(from, until);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.value_or(DailyWindow{});
}

// ParseDailyWindow

struct ParseCase {
  std::string from, until;
  bool ok;
  absl::Duration want_from, want_until;
};

class ParseDailyWindowTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseDailyWindowTest, ParsesOrRejects) {
  const ParseCase& c = GetParam();
  absl::StatusOr<DailyWindow> w = ParseDailyWindow(c.from, c.until);
  ASSERT_EQ(w.ok(), c.ok) << c.from << "-" << c.until << ": " << w.status();
  if (!c.ok) {
    EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
    return;
  }
  EXPECT_EQ(w->from, c.want_from);
  EXPECT_EQ(w->until, c.want_until);
}

constexpr absl::Duration kZero = absl::ZeroDuration();

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDailyWindowTest,
    ::testing::Values(ParseCase{"08:00", "21:00", true, absl::Hours(8), absl::Hours(21)},
                      ParseCase{"8:00", "21:30", true, absl::Hours(8),
                                absl::Hours(21) + absl::Minutes(30)},
                      ParseCase{" 08:00 ", "24:00", true, absl::Hours(8), absl::Hours(24)},
                      ParseCase{"00:00", "24:00", true, kZero, absl::Hours(24)},
                      ParseCase{"22:00", "06:00", true, absl::Hours(22), absl::Hours(6)},
                      ParseCase{"24:00", "08:00", false, kZero, kZero},
                      ParseCase{"25:00", "08:00", false, kZero, kZero},
                      ParseCase{"08:60", "21:00", false, kZero, kZero},
                      ParseCase{"24:30", "21:00", false, kZero, kZero},
                      ParseCase{"0800", "21:00", false, kZero, kZero},
                      ParseCase{"08:0", "21:00", false, kZero, kZero},
                      ParseCase{"", "21:00", false, kZero, kZero},
                      ParseCase{"-1:00", "21:00", false, kZero, kZero},
                      ParseCase{"+8:00", "21:00", false, kZero, kZero},
                      ParseCase{"08:00x", "21:00", false, kZero, kZero},
                      ParseCase{"ab:cd", "21:00", false, kZero, kZero},
                      ParseCase{"08:00", "21:00:00", false, kZero, kZero}));

TEST(FormatDailyWindowTest, RoundTrips) {
  EXPECT_EQ(FormatDailyWindow(DailyWindow{}), "08:00-21:00");
  EXPECT_EQ(FormatDailyWindow(Window("22:30", "06:05")), "22:30-06:05");
  EXPECT_EQ(FormatDailyWindow(Window("00:00", "24:00")), "00:00-24:00");
}

// InWindow

struct InWindowCase {
  std::string zone, from, until, t;
  bool want;
};

class InWindowTest : public ::testing::TestWithParam<InWindowCase> {};

TEST_P(InWindowTest, UsesLocalWallClock) {
  const InWindowCase& c = GetParam();
  EXPECT_EQ(InWindow(Window(c.from, c.until), Zone(c.zone), At(c.t)), c.want)
      << c.zone << " " << c.from << "-" << c.until << " at " << c.t;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InWindowTest,
    ::testing::Values(
        InWindowCase{"America/New_York", "08:00", "21:00", "2026-01-15T08:00:00-05:00", true},
        InWindowCase{"America/New_York", "08:00", "21:00", "2026-01-15T07:59:59-05:00", false},
        InWindowCase{"America/New_York", "08:00", "21:00", "2026-01-15T20:59:59-05:00", true},
        InWindowCase{"America/New_York", "08:00", "21:00", "2026-01-15T21:00:00-05:00", false},
        // Same UTC instant, summer: 13:00Z is 09:00 EDT (in) but 08:00 EST in winter.
        InWindowCase{"America/New_York", "08:30", "21:00", "2026-07-15T13:00:00Z", true},
        InWindowCase{"America/New_York", "08:30", "21:00", "2026-01-15T13:00:00Z", false},
        InWindowCase{"Europe/London", "08:00", "21:00", "2026-01-15T08:00:00Z", true},
        InWindowCase{"Asia/Kolkata", "08:00", "21:00", "2026-01-15T02:29:59Z", false},
        InWindowCase{"Asia/Kolkata", "08:00", "21:00", "2026-01-15T02:30:00Z", true},
        // Wrapping window 22:00-06:00.
        InWindowCase{"UTC", "22:00", "06:00", "2026-01-15T23:00:00Z", true},
        InWindowCase{"UTC", "22:00", "06:00", "2026-01-15T05:59:59Z", true},
        InWindowCase{"UTC", "22:00", "06:00", "2026-01-15T06:00:00Z", false},
        InWindowCase{"UTC", "22:00", "06:00", "2026-01-15T12:00:00Z", false},
        // Empty and full windows.
        InWindowCase{"UTC", "09:00", "09:00", "2026-01-15T09:00:00Z", false},
        InWindowCase{"UTC", "00:00", "24:00", "2026-01-15T23:59:59Z", true},
        InWindowCase{"UTC", "00:00", "24:00", "2026-01-15T00:00:00Z", true}));

// NextAllowedTime

struct NextCase {
  std::string name;
  std::vector<std::string> zones;
  std::string from, until;
  std::string t;
  std::string want;  // "" -> NotFound
};

class NextAllowedTimeTest : public ::testing::TestWithParam<NextCase> {};

TEST_P(NextAllowedTimeTest, FindsEarliestInstantAllowedEverywhere) {
  const NextCase& c = GetParam();
  std::vector<absl::TimeZone> zones = Zones(c.zones);
  absl::StatusOr<absl::Time> got = NextAllowedTime(Window(c.from, c.until), zones, At(c.t));
  if (c.want.empty()) {
    ASSERT_FALSE(got.ok()) << Utc(*got);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(got.status().message(), HasSubstr("never opens"));
    return;
  }
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Utc(*got), Utc(At(c.want)));
  // The answer is allowed in every zone.
  for (const absl::TimeZone& z : zones) EXPECT_TRUE(InWindow(Window(c.from, c.until), z, *got));
}

// America/New_York 2026: EST->EDT on Sun 8 March at 02:00 (clocks jump to 03:00);
// EDT->EST on Sun 1 November at 02:00 (clocks fall back to 01:00).
INSTANTIATE_TEST_SUITE_P(
    Table, NextAllowedTimeTest,
    ::testing::Values(
        NextCase{"InsideWindow",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T12:00:00-05:00",
                 "2026-01-15T12:00:00-05:00"},
        NextCase{"ExactlyAtOpening",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T08:00:00-05:00",
                 "2026-01-15T08:00:00-05:00"},
        NextCase{"LastSecondBeforeClose",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T20:59:59-05:00",
                 "2026-01-15T20:59:59-05:00"},
        NextCase{"EarlyMorningWaitsForOpening",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T06:15:00-05:00",
                 "2026-01-15T08:00:00-05:00"},
        NextCase{"AtCloseWaitsForNextDay",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T21:00:00-05:00",
                 "2026-01-16T08:00:00-05:00"},
        NextCase{"SubSecondBeforeOpening",
                 {"UTC"},
                 "08:00",
                 "21:00",
                 "2026-01-15T07:59:59.5Z",
                 "2026-01-15T08:00:00Z"},
        // Spring forward: the night is one hour shorter; 08:00 EDT is 12:00Z, not 13:00Z.
        NextCase{"SpringForwardNight",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-03-07T22:00:00-05:00",
                 "2026-03-08T08:00:00-04:00"},
        NextCase{"SpringForwardNightInUtc",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-03-08T03:00:00Z",
                 "2026-03-08T12:00:00Z"},
        // Fall back: the night is one hour longer; 08:00 EST is 13:00Z.
        NextCase{"FallBackNight",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-10-31T22:00:00-04:00",
                 "2026-11-01T08:00:00-05:00"},
        NextCase{"FallBackNightInUtc",
                 {"America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-11-01T02:00:00Z",
                 "2026-11-01T13:00:00Z"},
        // A window opening at 02:30, a local time that does not exist on 8 March: it opens
        // at the first instant after the gap, 03:00 EDT.
        NextCase{"OpeningInSkippedHour",
                 {"America/New_York"},
                 "02:30",
                 "05:00",
                 "2026-03-08T00:00:00-05:00",
                 "2026-03-08T03:00:00-04:00"},
        NextCase{"OpeningInSkippedHourEndsAfterGap",
                 {"America/New_York"},
                 "02:30",
                 "03:30",
                 "2026-03-08T01:59:00-05:00",
                 "2026-03-08T03:00:00-04:00"},
        // 02:00-03:00 lies entirely in the gap: nothing that day, 02:00 EDT the next.
        NextCase{"WindowEntirelySkipped",
                 {"America/New_York"},
                 "02:00",
                 "03:00",
                 "2026-03-08T00:00:00-05:00",
                 "2026-03-09T02:00:00-04:00"},
        // Fall back with a window 00:00-01:30: closes at 01:30 EDT, re-opens when the clock
        // goes back to 01:00 EST (06:00Z), closes again at 01:30 EST.
        NextCase{"RepeatedHourReopensWindow",
                 {"America/New_York"},
                 "00:00",
                 "01:30",
                 "2026-11-01T01:30:00-04:00",
                 "2026-11-01T01:00:00-05:00"},
        NextCase{"RepeatedHourSecondClose",
                 {"America/New_York"},
                 "00:00",
                 "01:30",
                 "2026-11-01T01:30:00-05:00",
                 "2026-11-02T00:00:00-05:00"},
        NextCase{"WindowInRepeatedHourFirstPass",
                 {"America/New_York"},
                 "01:15",
                 "01:45",
                 "2026-11-01T00:00:00-04:00",
                 "2026-11-01T01:15:00-04:00"},
        NextCase{"WindowInRepeatedHourSecondPass",
                 {"America/New_York"},
                 "01:15",
                 "01:45",
                 "2026-11-01T01:50:00-04:00",
                 "2026-11-01T01:15:00-05:00"},
        NextCase{"WrappingWindowOpensAtNight",
                 {"America/New_York"},
                 "22:00",
                 "06:00",
                 "2026-01-15T12:00:00-05:00",
                 "2026-01-15T22:00:00-05:00"},
        NextCase{"WrappingWindowAfterMidnight",
                 {"America/New_York"},
                 "22:00",
                 "06:00",
                 "2026-01-16T03:00:00-05:00",
                 "2026-01-16T03:00:00-05:00"},
        NextCase{"AlwaysOpen",
                 {"America/New_York"},
                 "00:00",
                 "24:00",
                 "2026-03-08T02:30:00-05:00",
                 "2026-03-08T02:30:00-05:00"},
        NextCase{"NoZonesMeansUtc",
                 {},
                 "08:00",
                 "21:00",
                 "2026-01-15T21:30:00Z",
                 "2026-01-16T08:00:00Z"},
        // Regulation F: declared Los Angeles, phone in New York -> only the overlap,
        // 08:00 PT (11:00 ET) until 21:00 ET (18:00 PT).
        NextCase{"LaAndNyWaitForLaMorning",
                 {"America/Los_Angeles", "America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T09:00:00-05:00",
                 "2026-01-15T08:00:00-08:00"},
        NextCase{"LaAndNyInsideOverlap",
                 {"America/Los_Angeles", "America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T20:30:00-05:00",
                 "2026-01-15T20:30:00-05:00"},
        NextCase{"LaAndNyClosedByNyEvening",
                 {"America/Los_Angeles", "America/New_York"},
                 "08:00",
                 "21:00",
                 "2026-01-15T21:00:00-05:00",
                 "2026-01-16T08:00:00-08:00"},
        // Zones changing DST on different dates: on 2026-03-10 New York is on EDT, London
        // on GMT (4 h apart, not 5): the overlap is 13:00-21:00Z = 09:00-17:00 in New York.
        NextCase{"NyAndLondonBetweenTheirDstDates",
                 {"America/New_York", "Europe/London"},
                 "09:00",
                 "21:00",
                 "2026-03-10T04:00:00-04:00",
                 "2026-03-10T09:00:00-04:00"},
        NextCase{"NyAndLondonClosedByLondonEvening",
                 {"America/New_York", "Europe/London"},
                 "09:00",
                 "21:00",
                 "2026-03-10T17:00:00-04:00",
                 "2026-03-11T09:00:00-04:00"},
        NextCase{"HalfHourZone",
                 {"Asia/Kolkata", "Europe/London"},
                 "08:00",
                 "21:00",
                 "2026-01-15T04:00:00Z",
                 "2026-01-15T08:00:00Z"},
        // Disjoint windows: 09:00-12:00 in New York and in Tokyo never overlap.
        NextCase{"DisjointWindows",
                 {"America/New_York", "Asia/Tokyo"},
                 "09:00",
                 "12:00",
                 "2026-01-15T12:00:00Z",
                 ""},
        NextCase{
            "EmptyWindow", {"America/New_York"}, "09:00", "09:00", "2026-01-15T12:00:00Z", ""}),
    [](const ::testing::TestParamInfo<NextCase>& info) { return info.param.name; });

TEST(NextAllowedTimeTest, InvalidWindowIsInvalidArgument) {
  DailyWindow w{absl::Hours(-1), absl::Hours(21)};
  EXPECT_EQ(NextAllowedTime(w, {}, At("2026-01-15T12:00:00Z")).status().code(),
            absl::StatusCode::kInvalidArgument);
  w = DailyWindow{absl::Hours(8), absl::Hours(25)};
  EXPECT_EQ(NextAllowedTime(w, {}, At("2026-01-15T12:00:00Z")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NextAllowedTimeTest, SkippedCalendarDay) {
  // Samoa skipped 30 December 2011 entirely (it moved west of the date line): the next
  // opening after the evening of the 29th is the morning of the 31st.
  std::vector<absl::TimeZone> apia = Zones({"Pacific/Apia"});
  absl::StatusOr<absl::Time> got =
      NextAllowedTime(Window("08:00", "21:00"), apia, At("2011-12-29T22:00:00-10:00"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Utc(*got), Utc(At("2011-12-31T08:00:00+14:00")));
}

// Property check: the search equals a minute-by-minute scan with InWindow, for random
// windows, zone sets and start instants around the 2026 DST changes of zones with odd
// rules (half-hour DST, DST at midnight, no DST, southern hemisphere).
TEST(NextAllowedTimeTest, MatchesBruteForceScan) {
  const std::vector<std::string> names = {
      "America/New_York",    "America/Los_Angeles", "Europe/London",    "America/Santiago",
      "Australia/Lord_Howe", "Asia/Kolkata",        "Pacific/Chatham",  "America/Havana",
      "Asia/Tehran",         "Pacific/Auckland",    "America/St_Johns", "UTC"};
  const std::vector<std::string> bases = {"2026-03-07T00:00:00Z", "2026-03-28T00:00:00Z",
                                          "2026-04-04T00:00:00Z", "2026-09-05T00:00:00Z",
                                          "2026-09-26T00:00:00Z", "2026-10-24T00:00:00Z",
                                          "2026-10-31T00:00:00Z", "2026-03-13T00:00:00Z"};
  int now = 0, deferred = 0, not_found = 0;
  std::mt19937 rng(20261126);
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int i = 0; i < 100; ++i) {
    std::vector<absl::TimeZone> zones;
    const int zone_count = 1 + pick(3);
    for (int z = 0; z < zone_count; ++z) zones.push_back(Zone(names[pick(names.size())]));
    DailyWindow w{absl::Minutes(15 * pick(96)), absl::Minutes(15 * (1 + pick(96)))};
    const absl::Time t = At(bases[pick(bases.size())]) + absl::Minutes(pick(3 * 24 * 60));
    absl::StatusOr<absl::Time> got = NextAllowedTime(w, zones, t);

    std::optional<absl::Time> want;
    for (absl::Time s = t; s <= t + absl::Hours(24 * 14); s += absl::Minutes(1)) {
      bool all = true;
      for (const absl::TimeZone& z : zones) all = all && InWindow(w, z, s);
      if (all) {
        want = s;
        break;
      }
    }
    std::string label =
        absl::StrCat("case ", i, " window ", FormatDailyWindow(w), " t ", Utc(t), " zones");
    for (const absl::TimeZone& z : zones) absl::StrAppend(&label, " ", z.name());
    now += want && *want == t;
    deferred += want && *want > t;
    not_found += !want;
    if (!want) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound) << label;
    } else {
      ASSERT_TRUE(got.ok()) << label << ": " << got.status();
      EXPECT_EQ(Utc(*got), Utc(*want)) << label;
    }
  }
  // The random cases must exercise every outcome, or the check proves little.
  RecordProperty("outcomes",
                 absl::StrCat(now, " now, ", deferred, " deferred, ", not_found, " none"));
  EXPECT_GT(now, 10);
  EXPECT_GT(deferred, 30);
  EXPECT_GT(not_found, 3);
}

// CandidateZones

std::vector<std::string> Names(const std::vector<absl::TimeZone>& zones) {
  std::vector<std::string> out;
  for (const absl::TimeZone& z : zones) out.push_back(z.name());
  return out;
}

struct CandidateCase {
  std::string declared, postal, phone;
  std::vector<std::string> want;
};

class CandidateZonesTest : public ::testing::TestWithParam<CandidateCase> {};

TEST_P(CandidateZonesTest, MergesDeclaredPostalAndPhoneZones) {
  const CandidateCase& c = GetParam();
  EXPECT_EQ(Names(CandidateZones(c.declared, c.postal, c.phone)), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CandidateZonesTest,
    ::testing::Values(
        CandidateCase{
            "America/Los_Angeles", "", "+12125550123", {"America/Los_Angeles", "America/New_York"}},
        CandidateCase{"America/New_York", "America/New_York", "+12125550123", {"America/New_York"}},
        CandidateCase{
            "", "America/Chicago", "+13105551234", {"America/Chicago", "America/Los_Angeles"}},
        CandidateCase{"", "", "+12084567890", {"America/Boise", "America/Los_Angeles"}},
        CandidateCase{"Mars/Olympus_Mons", "not a zone", "", {"UTC"}},
        CandidateCase{"", "", "", {"UTC"}}, CandidateCase{"", "", "garbage", {"UTC"}},
        CandidateCase{"Europe/London", "", "+442079460958", {"Europe/London"}},
        // Toll-free: every NANP zone; that says "somewhere in NANP", not where, so it only
        // counts when nothing more precise is known.
        CandidateCase{"America/Denver", "", "+18005550199", {"America/Denver"}}));

TEST(CandidateZonesTest, CountryLevelPhoneZonesUsedWhenNothingElseIsKnown) {
  std::vector<absl::TimeZone> zones = CandidateZones("", "", "+18005550199");
  EXPECT_EQ(zones.size(), 42u);
  // Only times allowed from Guam (UTC+10) to St. John's (UTC-3:30) count: in January the
  // overlap is 22:00Z (08:00 in Guam) to 00:30Z (21:00 in St. John's).
  absl::StatusOr<absl::Time> got =
      NextAllowedTime(DailyWindow{}, zones, At("2026-01-15T12:00:00Z"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Utc(*got), Utc(At("2026-01-15T22:00:00Z")));
  got = NextAllowedTime(DailyWindow{}, zones, At("2026-01-16T00:30:00Z"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Utc(*got), Utc(At("2026-01-16T22:00:00Z")));
}

TEST(CandidateZonesTest, DeclaredLaWithNewYorkPhoneAllowsOnlyTheOverlap) {
  std::vector<absl::TimeZone> zones = CandidateZones("America/Los_Angeles", "", "+12125550123");
  // 07:00 in New York, 04:00 in Los Angeles -> 08:00 in Los Angeles (11:00 NY).
  absl::StatusOr<absl::Time> got =
      NextAllowedTime(DailyWindow{}, zones, At("2026-07-01T07:00:00-04:00"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Utc(*got), Utc(At("2026-07-01T08:00:00-07:00")));
}

TEST(ZoneNamesTest, RoundTripsThroughNames) {
  std::vector<absl::TimeZone> zones = CandidateZones("America/Los_Angeles", "", "+12125550123");
  std::vector<std::string> names = ZoneNames(zones);
  EXPECT_EQ(names, (std::vector<std::string>{"America/Los_Angeles", "America/New_York"}));
  EXPECT_EQ(Names(LoadZones(names)), names);
  EXPECT_EQ(Names(LoadZones({"Nowhere/Atlantis", ""})), std::vector<std::string>{"UTC"});
}

}  // namespace
}  // namespace blend::policy
