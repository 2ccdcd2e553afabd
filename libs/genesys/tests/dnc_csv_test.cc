#include "blend/genesys/dnc_csv.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::genesys {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(DncCsvTest, FindsPhoneColumnByHeaderAndNormalises) {
  auto file = ParseDncExportCsv(
      "\"expiration_date_time\",\"Phone Number\"\r\n"
      "\"\",\"(201) 555-0123\"\r\n"
      "\"2026-12-01T00:00Z\",\"+1 201 555 0124\"\r\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->numbers, ElementsAre("+12015550123", "+12015550124"));
  EXPECT_EQ(file->skipped_rows, 0);
}

TEST(DncCsvTest, HeaderlessFileUsesFirstColumn) {
  auto file = ParseDncExportCsv("+12015550123\n+12015550124,x\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->numbers, ElementsAre("+12015550123", "+12015550124"));
}

TEST(DncCsvTest, CountsInvalidRowsAndDropsDuplicates) {
  auto file = ParseDncExportCsv("phone\n+12015550123\nnot-a-number\n2015550123\n\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->numbers, ElementsAre("+12015550123"));
  EXPECT_EQ(file->skipped_rows, 1);
}

TEST(DncCsvTest, QuotedFieldsWithCommasAndEscapedQuotes) {
  auto file =
      ParseDncExportCsv("\"note, with comma\",\"phone_number\"\n\"say \"\"hi\"\"\",+12015550123\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->numbers, ElementsAre("+12015550123"));
}

TEST(DncCsvTest, EmptyFileAndByteOrderMark) {
  auto empty = ParseDncExportCsv("");
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->numbers, IsEmpty());
  auto bom = ParseDncExportCsv("\xEF\xBB\xBFphone_number\n+12015550123\n");
  ASSERT_TRUE(bom.ok());
  EXPECT_THAT(bom->numbers, ElementsAre("+12015550123"));
}

TEST(DncCsvTest, UnterminatedQuoteIsInvalid) {
  EXPECT_EQ(ParseDncExportCsv("phone\n\"+12015550123\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace blend::genesys
