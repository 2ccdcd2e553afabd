#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/common/testing/times.h"
#include "blend/policy/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::policy {
namespace {

using ::blend::test_support::At;
using ::blend::test_support::Utc;
using ::blend::test_support::Zones;
using ::testing::HasSubstr;
using Kind = TouchDecision::Kind;

constexpr absl::Duration kDay = absl::Hours(24);

struct DecideCase {
  std::string name;
  Channel channel;
  ChannelPolicy policy;
  std::vector<std::string> zones;
  SuppressionFacts suppression;
  std::vector<std::string> past;
  std::string t;
  // Expected:
  Kind kind;
  std::string send_at;  // kSend
  bool by_quiet_hours;
  bool by_cap;
  std::string error;  // kFail
};

class DecideTouchTest : public ::testing::TestWithParam<DecideCase> {};

TEST_P(DecideTouchTest, Decides) {
  const DecideCase& c = GetParam();
  std::vector<absl::Time> past;
  for (const std::string& p : c.past) past.push_back(At(p));
  absl::StatusOr<TouchDecision> d =
      DecideTouch(c.channel, c.policy, Zones(c.zones), c.suppression, past, At(c.t));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->kind, c.kind) << d->error << ": " << d->cause;
  if (c.kind == Kind::kFail) {
    EXPECT_EQ(d->error, c.error);
    EXPECT_FALSE(d->cause.empty());
    return;
  }
  EXPECT_EQ(Utc(d->send_at), Utc(At(c.send_at)));
  EXPECT_EQ(d->deferred_by_quiet_hours, c.by_quiet_hours);
  EXPECT_EQ(d->deferred_by_cap, c.by_cap);
  // Re-checking at claim time, at the decided instant, lets the touch go at once.
  absl::StatusOr<TouchDecision> again =
      DecideTouch(c.channel, c.policy, Zones(c.zones), c.suppression, past, d->send_at);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, Kind::kSend);
  EXPECT_EQ(again->send_at, d->send_at);
  EXPECT_FALSE(again->deferred_by_quiet_hours || again->deferred_by_cap);
}

ChannelPolicy Voice(int max, absl::Duration window, bool fail = false) {
  ChannelPolicy p = DefaultChannelPolicy(Channel::kVoice);
  p.cap = FrequencyCap{max, window, fail};
  return p;
}

ChannelPolicy WindowPolicy(absl::Duration from, absl::Duration until) {
  ChannelPolicy p;
  p.allowed_window = DailyWindow{from, until};
  return p;
}

const std::vector<std::string> kNy = {"America/New_York"};
const SuppressionFacts kNone{};

INSTANTIATE_TEST_SUITE_P(
    Table, DecideTouchTest,
    ::testing::Values(
        DecideCase{"SmsInsideWindowGoesNow",
                   Channel::kSms,
                   DefaultChannelPolicy(Channel::kSms),
                   kNy,
                   kNone,
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T10:00:00-05:00",
                   false,
                   false,
                   ""},
        DecideCase{"SmsAtNightDeferredToMorning",
                   Channel::kSms,
                   DefaultChannelPolicy(Channel::kSms),
                   kNy,
                   kNone,
                   {},
                   "2026-01-15T22:00:00-05:00",
                   Kind::kSend,
                   "2026-01-16T08:00:00-05:00",
                   true,
                   false,
                   ""},
        DecideCase{"SmsDeferredAcrossSpringForward",
                   Channel::kSms,
                   DefaultChannelPolicy(Channel::kSms),
                   kNy,
                   kNone,
                   {},
                   "2026-03-07T23:30:00-05:00",
                   Kind::kSend,
                   "2026-03-08T08:00:00-04:00",
                   true,
                   false,
                   ""},
        DecideCase{"EmailHasNoQuietHours",
                   Channel::kEmail,
                   DefaultChannelPolicy(Channel::kEmail),
                   kNy,
                   kNone,
                   {},
                   "2026-01-15T03:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T03:00:00-05:00",
                   false,
                   false,
                   ""},
        DecideCase{"SmsOptedOutFails",
                   Channel::kSms,
                   DefaultChannelPolicy(Channel::kSms),
                   kNy,
                   SuppressionFacts{.sms_opted_out = true},
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kFail,
                   "",
                   false,
                   false,
                   kOptedOutError},
        DecideCase{"VoiceDncFails",
                   Channel::kVoice,
                   DefaultChannelPolicy(Channel::kVoice),
                   kNy,
                   SuppressionFacts{.dnc_active = true},
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kFail,
                   "",
                   false,
                   false,
                   kDncActiveError},
        DecideCase{"DncDoesNotBlockSms",
                   Channel::kSms,
                   DefaultChannelPolicy(Channel::kSms),
                   kNy,
                   SuppressionFacts{.dnc_active = true},
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T10:00:00-05:00",
                   false,
                   false,
                   ""},
        DecideCase{"SmsOptOutDoesNotBlockEmail",
                   Channel::kEmail,
                   DefaultChannelPolicy(Channel::kEmail),
                   kNy,
                   SuppressionFacts{.sms_opted_out = true, .voice_opted_out = true},
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T10:00:00-05:00",
                   false,
                   false,
                   ""},
        DecideCase{"OptOutWinsOverDnc",
                   Channel::kVoice,
                   DefaultChannelPolicy(Channel::kVoice),
                   kNy,
                   SuppressionFacts{.voice_opted_out = true, .dnc_active = true},
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kFail,
                   "",
                   false,
                   false,
                   kOptedOutError},
        // One call a day; yesterday's at 20:30 -> today 20:30, still inside 08:00-21:00.
        DecideCase{"CapDefersInsideWindow",
                   Channel::kVoice,
                   Voice(1, kDay),
                   kNy,
                   kNone,
                   {"2026-01-14T20:30:00-05:00"},
                   "2026-01-15T09:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T20:30:00-05:00",
                   false,
                   true,
                   ""},
        // Yesterday's call at 20:59:59 leaves one second before 21:00 today.
        DecideCase{"CapReleasesOneSecondBeforeClose",
                   Channel::kVoice,
                   Voice(1, kDay),
                   kNy,
                   kNone,
                   {"2026-01-14T20:59:59-05:00"},
                   "2026-01-15T09:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T20:59:59-05:00",
                   false,
                   true,
                   ""},
        // Yesterday's call at 21:00 (placed by another policy): the cap frees 21:00 today,
        // the window has just closed -> tomorrow 08:00.
        DecideCase{"CapReleasesAtCloseThenQuietHours",
                   Channel::kVoice,
                   Voice(1, kDay),
                   kNy,
                   kNone,
                   {"2026-01-14T21:00:00-05:00"},
                   "2026-01-15T09:00:00-05:00",
                   Kind::kSend,
                   "2026-01-16T08:00:00-05:00",
                   true,
                   true,
                   ""},
        // Quiet hours first (22:00 -> 08:00), then the cap (a call at 07:00 the day before
        // yesterday... and one yesterday at 10:00 -> 10:00 today).
        DecideCase{"QuietHoursThenCap",
                   Channel::kVoice,
                   Voice(2, 2 * kDay),
                   kNy,
                   kNone,
                   {"2026-01-14T10:00:00-05:00", "2026-01-15T11:00:00-05:00"},
                   "2026-01-15T22:00:00-05:00",
                   Kind::kSend,
                   "2026-01-16T10:00:00-05:00",
                   true,
                   true,
                   ""},
        DecideCase{"CapFailsWhenPolicySaysSo",
                   Channel::kVoice,
                   Voice(1, kDay, true),
                   kNy,
                   kNone,
                   {"2026-01-15T09:00:00-05:00"},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kFail,
                   "",
                   false,
                   false,
                   kFrequencyCappedError},
        DecideCase{"FailingCapUnderLimitSends",
                   Channel::kVoice,
                   Voice(2, kDay, true),
                   kNy,
                   kNone,
                   {"2026-01-15T09:00:00-05:00"},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T10:00:00-05:00",
                   false,
                   false,
                   ""},
        DecideCase{"DisjointWindowsFail",
                   Channel::kSms,
                   WindowPolicy(absl::Hours(9), absl::Hours(12)),
                   {"America/New_York", "Asia/Tokyo"},
                   kNone,
                   {},
                   "2026-01-15T10:00:00-05:00",
                   Kind::kFail,
                   "",
                   false,
                   false,
                   kNoAllowedTimeError},
        DecideCase{"LaDeclaredNyPhoneOverlap",
                   Channel::kVoice,
                   DefaultChannelPolicy(Channel::kVoice),
                   {"America/Los_Angeles", "America/New_York"},
                   kNone,
                   {},
                   "2026-01-15T09:00:00-05:00",
                   Kind::kSend,
                   "2026-01-15T08:00:00-08:00",
                   true,
                   false,
                   ""}),
    [](const ::testing::TestParamInfo<DecideCase>& info) { return info.param.name; });

TEST(DecideTouchTest, InvalidWindowIsInvalidArgument) {
  ChannelPolicy p = WindowPolicy(absl::Hours(8), absl::Hours(30));
  absl::StatusOr<TouchDecision> d =
      DecideTouch(Channel::kSms, p, {}, kNone, {}, At("2026-01-15T10:00:00Z"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DecideTouchTest, ClaimTimeRecheckDetectsTouchesSentSinceEmit) {
  // Emitted at 10:00 under a 1-per-day cap; by claim time (10:05) another touch of the same
  // journey key went out at 10:01: the claim must re-schedule to 10:01 tomorrow.
  ChannelPolicy p = Voice(1, kDay);
  const std::vector<absl::Time> none;
  absl::StatusOr<TouchDecision> at_emit =
      DecideTouch(Channel::kVoice, p, Zones(kNy), kNone, none, At("2026-01-15T10:00:00-05:00"));
  ASSERT_TRUE(at_emit.ok());
  EXPECT_EQ(at_emit->kind, Kind::kSend);
  const std::vector<absl::Time> since = {At("2026-01-15T10:01:00-05:00")};
  absl::StatusOr<TouchDecision> at_claim =
      DecideTouch(Channel::kVoice, p, Zones(kNy), kNone, since, At("2026-01-15T10:05:00-05:00"));
  ASSERT_TRUE(at_claim.ok());
  EXPECT_EQ(Utc(at_claim->send_at), Utc(At("2026-01-16T10:01:00-05:00")));
  EXPECT_TRUE(at_claim->deferred_by_cap);
}

TEST(DecideTouchTest, FailureCausesNameNoPersonalData) {
  absl::StatusOr<TouchDecision> d =
      DecideTouch(Channel::kSms, DefaultChannelPolicy(Channel::kSms), Zones(kNy),
                  SuppressionFacts{.sms_opted_out = true}, {}, At("2026-01-15T10:00:00Z"));
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(d->cause, HasSubstr("opted out of sms"));
}

TEST(DefaultChannelPolicyTest, TcpaWindowForSmsAndVoiceOnly) {
  for (Channel c : {Channel::kSms, Channel::kVoice}) {
    ChannelPolicy p = DefaultChannelPolicy(c);
    ASSERT_TRUE(p.allowed_window.has_value()) << ChannelName(c);
    EXPECT_EQ(p.allowed_window->from, absl::Hours(8));
    EXPECT_EQ(p.allowed_window->until, absl::Hours(21));
    EXPECT_FALSE(CapEnabled(p.cap));
  }
  EXPECT_FALSE(DefaultChannelPolicy(Channel::kEmail).allowed_window.has_value());
}

struct SuppressionCase {
  Channel channel;
  SuppressionFacts facts;
  std::string want;  // "" -> may go
};

class SuppressionErrorTest : public ::testing::TestWithParam<SuppressionCase> {};

TEST_P(SuppressionErrorTest, MapsFactsToAslError) {
  std::optional<std::string_view> got = SuppressionError(GetParam().channel, GetParam().facts);
  EXPECT_EQ(std::string(got.value_or("")), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SuppressionErrorTest,
    ::testing::Values(SuppressionCase{Channel::kSms, {}, ""},
                      SuppressionCase{Channel::kSms, {.sms_opted_out = true}, kOptedOutError},
                      SuppressionCase{Channel::kSms, {.voice_opted_out = true}, ""},
                      SuppressionCase{Channel::kSms, {.dnc_active = true}, ""},
                      SuppressionCase{Channel::kVoice, {.voice_opted_out = true}, kOptedOutError},
                      SuppressionCase{Channel::kVoice, {.dnc_active = true}, kDncActiveError},
                      SuppressionCase{Channel::kVoice, {.sms_opted_out = true}, ""},
                      SuppressionCase{Channel::kEmail, {.email_opted_out = true}, kOptedOutError},
                      SuppressionCase{Channel::kEmail, {.dnc_active = true}, ""}));

}  // namespace
}  // namespace blend::policy
