#include "blend/blendctl/engagement_commands.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::vector<blend::v1::ImportInteractionRequest> rows;
  std::vector<std::pair<int64_t, std::string>> bad;
  absl::Status status;
};

Parsed Parse(std::istream& in, CsvLimits limits = {},
             int64_t max_message_bytes = kDefaultMaxMessageBytes) {
  Parsed p;
  p.status = ReadInteractionsCsv(
      in,
      [&](blend::v1::ImportInteractionRequest&& r) {
        p.rows.push_back(std::move(r));
        return true;
      },
      [&](int64_t line, const std::string& why) { p.bad.emplace_back(line, why); }, limits,
      max_message_bytes);
  return p;
}

TEST(InteractionsCsvTest, ParsesRowsAndReportsBadLines) {
  std::ifstream in(BLENDCTL_TESTDATA "/interactions.csv");
  ASSERT_TRUE(in);
  Parsed p = Parse(in);
  ASSERT_TRUE(p.status.ok()) << p.status;
  ASSERT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.rows[1].row_key(), "crm-2");
  EXPECT_EQ(p.rows[1].channel(), blend::v1::CHANNEL_EMAIL);
  EXPECT_TRUE(p.rows[1].converted());
  EXPECT_EQ(p.rows[1].occurred_at().seconds(), 1790872200);  // 2026-10-01T16:30:00Z
  EXPECT_EQ(p.rows[1].row(), 3);
  EXPECT_EQ(p.rows[3].campaign_id(), "collections, wave 2");  // quoted comma
  EXPECT_EQ(p.rows[3].time_zone(), "America/New_York");
  ASSERT_EQ(p.bad.size(), 2u);
  EXPECT_EQ(p.bad[0].first, 6);
  EXPECT_THAT(p.bad[0].second, HasSubstr("fax"));
  EXPECT_EQ(p.bad[1].first, 7);
  EXPECT_THAT(p.bad[1].second, HasSubstr("RFC 3339"));
}

TEST(InteractionsCsvTest, RowKeyDerivedWhenAbsentAndColumnsInAnyOrder) {
  std::istringstream in(
      "Result,Channel,Customer,Timestamp\n"
      "ANSWERED,voice,c-9,2026-10-01T14:00:00Z\r\n"
      "\n"
      "\"multi\nline\",sms,c-9,2026-10-01T15:00:00Z\n");
  Parsed p = Parse(in);
  ASSERT_TRUE(p.status.ok()) << p.status;
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].row_key(), "c-9|voice|2026-10-01T14:00:00Z|answered");
  EXPECT_FALSE(p.rows[0].converted());
  EXPECT_EQ(p.rows[1].outcome(), "multi\nline");
  EXPECT_EQ(p.rows[1].row(), 4);
}

TEST(InteractionsCsvTest, MissingRequiredColumnIsAnError) {
  std::istringstream in("customer_id,channel,outcome\nc,sms,sent\n");
  Parsed p = Parse(in);
  EXPECT_EQ(p.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status.message()), HasSubstr("occurred_at"));
  std::istringstream empty("");
  EXPECT_FALSE(Parse(empty).status.ok());
}

// An oversized row and a stray quote each cost one reject; every other row is read.
TEST(InteractionsCsvTest, OversizedRowAndStrayQuoteAreRejectedAndTheRestIsRead) {
  std::istringstream in(
      "customer_id,channel,occurred_at,outcome\n"
      "c-1,sms,2026-10-01T14:00:00Z,sent\n"
      "c-2,sms,2026-10-01T14:00:00Z," +
      std::string(300, 'x') +
      "\n"
      "c-3,sms,2026-10-01T14:00:00Z,\"sent\n"
      "c-4,sms,2026-10-01T14:00:00Z,sent\n");
  CsvLimits limits;
  limits.max_record_bytes = 200;
  Parsed p = Parse(in, limits);
  ASSERT_TRUE(p.status.ok()) << p.status;
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].customer_id(), "c-1");
  EXPECT_EQ(p.rows[1].customer_id(), "c-4");
  EXPECT_EQ(p.rows[1].row(), 5);
  ASSERT_EQ(p.bad.size(), 2u);
  EXPECT_EQ(p.bad[0].first, 3);
  EXPECT_THAT(p.bad[0].second, HasSubstr("200-byte limit"));
  EXPECT_EQ(p.bad[1].first, 4);
  EXPECT_THAT(p.bad[1].second, HasSubstr("unterminated"));
}

// A row whose request would pass gRPC's message limit is a reject, never sent.
TEST(InteractionsCsvTest, RowOverTheMessageLimitIsRejected) {
  std::istringstream in(
      "customer_id,channel,occurred_at,outcome\n"
      "c-1,sms,2026-10-01T14:00:00Z,sent\n"
      "c-2,sms,2026-10-01T14:00:00Z," +
      std::string(500, 'x') +
      "\n"
      "c-3,sms,2026-10-01T14:00:00Z,sent\n");
  Parsed p = Parse(in, CsvLimits{}, /*max_message_bytes=*/400);
  ASSERT_TRUE(p.status.ok()) << p.status;
  ASSERT_EQ(p.rows.size(), 2u);
  ASSERT_EQ(p.bad.size(), 1u);
  EXPECT_EQ(p.bad[0].first, 3);
  EXPECT_THAT(p.bad[0].second, HasSubstr("400-byte gRPC message limit"));
}

TEST(FormatEngagementTest, TableShowsChannelsAndBestAnswers) {
  blend::v1::Engagement e;
  e.set_customer_id("c-1");
  e.set_facts_json(R"({"sms":{"sent":3,"failed":0,"positive":1,"optOuts":0,"conversions":1,
      "responseRate":0.3333,"lastOutcome":"REPLIED","lastOutcomeAt":"2026-11-24T18:00:00Z"},
      "voice":{"sent":0,"failed":0,"positive":0,"optOuts":0,"conversions":0,"responseRate":0,
      "lastOutcome":null,"lastOutcomeAt":null},
      "email":{"sent":0,"failed":0,"positive":0,"optOuts":1,"conversions":0,"responseRate":0,
      "lastOutcome":"OPTED_OUT","lastOutcomeAt":"2026-11-20T10:00:00Z"},
      "conversions":1,"lastConversionAt":"2026-11-25T10:00:00Z","bestChannel":"sms",
      "bestHourLocal":18,"bestWeekday":"TUE","timeZone":"America/New_York"})");
  const std::string table = FormatEngagement(e);
  EXPECT_THAT(table, HasSubstr("customer c-1 (local time zone America/New_York)"));
  EXPECT_THAT(table, HasSubstr("REPLIED at 2026-11-24T18:00:00Z"));
  EXPECT_THAT(table, HasSubstr("0.33"));
  EXPECT_THAT(table, HasSubstr("best channel: sms   best local hour: 18   best weekday: TUE"));
}

}  // namespace
}  // namespace blend::blendctl
