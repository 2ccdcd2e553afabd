// The authorisation matrix of the orchestrator's gRPC port, on the real blend-orchestrator
// binary: every RPC of every Blend service it serves x every kind of caller. The RPCs are
// enumerated from the server itself (reflection lists the services, their descriptors give
// the methods), so an RPC added later is covered without touching this file, and one that
// forgets its scope check fails here.
//
// Each call sends one empty request message (every streaming kind accepts that). Expected:
//   no token, unknown token   UNAUTHENTICATED
//   service token             PERMISSION_DENIED, but on TouchService (the workers' service)
//   '*' token                 PERMISSION_DENIED on TouchService, otherwise past authorisation
//   campaign-scoped token     PERMISSION_DENIED (the empty request names no campaign of its
//                             scope), but for the RPCs that answer row by row (kRowScoped)
#include "blend/common/testing/child_process.h"
#include "blend/common/testing/ports.h"

#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/store/testing/test_database.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace blend {
namespace {

namespace rf = grpc::reflection::v1alpha;
using google::protobuf::FileDescriptorProto;

// RPCs that check the scope of each row and answer with per-row results (the call itself is
// allowed for any campaign-scoped caller). Everything else must refuse an out-of-scope caller.
// ListCampaigns answers with the campaigns of the caller's scope.
const std::set<std::string> kRowScoped = {"/blend.v1.JourneyService/StartJourneys",
                                          "/blend.v1.JourneyService/ListJourneys",
                                          "/blend.v1.CampaignService/ListCampaigns"};
// Services only the workers' service credential may call.
const std::set<std::string> kServiceOnly = {"blend.v1.TouchService"};

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i)
    absl::StrAppend(&out, absl::Hex(digest[i], absl::kZeroPad2));
  return out;
}

// One call of `method` with an empty request message and `token` ("" = none).
grpc::Status CallWithEmptyRequest(grpc::GenericStub& stub, const std::string& method,
                                  const std::string& token) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(15)));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  auto call = stub.PrepareCall(&ctx, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer response;
  do {
    call->Read(&response, reinterpret_cast<void*>(4));
    cq.Next(&tag, &ok);
  } while (ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

// The full method names ("/pkg.Service/Method") of every blend.* service the server lists.
std::vector<std::string> ServedMethods(const std::shared_ptr<grpc::Channel>& channel,
                                       std::set<std::string>* services) {
  auto reflection = rf::ServerReflection::NewStub(channel);
  grpc::ClientContext ctx;
  auto stream = reflection->ServerReflectionInfo(&ctx);
  rf::ServerReflectionRequest list;
  list.set_list_services("*");
  EXPECT_TRUE(stream->Write(list));
  rf::ServerReflectionResponse response;
  EXPECT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& s : response.list_services_response().service()) {
    if (s.name().rfind("blend.", 0) == 0) names.push_back(s.name());
  }
  // Every file the services need, from the server (dependencies included), in one pool.
  google::protobuf::SimpleDescriptorDatabase files;
  std::set<std::string> added;
  for (const std::string& name : names) {
    rf::ServerReflectionRequest req;
    req.set_file_containing_symbol(name);
    EXPECT_TRUE(stream->Write(req));
    rf::ServerReflectionResponse r;
    EXPECT_TRUE(stream->Read(&r));
    for (const std::string& bytes : r.file_descriptor_response().file_descriptor_proto()) {
      FileDescriptorProto fdp;
      if (fdp.ParseFromString(bytes) && added.insert(fdp.name()).second) files.Add(fdp);
    }
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  google::protobuf::DescriptorPoolDatabase well_known(
      *google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::MergedDescriptorDatabase both(&files, &well_known);
  google::protobuf::DescriptorPool pool(&both);
  std::vector<std::string> methods;
  for (const std::string& name : names) {
    const google::protobuf::ServiceDescriptor* service = pool.FindServiceByName(name);
    EXPECT_NE(service, nullptr) << "no descriptor for " << name;
    if (service == nullptr) continue;
    services->insert(name);
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(absl::StrCat("/", name, "/", service->method(i)->name()));
    }
  }
  return methods;
}

bool IsAuthError(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED;
}

TEST(AuthMatrixTest, EveryRpcOfEveryServiceChecksItsCallersScope) {
  const char* brokers = std::getenv("BLEND_KAFKA_BROKERS");
  ASSERT_NE(brokers, nullptr) << "BLEND_KAFKA_BROKERS is not set: run scripts/cluster up and "
                                 "source .local/cluster.env";
  auto db = store::testing::TestDatabase::CreateFromEnv();
  ASSERT_TRUE(db.ok()) << db.status();
  const std::map<std::string, std::string> tokens = {{"none", ""},
                                                     {"wrong", "not-a-configured-token"},
                                                     {"campaign", "scoped-token"},
                                                     {"all", "all-token"},
                                                     {"service", "service-token"}};
  const std::string entries =
      absl::StrCat("eu:", Sha256Hex("scoped-token"), ":dunning-eu;crm:", Sha256Hex("all-token"),
                   ":*;workers:", Sha256Hex("service-token"), ":service");
  const std::string addr = absl::StrCat("127.0.0.1:", test_support::FreeLoopbackPort());
  auto spawned = test_support::ChildProcess::Spawn(
      "blend-orchestrator",
      {BLEND_ORCHESTRATOR_BIN, "--grpc-addr=" + addr,
       absl::StrCat("--metrics-addr=127.0.0.1:", test_support::FreeLoopbackPort()),
       "--pg-url=" + (*db)->url(), std::string("--kafka-brokers=") + brokers,
       "--topic-prefix=matrix-" + (*db)->name() + ".", "--api-tokens=" + entries,
       "--log-level=warn"});
  ASSERT_TRUE(spawned.ok()) << spawned.status();
  auto channel = grpc::CreateChannel("ipv4:" + addr, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(60))))
      << "orchestrator did not start listening on " << addr;

  std::set<std::string> services;
  std::vector<std::string> methods = ServedMethods(channel, &services);
  // Not vacuous: the services this build is known to serve are among those walked.
  for (const char* known :
       {"blend.v1.JourneyService", "blend.v1.TouchService", "blend.v1.EngagementService",
        "blend.v1.ConsentService", "blend.v1.CampaignService"}) {
    EXPECT_TRUE(services.contains(known)) << known << " not listed by reflection";
  }
  ASSERT_GE(methods.size(), 22u);  // 9 + 2 + 2 + 5 + 4 RPCs in those five services today

  grpc::GenericStub stub(channel);
  for (const std::string& method : methods) {
    const std::string service = method.substr(1, method.rfind('/') - 1);
    const bool service_only = kServiceOnly.contains(service);
    for (const auto& [kind, token] : tokens) {
      grpc::Status s = CallWithEmptyRequest(stub, method, token);
      const grpc::StatusCode code = s.error_code();
      SCOPED_TRACE(absl::StrCat(method, " with ", kind, " token: ", code, " ", s.error_message()));
      if (kind == "none" || kind == "wrong") {
        EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED);
      } else if (kind == "service") {
        if (service_only) {
          EXPECT_FALSE(IsAuthError(code));
        } else {
          EXPECT_EQ(code, grpc::StatusCode::PERMISSION_DENIED);
        }
      } else if (kind == "all") {
        if (service_only) {
          EXPECT_EQ(code, grpc::StatusCode::PERMISSION_DENIED);
        } else {
          EXPECT_FALSE(IsAuthError(code));
        }
      } else {  // campaign-scoped, asking about no campaign of its scope
        if (!service_only && kRowScoped.contains(method)) {
          EXPECT_FALSE(IsAuthError(code));
        } else {
          EXPECT_EQ(code, grpc::StatusCode::PERMISSION_DENIED);
        }
      }
    }
  }
}

}  // namespace
}  // namespace blend
