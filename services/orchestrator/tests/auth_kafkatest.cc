// The gRPC port's authentication end to end: API tokens (scoped), the TouchService credential,
// rotation through the token file, and the refusal to serve open on a routable address.

#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

class AuthTest : public OrchestratorTest {
 protected:
  template <typename Fn>
  grpc::StatusCode Call(const std::string& token, Fn fn) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    return fn(ctx).error_code();
  }
  grpc::StatusCode GetCampaign(const std::string& token, const std::string& id) {
    return Call(token, [&](grpc::ClientContext& ctx) {
      blend::v1::GetCampaignRequest req;
      req.set_campaign_id(id);
      blend::v1::Campaign c;
      return journeys_->GetCampaign(&ctx, req, &c);
    });
  }
  grpc::StatusCode ClaimWith(const std::string& token) {
    return Call(token, [&](grpc::ClientContext& ctx) {
      blend::v1::ClaimTouchRequest req;
      req.set_touch_id("unknown");
      blend::v1::ClaimTouchResponse resp;
      return touches_->ClaimTouch(&ctx, req, &resp);
    });
  }
  grpc::StatusCode CheckWith(const std::string& token) {
    return Call(token, [&](grpc::ClientContext& ctx) {
      blend::v1::CheckTouchRequest req;
      req.set_touch_id("unknown");
      blend::v1::CheckTouchResponse resp;
      return touches_->CheckTouch(&ctx, req, &resp);
    });
  }
};

TEST_F(AuthTest, TokensScopesAndServiceCredential) {
  std::string file = "/tmp/orch-tokens-" + NewUuid();
  std::ofstream(file) << "crm : " << Sha256Hex("crm-token") << " : *\n"
                      << "eu : " << Sha256Hex("eu-token") << " : dunning-eu\n";
  OrchestratorConfig cfg = Config();
  cfg.auth.tokens_file = file;
  cfg.auth.inline_tokens = Secret("workers:" + Sha256Hex("worker-token") + ":service");
  cfg.auth.reload_check_interval = absl::ZeroDuration();
  StartOrchestrator(cfg);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer crm-token");
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign("dunning-us");
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(GetCampaign("", "dunning-us"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetCampaign("wrong", "dunning-us"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetCampaign("crm-token", "dunning-us"), grpc::StatusCode::OK);
  EXPECT_EQ(GetCampaign("eu-token", "dunning-us"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetCampaign("eu-token", "dunning-eu"), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetCampaign("worker-token", "dunning-us"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ClaimWith("crm-token"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ClaimWith("worker-token"), grpc::StatusCode::OK);
  EXPECT_EQ(ClaimWith(""), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CheckWith("crm-token"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CheckWith("worker-token"), grpc::StatusCode::OK);
  EXPECT_EQ(CheckWith(""), grpc::StatusCode::UNAUTHENTICATED);

  // Rotation without restart.
  std::ofstream(file, std::ios::trunc) << "crm2 : " << Sha256Hex("crm-token-2") << " : *\n";
  EXPECT_TRUE(WaitUntil(
      [&] { return GetCampaign("crm-token", "dunning-us") == grpc::StatusCode::UNAUTHENTICATED; },
      absl::Seconds(10)));
  EXPECT_EQ(GetCampaign("crm-token-2", "dunning-us"), grpc::StatusCode::OK);
  std::remove(file.c_str());
}

// A campaign-scoped caller learns nothing about journeys outside its scope: one of another
// campaign and one that does not exist get the same PERMISSION_DENIED, with the same message
// but for the id asked; CancelJourney alike. A '*' caller still gets NOT_FOUND.
TEST_F(AuthTest, ForeignAndMissingJourneysAreTheSameDenialToAScopedCaller) {
  OrchestratorConfig cfg = Config();
  cfg.auth.inline_tokens =
      Secret("crm:" + Sha256Hex("crm-token") + ":*;eu:" + Sha256Hex("eu-token") + ":dunning-eu");
  StartOrchestrator(cfg);
  std::string journey_id;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer crm-token");
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign("dunning-us");
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(&ctx, req, &resp).ok());
    grpc::ClientContext start_ctx;
    start_ctx.AddMetadata("authorization", "Bearer crm-token");
    blend::v1::StartJourneyResponse started;
    grpc::Status s =
        journeys_->StartJourney(&start_ctx, StartRequest("dunning-us", "k1", "cust-1"), &started);
    ASSERT_TRUE(s.ok()) << s.error_message();
    journey_id = started.journey_id();
  }
  auto get = [&](const std::string& token, const std::string& id) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    blend::v1::GetJourneyRequest req;
    req.set_journey_id(id);
    blend::v1::Journey j;
    return journeys_->GetJourney(&ctx, req, &j);
  };
  auto cancel = [&](const std::string& token, const std::string& id) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    blend::v1::CancelJourneyRequest req;
    req.set_journey_id(id);
    blend::v1::Journey j;
    return journeys_->CancelJourney(&ctx, req, &j);
  };
  const std::string missing = "00000000-0000-4000-8000-000000000000";
  ASSERT_EQ(missing.size(), journey_id.size());
  for (auto call : {std::function<grpc::Status(const std::string&, const std::string&)>(get),
                    std::function<grpc::Status(const std::string&, const std::string&)>(cancel)}) {
    grpc::Status foreign = call("eu-token", journey_id);
    grpc::Status absent = call("eu-token", missing);
    EXPECT_EQ(foreign.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(absent.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(absl::StrReplaceAll(foreign.error_message(), {{journey_id, "<id>"}}),
              absl::StrReplaceAll(absent.error_message(), {{missing, "<id>"}}));
    EXPECT_EQ(call("crm-token", missing).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_TRUE(get("crm-token", journey_id).ok());
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI.
std::string MakeCertificates() {
  std::string dir = "/tmp/orch-tls-" + NewUuid().substr(0, 8);
  std::string cmd = absl::StrCat(
      "set -e; mkdir -p ", dir, "; cd ", dir, ";",
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
      "-subj /CN=test-ca 2>/dev/null;",
      "printf 'subjectAltName=IP:127.0.0.1' > san.ext;",
      "for n in server client; do openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr "
      "-subj /CN=$n 2>/dev/null; openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out $n.pem -days 2 -extfile san.ext 2>/dev/null; done");
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return dir;
}

// StartJourneys keeps two batches in flight (grpc_services.cc): a row outside the caller's scope
// is answered in its place, after every row before it, and the results of batches committed on
// helper threads come back in request order.
TEST_F(AuthTest, AScopedStreamIsAnsweredRowByRowInRequestOrder) {
  OrchestratorConfig cfg = Config();
  cfg.start_batch_size = 2;
  cfg.auth.inline_tokens =
      Secret("crm:" + Sha256Hex("crm-token") + ":*;eu:" + Sha256Hex("eu-token") + ":dunning-eu");
  StartOrchestrator(cfg);
  for (const char* id : {"dunning-eu", "dunning-us"}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer crm-token");
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign(id);
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(&ctx, req, &resp).ok());
  }
  const std::vector<std::string> campaigns = {"dunning-eu", "dunning-eu", "dunning-eu",
                                              "dunning-us", "dunning-eu", "dunning-eu",
                                              "dunning-eu", "dunning-us", "dunning-eu"};
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer eu-token");
  auto stream = journeys_->StartJourneys(&ctx);
  for (size_t i = 0; i < campaigns.size(); ++i) {
    blend::v1::StartJourneyRequest r =
        StartRequest(campaigns[i], absl::StrCat("k", i), absl::StrCat("cust-", i));
    r.set_row(static_cast<int64_t>(i));
    ASSERT_TRUE(stream->Write(r));
  }
  stream->WritesDone();
  std::vector<blend::v1::StartJourneyResult> results;
  for (blend::v1::StartJourneyResult r; stream->Read(&r);) results.push_back(r);
  grpc::Status s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(results.size(), campaigns.size());
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].row(), static_cast<int64_t>(i));
    if (campaigns[i] == "dunning-us") {
      EXPECT_FALSE(results[i].accepted());
      EXPECT_EQ(results[i].reason(), "permission denied for campaign dunning-us");
    } else {
      EXPECT_TRUE(results[i].accepted()) << results[i].reason();
      EXPECT_FALSE(results[i].journey_id().empty());
    }
  }
  EXPECT_EQ(Count("SELECT count(*) FROM journeys"), 7);
}

TEST_F(AuthTest, MutualTlsRequiresAClientCertificate) {
  std::string dir = MakeCertificates();
  OrchestratorConfig cfg = Config();
  cfg.tls = TlsConfig{dir + "/server.pem", dir + "/server.key", dir + "/ca.pem"};
  cfg.auth.client_certs_verified = true;
  StartOrchestrator(cfg);
  const int port = orchestrators_.back()->grpc_port();
  auto call = [&](bool with_client_cert) {
    grpc::SslCredentialsOptions opts;
    opts.pem_root_certs = ReadAll(dir + "/ca.pem");
    if (with_client_cert) {
      opts.pem_cert_chain = ReadAll(dir + "/client.pem");
      opts.pem_private_key = ReadAll(dir + "/client.key");
    }
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::SslCredentials(opts));
    auto stub = blend::v1::JourneyService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    blend::v1::GetCampaignRequest req;
    req.set_campaign_id("none");
    blend::v1::Campaign c;
    return stub->GetCampaign(&ctx, req, &c).error_code();
  };
  EXPECT_EQ(call(true), grpc::StatusCode::NOT_FOUND);     // authenticated, campaign unknown
  EXPECT_EQ(call(false), grpc::StatusCode::UNAVAILABLE);  // handshake refused
  std::system(("rm -rf " + dir).c_str());
}

TEST_F(AuthTest, RefusesToServeOpenOnRoutableAddress) {
  OrchestratorConfig cfg = Config();
  cfg.grpc_addr = "0.0.0.0:0";
  auto o = Orchestrator::Create(cfg, clock_, std::make_shared<prometheus::Registry>());
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace blend::orchestrator::testing
