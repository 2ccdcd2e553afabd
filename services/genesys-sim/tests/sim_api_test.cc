// Shapes of the Genesys endpoints: fields, status codes, error bodies.

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

class SimApiTest : public testing::SimTest {};

TEST_F(SimApiTest, AgentlessSmsReturnsSendAgentlessOutboundMessageResponse) {
  HttpResponse r = SendSms("+13175550100", "Invoice 42 is due");
  ASSERT_EQ(r.status, 200) << r.body;
  json b = Json(r);
  for (const char* f : {"id", "conversationId", "timestamp", "selfUri"}) {
    EXPECT_TRUE(b[f].is_string() && !b[f].get<std::string>().empty()) << f;
  }
  EXPECT_EQ(b["fromAddress"], "+18005550199");
  EXPECT_EQ(b["toAddress"], "+13175550100");
  EXPECT_EQ(b["messengerType"], "sms");
  EXPECT_EQ(b["textBody"], "Invoice 42 is due");
  EXPECT_EQ(b["timestamp"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_FALSE(r.Header("ININ-Correlation-Id").empty());
}

TEST_F(SimApiTest, NormalizedSmsResponseCarriesMessageInsteadOfTextBody) {
  json body = {{"fromAddress", "+18005550199"},
               {"toAddress", "+13175550100"},
               {"toAddressMessengerType", "sms"},
               {"textBody", "hi"}};
  HttpResponse r = Api("POST", "/api/v2/conversations/messages/agentless", body.dump(),
                       {{"useNormalizedMessage", "true"}});
  ASSERT_EQ(r.status, 200);
  json b = Json(r);
  EXPECT_FALSE(b.contains("textBody"));
  EXPECT_EQ(b["message"]["direction"], "outbound");
  EXPECT_EQ(b["message"]["status"], "queued");
  EXPECT_EQ(b["message"]["textBody"], "hi");
}

TEST_F(SimApiTest, InvalidSmsRequestsGet400WithGenesysErrorBody) {
  auto send = [&](json body) {
    return Api("POST", "/api/v2/conversations/messages/agentless", body.dump());
  };
  json ok = {{"fromAddress", "+18005550199"},
             {"toAddress", "+13175550100"},
             {"toAddressMessengerType", "sms"},
             {"textBody", "hi"}};
  json bad_from = ok, bad_to = ok, long_text = ok, whatsapp = ok;
  bad_from["fromAddress"] = "+19995550000";
  bad_to["toAddress"] = "3175550100";
  long_text["textBody"] = std::string(766, 'x');
  whatsapp["toAddressMessengerType"] = "whatsapp";
  for (const json& b : {bad_from, bad_to, whatsapp}) {
    HttpResponse r = send(b);
    EXPECT_EQ(r.status, 400) << b.dump();
    EXPECT_EQ(Json(r)["code"], "invalid.value");
    EXPECT_EQ(Json(r)["status"], 400);
  }
  EXPECT_EQ(Json(send(long_text))["code"], "constraint.validation");
  HttpResponse garbage = Api("POST", "/api/v2/conversations/messages/agentless", "{nope");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Json(garbage)["code"], "bad.request");
  EXPECT_EQ(sim_->messaging().Sms().size(), 0u);
}

TEST_F(SimApiTest, AgentlessEmailReturnsAgentlessEmailSendResponseDto) {
  json body = {{"senderType", "Outbound"},
               {"fromAddress", {{"email", "collections@demo.example.com"}, {"name", "Demo"}}},
               {"toAddresses", json::array({{{"email", "jo@example.org"}, {"name", "Jo"}}})},
               {"subject", "Invoice"},
               {"textBody", "Please pay"}};
  HttpResponse r = Api("POST", "/api/v2/conversations/emails/agentless", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json b = Json(r);
  EXPECT_EQ(b["senderType"], "Outbound");
  EXPECT_EQ(b["fromAddress"]["email"], "collections@demo.example.com");
  EXPECT_EQ(b["toAddresses"][0]["email"], "jo@example.org");
  EXPECT_EQ(b["subject"], "Invoice");
  EXPECT_EQ(b["dateCreated"], "2026-01-01T00:00:00.000Z");
  EXPECT_TRUE(b["id"].is_string() && b["conversationId"].is_string() && b["selfUri"].is_string());

  json two = body;
  two["toAddresses"].push_back({{"email", "b@example.org"}});
  EXPECT_EQ(Api("POST", "/api/v2/conversations/emails/agentless", two.dump()).status, 400);
  json stranger = body;
  stranger["fromAddress"]["email"] = "someone@else.example";
  EXPECT_EQ(Api("POST", "/api/v2/conversations/emails/agentless", stranger.dump()).status, 400);
  EXPECT_EQ(sim_->messaging().Emails().size(), 1u);
}

TEST_F(SimApiTest, AddContactsReturnsDialerContactsAndTheyCanBeRead) {
  HttpResponse r = AddContact("+13175550100", true, "touch-1");
  ASSERT_EQ(r.status, 200) << r.body;
  json c = Json(r)[0];
  EXPECT_EQ(c["contactListId"], "demo-contacts");
  EXPECT_EQ(c["data"]["phone"], "+13175550100");
  EXPECT_EQ(c["callable"], true);
  EXPECT_EQ(c["configurationOverrides"]["priority"], true);
  EXPECT_EQ(c["phoneNumberStatus"]["phone"]["callable"], true);
  std::string id = c["id"];
  EXPECT_EQ(c["selfUri"], "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id);
  HttpResponse got = Api("GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json(got)["id"], id);
  EXPECT_EQ(Api("GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/nope").status, 404);
}

TEST_F(SimApiTest, AddContactsRejectsUnknownListMismatchAndOversizedBatches) {
  json one = json::array({{{"contactListId", "demo-contacts"}, {"data", {{"phone", "+1"}}}}});
  HttpResponse unknown =
      Api("POST", "/api/v2/outbound/contactlists/nope/contacts",
          json::array({{{"contactListId", "nope"}, {"data", json::object()}}}).dump());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown)["code"], "not.found");
  json mismatch = json::array({{{"contactListId", "other"}, {"data", json::object()}}});
  EXPECT_EQ(
      Api("POST", "/api/v2/outbound/contactlists/demo-contacts/contacts", mismatch.dump()).status,
      400);
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back(one[0]);
  HttpResponse big =
      Api("POST", "/api/v2/outbound/contactlists/demo-contacts/contacts", many.dump());
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(Json(big)["code"], "constraint.validation");
}

TEST_F(SimApiTest, DncAddPatchAndExportRoundTrip) {
  const std::string base = "/api/v2/outbound/dnclists/demo-dnc";
  HttpResponse add = Api("POST", base + "/phonenumbers", R"(["+13175550100","+13175550101"])");
  EXPECT_EQ(add.status, 200);
  EXPECT_TRUE(add.body.empty());
  HttpResponse patch = Api("PATCH", base + "/phonenumbers",
                           R"({"action":"Remove","phoneNumbers":["+13175550101"]})");
  EXPECT_EQ(patch.status, 204);
  EXPECT_EQ(
      Api("PATCH", base + "/phonenumbers",
          R"({"action":"Add","phoneNumbers":["+13175550102"],"expirationDateTime":"2026-03-01T00:00Z"})")
          .status,
      204);
  EXPECT_EQ(Json(Api("GET", base))["size"], 2);

  HttpResponse none = Api("GET", base + "/export");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(Json(none)["code"], "no.available.list.export.uri");
  HttpResponse job = Api("POST", base + "/export");
  ASSERT_EQ(job.status, 200);
  EXPECT_TRUE(Json(job)["id"].is_string());
  HttpResponse uri = Api("GET", base + "/export", "", {{"download", "false"}});
  ASSERT_EQ(uri.status, 200);
  std::string url = Json(uri)["uri"];
  EXPECT_EQ(Json(uri)["exportTimestamp"], "2026-01-01T00:00:00.000Z");
  ASSERT_EQ(url.rfind("http://sim.test:7480/api/v2/downloads/", 0), 0u) << url;
  std::string path = url.substr(std::string("http://sim.test:7480").size());
  HttpResponse csv = Call("GET", path);  // no token: stands in for a pre-signed URL
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv");
  EXPECT_EQ(
      csv.body,
      "PhoneNumber,ExpirationDateTime\r\n+13175550100,\r\n+13175550102,2026-03-01T00:00Z\r\n");
}

TEST_F(SimApiTest, DncRejectsBadNumbersDatesAndExternalLists) {
  SimConfig config = DemoConfig();
  config.dnc_lists.push_back({"gryphon-list", "External", "gryphon", "Phone", {}});
  Build(config);
  HttpResponse ext =
      Api("POST", "/api/v2/outbound/dnclists/gryphon-list/phonenumbers", R"(["+13175550100"])");
  EXPECT_EQ(ext.status, 400);
  EXPECT_EQ(Json(ext)["code"], "dnc.source.operation.not.supported");
  EXPECT_EQ(
      Json(Api("POST", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers", R"(["555"])"))["code"],
      "invalid.value");
  HttpResponse date = Api("POST", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers",
                          R"(["+13175550100"])", {{"expirationDateTime", "tomorrow"}});
  EXPECT_EQ(Json(date)["code"], "invalid.date");
  EXPECT_EQ(Api("POST", "/api/v2/outbound/dnclists/nope/phonenumbers", "[]").status, 404);
}

TEST_F(SimApiTest, ContactListAndItsExportShowCallRecords) {
  json list = Json(Api("GET", "/api/v2/outbound/contactlists/demo-contacts"));
  EXPECT_EQ(list["phoneColumns"][0]["columnName"], "phone");
  EXPECT_EQ(list["columnNames"][0], "phone");
  std::string id = Json(AddContact("+13175550106", false, "t-9"))[0]["id"];
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  ASSERT_EQ(Api("POST", "/api/v2/outbound/contactlists/demo-contacts/export").status, 200);
  std::string url = Json(Api("GET", "/api/v2/outbound/contactlists/demo-contacts/export"))["uri"];
  HttpResponse csv = Call("GET", url.substr(std::string("http://sim.test:7480").size()));
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body,
            "inin-outbound-id,phone,email,firstName,lastName,customerId,touchId,"
            "CallRecordLastAttempt-phone,CallRecordLastResult-phone,ContactCallable\r\n" +
                id + ",+13175550106,,,,,t-9,2026-01-01T00:00:05.000Z,ININ-OUTBOUND-BUSY,1\r\n");
}

TEST_F(SimApiTest, WronglyTypedJsonIs400NotACrash) {
  HttpResponse r = Api("PATCH", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers",
                       R"({"action": 5, "phoneNumbers": []})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r)["code"], "bad.request");
  EXPECT_EQ(Call("POST", "/sim/inbound-sms", R"({"fromAddress": 1, "textBody": "STOP"})").status,
            400);
}

TEST_F(SimApiTest, UnknownPathsAre404AndLimitsAreReadable) {
  HttpResponse r = Api("GET", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers/+13175550100");
  EXPECT_EQ(r.status, 404);  // Genesys has no per-number DNC lookup
  EXPECT_EQ(Json(r)["code"], "not.found");
  HttpResponse limits = Api("GET", "/api/v2/organizations/limits/namespaces/platform.api");
  EXPECT_EQ(Json(limits)["entities"][0]["key"], "client.credentials.token.rate.per.minute");
  EXPECT_EQ(Json(limits)["entities"][0]["value"], 300);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(SimApiTest, RequestMetricsCountByOperationAndStatus) {
  SendSms("+13175550100");
  SendSms("bad");
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_requests_total",
                                 {{"operation", "sms.send"}, {"status", "200"}}),
            1);
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_requests_total",
                                 {{"operation", "sms.send"}, {"status", "400"}}),
            1);
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_messages_total",
                                 {{"channel", "sms"}, {"status", "queued"}}),
            1);
}

}  // namespace
}  // namespace blend::genesys_sim
