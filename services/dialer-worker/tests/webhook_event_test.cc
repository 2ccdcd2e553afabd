#include "blend/dialer_worker/webhook_event.h"

#include <gtest/gtest.h>

#include <string>

namespace blend::dialer_worker {
namespace {

TEST(ParsePostContactTest, ReadsTheEnvelopeAndTheEventBody) {
  auto e = ParsePostContact(
      R"({"id":"evt-1","detail":{"topicName":"v2.outbound.voice.campaigns.contact.postContact",
          "eventBody":{"outboundContactListId":"l","outboundContactId":"c","wrapupCode":"w",
          "callAnalysisDisposition":"d","conversationId":"v","contactData":{"touchId":"t"}}}})",
      "touchId");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->is_post_contact);
  EXPECT_EQ(e->event_id, "evt-1");
  EXPECT_EQ(e->contact_list_id, "l");
  EXPECT_EQ(e->contact_id, "c");
  EXPECT_EQ(e->touch_id, "t");
  EXPECT_EQ(e->wrapup_code, "w");
  EXPECT_EQ(e->call_analysis_disposition, "d");
  EXPECT_EQ(e->conversation_id, "v");
}

TEST(ParsePostContactTest, TopicFromDetailTypeAndOtherTopicsAreNotRead) {
  auto by_type = ParsePostContact(
      R"({"id":"e","detail-type":"v2.outbound.voice.campaigns.contact.postContact",
          "detail":{"eventBody":{"outboundContactId":"c"}}})",
      "touchId");
  ASSERT_TRUE(by_type.ok());
  EXPECT_TRUE(by_type->is_post_contact);
  auto other = ParsePostContact(
      R"({"id":"e","detail":{"topicName":"v2.users.presence",
          "eventBody":{"outboundContactId":"c"}}})",
      "touchId");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->is_post_contact);
  EXPECT_TRUE(other->contact_id.empty());
}

TEST(ParsePostContactTest, WhatIsNotAnEnvelopeIsInvalid) {
  for (const char* bad : {"", "null", "[]", "{", R"({"detail":{}})", R"({"id":"e"})",
                          R"({"id":"e","detail":"x"})", R"({"id":7,"detail":{}})"}) {
    EXPECT_EQ(ParsePostContact(bad, "touchId").status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ParseInboundSmsTest, NeedsMessageIdAndFrom) {
  auto ok = ParseInboundSms(R"({"messageId":"m","fromAddress":"+1212","textBody":"STOP"})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->text, "STOP");
  EXPECT_FALSE(ParseInboundSms(R"({"messageId":"m"})").ok());
  EXPECT_FALSE(ParseInboundSms(R"({"fromAddress":"+1212"})").ok());
  EXPECT_FALSE(ParseInboundSms("not json").ok());
}

TEST(SignatureHeaderWellFormedTest, OnlySha256AndSixtyFourHexDigits) {
  const std::string hex(64, 'a');
  EXPECT_TRUE(SignatureHeaderWellFormed("sha256=" + hex));
  EXPECT_TRUE(SignatureHeaderWellFormed("sha256=" + std::string(64, 'F')));
  EXPECT_FALSE(SignatureHeaderWellFormed(""));
  EXPECT_FALSE(SignatureHeaderWellFormed(hex));
  EXPECT_FALSE(SignatureHeaderWellFormed("sha256=" + hex.substr(1)));
  EXPECT_FALSE(SignatureHeaderWellFormed("sha256=" + hex + "a"));
  EXPECT_FALSE(SignatureHeaderWellFormed("sha256=" + std::string(63, 'a') + "g"));
  EXPECT_FALSE(SignatureHeaderWellFormed("sha1=" + hex));
}

}  // namespace
}  // namespace blend::dialer_worker
