#include "blend/engagement/profile.h"

#include "blend/common/testing/times.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::engagement {
namespace {

using nlohmann::json;
using test_support::At;
using test_support::Zone;

Interaction Sent(Channel c, const std::string& at, const std::string& campaign = "c1") {
  Interaction in;
  in.channel = c;
  in.at = At(at);
  in.touch = true;
  in.outcome = "SENT";
  in.campaign_id = campaign;
  return in;
}

Interaction Reply(Channel c, const std::string& at) {
  return FromCustomerEvent(c == Channel::kSms ? "sms.reply" : "email.click", std::nullopt, At(at),
                           EngagementConfig{})
      .at(0);
}

TEST(ProfileTest, SmsSendAndReplyCountedInLocalHour) {
  Profile p;
  const absl::TimeZone ny = Zone("America/New_York");
  ApplyInteraction(p, Sent(Channel::kSms, "2026-11-24T14:00:00Z"), ny);
  ApplyInteraction(p, Reply(Channel::kSms, "2026-11-24T23:10:00Z"), ny);  // Tue 18:10 EST
  const ChannelStats& s = p.channels.at(Channel::kSms);
  EXPECT_EQ(s.sent, 1);
  EXPECT_EQ(s.positive, 1);
  EXPECT_EQ(s.last_outcome, "REPLIED");
  EXPECT_EQ(p.positive_by_weekday_hour[1][18], 1);
  EXPECT_EQ(BestHourLocal(p), 18);
  EXPECT_EQ(BestWeekday(p), 1);
}

TEST(ProfileTest, HistogramFollowsDstChange) {
  Profile p;
  const absl::TimeZone ny = Zone("America/New_York");
  // 18:30 local on both sides of the 2026-03-08 spring-forward: 23:30Z (EST), 22:30Z (EDT).
  ApplyInteraction(p, Reply(Channel::kSms, "2026-03-06T23:30:00Z"), ny);
  ApplyInteraction(p, Reply(Channel::kSms, "2026-03-09T22:30:00Z"), ny);
  ApplyInteraction(p, Reply(Channel::kSms, "2026-03-10T15:00:00Z"), ny);  // 11:00 EDT
  EXPECT_EQ(BestHourLocal(p), 18);
  EXPECT_EQ(p.positive_by_weekday_hour[4][18], 1);  // Friday 18:30 EST
  EXPECT_EQ(p.positive_by_weekday_hour[0][18], 1);  // Monday 18:30 EDT
  EXPECT_EQ(p.positive_by_weekday_hour[1][11], 1);  // Tuesday 11:00 EDT
}

TEST(ProfileTest, VoiceOutcomesByWrapupMapping) {
  EngagementConfig config;
  DispositionInput d{Channel::kVoice, Outcome::kSent, false, "", At("2026-11-24T15:00:00Z"), "c"};
  EXPECT_FALSE(FromDisposition(d, config).has_value()) << "contact insertion is not a call";
  d.outcome = Outcome::kCallCompleted;
  d.answered = true;
  d.wrapup_code = "PROMISE_TO_PAY";
  auto answered = FromDisposition(d, config);
  ASSERT_TRUE(answered.has_value());
  EXPECT_TRUE(answered->touch);
  EXPECT_TRUE(answered->positive);
  EXPECT_EQ(answered->outcome, "ANSWERED");

  config.positive_wrapup_codes = {"RPC"};
  auto not_rpc = FromDisposition(d, config);
  EXPECT_FALSE(not_rpc->positive);
  EXPECT_EQ(not_rpc->outcome, "ANSWERED_NOT_RPC");
  d.wrapup_code = "RPC";
  EXPECT_TRUE(FromDisposition(d, config)->positive);

  d.answered = false;
  d.wrapup_code = "ININ-OUTBOUND-NO-ANSWER";
  config.positive_wrapup_codes.clear();
  auto no_answer = FromDisposition(d, config);
  EXPECT_TRUE(no_answer->touch);
  EXPECT_FALSE(no_answer->positive);
  EXPECT_EQ(no_answer->outcome, "NO_ANSWER");
}

TEST(ProfileTest, SkippedAndUnknownDispositionsRecordNothing) {
  DispositionInput d{Channel::kSms, Outcome::kSkipped, false, "", At("2026-11-24T15:00:00Z"), ""};
  EXPECT_FALSE(FromDisposition(d, {}).has_value());
  d.outcome = Outcome::kUnknown;
  EXPECT_FALSE(FromDisposition(d, {}).has_value());
  d.outcome = Outcome::kFailed;
  EXPECT_TRUE(FromDisposition(d, {})->failed);
}

TEST(ProfileTest, OptOutEventWithoutChannelCountsOnEveryChannel) {
  auto all = FromCustomerEvent("opt_out", std::nullopt, At("2026-11-24T15:00:00Z"), {});
  EXPECT_EQ(all.size(), 3u);
  auto sms = FromCustomerEvent("opt_out", Channel::kSms, At("2026-11-24T15:00:00Z"), {});
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_TRUE(sms[0].opted_out);
  EXPECT_TRUE(
      FromCustomerEvent("payment.received", std::nullopt, At("2026-11-24T15:00:00Z"), {}).empty());
  EXPECT_TRUE(IsGoalEvent("payment.received", {}));
  EXPECT_FALSE(IsGoalEvent("sms.reply", {}));
}

class AttributionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApplyInteraction(p_, Sent(Channel::kEmail, "2026-11-20T10:00:00Z", "old"), absl::UTCTimeZone());
    ApplyInteraction(p_, Sent(Channel::kSms, "2026-11-24T10:00:00Z", "dunning"),
                     absl::UTCTimeZone());
  }
  Profile p_;
  const absl::Duration window_ = absl::Hours(48);
};

TEST_F(AttributionTest, ConversionExactlyAtWindowEndIsAttributed) {
  auto a = ApplyConversion(p_, At("2026-11-26T10:00:00Z"), window_);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->channel, Channel::kSms);
  EXPECT_EQ(a->campaign_id, "dunning");
  EXPECT_EQ(a->time_to_conversion, absl::Hours(48));
  EXPECT_EQ(p_.channels.at(Channel::kSms).conversions, 1);
  EXPECT_EQ(p_.conversions, 1);
}

TEST_F(AttributionTest, ConversionJustAfterWindowIsUnattributed) {
  auto a = ApplyConversion(p_, At("2026-11-26T10:00:00.000001Z"), window_);
  EXPECT_FALSE(a.has_value());
  EXPECT_EQ(p_.conversions, 1);
  EXPECT_EQ(p_.unattributed_conversions, 1);
  EXPECT_EQ(p_.channels.at(Channel::kSms).conversions, 0);
}

TEST_F(AttributionTest, ConversionAtTheTouchInstantIsAttributed) {
  auto a = ApplyConversion(p_, At("2026-11-24T10:00:00Z"), window_);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->time_to_conversion, absl::ZeroDuration());
}

TEST_F(AttributionTest, ConversionBeforeTheLastTouchGoesToTheTouchBeforeIt) {
  // Paid on the 21st: the SMS of the 24th came later and cannot have caused it.
  auto a = ApplyConversion(p_, At("2026-11-21T09:00:00Z"), window_);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->channel, Channel::kEmail);
  EXPECT_EQ(a->time_to_conversion, absl::Hours(23));
}

TEST(AttributionEdgeTest, ConversionWithoutAnyTouchIsUnattributed) {
  Profile p;
  EXPECT_FALSE(ApplyConversion(p, At("2026-11-21T09:00:00Z"), absl::Hours(1)).has_value());
  EXPECT_EQ(p.conversions, 1);
  EXPECT_EQ(p.unattributed_conversions, 1);
}

TEST(BestChannelTest, SmoothedResponseRateWinsAndOptOutExcludes) {
  Profile p;
  EXPECT_FALSE(BestChannel(p).has_value());
  p.channels[Channel::kSms] = ChannelStats{10, 0, 1, 0, 0, "", {}, {}};   // (1+1)/12
  p.channels[Channel::kEmail] = ChannelStats{2, 0, 1, 0, 0, "", {}, {}};  // (1+1)/4
  EXPECT_EQ(BestChannel(p), Channel::kEmail);
  p.channels[Channel::kEmail].opt_outs = 1;
  EXPECT_EQ(BestChannel(p), Channel::kSms);
  p.channels[Channel::kVoice] = ChannelStats{10, 0, 1, 0, 0, "", {}, {}};  // ties with sms
  EXPECT_EQ(BestChannel(p), Channel::kSms);
  p.channels[Channel::kVoice].conversions = 1;
  EXPECT_EQ(BestChannel(p), Channel::kVoice);
}

TEST(ImportOutcomeTest, WordsMapToCounts) {
  auto rpc = FromImportOutcome(Channel::kVoice, " RPC ", At("2026-11-24T15:00:00Z"));
  ASSERT_TRUE(rpc.ok());
  EXPECT_TRUE(rpc->touch && rpc->positive);
  auto bounced = FromImportOutcome(Channel::kEmail, "bounced", At("2026-11-24T15:00:00Z"));
  EXPECT_TRUE(bounced->failed);
  EXPECT_FALSE(bounced->touch);
  auto bad = FromImportOutcome(Channel::kEmail, "teleported", At("2026-11-24T15:00:00Z"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("teleported"));
}

TEST(ProfileJsonTest, RoundTripKeepsEverything) {
  Profile p;
  p.customer_id = "cust-1";
  p.time_zone = "America/Chicago";
  ApplyInteraction(p, Sent(Channel::kSms, "2026-11-24T14:00:00Z", "camp"), Zone("America/Chicago"));
  ApplyInteraction(p, Reply(Channel::kSms, "2026-11-24T20:00:00Z"), Zone("America/Chicago"));
  ApplyConversion(p, At("2026-11-25T14:00:00Z"), absl::Hours(48));
  const json j = ProfileToJson(p);
  auto back = ProfileFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ProfileToJson(*back), j);
  EXPECT_EQ(back->last_touch->campaign_id, "camp");
  EXPECT_EQ(back->channels.at(Channel::kSms).conversions, 1);
}

TEST(ProfileJsonTest, EmptyObjectIsEmptyProfileAndGarbageIsRejected) {
  auto empty = ProfileFromJson(json::object());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->conversions, 0);
  EXPECT_FALSE(ProfileFromJson(json::array()).ok());
  EXPECT_FALSE(ProfileFromJson(json{{"channels", {{"fax", json::object()}}}}).ok());
  EXPECT_FALSE(ProfileFromJson(json{{"lastConversionAt", "yesterday"}}).ok());
  EXPECT_FALSE(ProfileFromJson(json{{"positiveByWeekdayHour", json::array({1, 2})}}).ok());
}

TEST(FactsJsonTest, ListsEveryChannelAndDerivedFields) {
  Profile p;
  json empty = FactsJson(p);
  EXPECT_EQ(empty["sms"]["sent"], 0);
  EXPECT_TRUE(empty["voice"]["lastOutcome"].is_null());
  EXPECT_TRUE(empty["bestChannel"].is_null());
  EXPECT_TRUE(empty["bestHourLocal"].is_null());

  ApplyInteraction(p, Sent(Channel::kEmail, "2026-11-24T14:00:00Z"), absl::UTCTimeZone());
  ApplyInteraction(p, Reply(Channel::kEmail, "2026-11-24T16:00:00Z"), absl::UTCTimeZone());
  json facts = FactsJson(p);
  EXPECT_EQ(facts["bestChannel"], "email");
  EXPECT_EQ(facts["bestHourLocal"], 16);
  EXPECT_EQ(facts["bestWeekday"], "TUE");
  EXPECT_EQ(facts["email"]["lastOutcome"], "CLICKED");
  EXPECT_DOUBLE_EQ(facts["email"]["responseRate"].get<double>(), 1.0);
}

}  // namespace
}  // namespace blend::engagement
