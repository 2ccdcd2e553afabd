#include "blend/blendctl/consent_commands.h"

#include <sstream>
#include <vector>

#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

struct Read {
  std::vector<blend::v1::ImportSuppressionRequest> rows;
  std::vector<std::pair<int64_t, std::string>> bad;
  absl::Status status;
};

Read ReadAll(const std::string& csv, ConsentImportDefaults defaults = {},
             const CsvLimits& limits = {}, int64_t max_message_bytes = kDefaultMaxMessageBytes) {
  Read r;
  std::istringstream in(csv);
  r.status = ReadSuppressionsCsv(
      in, defaults, limits, max_message_bytes,
      [&](blend::v1::ImportSuppressionRequest&& row) {
        r.rows.push_back(std::move(row));
        return true;
      },
      [&](int64_t line, const std::string& why) { r.bad.emplace_back(line, why); });
  return r;
}

TEST(ConsentCommandsTest, ParsesChannelsAndReasonsLeniently) {
  EXPECT_EQ(ParseSuppressionChannel("ALL"), blend::v1::SUPPRESSION_CHANNEL_ALL);
  EXPECT_EQ(ParseSuppressionChannel(" voice "), blend::v1::SUPPRESSION_CHANNEL_VOICE);
  EXPECT_EQ(ParseSuppressionChannel("fax"), std::nullopt);
  EXPECT_EQ(ParseSuppressionReason("Legal-Hold"), blend::v1::SUPPRESSION_REASON_LEGAL_HOLD);
  EXPECT_EQ(ParseSuppressionReason("opt out"), blend::v1::SUPPRESSION_REASON_OPT_OUT);
  EXPECT_EQ(ParseSuppressionReason("whim"), std::nullopt);
  EXPECT_EQ(SuppressionReasonName(blend::v1::SUPPRESSION_REASON_DECEASED), "deceased");
}

TEST(ConsentCommandsTest, DncFileWithOnlyNumbersTakesTheDefaults) {
  Read r = ReadAll("Phone Number\n+12125550100\n(212) 555-0101\n",
                   {.channel = "voice", .reason = "dnc", .source = "import:dnc.csv"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_TRUE(r.bad.empty());
  EXPECT_EQ(r.rows[0].row(), 2);
  EXPECT_EQ(r.rows[0].suppression().address(), "+12125550100");
  EXPECT_EQ(r.rows[1].suppression().address(), "(212) 555-0101");  // the server normalises
  EXPECT_EQ(r.rows[1].suppression().channel(), blend::v1::SUPPRESSION_CHANNEL_VOICE);
  EXPECT_EQ(r.rows[1].suppression().reason(), blend::v1::SUPPRESSION_REASON_DNC);
  EXPECT_EQ(r.rows[1].suppression().source(), "import:dnc.csv");
}

TEST(ConsentCommandsTest, RejectsBadRowsWithTheirLineAndGoesOn) {
  Read r = ReadAll(
      "customer_id,address,channel,reason,expires_at,note\n"
      "c-1,,all,legal_hold,2027-01-31T00:00:00Z,court order\n"
      ",,all,dnc,,\n"
      "c-2,,fax,dnc,,\n"
      "c-3,,sms,holiday,,\n"
      "c-4,,sms,dnc,tomorrow,\n"
      "\"c-5,,sms,dnc,,\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 1u);
  const auto& s = r.rows[0].suppression();
  EXPECT_EQ(s.customer_id(), "c-1");
  EXPECT_EQ(s.reason(), blend::v1::SUPPRESSION_REASON_LEGAL_HOLD);
  EXPECT_EQ(s.expires_at().seconds(), 1801353600);
  EXPECT_EQ(s.note(), "court order");
  ASSERT_EQ(r.bad.size(), 5u);
  EXPECT_EQ(r.bad[0].first, 3);
  EXPECT_EQ(r.bad[0].second, "neither customer_id nor address");
  EXPECT_EQ(r.bad[1].first, 4);
  EXPECT_NE(r.bad[1].second.find("fax"), std::string::npos);
  EXPECT_EQ(r.bad[2].first, 5);
  EXPECT_EQ(r.bad[3].first, 6);
  EXPECT_NE(r.bad[3].second.find("RFC 3339"), std::string::npos);
  EXPECT_EQ(r.bad[4].first, 7);  // unterminated quote, reported by the CSV reader
}

// A CRM export with a stray quote and an oversized row: each costs one reject with its line,
// every other row is imported, and memory stays within the limits.
TEST(ConsentCommandsTest, AStrayQuoteAndAnOversizedRowCostOneRejectEach) {
  std::string csv = "customer_id,reason\nc-1,dnc\n\"c-2,dnc\nc-3,dnc\n";
  csv += "c-4," + std::string(2 << 20, 'x') + "\nc-5,dnc\n";
  Read r = ReadAll(csv);
  ASSERT_TRUE(r.status.ok()) << r.status;
  std::vector<std::string> ids;
  for (const auto& row : r.rows) ids.push_back(row.suppression().customer_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"c-1", "c-3", "c-5"}));
  ASSERT_EQ(r.bad.size(), 2u);
  EXPECT_EQ(r.bad[0].first, 3);
  EXPECT_EQ(r.bad[1].first, 5);
}

// A row whose request would exceed the gRPC message limit is a reject, not an aborted stream.
TEST(ConsentCommandsTest, ARowOverTheMessageLimitIsRejectedBeforeSending) {
  Read r = ReadAll("customer_id,note\nc-1," + std::string(3000, 'n') + "\nc-2,ok\n", {},
                   CsvLimits{}, /*max_message_bytes=*/1024);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].suppression().customer_id(), "c-2");
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_EQ(r.bad[0].first, 2);
}

TEST(ConsentCommandsTest, AHeaderWithoutASubjectColumnIsRefused) {
  Read r = ReadAll("channel,reason\nall,dnc\n");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.rows.empty());
}

}  // namespace
}  // namespace blend::blendctl
