// Kafka security settings: the librdkafka properties they become, the refusals that name the
// flag, the shared flags (environment fallback, password file) and that no password leaks.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/bus/security.h"
#include "blend/bus/security_flags.h"
#include "blend/bus/topics.h"

namespace blend::bus {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

KafkaSecurity SaslSsl() {
  KafkaSecurity s;
  s.protocol = "SASL_SSL";
  s.ca_file = "/etc/blend/kafka-ca.pem";
  s.sasl_mechanism = "SCRAM-SHA-256";
  s.sasl_username = "blend";
  s.sasl_password = Secret("hunter2-kafka");
  return s;
}

TEST(SecurityPropertiesTest, PlaintextByDefault) {
  auto props = SecurityProperties(KafkaSecurity{});
  ASSERT_TRUE(props.ok()) << props.status();
  EXPECT_EQ(*props, (std::map<std::string, std::string>{{"security.protocol", "PLAINTEXT"}}));
}

TEST(SecurityPropertiesTest, SaslSslBecomesLibrdkafkaProperties) {
  auto props = SecurityProperties(SaslSsl());
  ASSERT_TRUE(props.ok()) << props.status();
  EXPECT_EQ(props->at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(props->at("ssl.ca.location"), "/etc/blend/kafka-ca.pem");
  EXPECT_EQ(props->at("ssl.endpoint.identification.algorithm"), "https");
  EXPECT_EQ(props->at("sasl.mechanism"), "SCRAM-SHA-256");
  EXPECT_EQ(props->at("sasl.username"), "blend");
  EXPECT_EQ(props->at("sasl.password"), "hunter2-kafka");
  EXPECT_EQ(props->count("ssl.certificate.location"), 0u);
}

TEST(SecurityPropertiesTest, MutualTlsSetsCertificateAndKey) {
  KafkaSecurity s;
  s.protocol = "SSL";
  s.ca_file = "ca.pem";
  s.cert_file = "client.pem";
  s.key_file = "client.key";
  auto props = SecurityProperties(s);
  ASSERT_TRUE(props.ok()) << props.status();
  EXPECT_EQ(props->at("ssl.certificate.location"), "client.pem");
  EXPECT_EQ(props->at("ssl.key.location"), "client.key");
  EXPECT_EQ(props->count("sasl.mechanism"), 0u);
}

TEST(SecurityPropertiesTest, RefusalsNameTheFlag) {
  KafkaSecurity bad_protocol;
  bad_protocol.protocol = "TLS";
  EXPECT_THAT(SecurityProperties(bad_protocol).status().message(),
              HasSubstr("--kafka-security-protocol"));

  KafkaSecurity ca_without_tls;
  ca_without_tls.ca_file = "ca.pem";
  EXPECT_THAT(SecurityProperties(ca_without_tls).status().message(),
              HasSubstr("--kafka-security-protocol SSL or SASL_SSL"));

  KafkaSecurity cert_without_key = SaslSsl();
  cert_without_key.cert_file = "client.pem";
  EXPECT_THAT(SecurityProperties(cert_without_key).status().message(),
              HasSubstr("--kafka-key-file"));

  KafkaSecurity no_password = SaslSsl();
  no_password.sasl_password = Secret();
  EXPECT_THAT(SecurityProperties(no_password).status().message(),
              HasSubstr("--kafka-sasl-password-file"));

  KafkaSecurity kerberos = SaslSsl();  // Kerberos: not supported
  kerberos.sasl_mechanism = "GSSAPI";
  EXPECT_THAT(SecurityProperties(kerberos).status().message(), HasSubstr("--kafka-sasl-mechanism"));

  KafkaSecurity plain_without_tls = SaslSsl();
  plain_without_tls.protocol = "SASL_PLAINTEXT";
  plain_without_tls.ca_file.clear();
  plain_without_tls.sasl_mechanism = "PLAIN";
  EXPECT_THAT(SecurityProperties(plain_without_tls).status().message(),
              HasSubstr("needs --kafka-security-protocol SASL_SSL"));
  plain_without_tls.protocol = "SASL_SSL";
  EXPECT_TRUE(SecurityProperties(plain_without_tls).ok());

  KafkaSecurity user_without_sasl;
  user_without_sasl.protocol = "SSL";
  user_without_sasl.sasl_username = "blend";
  EXPECT_EQ(SecurityProperties(user_without_sasl).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SecurityPropertiesTest, DescriptionNeverShowsThePassword) {
  const std::string text = DescribeSecurity(SaslSsl());
  EXPECT_THAT(text, HasSubstr("SASL_SSL"));
  EXPECT_THAT(text, HasSubstr("user blend"));
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  std::ostringstream printed;
  printed << SaslSsl().sasl_password;
  EXPECT_EQ(printed.str(), "<redacted>");
}

TEST(SecurityPropertiesTest, SecretPropertiesAreRecognised) {
  EXPECT_TRUE(IsSecretProperty("sasl.password"));
  EXPECT_TRUE(IsSecretProperty("ssl.key.password"));
  EXPECT_TRUE(IsSecretProperty("ssl.keystore.password"));
  EXPECT_FALSE(IsSecretProperty("sasl.username"));
  EXPECT_FALSE(IsSecretProperty("ssl.ca.location"));
}

TEST(SecurityPropertiesTest, ClientsRefuseBadSettingsBeforeConnecting) {
  KafkaSecurity s = SaslSsl();
  s.sasl_mechanism = "GSSAPI";
  auto producer = Producer::Create({.brokers = "127.0.0.1:1", .security = s});
  EXPECT_EQ(producer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(producer.status().message(), HasSubstr("--kafka-sasl-mechanism"));
  auto consumer =
      Consumer::Create({.brokers = "127.0.0.1:1", .group_id = "g", .security = s, .topics = {"t"}});
  EXPECT_EQ(consumer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EnsureTopics("127.0.0.1:1", s, {"t"}, 1).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SecurityPropertiesTest, UnreadableCaFileIsRefusedWithoutThePassword) {
  KafkaSecurity s = SaslSsl();
  s.ca_file = "/nonexistent/blend-ca.pem";
  auto producer = Producer::Create({.brokers = "127.0.0.1:1", .security = s});
  ASSERT_FALSE(producer.ok());
  EXPECT_THAT(producer.status().message(), HasSubstr("/nonexistent/blend-ca.pem"));
  EXPECT_THAT(producer.status().message(), Not(HasSubstr("hunter2")));
}

// The flags as a service declares them, parsed from a command line and the environment.
class SecurityFlagsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    unsetenv("BLEND_KAFKA_SASL_PASSWORD");
    unsetenv("BLEND_KAFKA_SECURITY_PROTOCOL");
    if (!password_file_.empty()) std::remove(password_file_.c_str());
  }
  absl::StatusOr<KafkaSecurity> Parse(std::vector<std::string> args) {
    CLI::App app{"test"};
    AddKafkaSecurityFlags(app, flags_);
    std::vector<const char*> argv = {"svc"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    help_ = app.help();
    return FinishKafkaSecurityFlags(flags_);
  }
  std::string WritePasswordFile(const std::string& content) {
    password_file_ = ::testing::TempDir() + "/kafka-password-" + std::to_string(getpid());
    std::ofstream(password_file_) << content;
    return password_file_;
  }
  KafkaSecurityFlags flags_;
  std::string password_file_;
  std::string help_;
};

TEST_F(SecurityFlagsTest, EnvironmentFallbacksAndHelp) {
  setenv("BLEND_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", 1);
  setenv("BLEND_KAFKA_SASL_PASSWORD", "from-env", 1);
  auto s = Parse({"--kafka-sasl-username=blend", "--kafka-ca-file=ca.pem"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->protocol, "SASL_SSL");
  EXPECT_EQ(s->sasl_password.Reveal(), "from-env");
  EXPECT_THAT(help_, HasSubstr("BLEND_KAFKA_SASL_PASSWORD_FILE"));
  EXPECT_THAT(help_, HasSubstr("--kafka-cert-file"));
  EXPECT_THAT(help_, Not(HasSubstr("from-env")));
}

TEST_F(SecurityFlagsTest, PasswordFileWinsAndLosesItsNewline) {
  setenv("BLEND_KAFKA_SASL_PASSWORD", "from-env", 1);
  const std::string file = WritePasswordFile("from-file\n");
  auto s = Parse({"--kafka-security-protocol=SASL_SSL", "--kafka-sasl-username=blend",
                  "--kafka-sasl-password-file=" + file});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->sasl_password.Reveal(), "from-file");
}

TEST_F(SecurityFlagsTest, UnreadablePasswordFileNamesTheFlag) {
  auto s = Parse({"--kafka-security-protocol=SASL_SSL", "--kafka-sasl-username=blend",
                  "--kafka-sasl-password-file=/nonexistent/pw"});
  EXPECT_THAT(s.status().message(), HasSubstr("--kafka-sasl-password-file"));
}

}  // namespace
}  // namespace blend::bus
