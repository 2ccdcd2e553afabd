#include "blend/blendctl/start_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

CsvRecord Rec(std::vector<std::string> fields, int64_t line = 2, std::string error = "") {
  return CsvRecord{std::move(fields), line, std::move(error)};
}

const google::protobuf::Value* Field(const google::protobuf::Struct& s, const std::string& k) {
  auto it = s.fields().find(k);
  return it == s.fields().end() ? nullptr : &it->second;
}

TEST(BuildStartRequestTest, CopiesEveryFlag) {
  StartOptions o;
  o.campaign_id = "seed";
  o.campaign_version = 3;
  o.customer_id = "c-1";
  o.phone = "+442079460958";
  o.email = "a@example.com";
  o.time_zone = "Europe/London";
  o.postal_time_zone = "Europe/Dublin";
  o.input_json = R"({"invoice": "INV-1", "amount": 12.5})";
  o.idempotency_key = "k-1";
  auto r = BuildStartRequest(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->campaign_id(), "seed");
  EXPECT_EQ(r->campaign_version(), 3);
  EXPECT_EQ(r->client_key(), "k-1");
  EXPECT_EQ(r->customer().customer_id(), "c-1");
  EXPECT_EQ(r->customer().phone_e164(), "+442079460958");
  EXPECT_EQ(r->customer().email(), "a@example.com");
  EXPECT_EQ(r->customer().time_zone(), "Europe/London");
  EXPECT_EQ(r->customer().postal_time_zone(), "Europe/Dublin");
  ASSERT_NE(Field(r->input(), "invoice"), nullptr);
  EXPECT_EQ(Field(r->input(), "invoice")->string_value(), "INV-1");
  EXPECT_EQ(Field(r->input(), "amount")->number_value(), 12.5);
}

TEST(BuildStartRequestTest, GeneratesADistinctKeyWhenNoneGiven) {
  StartOptions o;
  o.campaign_id = "seed";
  o.customer_id = "c-1";
  auto a = BuildStartRequest(o);
  auto b = BuildStartRequest(o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->client_key().empty());
  EXPECT_NE(a->client_key(), b->client_key());
}

TEST(BuildStartRequestTest, RejectsNonObjectInputAndEmptyIds) {
  StartOptions o;
  o.campaign_id = "seed";
  o.customer_id = "c-1";
  o.input_json = "[1,2]";
  EXPECT_EQ(BuildStartRequest(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.input_json = "{not json";
  EXPECT_EQ(BuildStartRequest(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.input_json = "{}";
  o.customer_id = "";
  EXPECT_EQ(BuildStartRequest(o).status().code(), absl::StatusCode::kInvalidArgument);
}

CsvStartMapper Mapper(std::vector<std::string> header, std::string prefix = "") {
  auto m = CsvStartMapper::Create(Rec(std::move(header), 1), "seed", 0, std::move(prefix));
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

TEST(CsvStartMapperTest, MapsKnownColumnsAttributesAndInput) {
  CsvStartMapper m = Mapper({"Customer_ID", " phone ", "email", "time_zone", "postal_time_zone",
                             "idempotency_key", "attr.segment", "invoice"});
  auto r = m.Map(Rec({"c-7", "+442079460958", "A@Example.com", "Europe/London", "Europe/Dublin",
                      "key-7", "gold", "INV-7"},
                     42));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->campaign_id(), "seed");
  EXPECT_EQ(r->row(), 42);
  EXPECT_EQ(r->client_key(), "key-7");
  EXPECT_EQ(r->customer().customer_id(), "c-7");
  EXPECT_EQ(r->customer().phone_e164(), "+442079460958");
  EXPECT_EQ(r->customer().email(), "A@Example.com");
  EXPECT_EQ(r->customer().time_zone(), "Europe/London");
  EXPECT_EQ(r->customer().postal_time_zone(), "Europe/Dublin");
  ASSERT_NE(Field(r->customer().attributes(), "segment"), nullptr);
  EXPECT_EQ(Field(r->customer().attributes(), "segment")->string_value(), "gold");
  ASSERT_NE(Field(r->input(), "invoice"), nullptr);
  EXPECT_EQ(Field(r->input(), "invoice")->string_value(), "INV-7");
  EXPECT_EQ(r->input().fields_size(), 1);
}

TEST(CsvStartMapperTest, EmptyCellsAreLeftOutAndKeyDefaultsToPrefixPlusCustomer) {
  CsvStartMapper m = Mapper({"customer_id", "phone", "invoice", "idempotency_key"}, "wave1-");
  auto r = m.Map(Rec({"c-8", "", "", ""}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->customer().phone_e164(), "");
  EXPECT_EQ(r->input().fields_size(), 0);
  EXPECT_EQ(r->client_key(), "wave1-c-8");
}

TEST(CsvStartMapperTest, RejectsBadRowsWithAReason) {
  CsvStartMapper m = Mapper({"customer_id", "phone"});
  EXPECT_EQ(m.Map(Rec({"c-1"})).status().message(), "expected 2 fields, found 1");
  EXPECT_EQ(m.Map(Rec({"", "+442079460958"})).status().message(), "customer_id is empty");
  EXPECT_EQ(m.Map(Rec({"c-1", "x"}, 5, "quote inside an unquoted field")).status().message(),
            "malformed CSV: quote inside an unquoted field");
  EXPECT_EQ(m.CustomerIdOf(Rec({"c-9"})), "c-9");
  EXPECT_EQ(m.CustomerIdOf(Rec({})), "");
}

TEST(CsvStartMapperTest, CustomerIdColumnNeedNotBeFirst) {
  CsvStartMapper m = Mapper({"invoice", "customer_id"});
  auto r = m.Map(Rec({"INV-1", "c-3"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->customer().customer_id(), "c-3");
  EXPECT_EQ(m.CustomerIdOf(Rec({"INV-1", "c-3"})), "c-3");
}

TEST(CsvStartMapperTest, RejectsUnusableHeaders) {
  auto create = [](std::vector<std::string> h, std::string error = "") -> std::string {
    auto m = CsvStartMapper::Create(Rec(std::move(h), 1, std::move(error)), "seed", 0, "");
    return std::string(m.status().message());
  };
  EXPECT_EQ(create({"phone", "email"}), "the header row has no customer_id column");
  EXPECT_EQ(create({"customer_id", "Phone", "phone"}), "duplicate header column phone");
  EXPECT_EQ(create({"customer_id", " "}), "header column 2 has no name");
  EXPECT_EQ(create({"customer_id"}, "unterminated quoted field"),
            "header row: unterminated quoted field");
}

}  // namespace
}  // namespace blend::blendctl
