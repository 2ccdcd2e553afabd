// The audit API: every served request with client, status, body digest and touch id.

#include "blend/genesys_sim/audit_log.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

TEST(AuditLogTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "");
}

TEST(AuditLogTest, KeepsNewestEntriesButCountsEverything) {
  AuditLog log(2);
  for (int i = 0; i < 5; ++i) {
    AuditEntry e;
    e.operation = "sms.send";
    e.status = 200;
    log.Record(e);
  }
  AuditFilter all;
  auto entries = log.Query(all);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].seq, 4);
  EXPECT_EQ(log.Counters().total, 5);
  EXPECT_EQ(log.Counters().by_operation.at("sms.send"), 5);
}

TEST(AuditLogTest, MaxInWindowSlidesOverServedRequests) {
  AuditLog log(100);
  absl::Time t0 = absl::FromUnixSeconds(1000);
  auto record = [&](int second, int status) {
    AuditEntry e;
    e.time = t0 + absl::Seconds(second);
    e.client_id = "c";
    e.status = status;
    log.Record(e);
  };
  for (int s : {0, 10, 50, 59, 61, 62}) record(s, 200);
  record(62, 429);
  EXPECT_EQ(log.MaxInWindow("c", absl::Minutes(1)), 5);  // 10, 50, 59, 61, 62
  EXPECT_EQ(log.MaxInWindow("other", absl::Minutes(1)), 0);
}

class AuditApiTest : public testing::SimTest {};

TEST_F(AuditApiTest, RecordsEveryApiRequestWithTouchIdsFromEachPlace) {
  json keyed = {{"fromAddress", "+18005550199"},
                {"toAddress", "+13175550100"},
                {"toAddressMessengerType", "sms"},
                {"textBody", "hi"},
                {"blendTouchId", "t-key"}};
  Api("POST", "/api/v2/conversations/messages/agentless", keyed.dump());
  SendSms("+13175550101", "Pay now [blend-touch-id:t-marker]");
  AddContact("+13175550104", true, "t-contact");
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/v2/conversations/emails/agentless";
  req.headers = {{"authorization", "Bearer " + token_}, {"x-blend-touch-id", "t-header"}};
  req.body = "{}";
  sim_->Handle(req);
  Call("GET", "/sim/audit");  // admin calls are not audited
  Call("GET", "/api/v2/outbound/dnclists/demo-dnc", "", {},
       {{"authorization", "Bearer " + token_}, {"x-blend-touch-id", "t-read"}});

  AuditFilter all;
  auto entries = sim_->audit().Query(all);
  ASSERT_EQ(entries.size(), 6u);  // token + 5 API calls
  EXPECT_EQ(entries[0].operation, "oauth.token");
  EXPECT_EQ(entries[1].touch_id, "t-key");
  EXPECT_EQ(entries[1].to_address, "+13175550100");
  EXPECT_EQ(entries[1].client_id, "demo-client");
  EXPECT_EQ(entries[1].body_sha256, Sha256Hex(keyed.dump()));
  EXPECT_EQ(entries[1].time, clock_.Now());
  EXPECT_EQ(entries[2].touch_id, "t-marker");
  EXPECT_EQ(entries[3].touch_id, "t-contact");
  EXPECT_EQ(entries[3].operation, "contacts.add");
  EXPECT_EQ(entries[4].touch_id, "t-header");
  EXPECT_EQ(entries[4].status, 400);
  EXPECT_EQ(entries[5].touch_id, "t-read");
  EXPECT_EQ(entries[5].operation, "dnclist.get");
}

TEST_F(AuditApiTest, AdminQueryFiltersAndCounts) {
  SendSms("+13175550100", "a [blend-touch-id:t-1]");
  clock_.Advance(absl::Seconds(10));
  SendSms("+13175550100", "b [blend-touch-id:t-1]");
  SendSms("+13175550101", "c [blend-touch-id:t-2]");
  SendSms("nope");
  HttpResponse r = Call("GET", "/sim/audit", "", {{"operation", "sms.send"}, {"touchId", "t-1"}});
  ASSERT_EQ(r.status, 200);
  json b = Json(r);
  ASSERT_EQ(b["entries"].size(), 2u);
  EXPECT_EQ(b["entries"][0]["toAddress"], "+13175550100");
  EXPECT_EQ(b["entries"][0]["clientId"], "demo-client");
  EXPECT_EQ(b["entries"][0]["status"], 200);
  EXPECT_EQ(b["entries"][0]["bodySha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(b["counters"]["byOperation"]["sms.send"], 4);
  EXPECT_EQ(b["counters"]["byStatus"]["400"], 1);
  auto count = [&](std::map<std::string, std::string> q) {
    return Json(Call("GET", "/sim/audit", "", std::move(q)))["entries"].size();
  };
  EXPECT_EQ(count({{"status", "400"}}), 1u);
  EXPECT_EQ(count({{"toAddress", "+13175550101"}}), 1u);
  EXPECT_EQ(count({{"since", "2026-01-01T00:00:05Z"}, {"operation", "sms.send"}}), 3u);
  EXPECT_EQ(count({{"until", "2026-01-01T00:00:05Z"}}), 2u);  // token + first SMS
  EXPECT_EQ(count({{"limit", "1"}}), 1u);
  EXPECT_EQ(Call("GET", "/sim/audit", "", {{"since", "yesterday"}}).status, 400);
  EXPECT_EQ(
      Json(Call("GET", "/sim/audit/max-rate", "", {{"clientId", "demo-client"}}))["maxRequests"],
      4);
  ASSERT_EQ(Call("DELETE", "/sim/audit").status, 200);
  EXPECT_EQ(count({}), 0u);
}

}  // namespace
}  // namespace blend::genesys_sim
