#include "blend/phone/phone.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prefix_timezones.h"

namespace blend::phone {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct NormalizeCase {
  std::string raw;
  std::string region;
  std::string want;  // empty: InvalidArgument expected, `reason` in its message
  std::string reason;
};

class NormalizeE164Test : public ::testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeE164Test, NormalizesOrExplains) {
  const NormalizeCase& c = GetParam();
  absl::StatusOr<std::string> got = NormalizeE164(c.raw, c.region);
  if (c.want.empty()) {
    ASSERT_FALSE(got.ok()) << *got;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(got.status().message(), HasSubstr(c.reason));
  } else {
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, NormalizeE164Test,
    ::testing::Values(NormalizeCase{"(212) 555-0123", "US", "+12125550123", ""},
                      NormalizeCase{"212.555.0123", "US", "+12125550123", ""},
                      NormalizeCase{"1 212 555 0123", "US", "+12125550123", ""},
                      NormalizeCase{"+1 (310) 555-1234", "GB", "+13105551234", ""},
                      NormalizeCase{"+12125550123", "US", "+12125550123", ""},
                      NormalizeCase{"020 7946 0958", "GB", "+442079460958", ""},
                      NormalizeCase{"+44 20 7946 0958", "US", "+442079460958", ""},
                      NormalizeCase{"011 44 20 7946 0958", "US", "+442079460958", ""},
                      NormalizeCase{"00 33 1 42 68 53 00", "FR", "+33142685300", ""},
                      NormalizeCase{"1-800-555-0199", "US", "+18005550199", ""},
                      NormalizeCase{"", "US", "", "not a phone number"},
                      NormalizeCase{"hello", "US", "", "not a phone number"},
                      NormalizeCase{"555-0123", "US", "", "local number only"},
                      NormalizeCase{"12", "US", "", "invalid phone number"},
                      NormalizeCase{"212 555 01234567", "US", "", "invalid phone number"},
                      NormalizeCase{"020 7946 0958", "ZZ", "", "country calling code"},
                      NormalizeCase{"+999 1234 5678", "US", "", "country calling code"},
                      // 1-212-055-...: NANP exchange codes never start with 0.
                      NormalizeCase{"(212) 055-0123", "US", "", "numbering plan"}));

TEST(NormalizeE164Test, ErrorMessageNeverEchoesTheNumber) {
  absl::StatusOr<std::string> got = NormalizeE164("(212) 055-0123");
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(std::string(got.status().message()), ::testing::Not(HasSubstr("055")));
}

struct ZoneCase {
  std::string e164;
  std::vector<std::string> want;
  bool country_level;
};

class TimeZonesForNumberTest : public ::testing::TestWithParam<ZoneCase> {};

TEST_P(TimeZonesForNumberTest, MatchesLibphonenumberMapping) {
  const ZoneCase& c = GetParam();
  NumberTimeZones got = LookupTimeZones(c.e164);
  EXPECT_EQ(got.zones, c.want) << c.e164;
  EXPECT_EQ(got.country_level, c.country_level) << c.e164;
  EXPECT_EQ(TimeZonesForNumber(c.e164), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TimeZonesForNumberTest,
    ::testing::Values(ZoneCase{"+12125550123", {"America/New_York"}, false},     // Manhattan
                      ZoneCase{"+13105551234", {"America/Los_Angeles"}, false},  // Los Angeles
                      ZoneCase{"+13125550100", {"America/Chicago"}, false},      // Chicago
                      ZoneCase{"+16502530000", {"America/Los_Angeles"}, false},  // Mountain View
                      // Idaho's 208 spans Mountain and Pacific time: both zones.
                      ZoneCase{"+12084567890", {"America/Boise", "America/Los_Angeles"}, false},
                      ZoneCase{"+442079460958", {"Europe/London"}, false},
                      ZoneCase{"+33142685300", {"Europe/Paris"}, false},
                      // Valid UK number that is not in any allocated range: unknown.
                      ZoneCase{"+447700900123", {}, false}, ZoneCase{"not-a-number", {}, false},
                      ZoneCase{"12125550123", {}, false},     // no '+'
                      ZoneCase{"+1212555012x", {}, false}));  // not only digits

TEST(TimeZonesForNumberTest, TollFreeGivesEveryZoneOfTheCountry) {
  NumberTimeZones got = LookupTimeZones("+18005550199");
  EXPECT_TRUE(got.country_level);
  EXPECT_THAT(got.zones, SizeIs(42));
  EXPECT_THAT(got.zones, ::testing::Contains("America/New_York"));
  EXPECT_THAT(got.zones, ::testing::Contains("Pacific/Honolulu"));
}

TEST(TimeZonesForNumberTest, RussianMobileIsCountryLevel) {
  NumberTimeZones got = LookupTimeZones("+79161234567");
  EXPECT_TRUE(got.country_level);
  EXPECT_THAT(got.zones, ::testing::Contains("Europe/Moscow"));
  EXPECT_THAT(got.zones, ::testing::Contains("Asia/Vladivostok"));
}

TEST(TimeZonesForNumberTest, EveryZoneInTheTableIsInTheSystemTzdata) {
  // The table and the system zoneinfo come from different releases; a zone the system
  // cannot load would silently drop out of CandidateZones, so catch it here.
  ASSERT_GT(internal::PrefixCount(), 3000u);
  NumberTimeZones nanp = LookupTimeZones("+18005550199");
  for (const std::string& name : nanp.zones) {
    absl::TimeZone tz;
    EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
  }
}

TEST(PrefixTableTest, LongestPrefixWins) {
  EXPECT_THAT(internal::ZonesForLongestPrefix("12125550123"), ElementsAre("America/New_York"));
  EXPECT_THAT(internal::ZonesForLongestPrefix("1"), SizeIs(42));
  EXPECT_THAT(internal::ZonesForLongestPrefix(""), IsEmpty());
  EXPECT_THAT(internal::ZonesForLongestPrefix("999"), IsEmpty());
}

struct RegionCase {
  std::string e164;
  std::string want;
};

class RegionOfTest : public ::testing::TestWithParam<RegionCase> {};

TEST_P(RegionOfTest, GivesIsoRegion) { EXPECT_EQ(RegionOf(GetParam().e164), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(
    Table, RegionOfTest,
    ::testing::Values(RegionCase{"+12125550123", "US"}, RegionCase{"+14165550123", "CA"},
                      RegionCase{"+442079460958", "GB"}, RegionCase{"+33142685300", "FR"},
                      RegionCase{"+80012345678", "001"}, RegionCase{"2125550123", ""},
                      RegionCase{"", ""}, RegionCase{"+", ""}));

}  // namespace
}  // namespace blend::phone
