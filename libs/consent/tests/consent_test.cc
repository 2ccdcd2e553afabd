#include "blend/consent/consent.h"

#include <gtest/gtest.h>

namespace blend::consent {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const Subject kAda{"cust-1", "+12125550100", "ada@example.com"};

Record R(std::string customer, std::string address, Scope channel, Reason reason) {
  Record r;
  r.customer_id = std::move(customer);
  r.address = std::move(address);
  r.channel = channel;
  r.reason = reason;
  r.source = "test";
  return r;
}

TEST(ConsentTest, NamesRoundTripAndParseLeniently) {
  for (Reason r : {Reason::kOptOut, Reason::kDnc, Reason::kLegalHold, Reason::kBankruptcy,
                   Reason::kDeceased, Reason::kCrm}) {
    EXPECT_EQ(ParseReason(ReasonName(r)), r);
  }
  EXPECT_EQ(ParseReason("Legal-Hold"), Reason::kLegalHold);
  EXPECT_EQ(ParseReason("opt out"), Reason::kOptOut);
  EXPECT_EQ(ParseReason("DNC"), Reason::kDnc);
  EXPECT_EQ(ParseReason("holiday"), std::nullopt);
  EXPECT_EQ(ParseScope("ALL"), Scope::kAll);
  EXPECT_EQ(ParseScope("fax"), std::nullopt);
  EXPECT_EQ(ScopeFromInt(5), std::nullopt);
  EXPECT_EQ(ReasonFromInt(0), std::nullopt);
}

TEST(ConsentTest, NormalizesAddresses) {
  EXPECT_EQ(*NormalizeAddress(" (212) 555-0100 "), "+12125550100");
  EXPECT_EQ(*NormalizeAddress("Ada@Example.COM"), "ada@example.com");
  EXPECT_FALSE(NormalizeAddress("not a number").ok());
  EXPECT_FALSE(NormalizeAddress("a@b@c").ok());
  EXPECT_FALSE(NormalizeAddress("@example.com").ok());
}

TEST(ConsentTest, NormalizeNeedsASubjectAndASource) {
  Record none = R("", "", Scope::kAll, Reason::kCrm);
  EXPECT_FALSE(Normalize(none).ok());
  Record no_source = R("cust-1", "", Scope::kAll, Reason::kCrm);
  no_source.source.clear();
  EXPECT_FALSE(Normalize(no_source).ok());
  Record phone = R("", "212-555-0100", Scope::kVoice, Reason::kDnc);
  ASSERT_TRUE(Normalize(phone).ok());
  EXPECT_EQ(phone.address, "+12125550100");
}

TEST(ConsentTest, SmsOptOutBlocksEveryChannelWithScopeAll) {
  auto f = Evaluate({R("", "+12125550100", Scope::kSms, Reason::kOptOut)}, kAda, OptOutScope::kAll,
                    kNow);
  EXPECT_TRUE(f.sms_opted_out);
  EXPECT_TRUE(f.voice_opted_out);
  EXPECT_TRUE(f.email_opted_out);
  EXPECT_FALSE(f.dnc_active);
}

TEST(ConsentTest, SmsOptOutBlocksOnlySmsWithScopeChannel) {
  auto f = Evaluate({R("", "+12125550100", Scope::kSms, Reason::kOptOut)}, kAda,
                    OptOutScope::kChannel, kNow);
  EXPECT_TRUE(f.sms_opted_out);
  EXPECT_FALSE(f.voice_opted_out);
  EXPECT_FALSE(f.email_opted_out);
}

TEST(ConsentTest, OtherReasonsBlockTheChannelTheyNameWhateverTheScope) {
  auto dnc =
      Evaluate({R("", "+12125550100", Scope::kVoice, Reason::kDnc)}, kAda, OptOutScope::kAll, kNow);
  EXPECT_TRUE(dnc.dnc_active);
  EXPECT_FALSE(dnc.voice_opted_out);
  EXPECT_FALSE(dnc.sms_opted_out);
  EXPECT_FALSE(dnc.email_opted_out);
  auto email_hold = Evaluate({R("cust-1", "", Scope::kEmail, Reason::kBankruptcy)}, kAda,
                             OptOutScope::kAll, kNow);
  EXPECT_TRUE(email_hold.email_opted_out);
  EXPECT_FALSE(email_hold.sms_opted_out);
  EXPECT_FALSE(email_hold.voice_opted_out);
}

TEST(ConsentTest, CustomerIdLegalHoldOnAllBlocksEveryChannel) {
  for (OptOutScope scope : {OptOutScope::kAll, OptOutScope::kChannel}) {
    auto f = Evaluate({R("cust-1", "", Scope::kAll, Reason::kLegalHold)}, kAda, scope, kNow);
    EXPECT_TRUE(f.sms_opted_out);
    EXPECT_TRUE(f.voice_opted_out);
    EXPECT_TRUE(f.email_opted_out);
  }
}

TEST(ConsentTest, RecordsAboutSomeoneElseAreIgnored) {
  auto f = Evaluate({R("cust-2", "", Scope::kAll, Reason::kLegalHold),
                     R("", "+12125550199", Scope::kAll, Reason::kOptOut),
                     R("", "bob@example.com", Scope::kAll, Reason::kDeceased)},
                    kAda, OptOutScope::kAll, kNow);
  EXPECT_FALSE(f.sms_opted_out || f.voice_opted_out || f.email_opted_out || f.dnc_active);
}

TEST(ConsentTest, ExpiredRecordsNoLongerBlock) {
  Record hold = R("cust-1", "", Scope::kAll, Reason::kLegalHold);
  hold.expires_at = kNow;
  EXPECT_FALSE(Applies(hold, kAda, kNow));
  EXPECT_TRUE(Applies(hold, kAda, kNow - absl::Seconds(1)));
  auto f = Evaluate({hold}, kAda, OptOutScope::kAll, kNow + absl::Hours(1));
  EXPECT_FALSE(f.sms_opted_out || f.voice_opted_out || f.email_opted_out);
}

TEST(ConsentTest, AnEmailAddressRecordMatchesByEmail) {
  auto f = Evaluate({R("", "ada@example.com", Scope::kEmail, Reason::kOptOut)}, kAda,
                    OptOutScope::kChannel, kNow);
  EXPECT_TRUE(f.email_opted_out);
  EXPECT_FALSE(f.sms_opted_out);
}

}  // namespace
}  // namespace blend::consent
