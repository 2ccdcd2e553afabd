#include "blend/journey/json_path.h"

#include <gtest/gtest.h>

namespace blend::journey {
namespace {

using json = nlohmann::json;

struct FindCase {
  std::string path;
  std::string expected;  // JSON text, or "<missing>"
};

class ReferencePathFindTest : public ::testing::TestWithParam<FindCase> {};

TEST_P(ReferencePathFindTest, FindsTheNamedNode) {
  const json doc = json::parse(R"({"a":{"b":[10,{"c":"x"}],"d e":true},"n":null,"k.1":5})");
  auto path = ReferencePath::Parse(GetParam().path);
  ASSERT_TRUE(path.ok()) << path.status();
  const json* found = path->Find(doc);
  if (GetParam().expected == "<missing>") {
    EXPECT_EQ(found, nullptr);
  } else {
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, json::parse(GetParam().expected));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, ReferencePathFindTest,
    ::testing::Values(FindCase{"$", R"({"a":{"b":[10,{"c":"x"}],"d e":true},"n":null,"k.1":5})"},
                      FindCase{"$.a.b[0]", "10"}, FindCase{"$.a.b[1].c", "\"x\""},
                      FindCase{"$['a']['d e']", "true"}, FindCase{"$[\"a\"].b[1]", R"({"c":"x"})"},
                      FindCase{"$['k.1']", "5"}, FindCase{"$.n", "null"},
                      FindCase{"$.a.b[2]", "<missing>"}, FindCase{"$.zz", "<missing>"},
                      FindCase{"$.a.b.c", "<missing>"}, FindCase{"$.a[0]", "<missing>"},
                      FindCase{"$.n.x", "<missing>"}));

class ReferencePathSyntaxTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferencePathSyntaxTest, RejectsNonReferencePaths) {
  EXPECT_FALSE(ReferencePath::Parse(GetParam()).ok()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Invalid, ReferencePathSyntaxTest,
                         ::testing::Values("", "a.b", "$.", "$..a", "$.a[*]", "$.*", "$[", "$.a[1",
                                           "$.a['x", "$.a[?(@.x)]", "$.a[-1]", "$.a[0:2]", "$a",
                                           "$.a b", "$.a[12345678901]"));

TEST(ReferencePathTest, ContextPathsAreMarked) {
  auto p = ReferencePath::Parse("$$.State.Name");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->is_context());
  EXPECT_EQ(p->segments().size(), 2u);
  auto q = ReferencePath::Parse("$.State");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->is_context());
}

TEST(ReferencePathTest, SetCreatesIntermediateObjects) {
  json doc = json::parse(R"({"a":1})");
  ASSERT_TRUE(ReferencePath::Parse("$.x.y")->Set(doc, 5).ok());
  EXPECT_EQ(doc, json::parse(R"({"a":1,"x":{"y":5}})"));
}

TEST(ReferencePathTest, SetAtRootReplacesTheDocument) {
  json doc = json::parse(R"({"a":1})");
  ASSERT_TRUE(ReferencePath::Parse("$")->Set(doc, "v").ok());
  EXPECT_EQ(doc, json("v"));
}

TEST(ReferencePathTest, SetIntoExistingArrayElement) {
  json doc = json::parse(R"({"a":[1,{"b":2}]})");
  ASSERT_TRUE(ReferencePath::Parse("$.a[1].c")->Set(doc, 3).ok());
  EXPECT_EQ(doc, json::parse(R"({"a":[1,{"b":2,"c":3}]})"));
}

TEST(ReferencePathTest, SetThroughAScalarFails) {
  json doc = json::parse(R"({"a":1})");
  EXPECT_FALSE(ReferencePath::Parse("$.a.b")->Set(doc, 3).ok());
  EXPECT_FALSE(ReferencePath::Parse("$.z[3]")->Set(doc, 3).ok());
}

}  // namespace
}  // namespace blend::journey
