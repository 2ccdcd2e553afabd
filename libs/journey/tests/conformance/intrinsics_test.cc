// Conformance: "Intrinsic Functions" of the Amazon States Language specification and AWS's
// reference for the intrinsics the specification leaves open (argument rules, limits).
// Each case carries the sentence it checks. Failures are InvalidArgument, which the
// interpreter raises as States.IntrinsicFailure.

#include <gtest/gtest.h>

#include "blend/journey/expression.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;

const json kInput = json::parse(R"({"arr":[1,2,3,4,5],"dup":[1,"a",1,{"k":1},"a",{"k":1}],
  "obj1":{"a":1,"b":{"x":1}},"obj2":{"b":{"y":2},"c":3},"text":"input data","n":7})");

struct Case {
  const char* spec;
  const char* expr;
  const char* expected;  // JSON text; nullptr when the call must fail (States.IntrinsicFailure)
};

class IntrinsicConformance : public ::testing::TestWithParam<Case> {};

TEST_P(IntrinsicConformance, Evaluates) {
  const Case& c = GetParam();
  auto e = Expression::Parse(c.expr);
  ASSERT_TRUE(e.ok()) << c.expr << ": " << e.status();
  std::function<std::string()> uuid = [] {
    return std::string("11111111-2222-4333-8444-555555555555");
  };
  std::function<uint64_t()> random = [] { return uint64_t{41}; };
  auto v = e->Evaluate(EvalContext{kInput, nullptr, &uuid, &random});
  if (c.expected == nullptr) {
    ASSERT_FALSE(v.ok()) << c.expr << " gave " << v->dump() << " -- " << c.spec;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << c.expr;
    return;
  }
  ASSERT_TRUE(v.ok()) << c.expr << ": " << v.status() << " -- " << c.spec;
  EXPECT_EQ(*v, json::parse(c.expected)) << c.expr << " -- " << c.spec;
}

constexpr char kArray[] =
    "States.Array: takes zero or more arguments. The interpreter returns a JSON array containing "
    "the Values of the arguments, in the order provided.";
constexpr char kPartition[] =
    "States.ArrayPartition: the first argument is an array, the second the chunk size; the last "
    "array may contain fewer items than the chunk size (AWS)";
constexpr char kContains[] =
    "States.ArrayContains: whether a specific value is present in an array (AWS)";
constexpr char kRange[] =
    "States.ArrayRange: start, end and step; the array can't contain more than 1000 items (AWS)";
constexpr char kGetItem[] = "States.ArrayGetItem: returns a specified index's value (AWS)";
constexpr char kLength[] = "States.ArrayLength: returns the length of an array (AWS)";
constexpr char kUnique[] = "States.ArrayUnique: removes duplicate values from an array (AWS)";
constexpr char kBase64[] =
    "States.Base64Encode / Base64Decode: the input can't exceed 10,000 characters (AWS)";
constexpr char kHash[] =
    "States.Hash: the algorithm is MD5, SHA-1, SHA-256, SHA-384 or SHA-512 (AWS)";
constexpr char kMerge[] =
    "States.JsonMerge: the third argument, a Boolean, must be false (shallow merge); "
    "in shallow mode ... the value of the second object's field overrides the first (AWS)";
constexpr char kRandom[] =
    "States.MathRandom: a random number between the start number (inclusive) and the end "
    "number (exclusive); an optional seed (AWS)";
constexpr char kAdd[] = "States.MathAdd: returns the sum of two numbers (AWS)";
constexpr char kSplit[] = "States.StringSplit: splits a string into an array of values (AWS)";
constexpr char kUuid[] = "States.UUID: returns a version 4 UUID (AWS)";
constexpr char kToJson[] =
    "States.StringToJson: takes a single argument whose Value MUST be a string. The interpreter "
    "applies a JSON parser to the Value and returns its parsed JSON form.";
constexpr char kToString[] =
    "States.JsonToString: takes a single argument which MUST be a Path. The interpreter returns "
    "a string which is a JSON text representing the data identified by the Path.";
constexpr char kFormat[] =
    "States.Format: There MUST be as many remaining arguments in the Intrinsic Function as there "
    "are occurrences of {}.";

INSTANTIATE_TEST_SUITE_P(
    Spec, IntrinsicConformance,
    ::testing::Values(
        Case{kArray, "States.Array($.n, 'x', States.Array())", R"([7,"x",[]])"},
        Case{kPartition, "States.ArrayPartition($.arr, 2)", "[[1,2],[3,4],[5]]"},
        Case{kPartition, "States.ArrayPartition($.arr, 5)", "[[1,2,3,4,5]]"},
        Case{kPartition, "States.ArrayPartition(States.Array(), 2)", "[]"},
        Case{kPartition, "States.ArrayPartition($.arr, 0)", nullptr},
        Case{kPartition, "States.ArrayPartition($.text, 2)", nullptr},
        Case{kContains, "States.ArrayContains($.arr, 3)", "true"},
        Case{kContains, "States.ArrayContains($.dup, $.obj1)", "false"},
        Case{kContains, "States.ArrayContains($.dup, 'a')", "true"},
        Case{kContains, "States.ArrayContains($.n, 7)", nullptr},
        Case{kRange, "States.ArrayRange(1, 9, 2)", "[1,3,5,7,9]"},
        Case{kRange, "States.ArrayRange(5, 1, -2)", "[5,3,1]"},
        Case{kRange, "States.ArrayRange(0, 1000, 1)", nullptr},
        Case{kRange, "States.ArrayRange(1, 5, 0)", nullptr},
        Case{kRange, "States.ArrayRange(1, 5, 1.5)", nullptr},
        Case{kGetItem, "States.ArrayGetItem($.arr, 4)", "5"},
        Case{kGetItem, "States.ArrayGetItem($.arr, 5)", nullptr},
        Case{kGetItem, "States.ArrayGetItem($.arr, -1)", nullptr},
        Case{kLength, "States.ArrayLength($.arr)", "5"},
        Case{kLength, "States.ArrayLength($.obj1)", nullptr},
        Case{kUnique, "States.ArrayUnique($.dup)", R"([1,"a",{"k":1}])"},
        Case{kBase64, "States.Base64Encode('Data to encode')", R"("RGF0YSB0byBlbmNvZGU=")"},
        Case{kBase64, "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", R"("Data to encode")"},
        Case{kBase64, "States.Base64Decode('not base64!')", nullptr},
        Case{kBase64, "States.Base64Decode('/w==')", nullptr},  // byte 0xff: no UTF-8 string
        Case{kBase64, "States.Base64Encode($.n)", nullptr},
        Case{kHash, "States.Hash($.text, 'MD5')", R"("812f45842bc6d66ee14572ce20db8e86")"},
        Case{kHash, "States.Hash($.text, 'SHA-1')",
             R"("aaff4a450a104cd177d28d18d74485e8cae074b7")"},
        Case{kHash, "States.Hash('abc', 'SHA-256')",
             R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")"},
        Case{
            kHash, "States.Hash('abc', 'SHA-384')",
            R"("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")"},
        Case{
            kHash, "States.Hash('abc', 'SHA-512')",
            R"("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")"},
        Case{kHash, "States.Hash('abc', 'SHA-224')", nullptr},
        Case{kHash, "States.Hash('abc', 'sha-256')", nullptr},
        Case{kMerge, "States.JsonMerge($.obj1, $.obj2, false)", R"({"a":1,"b":{"y":2},"c":3})"},
        Case{kMerge, "States.JsonMerge($.obj1, $.obj2, true)", nullptr},
        Case{kMerge, "States.JsonMerge($.obj1, $.arr, false)", nullptr},
        Case{kRandom, "States.MathRandom(1, 11)", "2"},  // 41 % 10 + 1 from the injected source
        Case{kRandom, "States.MathRandom(5, 6)", "5"},
        Case{kRandom, "States.MathRandom(5, 5)", nullptr},
        Case{kRandom, "States.MathRandom(1, 2.5)", nullptr},
        Case{kAdd, "States.MathAdd($.n, -8)", "-1"},
        Case{kAdd, "States.MathAdd($.n, 'x')", nullptr},
        Case{kSplit, "States.StringSplit('1,2,3', ',')", R"(["1","2","3"])"},
        Case{kUuid, "States.UUID()", R"("11111111-2222-4333-8444-555555555555")"},
        Case{kToJson, "States.StringToJson('{\"a\":[1]}')", R"({"a":[1]})"},
        Case{kToJson, "States.StringToJson('{nope')", nullptr},
        Case{kToString, "States.JsonToString($.obj1)", R"("{\"a\":1,\"b\":{\"x\":1}}")"},
        Case{kFormat, "States.Format('{} {}', $.n)", nullptr},
        Case{kFormat, "States.Format('{}', $.arr)", nullptr}));

TEST(IntrinsicConformance, MathRandomWithASeedIsTheSameEveryTime) {
  auto e = Expression::Parse("States.MathRandom(0, 1000000, 42)");
  ASSERT_TRUE(e.ok());
  // No source is given: a seeded call needs none, and repeats its value.
  auto a = e->Evaluate(EvalContext{kInput});
  auto b = e->Evaluate(EvalContext{kInput});
  ASSERT_TRUE(a.ok() && b.ok()) << kRandom;
  EXPECT_EQ(*a, *b);
  EXPECT_GE(a->get<int64_t>(), 0);
  EXPECT_LT(a->get<int64_t>(), 1000000);
  auto other =
      Expression::Parse("States.MathRandom(0, 1000000, 43)")->Evaluate(EvalContext{kInput});
  EXPECT_NE(*a, *other);
  // Without a seed and without a source there is no randomness to draw on.
  EXPECT_FALSE(Expression::Parse("States.MathRandom(0, 10)")->Evaluate(EvalContext{kInput}).ok());
}

TEST(IntrinsicConformance, LimitsOnInputSize) {
  const json big = {{"s", std::string(10001, 'a')}, {"ok", std::string(10000, 'a')}};
  for (const char* f : {"States.Base64Encode($.s)", "States.Hash($.s, 'MD5')"}) {
    EXPECT_FALSE(Expression::Parse(f)->Evaluate(EvalContext{big}).ok()) << f << ": " << kBase64;
  }
  EXPECT_TRUE(Expression::Parse("States.Base64Encode($.ok)")->Evaluate(EvalContext{big}).ok());
  EXPECT_TRUE(Expression::Parse("States.Hash($.ok, 'MD5')")->Evaluate(EvalContext{big}).ok());
  auto range = Expression::Parse("States.ArrayRange(1, 1000, 1)")->Evaluate(EvalContext{big});
  ASSERT_TRUE(range.ok()) << kRange;
  EXPECT_EQ(range->size(), 1000u);
  EXPECT_EQ(range->back(), 1000);
}

TEST(IntrinsicConformance, ArgumentCountsAreCheckedWhenTheDefinitionIsRead) {
  for (const char* bad : {"States.ArrayPartition($.arr)", "States.ArrayRange(1, 2)",
                          "States.ArrayLength()", "States.Hash('a')", "States.JsonMerge($.a, $.b)",
                          "States.MathRandom(1)", "States.MathRandom(1, 2, 3, 4)", "States.UUID(1)",
                          "States.Base64Encode()", "States.Nope()"}) {
    EXPECT_FALSE(Expression::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace blend::journey
