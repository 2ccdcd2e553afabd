// Withdrawing queued contacts: DELETE and PUT (callable false) of one contact, as Genesys
// serves them; a removed contact is never dialled, an uncallable one is skipped without a
// call; both are audited with touch id, contact id and time.

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

constexpr char kContacts[] = "/api/v2/outbound/contactlists/demo-contacts/contacts/";

class WithdrawalTest : public testing::SimTest {
 protected:
  void SetUp() override {
    SimConfig config = DemoConfig();
    config.webhooks.post_contact_urls = {"http://127.0.0.1:9/events"};
    Build(config);
  }
  std::string Insert(const std::string& touch_id, const std::string& phone = "+13175550104") {
    HttpResponse r = AddContact(phone, /*priority=*/true, touch_id);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r)[0]["id"];
  }
  std::vector<AuditEntry> AuditOf(const std::string& operation) {
    AuditFilter f;
    f.operation = operation;
    return sim_->audit().Query(f);
  }
  void DialAll() {
    clock_.Advance(absl::Seconds(5));
    sim_->Tick();
  }
};

TEST_F(WithdrawalTest, DeletedContactLeavesListAndQueueAndIsNeverDialled) {
  std::string id = Insert("t-paid");
  Insert("t-other", "+13175550105");
  ASSERT_EQ(sim_->outbound().QueuedCount(), 2u);
  clock_.Advance(absl::Seconds(2));
  HttpResponse r = Api("DELETE", kContacts + id);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(sim_->outbound().QueuedCount(), 1u);
  EXPECT_EQ(Api("GET", kContacts + id).status, 404);
  DialAll();
  auto calls = sim_->RecentCalls();
  ASSERT_EQ(calls.size(), 1u);  // only the other contact
  EXPECT_NE(calls[0].contact_id, id);
  EXPECT_EQ(sender_->posts().size(), 1u);

  auto audit = AuditOf("contacts.delete");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].touch_id, "t-paid");
  EXPECT_EQ(audit[0].contact_id, id);
  EXPECT_EQ(audit[0].status, 204);
  EXPECT_EQ(audit[0].method, "DELETE");
  EXPECT_EQ(audit[0].time, absl::FromUnixSeconds(1767225600) + absl::Seconds(2));
  json listed =
      Json(Call("GET", "/sim/audit", "", {{"contactId", id}, {"operation", "contacts.delete"}}));
  ASSERT_EQ(listed["entries"].size(), 1u);
  EXPECT_EQ(listed["entries"][0]["touchId"], "t-paid");
  EXPECT_EQ(listed["entries"][0]["contactId"], id);
}

TEST_F(WithdrawalTest, DeletingWhatIsNotThereIsNotFound) {
  std::string id = Insert("t-1");
  ASSERT_EQ(Api("DELETE", kContacts + id).status, 204);
  HttpResponse again = Api("DELETE", kContacts + id);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(Json(again)["code"], "not.found");
  EXPECT_EQ(Api("DELETE", "/api/v2/outbound/contactlists/nope/contacts/" + id).status, 404);
  auto audit = AuditOf("contacts.delete");
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[1].status, 404);
  EXPECT_EQ(audit[1].contact_id, id);
}

TEST_F(WithdrawalTest, ContactMadeUncallableIsSkippedWithoutACall) {
  std::string id = Insert("t-paid");
  json contact = Json(Api("GET", kContacts + id));
  contact["callable"] = false;
  HttpResponse put = Api("PUT", kContacts + id, contact.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Json(put)["callable"], false);
  EXPECT_EQ(Json(put)["data"]["touchId"], "t-paid");
  DialAll();
  auto calls = sim_->RecentCalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED");
  EXPECT_TRUE(calls[0].conversation_id.empty());
  json event = json::parse(sender_->posts().at(0).body)["detail"]["eventBody"];
  EXPECT_EQ(event["wrapupCode"], "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED");
  EXPECT_FALSE(event.contains("conversationId"));

  auto audit = AuditOf("contacts.update");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].touch_id, "t-paid");
  EXPECT_EQ(audit[0].contact_id, id);
  EXPECT_EQ(audit[0].method, "PUT");
}

TEST_F(WithdrawalTest, UpdateReplacesDataKeepsTheQueuePlaceAndChecksTheBody) {
  std::string id = Insert("t-1");
  json body = {{"contactListId", "demo-contacts"},
               {"data", {{"phone", "+13175550105"}, {"touchId", "t-1"}}}};
  HttpResponse put = Api("PUT", kContacts + id, body.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Json(put)["callable"], true);  // not named: unchanged
  EXPECT_EQ(sim_->outbound().QueuedCount(), 1u);
  DialAll();
  ASSERT_EQ(sim_->RecentCalls().size(), 1u);
  EXPECT_EQ(sim_->RecentCalls()[0].wrapup_code, "ININ-OUTBOUND-NO-ANSWER");  // ends in 5
  EXPECT_EQ(sim_->RecentCalls()[0].phone_number, "+13175550105");

  json other_list = body;
  other_list["contactListId"] = "elsewhere";
  EXPECT_EQ(Api("PUT", kContacts + id, other_list.dump()).status, 400);
  json other_id = body;
  other_id["id"] = "someone-else";
  EXPECT_EQ(Api("PUT", kContacts + id, other_id.dump()).status, 400);
  EXPECT_EQ(Api("PUT", kContacts + id, R"({"contactListId":"demo-contacts"})").status, 400);
  EXPECT_EQ(Api("PUT", kContacts + id, "not json").status, 400);
  EXPECT_EQ(Api("PUT", std::string(kContacts) + "nope", body.dump()).status, 404);
}

TEST_F(WithdrawalTest, UpsertWithoutCallableKeepsAWithdrawnContactUncallable) {
  std::string id = Insert("t-1");
  json contact = Json(Api("GET", kContacts + id));
  contact["callable"] = false;
  ASSERT_EQ(Api("PUT", kContacts + id, contact.dump()).status, 200);
  json again = json::array({{{"id", id},
                             {"contactListId", "demo-contacts"},
                             {"data", {{"phone", "+13175550104"}, {"touchId", "t-1"}}}}});
  HttpResponse r = Api("POST", "/api/v2/outbound/contactlists/demo-contacts/contacts", again.dump(),
                       {{"priority", "true"}, {"doNotQueue", "true"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)[0]["callable"], false);
  EXPECT_EQ(AuditOf("contacts.add").back().contact_id, id);
  // clearSystemData resets the callable status, as Genesys documents.
  r = Api("POST", "/api/v2/outbound/contactlists/demo-contacts/contacts", again.dump(),
          {{"clearSystemData", "true"}, {"doNotQueue", "true"}});
  EXPECT_EQ(Json(r)[0]["callable"], true);
}

}  // namespace
}  // namespace blend::genesys_sim
