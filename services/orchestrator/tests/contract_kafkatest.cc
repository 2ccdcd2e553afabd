// Starts the real blend-orchestrator binary against the PostgreSQL and Kafka of
// scripts/cluster (BLEND_PG_URL, BLEND_KAFKA_BROKERS) and checks what every Blend gRPC
// server promises: reflection lists its services, grpc.health.v1 answers SERVING, /metrics
// and /readyz answer, and SIGTERM ends it with exit code 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "blend/common/testing/child_process.h"
#include "blend/common/testing/ports.h"

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/store/testing/test_database.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace blend {
namespace {

// A port that was free a moment ago (the kernel picks it; the socket is closed again).
int FreePort() { return blend::test_support::FreeLoopbackPort(); }

TEST(OrchestratorContractTest, ReflectionHealthMetricsAndGracefulShutdown) {
  const char* brokers = std::getenv("BLEND_KAFKA_BROKERS");
  ASSERT_NE(brokers, nullptr) << "BLEND_KAFKA_BROKERS is not set: run scripts/cluster up and "
                                 "source .local/cluster.env";
  auto db = store::testing::TestDatabase::CreateFromEnv();
  ASSERT_TRUE(db.ok()) << db.status();

  int grpc_port = FreePort(), metrics_port = FreePort();
  std::string grpc_addr = absl::StrCat("127.0.0.1:", grpc_port);
  auto spawned = test_support::ChildProcess::Spawn(
      "blend-orchestrator", {BLEND_ORCHESTRATOR_BIN, "--grpc-addr=" + grpc_addr,
                             absl::StrCat("--metrics-addr=127.0.0.1:", metrics_port),
                             "--pg-url=" + (*db)->url(), std::string("--kafka-brokers=") + brokers,
                             "--topic-prefix=contract-" + (*db)->name() + ".", "--log-level=warn"});
  ASSERT_TRUE(spawned.ok()) << spawned.status();
  test_support::ChildProcess& orchestrator = **spawned;

  auto channel = grpc::CreateChannel("ipv4:" + grpc_addr, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(60))))
      << "orchestrator did not start listening on " << grpc_addr;

  // Health: the standard service, overall status.
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckResponse health_response;
  grpc::Status health_status;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext ctx;
    health_status = health->Check(&ctx, {}, &health_response);
    if (health_status.ok() && health_response.status() == health_response.SERVING) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(health_status.ok()) << health_status.error_message();
  EXPECT_EQ(health_response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // Reflection: list services the way grpcurl would.
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext ctx;
  auto stream = reflection->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("*");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::set<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.insert(s.name());
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_TRUE(services.count("blend.v1.JourneyService")) << "services listed: " << services.size();
  EXPECT_TRUE(services.count("blend.v1.TouchService"));
  EXPECT_TRUE(services.count("grpc.health.v1.Health"));

  // Admin endpoint.
  httplib::Client admin("127.0.0.1", metrics_port);
  auto metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("blend_"), std::string::npos);
  auto ready = admin.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;

  // Graceful shutdown.
  ASSERT_EQ(kill(orchestrator.pid(), SIGTERM), 0);
  std::optional<int> wstatus = orchestrator.WaitExit(absl::Seconds(30));
  ASSERT_TRUE(wstatus.has_value()) << "orchestrator did not exit within 30 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(*wstatus)) << "killed by signal " << WTERMSIG(*wstatus);
  EXPECT_EQ(WEXITSTATUS(*wstatus), 0);
}

}  // namespace
}  // namespace blend
