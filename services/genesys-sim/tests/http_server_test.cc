// The simulator over real HTTP on loopback: routing, headers, dropped connections.

#include "blend/genesys_sim/http_server.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

class HttpServerTest : public testing::SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    auto server = SimHttpServer::Start(*sim_, "127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(std::chrono::seconds(5));
  }
  std::string HttpToken() {
    client_->set_basic_auth("demo-client", "demo-secret");
    auto res = client_->Post("/oauth/token", "grant_type=client_credentials",
                             "application/x-www-form-urlencoded");
    client_->set_basic_auth("", "");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    return json::parse(res->body)["access_token"];
  }
  std::unique_ptr<SimHttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, ServesTokenAndApiWithGenesysHeaders) {
  httplib::Headers auth = {{"Authorization", "Bearer " + HttpToken()}};
  auto res = client_->Get("/api/v2/outbound/dnclists/demo-dnc?includeSize=true", auth);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["id"], "demo-dnc");
  EXPECT_EQ(res->get_header_value("inin-ratelimit-count"), "1");
  EXPECT_FALSE(res->get_header_value("ININ-Correlation-Id").empty());
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpServerTest, DroppedConnectionGivesTheClientNoResponse) {
  std::string token = HttpToken();
  ASSERT_EQ(Call("PUT", "/sim/faults", R"({"dropRatio": 1})").status, 200);
  auto res = client_->Get("/api/v2/outbound/dnclists/demo-dnc",
                          httplib::Headers{{"Authorization", "Bearer " + token}});
  EXPECT_FALSE(res);
  ASSERT_EQ(Call("DELETE", "/sim/faults").status, 200);
  auto ok = client_->Get("/api/v2/outbound/dnclists/demo-dnc",
                         httplib::Headers{{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, AcceptedDropSendsTheSmsButTheClientGetsNoAnswer) {
  std::string token = HttpToken();
  ASSERT_EQ(Call("PUT", "/sim/faults", R"({"acceptedDropRatio": 1})").status, 200);
  auto res = client_->Post("/api/v2/conversations/messages/agentless",
                           httplib::Headers{{"Authorization", "Bearer " + token}},
                           R"({"fromAddress":"+18005550199","toAddress":"+13175550100",)"
                           R"("toAddressMessengerType":"sms","textBody":"hi"})",
                           "application/json");
  EXPECT_FALSE(res);
  EXPECT_EQ(json::parse(Call("GET", "/sim/messages/sms").body).size(), 1u);
}

TEST_F(HttpServerTest, NoContentAnswersHaveNoBody) {
  httplib::Headers auth = {{"Authorization", "Bearer " + HttpToken()}};
  auto res =
      client_->Patch("/api/v2/outbound/dnclists/demo-dnc/phonenumbers", auth,
                     R"({"action":"Add","phoneNumbers":["+13175550100"]})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_TRUE(res->body.empty());
}

}  // namespace
}  // namespace blend::genesys_sim
