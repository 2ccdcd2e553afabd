#include "blend/telemetry/admin_server.h"

#include <atomic>

#include <gtest/gtest.h>
#include <httplib.h>

#include "prometheus/counter.h"

namespace blend::telemetry {
namespace {

TEST(AdminServerTest, ServesMetricsHealthAndReadiness) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("blend_test_total")
      .Help("test")
      .Register(*registry)
      .Add({})
      .Increment(3);
  auto admin = AdminServer::Create("127.0.0.1:0", registry);
  ASSERT_TRUE(admin.ok()) << admin.status();
  std::atomic<bool> db_up{false};
  (*admin)->AddReadinessCheck("postgres", [&] {
    return db_up ? absl::OkStatus() : absl::UnavailableError("not connected");
  });

  httplib::Client client("127.0.0.1", (*admin)->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("blend_test_total 3"), std::string::npos) << metrics->body;

  EXPECT_EQ(client.Get("/healthz")->status, 200);
  auto not_ready = client.Get("/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_NE(not_ready->body.find("postgres: not connected"), std::string::npos);
  db_up = true;
  EXPECT_EQ(client.Get("/readyz")->status, 200);
}

TEST(AdminServerTest, RejectsMalformedAddress) {
  auto admin = AdminServer::Create("localhost", std::make_shared<prometheus::Registry>());
  EXPECT_EQ(admin.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace blend::telemetry
