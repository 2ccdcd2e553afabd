// VoiceSender over the in-memory FakeHttpTransport: the idempotent insertion under the
// contact id derived from the touch id, retries after a lost answer and the read-back.

#include "blend/dialer_worker/voice_sender.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "blend/common/clock.h"
#include "blend/genesys/contact_id.h"
#include "blend/genesys/error.h"
#include "blend/genesys/testing/fake_http_transport.h"
#include "nlohmann/json.hpp"

namespace blend::dialer_worker {
namespace {

using genesys::GenesysError;
using genesys::HttpMethod;
using genesys::HttpResponse;
using genesys::testing::FakeHttpTransport;
using nlohmann::json;

constexpr char kTouch[] = "j-1/Call/3";

absl::Status LostAnswer() {
  GenesysError err;
  err.transport_error = "timeout";
  err.outcome_unknown = true;
  return genesys::AttachGenesysError(absl::UnavailableError("operation timed out"), err);
}

HttpResponse StoredContact(const std::string& touch_id) {
  json contact = {{"id", genesys::ContactIdForTouch(touch_id)},
                  {"contactListId", "demo-contacts"},
                  {"data", {{"phone", "+12015550123"}, {"touchId", touch_id}}},
                  {"callable", true}};
  return HttpResponse{200, {}, contact.dump()};
}

class VoiceSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    genesys::GenesysClientConfig config;
    config.client_id = "id";
    config.client_secret = Secret("secret");
    client_ = genesys::GenesysClient::Create(config, transport_, clock_).value();
    transport_.PushToken("t1");
    options_.sleep = [this](absl::Duration d) { sleeps_.push_back(d); };
  }

  absl::StatusOr<worker::SendReceipt> Send(quota::QuotaGovernor* quota = nullptr) {
    v1::TouchCommand touch;
    touch.set_touch_id(kTouch);
    touch.set_channel(v1::CHANNEL_VOICE);
    touch.mutable_customer()->set_customer_id("c-1");
    touch.mutable_customer()->set_phone_e164("+12015550123");
    touch.mutable_genesys()->set_contact_list_id("demo-contacts");
    VoiceSender sender(*client_, options_, quota);
    return sender.Send(touch);
  }

  std::vector<genesys::HttpRequest> Requests(HttpMethod method) {
    std::vector<genesys::HttpRequest> out;
    for (const auto& r : transport_.requests()) {
      if (r.method == method && absl::StrContains(r.url, "/api/v2/")) out.push_back(r);
    }
    return out;
  }

  FakeClock clock_;
  FakeHttpTransport transport_;
  std::unique_ptr<genesys::GenesysClient> client_;
  VoiceSenderOptions options_;
  std::vector<absl::Duration> sleeps_;
};

TEST_F(VoiceSenderTest, InsertsUnderTheContactIdDerivedFromTheTouchWithoutRequeueing) {
  transport_.Push(
      HttpResponse{200, {}, json::array({json::parse(StoredContact(kTouch).body)}).dump()});
  auto receipt = Send();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  const std::string id = genesys::ContactIdForTouch(kTouch);
  EXPECT_EQ(receipt->provider_ids.at("contactId"), id);
  EXPECT_EQ(receipt->provider_ids.at("contactListId"), "demo-contacts");

  auto posts = Requests(HttpMethod::kPost);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_TRUE(absl::EndsWith(posts[0].url,
                             "/api/v2/outbound/contactlists/demo-contacts/contacts"
                             "?priority=true&doNotQueue=true"))
      << posts[0].url;
  json body = json::parse(posts[0].body);
  EXPECT_EQ(body[0]["id"], id);
  EXPECT_EQ(body[0]["data"]["touchId"], kTouch);
  EXPECT_EQ(body[0]["data"]["customerId"], "c-1");
  // No `callable`: an update must not make a withdrawn contact callable again.
  EXPECT_FALSE(body[0].contains("callable"));
}

TEST_F(VoiceSenderTest, LostAnswerIsRetriedWithTheSameContactAndIsNotUnknown) {
  transport_.Push(LostAnswer());
  transport_.Push(
      HttpResponse{200, {}, json::array({json::parse(StoredContact(kTouch).body)}).dump()});
  auto receipt = Send();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->provider_ids.at("contactId"), genesys::ContactIdForTouch(kTouch));
  auto posts = Requests(HttpMethod::kPost);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].body, posts[1].body);
  EXPECT_EQ(posts[0].url, posts[1].url);
  EXPECT_EQ(sleeps_, std::vector<absl::Duration>{absl::Milliseconds(500)});
}

TEST_F(VoiceSenderTest, EveryAnswerLostThenTheReadBackConfirmsTheInsertion) {
  for (int i = 0; i < 3; ++i) transport_.Push(LostAnswer());
  transport_.Push(StoredContact(kTouch));
  auto receipt = Send();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->provider_ids.at("contactId"), genesys::ContactIdForTouch(kTouch));
  EXPECT_EQ(Requests(HttpMethod::kPost).size(), 3u);
  auto gets = Requests(HttpMethod::kGet);
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_TRUE(absl::EndsWith(gets[0].url, "/api/v2/outbound/contactlists/demo-contacts/contacts/" +
                                              genesys::ContactIdForTouch(kTouch)));
  EXPECT_EQ(sleeps_, (std::vector<absl::Duration>{absl::Milliseconds(500), absl::Seconds(1)}));
}

TEST_F(VoiceSenderTest, ReadBackFindsNothingSoTheTouchIsHandedBackForALaterRetry) {
  for (int i = 0; i < 3; ++i) transport_.Push(LostAnswer());
  transport_.Push(HttpResponse{404, {}, R"({"code":"not.found","status":404})"});
  auto receipt = Send();
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kUnavailable);
  auto err = genesys::GetGenesysError(receipt.status());
  EXPECT_FALSE(err && err->outcome_unknown) << receipt.status();
}

TEST_F(VoiceSenderTest, ReadBackAlsoLostStillHandsTheTouchBackInsteadOfUnknown) {
  for (int i = 0; i < 4; ++i) transport_.Push(LostAnswer());
  auto receipt = Send();
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kUnavailable);
  auto err = genesys::GetGenesysError(receipt.status());
  EXPECT_FALSE(err && err->outcome_unknown) << receipt.status();
  EXPECT_EQ(Requests(HttpMethod::kGet).size(), 1u);
}

TEST_F(VoiceSenderTest, ContactHoldingAnotherTouchIsNotTakenForThisOne) {
  for (int i = 0; i < 3; ++i) transport_.Push(LostAnswer());
  transport_.Push(StoredContact("j-2/Call/1"));
  auto receipt = Send();
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kInternal);
}

TEST_F(VoiceSenderTest, DefiniteRefusalIsNotRetried) {
  transport_.Push(HttpResponse{400, {}, R"({"code":"invalid.value","status":400})"});
  auto receipt = Send();
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Requests(HttpMethod::kPost).size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(VoiceSenderTest, RetriesTakeQuotaTokensAndStopWhenThereAreNone) {
  FakeClock quota_clock;
  quota::InMemoryQuotaStore store;
  // Burst 1: the retry finds the bucket empty (the processor took the first token).
  quota::QuotaGovernor quota(store, quota_clock, "id", {.requests_per_minute = 60, .burst = 1});
  ASSERT_TRUE(quota.TryAcquire()->granted);
  transport_.Push(LostAnswer());
  auto receipt = Send(&quota);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kUnavailable);
  auto err = genesys::GetGenesysError(receipt.status());
  EXPECT_FALSE(err && err->outcome_unknown) << receipt.status();
  EXPECT_EQ(Requests(HttpMethod::kPost).size(), 1u);
}

TEST_F(VoiceSenderTest, CustomerWithoutPhoneIsInvalid) {
  v1::TouchCommand touch;
  touch.set_touch_id(kTouch);
  VoiceSender sender(*client_, options_);
  EXPECT_EQ(sender.Send(touch).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace blend::dialer_worker
