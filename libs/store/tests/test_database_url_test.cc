#include "blend/store/testing/test_database.h"

#include <libpq-fe.h>

#include <string>

#include "gtest/gtest.h"

namespace blend::store::testing {
namespace {

// The database libpq would actually connect to.
std::string EffectiveDbname(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "<unparseable>";
  }
  std::string dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "dbname" && o->val != nullptr) dbname = o->val;
  }
  PQconninfoFree(options);
  return dbname;
}

TEST(ReplaceDatabaseInUrlTest, ReplacesPathOfUri) {
  EXPECT_EQ(ReplaceDatabaseInUrl("postgresql://postgres@127.0.0.1:5432/blend", "t1"),
            "postgresql://postgres@127.0.0.1:5432/t1");
}

TEST(ReplaceDatabaseInUrlTest, KeepsQueryParameters) {
  EXPECT_EQ(ReplaceDatabaseInUrl("postgres://u:p@h/db?sslmode=disable&x=1", "t1"),
            "postgres://u:p@h/t1?sslmode=disable&x=1");
}

TEST(ReplaceDatabaseInUrlTest, AddsPathWhenMissing) {
  EXPECT_EQ(ReplaceDatabaseInUrl("postgresql://h:1", "t1"), "postgresql://h:1/t1");
  EXPECT_EQ(ReplaceDatabaseInUrl("postgresql://h:1?connect_timeout=3", "t1"),
            "postgresql://h:1/t1?connect_timeout=3");
}

TEST(ReplaceDatabaseInUrlTest, AppendsDbnameToKeywordString) {
  EXPECT_EQ(EffectiveDbname(ReplaceDatabaseInUrl("host=h port=1 dbname=db", "t1")), "t1");
  EXPECT_EQ(EffectiveDbname(ReplaceDatabaseInUrl("postgresql://h/db?sslmode=disable", "t1")), "t1");
}

}  // namespace
}  // namespace blend::store::testing
