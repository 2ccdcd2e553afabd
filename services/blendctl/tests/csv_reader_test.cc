#include "blend/blendctl/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace blend::blendctl {
namespace {

using ::testing::ElementsAre;

std::vector<CsvRecord> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> out;
  while (auto r = reader.Next()) out.push_back(*r);
  return out;
}

TEST(CsvReaderTest, PlainFieldsWithLfAndCrlfAndNoFinalNewline) {
  auto records = ReadAll("a,b,c\r\n1,2,3\nx,,z");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2", "3"));
  EXPECT_THAT(records[2].fields, ElementsAre("x", "", "z"));
  EXPECT_EQ(records[2].line, 3);
  for (const auto& r : records) EXPECT_EQ(r.error, "");
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasEscapedQuotesAndLineBreaks) {
  auto records = ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nnext,row\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a,b", "say \"hi\"", "two\r\nlines"));
  EXPECT_EQ(records[0].line, 1);
  // The record after a quoted line break starts on physical line 3.
  EXPECT_EQ(records[1].line, 3);
  EXPECT_THAT(records[1].fields, ElementsAre("next", "row"));
}

TEST(CsvReaderTest, EmptyQuotedFieldAndTrailingEmptyField) {
  auto records = ReadAll("\"\",a,\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("", "a", ""));
}

TEST(CsvReaderTest, SkipsBomAndEmptyLinesButCountsThem) {
  auto records = ReadAll(
      "\xEF\xBB\xBF"
      "id,name\n\n\r\n7,x\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("id", "name"));
  EXPECT_EQ(records[1].line, 4);
  EXPECT_THAT(records[1].fields, ElementsAre("7", "x"));
}

TEST(CsvReaderTest, KeepsNonBomMultibyteTextAtTheStart) {
  auto records = ReadAll("\xEF\xBC\xA1,b\n");  // U+FF21 FULLWIDTH A: starts with 0xEF too
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("\xEF\xBC\xA1", "b"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnErrorAndReadingResumesNextLine) {
  auto records = ReadAll("ok,1\n\"bad\"x,2\nok,3\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].error, "unexpected text after a closing quote");
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].error, "");
  EXPECT_THAT(records[2].fields, ElementsAre("ok", "3"));
  EXPECT_EQ(records[2].line, 3);
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsAnError) {
  auto records = ReadAll("ab\"c,1\nnext,2\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].error, "quote inside an unquoted field");
  EXPECT_THAT(records[1].fields, ElementsAre("next", "2"));
}

TEST(CsvReaderTest, UnterminatedQuoteAtEndOfInputIsAnError) {
  auto records = ReadAll("a,1\nb,\"never closed\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].error, "unterminated quoted field");
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, CountsBytesRead) {
  std::istringstream in("a,b\nc,d\n");
  CsvReader reader(in);
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.bytes_read(), 4);
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.bytes_read(), 8);
  EXPECT_FALSE(reader.Next());
}

TEST(CsvLineTest, QuotesOnlyWhatNeedsQuotingAndRoundTrips) {
  std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", "two\nlines", ""};
  std::string line = CsvLine(fields);
  EXPECT_EQ(line, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",");
  auto records = ReadAll(line + "\r\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, fields);
}

}  // namespace
}  // namespace blend::blendctl
