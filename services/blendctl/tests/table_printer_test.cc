#include "blend/blendctl/table_printer.h"

#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

TEST(TableTest, PadsColumnsToWidestCellWithoutTrailingBlanks) {
  Table t({"ID", "STATUS"});
  t.AddRow({"j-1", "RUNNING"});
  t.AddRow({"journey-22", "OK"});
  EXPECT_EQ(t.Render(),
            "ID          STATUS\n"
            "j-1         RUNNING\n"
            "journey-22  OK\n");
  EXPECT_EQ(t.row_count(), 2u);
}

TEST(TableTest, CountsUtf8CodePointsNotBytes) {
  Table t({"NAME", "X"});
  t.AddRow({"Zoë", "1"});
  t.AddRow({"Anna", "2"});
  EXPECT_EQ(t.Render(),
            "NAME  X\n"
            "Zoë   1\n"
            "Anna  2\n");
}

TEST(TableTest, MissingCellsPrintEmptyAndLineBreaksBecomeSpaces) {
  Table t({"A", "B", "C"});
  t.AddRow({"x"});
  t.AddRow({"multi\nline", "tab\there", "z", "dropped"});
  EXPECT_EQ(t.Render(),
            "A           B         C\n"
            "x\n"
            "multi line  tab here  z\n");
}

TEST(TableTest, HeaderOnlyWhenNoRows) { EXPECT_EQ(Table({"SEQ", "KIND"}).Render(), "SEQ  KIND\n"); }

TEST(RenderKeyValuesTest, AlignsValues) {
  EXPECT_EQ(RenderKeyValues({{"journey", "j-1"}, {"current state", "Wait"}, {"error", ""}}),
            "journey:        j-1\n"
            "current state:  Wait\n"
            "error:\n");
}

TEST(TruncateTest, CutsAtCodePointsWithEllipsis) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("exactly10!", 10), "exactly10!");
  EXPECT_EQ(Truncate("0123456789abc", 10), "0123456...");
  EXPECT_EQ(Truncate("ééééééééééé", 5), "éé...");
}

}  // namespace
}  // namespace blend::blendctl
