#include "blend/blendctl/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace blend::blendctl {
namespace {

using ::testing::ElementsAre;

std::vector<CsvRecord> ReadAll(const std::string& text, CsvLimits limits = {}) {
  std::istringstream in(text);
  CsvReader reader(in, limits);
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

TEST(CsvReaderTest, OversizedRecordIsRejectedWithItsLineAndReadingResumesNextLine) {
  CsvLimits limits;
  limits.max_record_bytes = 16;
  auto records = ReadAll("a,1\n" + std::string(40, 'x') + ",2\nb,3\n", limits);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].error, "record longer than the 16-byte limit");
  EXPECT_THAT(records[2].fields, ElementsAre("b", "3"));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[2].error, "");
}

TEST(CsvReaderTest, OversizedFieldIsRejectedQuotedOrNot) {
  CsvLimits limits;
  limits.max_field_bytes = 4;
  auto records = ReadAll("abcd,1\nabcde,2\n\"abcde\",3\nok,4\n", limits);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].error, "");
  EXPECT_EQ(records[1].error, "field longer than the 4-byte limit");
  EXPECT_EQ(records[2].error, "field longer than the 4-byte limit");
  EXPECT_EQ(records[2].line, 3);
  EXPECT_THAT(records[3].fields, ElementsAre("ok", "4"));
}

// A stray opening quote and no other quote in the file: the quoted field would run to the end
// of the input. The record is rejected and every following line is read as its own record.
TEST(CsvReaderTest, StrayOpeningQuoteDoesNotSwallowTheRestOfTheFile) {
  auto records = ReadAll("a,1\nb,\"oops\nc,3\nd,4\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].error, "unterminated quoted field");
  EXPECT_THAT(records[2].fields, ElementsAre("c", "3"));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_THAT(records[3].fields, ElementsAre("d", "4"));
  EXPECT_EQ(records[3].line, 4);
}

// The stray quote "closes" at the opening quote of a later well-formed field: the text after
// that quote is an error, and reading resumes at the line after the stray quote's.
TEST(CsvReaderTest, StrayQuoteClosedByALaterQuoteResumesAfterItsOwnLine) {
  auto records = ReadAll("a,1\nb,\"oops\nc,3\nd,\"x,y\"\ne,5\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_NE(records[1].error, "");
  EXPECT_THAT(records[2].fields, ElementsAre("c", "3"));
  EXPECT_THAT(records[3].fields, ElementsAre("d", "x,y"));
  EXPECT_EQ(records[3].line, 4);
  EXPECT_THAT(records[4].fields, ElementsAre("e", "5"));
}

// Quoted line breaks are fine, but with an expected field count a record that spans lines and
// has the wrong count is a misplaced quote: rejected, and the lines it took are read again.
TEST(CsvReaderTest, MultiLineRecordWithWrongFieldCountResyncs) {
  // Line 2's stray quote closes cleanly on line 4 ("x\",d,4"): one record of 4 fields.
  std::istringstream in("h1,h2\nb,\"oops\nc,3\nx\",d,4\ne,5\nf,\"two\nlines\"\n");
  CsvReader reader(in);
  ASSERT_TRUE(reader.Next());
  reader.ExpectFieldCount(2);
  std::vector<CsvRecord> records;
  while (auto r = reader.Next()) records.push_back(*r);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[0].error, "expected 2 fields, found 4 (a misplaced quote?)");
  EXPECT_THAT(records[1].fields, ElementsAre("c", "3"));
  EXPECT_EQ(records[2].error, "quote inside an unquoted field");
  EXPECT_EQ(records[2].line, 4);
  EXPECT_THAT(records[3].fields, ElementsAre("e", "5"));
  EXPECT_EQ(records[4].error, "");
  EXPECT_THAT(records[4].fields, ElementsAre("f", "two\nlines"));
  EXPECT_EQ(records[4].line, 6);
}

// A single-line record with the wrong count is left to the caller (it names the counts).
TEST(CsvReaderTest, SingleLineRecordWithWrongFieldCountIsReturnedAsIs) {
  std::istringstream in("h1,h2\na,b,c\n");
  CsvReader reader(in);
  ASSERT_TRUE(reader.Next());
  reader.ExpectFieldCount(2);
  auto r = reader.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, "");
  EXPECT_THAT(r->fields, ElementsAre("a", "b", "c"));
}

TEST(CsvReaderTest, BytesReadAfterAResyncCountEachByteOnce) {
  std::string text = "a,1\nb,\"oops\nc,3\n";
  std::istringstream in(text);
  CsvReader reader(in);
  while (reader.Next()) {
  }
  EXPECT_EQ(reader.bytes_read(), static_cast<int64_t>(text.size()));
}

// The attack file: normal rows around a 10 MB row and a stray opening quote.
// Every other row comes back intact, with its line number, and the reader never holds more
// than its record limit.
TEST(CsvReaderTest, TenMegabyteRowAndStrayQuoteImportEveryOtherRow) {
  std::string text = "customer_id,phone\n";
  for (int i = 0; i < 1000; ++i) {
    if (i == 300) {
      text += "big," + std::string(10 << 20, 'x') + "\n";
    } else if (i == 600) {
      text += "stray,\"+15550000600\n";
    } else {
      text += "c" + std::to_string(i) + ",+1555000" + std::to_string(1000 + i) + "\n";
    }
  }
  std::istringstream in(text);
  CsvReader reader(in);
  ASSERT_TRUE(reader.Next());
  reader.ExpectFieldCount(2);
  int good = 0;
  std::vector<int64_t> rejected;
  while (auto r = reader.Next()) {
    if (!r->error.empty()) {
      rejected.push_back(r->line);
      continue;
    }
    ASSERT_EQ(r->fields.size(), 2u) << r->line;
    const int i = static_cast<int>(r->line) - 2;
    EXPECT_EQ(r->fields[0], "c" + std::to_string(i));
    ++good;
  }
  EXPECT_EQ(good, 998);
  EXPECT_THAT(rejected, ElementsAre(302, 602));
  EXPECT_LE(reader.peak_buffered_bytes(), reader.limits().max_record_bytes + 2);
  EXPECT_EQ(reader.bytes_read(), static_cast<int64_t>(text.size()));
}

// Found by csv_fuzzer: an opening quote and an escaped quote were read before the record limit
// was checked again, so a record could hold three bytes past it.
TEST(CsvReaderTest, QuotesCannotCarryARecordPastItsLimitBeforeTheCheck) {
  CsvLimits limits;
  limits.max_record_bytes = 1;
  std::istringstream in(",\"\"\"\"\"1\"\"\"\n6\n");
  CsvReader reader(in, limits);
  auto first = reader.Next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->error, "record longer than the 1-byte limit");
  auto next = reader.Next();
  ASSERT_TRUE(next);
  EXPECT_THAT(next->fields, ElementsAre("6"));
  EXPECT_LE(reader.peak_buffered_bytes(), limits.max_record_bytes + 2);
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
