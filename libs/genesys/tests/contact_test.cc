// Withdrawing contacts over the in-memory FakeHttpTransport: DeleteContact and
// SetContactCallable, their request shapes and their error classification.

#include "absl/strings/match.h"
#include "blend/common/clock.h"
#include "blend/genesys/client.h"
#include "blend/genesys/testing/fake_http_transport.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace blend::genesys {
namespace {

using nlohmann::json;
using testing::FakeHttpTransport;

constexpr char kContactUrl[] =
    "https://api.mypurecloud.com/api/v2/outbound/contactlists/list%201/contacts/c-1";

constexpr char kStored[] =
    R"({"id":"c-1","contactListId":"list 1","data":{"phone":"+12015550123","touchId":"t-1"},)"
    R"("callable":true,"phoneNumberStatus":{"phone":{"callable":true}},)"
    R"("callRecords":{"phone":{"lastAttempt":"2026-11-26T19:00:00Z","lastResult":"x"}},)"
    R"("selfUri":"/api/v2/outbound/contactlists/list%201/contacts/c-1"})";

absl::Status LostAnswer() {
  GenesysError err;
  err.transport_error = "timeout";
  err.outcome_unknown = true;
  return AttachGenesysError(absl::UnavailableError("operation timed out"), err);
}

class ContactWithdrawalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GenesysClientConfig config;
    config.client_id = "id";
    config.client_secret = Secret("secret");
    client_ = GenesysClient::Create(config, transport_, clock_).value();
    transport_.PushToken("t1");
  }
  // The requests after the token request.
  std::vector<HttpRequest> ApiRequests() {
    std::vector<HttpRequest> out = transport_.requests();
    out.erase(out.begin());
    return out;
  }

  FakeClock clock_;
  FakeHttpTransport transport_;
  std::unique_ptr<GenesysClient> client_;
};

TEST_F(ContactWithdrawalTest, DeleteSendsDeleteToTheContactsPath) {
  transport_.Push(HttpResponse{204, {{"inin-correlation-id", "corr-1"}}, ""});
  auto done = client_->DeleteContact("list 1", "c-1");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->http_status, 204);
  EXPECT_EQ(done->correlation_id, "corr-1");
  auto requests = ApiRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, HttpMethod::kDelete);
  EXPECT_EQ(requests[0].url, kContactUrl);
  EXPECT_TRUE(requests[0].body.empty());
}

TEST_F(ContactWithdrawalTest, DeleteOfAMissingContactIsDone) {
  transport_.Push(HttpResponse{404, {}, R"({"code":"not.found","status":404})"});
  auto done = client_->DeleteContact("list 1", "c-1");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->http_status, 404);
}

TEST_F(ContactWithdrawalTest, DeleteErrorsAreClassifiedLikeEveryCall) {
  transport_.Push(HttpResponse{
      429, {{"retry-after", "7"}}, R"({"code":"too.many.requests.retry.after","status":429})"});
  transport_.Push(HttpResponse{403, {}, R"({"code":"missing.permissions","status":403})"});
  transport_.Push(LostAnswer());
  transport_.Push(HttpResponse{503, {}, R"({"code":"service.unavailable","status":503})"});

  absl::Status limited = client_->DeleteContact("list 1", "c-1").status();
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(GetGenesysError(limited).has_value());
  EXPECT_EQ(GetGenesysError(limited)->retry_after, absl::Seconds(7));
  EXPECT_EQ(GetGenesysError(limited)->endpoint, "delete_contact");

  absl::Status denied = client_->DeleteContact("list 1", "c-1").status();
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetGenesysError(denied)->code, "missing.permissions");

  absl::Status lost = client_->DeleteContact("list 1", "c-1").status();
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(GetGenesysError(lost)->outcome_unknown);

  EXPECT_EQ(client_->DeleteContact("list 1", "c-1").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(client_->DeleteContact("", "c-1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->DeleteContact("list 1", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ContactWithdrawalTest, SetCallableReadsThenPutsTheContactBackWithCallableChanged) {
  transport_.Push(HttpResponse{200, {}, kStored});
  json stored = json::parse(kStored);
  stored["callable"] = false;
  transport_.Push(HttpResponse{200, {}, stored.dump()});
  auto contact = client_->SetContactCallable("list 1", "c-1", false);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->callable, false);
  EXPECT_EQ(contact->data.at("touchId"), "t-1");

  auto requests = ApiRequests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, HttpMethod::kGet);
  EXPECT_EQ(requests[0].url, kContactUrl);
  EXPECT_EQ(requests[1].method, HttpMethod::kPut);
  EXPECT_EQ(requests[1].url, kContactUrl);
  EXPECT_EQ(json::parse(requests[1].body),
            json({{"contactListId", "list 1"},
                  {"data", {{"phone", "+12015550123"}, {"touchId", "t-1"}}},
                  {"callable", false},
                  {"phoneNumberStatus", {{"phone", {{"callable", true}}}}}}));
}

TEST_F(ContactWithdrawalTest, SetCallableToTheValueItHasMakesNoPut) {
  transport_.Push(HttpResponse{200, {}, kStored});
  auto contact = client_->SetContactCallable("list 1", "c-1", true);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->callable, true);
  EXPECT_EQ(ApiRequests().size(), 1u);
}

TEST_F(ContactWithdrawalTest, SetCallableErrorsAreClassifiedLikeEveryCall) {
  transport_.Push(HttpResponse{404, {}, R"({"code":"not.found","status":404})"});
  EXPECT_EQ(client_->SetContactCallable("list 1", "c-1", false).status().code(),
            absl::StatusCode::kNotFound);

  transport_.Push(HttpResponse{200, {}, kStored});
  transport_.Push(HttpResponse{409, {}, R"({"code":"conflict","status":409})"});
  absl::Status conflict = client_->SetContactCallable("list 1", "c-1", false).status();
  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetGenesysError(conflict)->endpoint, "update_contact");

  transport_.Push(HttpResponse{200, {}, kStored});
  transport_.Push(LostAnswer());
  absl::Status lost = client_->SetContactCallable("list 1", "c-1", false).status();
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(GetGenesysError(lost)->outcome_unknown);

  transport_.Push(HttpResponse{429, {{"retry-after", "3"}}, "{}"});
  absl::Status limited = client_->SetContactCallable("list 1", "c-1", false).status();
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(GetGenesysError(limited)->retry_after, absl::Seconds(3));
  EXPECT_EQ(GetGenesysError(limited)->endpoint, "get_contact");
}

TEST_F(ContactWithdrawalTest, InsertWithAKnownIdSendsTheQueueOptionsAndNoCallable) {
  transport_.Push(HttpResponse{200, {}, std::string("[") + kStored + "]"});
  ContactInsertion insertion{"list 1", TouchId("t-1"), "+12015550123"};
  insertion.contact_id = "c-1";
  insertion.do_not_queue = true;
  insertion.clear_system_data = true;
  ASSERT_TRUE(client_->InsertContact(insertion).ok());
  auto requests = ApiRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(absl::EndsWith(requests[0].url,
                             "/contacts?priority=true&clearSystemData=true&doNotQueue=true"))
      << requests[0].url;
  json body = json::parse(requests[0].body);
  EXPECT_EQ(body[0]["id"], "c-1");
  EXPECT_FALSE(body[0].contains("callable"));
}

}  // namespace
}  // namespace blend::genesys
