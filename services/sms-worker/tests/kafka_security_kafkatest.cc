// Kafka over TLS + SASL against the real broker's secured listeners (scripts/cluster up makes
// them with a throwaway CA): a producer, a consumer and an sms-worker replica all on SASL_SSL,
// SCRAM (where the linked librdkafka can), mTLS on the SSL listener, and the refusals: a wrong
// password and an untrusted CA end with an error that says so, not with a silent timeout.
// Also the workers' claim client over TLS and mTLS to a TouchService that requires a client
// certificate (the same throwaway CA).

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <grpcpp/grpcpp.h>
#include <librdkafka/rdkafka.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/bus/security.h"
#include "blend/bus/topics.h"
#include "blend/common/ids.h"
#include "blend/common/testing/env.h"
#include "blend/genesys_sim/testing/workers_test.h"
#include "blend/sms_worker/sms_sender.h"
#include "blend/worker/grpc_touch_claimer.h"
#include "blend/worker/orchestrator_channel.h"

namespace blend::workers_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A BLEND_CLUSTER_KAFKA_* variable written by scripts/cluster up (its secured listeners are on
// unless BLEND_KAFKA_SECURE=0); fails (never skips) without.
std::string ClusterEnv(const char* name) { return test_support::RequireEnv(name); }

std::string ReadPassword() {
  std::string path = ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_PASSWORD_FILE");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_FALSE(line.empty()) << "cannot read " << path;
  return line;
}

bus::KafkaSecurity SaslSsl(const std::string& mechanism) {
  bus::KafkaSecurity s;
  s.protocol = "SASL_SSL";
  s.ca_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CA_FILE");
  s.sasl_mechanism = mechanism;
  s.sasl_username = ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_USERNAME");
  s.sasl_password = Secret(ReadPassword());
  return s;
}

bus::KafkaSecurity MutualTls() {
  bus::KafkaSecurity s;
  s.protocol = "SSL";
  s.ca_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CA_FILE");
  s.cert_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_CERT_FILE");
  s.key_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_KEY_FILE");
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << "cannot read " << path;
  return ss.str();
}

// Server credentials with the cluster's throwaway certificate (valid for 127.0.0.1) that
// require a client certificate signed by the same CA.
std::shared_ptr<grpc::ServerCredentials> MutualTlsCredentials() {
  grpc::SslServerCredentialsOptions opts;
  opts.pem_key_cert_pairs.push_back({ReadFile(ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_KEY_FILE")),
                                     ReadFile(ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_CERT_FILE"))});
  opts.pem_root_certs = ReadFile(ClusterEnv("BLEND_CLUSTER_KAFKA_CA_FILE"));
  opts.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  return grpc::SslServerCredentials(opts);
}

absl::StatusOr<v1::ClaimTouchResponse> ClaimOver(const std::string& addr,
                                                 const worker::OrchestratorClientTls& tls) {
  auto channel = worker::NewOrchestratorChannel(addr, tls);
  if (!channel.ok()) return channel.status();
  worker::GrpcTouchClaimer claimer(*channel, "tls-test", Secret("service-token"), absl::Seconds(5));
  v1::TouchCommand bus_copy;  // what the worker read from Kafka: it only names the touch
  bus_copy.set_touch_id("tls-touch-1");
  bus_copy.set_channel(v1::CHANNEL_SMS);
  return claimer.Claim(bus_copy);
}

class KafkaSecurityTest : public WorkersTest {
 protected:
  // Creates a topic, produces a record and consumes it back, all over `brokers` + `security`.
  void RoundTrip(const std::string& brokers, const bus::KafkaSecurity& security) {
    const std::string topic = Topic("security.roundtrip");
    ASSERT_TRUE(bus::EnsureTopics(brokers, security, {topic}, 1, absl::Seconds(20)).ok());
    auto producer = bus::Producer::Create(
        {.brokers = brokers, .security = security, .delivery_timeout = absl::Seconds(20)});
    ASSERT_TRUE(producer.ok()) << producer.status();
    ASSERT_TRUE((*producer)->ProduceSync(topic, "k", "over " + security.protocol).ok());
    auto consumer = bus::Consumer::Create({.brokers = brokers,
                                           .group_id = "g-" + NewUuid(),
                                           .security = security,
                                           .topics = {topic}});
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    std::optional<bus::Message> got;
    for (absl::Time end = absl::Now() + absl::Seconds(30); !got && absl::Now() < end;) {
      got = (*consumer)->Poll(absl::Milliseconds(200));
    }
    ASSERT_TRUE(got.has_value()) << "nothing consumed over " << security.protocol;
    EXPECT_EQ(got->payload, "over " + security.protocol);
    EXPECT_TRUE((*consumer)->Commit(*got).ok());
  }
};

TEST_F(KafkaSecurityTest, ProducerConsumerAndSmsWorkerOverTlsAndSasl) {
  const std::string brokers = ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_SSL_BROKERS");
  const bus::KafkaSecurity security = SaslSsl("PLAIN");
  StartSim(genesys_sim::DemoConfig());

  // The worker's own clients (topic admin, touch consumer, disposition producer) on SASL_SSL.
  // ... and its claims over mTLS with a service token, as in production.
  TouchServiceServer orchestrator(MutualTlsCredentials());
  worker::WorkerRuntimeConfig config = RuntimeConfig(v1::CHANNEL_SMS, 300);
  config.kafka_brokers = brokers;
  config.kafka_security = security;
  config.orchestrator_addr = orchestrator.address();
  config.orchestrator_token = Secret("service-token");
  config.orchestrator_tls.ca_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CA_FILE");
  config.orchestrator_tls.cert_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_CERT_FILE");
  config.orchestrator_tls.key_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_KEY_FILE");
  StartReplica(std::move(config), [](worker::WorkerRuntime& rt) {
    return std::make_unique<sms_worker::SmsSender>(rt.genesys(), sms_worker::SmsSenderOptions{});
  });

  auto producer = bus::Producer::Create({.brokers = brokers, .security = security});
  ASSERT_TRUE(producer.ok()) << producer.status();
  EXPECT_TRUE((*producer)->CheckConnection(absl::Seconds(5)).ok());
  auto dispositions = bus::Consumer::Create({.brokers = brokers,
                                             .group_id = "collector-" + NewUuid(),
                                             .security = security,
                                             .topics = {Topic("blend.dispositions")}});
  ASSERT_TRUE(dispositions.ok()) << dispositions.status();

  v1::TouchCommand touch = SmsTouch("tls-sasl-1", "+12125550100");
  ASSERT_TRUE((*producer)
                  ->ProduceSync(Topic("blend.touch.sms"), touch.journey_id(), TouchEnvelope(touch))
                  .ok());
  std::optional<v1::Envelope> got;
  for (absl::Time end = absl::Now() + absl::Seconds(60); !got && absl::Now() < end;) {
    std::optional<bus::Message> m = (*dispositions)->Poll(absl::Milliseconds(200));
    v1::Envelope e;
    if (m && e.ParseFromString(m->payload) && e.disposition().touch_id() == "tls-sasl-1") got = e;
  }
  ASSERT_TRUE(got.has_value()) << "no disposition over SASL_SSL";
  EXPECT_EQ(got->disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(sim_->Sent("sms.send", "tls-sasl-1"), 1);
  EXPECT_EQ(orchestrator.service().claims("tls-sasl-1"), 1);
  StopReplicas();  // before the TLS TouchService goes away
}

TEST_F(KafkaSecurityTest, ScramLogin) {
  if (!bus::LibrdkafkaScramWorksWithKafka4()) {
    GTEST_SKIP() << "librdkafka " << rd_kafka_version_str()
                 << " is older than 2.6.1: its SCRAM proof is refused by Kafka 4.x brokers "
                    "(librdkafka#4895); PLAIN over SASL_SSL is tested instead";
  }
  RoundTrip(ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_SSL_BROKERS"), SaslSsl("SCRAM-SHA-512"));
  RoundTrip(ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_SSL_BROKERS"), SaslSsl("SCRAM-SHA-256"));
}

TEST_F(KafkaSecurityTest, MutualTlsWithAClientCertificate) {
  RoundTrip(ClusterEnv("BLEND_CLUSTER_KAFKA_SSL_BROKERS"), MutualTls());
}

TEST_F(KafkaSecurityTest, WrongPasswordIsRefusedWithAClearError) {
  const std::string brokers = ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_SSL_BROKERS");
  bus::KafkaSecurity security = SaslSsl("PLAIN");
  security.sasl_password = Secret("not-the-password");
  auto producer = bus::Producer::Create({.brokers = brokers, .security = security});
  ASSERT_TRUE(producer.ok()) << producer.status();
  absl::Status st = (*producer)->CheckConnection(absl::Seconds(5));
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_THAT(st.message(), HasSubstr("Authentication failed")) << st;
  EXPECT_THAT(st.message(), Not(HasSubstr("not-the-password")));

  // A worker with the wrong password does not start, and says why well before the 30 s
  // topic-creation timeout.
  StartSim(genesys_sim::DemoConfig());
  worker::WorkerRuntimeConfig config = RuntimeConfig(v1::CHANNEL_SMS, 300);
  config.kafka_brokers = brokers;
  config.kafka_security = security;
  const absl::Time start = absl::Now();
  auto runtime = worker::WorkerRuntime::Create(std::move(config), RealClock::Instance(), nullptr);
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kPermissionDenied) << runtime.status();
  EXPECT_THAT(runtime.status().message(), HasSubstr("Authentication failed"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
}

TEST_F(KafkaSecurityTest, UntrustedCaIsRefusedWithAClearError) {
  bus::KafkaSecurity security = SaslSsl("PLAIN");
  security.ca_file = ClusterEnv("BLEND_CLUSTER_KAFKA_UNTRUSTED_CA_FILE");
  auto producer = bus::Producer::Create(
      {.brokers = ClusterEnv("BLEND_CLUSTER_KAFKA_SASL_SSL_BROKERS"), .security = security});
  ASSERT_TRUE(producer.ok()) << producer.status();
  absl::Status st = (*producer)->CheckConnection(absl::Seconds(5));
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_THAT(st.message(), HasSubstr("certificate verify failed")) << st;
}

TEST_F(KafkaSecurityTest, MutualTlsListenerRefusesAClientWithoutCertificate) {
  bus::KafkaSecurity security = MutualTls();
  security.cert_file.clear();
  security.key_file.clear();
  const absl::Time start = absl::Now();
  const absl::Status st = bus::EnsureTopics(ClusterEnv("BLEND_CLUSTER_KAFKA_SSL_BROKERS"), security,
                                            {Topic("security.nocert")}, 1, absl::Seconds(20));
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_THAT(st.message(), HasSubstr("refused the connection")) << st;
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));  // named at once, not after the timeout
}

TEST(OrchestratorClientTlsTest, ClaimsOverMutualTlsAndRefusesWithoutTheRightCredentials) {
  TouchServiceServer server(MutualTlsCredentials());
  worker::OrchestratorClientTls tls;
  tls.ca_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CA_FILE");
  tls.cert_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_CERT_FILE");
  tls.key_file = ClusterEnv("BLEND_CLUSTER_KAFKA_CLIENT_KEY_FILE");
  auto granted = ClaimOver(server.address(), tls);
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_EQ(granted->decision(), v1::ClaimTouchResponse::DECISION_GRANTED);
  EXPECT_EQ(server.service().claims("tls-touch-1"), 1);

  worker::OrchestratorClientTls no_cert = tls;  // TLS, but no client certificate
  no_cert.cert_file.clear();
  no_cert.key_file.clear();
  EXPECT_FALSE(ClaimOver(server.address(), no_cert).ok());
  worker::OrchestratorClientTls untrusted = tls;  // a CA that did not sign the server's cert
  untrusted.ca_file = ClusterEnv("BLEND_CLUSTER_KAFKA_UNTRUSTED_CA_FILE");
  EXPECT_FALSE(ClaimOver(server.address(), untrusted).ok());
  EXPECT_FALSE(ClaimOver(server.address(), worker::OrchestratorClientTls{}).ok());  // plaintext
  EXPECT_EQ(server.service().claims("tls-touch-1"), 1);  // none of those reached the service

  worker::OrchestratorClientTls missing_key = tls;
  missing_key.key_file.clear();
  EXPECT_THAT(worker::NewOrchestratorChannel(server.address(), missing_key).status().message(),
              HasSubstr("--orchestrator-key-file"));
}

}  // namespace
}  // namespace blend::workers_test
