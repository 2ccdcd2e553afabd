#include "blend/genesys_sim/config.h"

#include <gtest/gtest.h>

namespace blend::genesys_sim {
namespace {

TEST(ConfigTest, DemoDefaultsAreValidAndNamedAsDocumented) {
  SimConfig c = DemoConfig();
  ASSERT_TRUE(ValidateConfig(c).ok());
  ASSERT_EQ(c.clients.size(), 1u);
  EXPECT_EQ(c.clients[0].client_id, "demo-client");
  EXPECT_EQ(c.clients[0].client_secret.Reveal(), "demo-secret");
  EXPECT_EQ(c.contact_lists[0].id, "demo-contacts");
  EXPECT_EQ(c.dnc_lists[0].id, "demo-dnc");
  EXPECT_EQ(c.sms_senders, std::vector<std::string>{"+18005550199"});
  EXPECT_EQ(c.email_senders, std::vector<std::string>{"collections@demo.example.com"});
  EXPECT_EQ(c.requests_per_minute, 300);
}

TEST(ConfigTest, FileSectionsReplaceDefaultsAndOthersStay) {
  auto c = ParseConfigJson(R"({
    "rateLimit": {"requestsPerMinute": 50},
    "dialer": {"dialDelay": "2s", "outcomeRules": [
      {"numberRegex": "1$", "wrapupCode": "ININ-OUTBOUND-BUSY"}]},
    "dncLists": [{"id": "ext", "dncSourceType": "dnc.com"}, {"id": "demo-dnc",
                  "phoneNumbers": ["+13175550100"]}],
    "webhooks": {"postContactUrls": ["http://127.0.0.1:1/x"], "maxAttempts": 3,
                 "initialBackoff": 0.5}
  })",
                           DemoConfig());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->requests_per_minute, 50);
  EXPECT_EQ(c->dialer.dial_delay, absl::Seconds(2));
  ASSERT_EQ(c->dialer.outcome_rules.size(), 1u);
  EXPECT_EQ(c->dialer.outcome_rules[0].wrapup_code, "ININ-OUTBOUND-BUSY");
  EXPECT_EQ(c->dnc_lists.size(), 2u);
  EXPECT_EQ(c->dnc_lists[0].dnc_source_type, "dnc.com");
  EXPECT_EQ(c->webhooks.max_attempts, 3);
  EXPECT_EQ(c->webhooks.initial_backoff, absl::Milliseconds(500));
  EXPECT_EQ(c->contact_lists[0].id, "demo-contacts");  // untouched section
  EXPECT_TRUE(ValidateConfig(*c).ok());
}

TEST(ConfigTest, MistakesAreReportedWithTheField) {
  EXPECT_FALSE(ParseConfigJson(R"({"rateLimits": {}})", DemoConfig()).ok());
  EXPECT_FALSE(ParseConfigJson(R"({"dialer": {"dialDelay": "soon"}})", DemoConfig()).ok());
  EXPECT_FALSE(ParseConfigJson("not json", DemoConfig()).ok());
  auto bad_regex = ParseConfigJson(
      R"({"dialer": {"outcomeRules": [{"numberRegex": "(", "wrapupCode": "X"}]}})", DemoConfig());
  ASSERT_TRUE(bad_regex.ok());
  EXPECT_FALSE(ValidateConfig(*bad_regex).ok());
  auto bad_campaign =
      ParseConfigJson(R"({"campaigns": [{"id": "c", "contactListId": "nope"}]})", DemoConfig());
  ASSERT_TRUE(bad_campaign.ok());
  EXPECT_FALSE(ValidateConfig(*bad_campaign).ok());
}

}  // namespace
}  // namespace blend::genesys_sim

namespace blend::genesys_sim {
namespace {

TEST(ConfigTest, ExampleFileInTheReadmeLoadsAndValidates) {
  auto c = LoadConfigFile("config/example.json", DemoConfig());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(ValidateConfig(*c).ok());
  EXPECT_EQ(c->clients.size(), 2u);
  EXPECT_EQ(c->dialer.outcome_rules.size(), 6u);
  EXPECT_EQ(c->contact_lists[0].contacts[0].id, "seed-1");
  // The dialer worker's real receiver (its default --http-addr and path).
  EXPECT_EQ(c->webhooks.post_contact_urls[0],
            "http://127.0.0.1:7481/webhooks/genesys/post-contact");
  EXPECT_FALSE(LoadConfigFile("config/missing.json", DemoConfig()).ok());
}

}  // namespace
}  // namespace blend::genesys_sim
