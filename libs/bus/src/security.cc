#include "blend/bus/security.h"

#include <librdkafka/rdkafka.h>

#include "absl/strings/str_cat.h"

namespace blend::bus {
namespace {

bool UsesTls(std::string_view protocol) { return protocol == "SSL" || protocol == "SASL_SSL"; }
bool UsesSasl(std::string_view protocol) {
  return protocol == "SASL_SSL" || protocol == "SASL_PLAINTEXT";
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> SecurityProperties(const KafkaSecurity& s) {
  const std::string& p = s.protocol;
  if (p != "PLAINTEXT" && p != "SSL" && p != "SASL_SSL" && p != "SASL_PLAINTEXT") {
    return absl::InvalidArgumentError(
        absl::StrCat("--kafka-security-protocol '", p,
                     "' is not one of PLAINTEXT, SSL, SASL_SSL, SASL_PLAINTEXT"));
  }
  std::map<std::string, std::string> props = {{"security.protocol", p}};
  const bool tls_files = !s.ca_file.empty() || !s.cert_file.empty() || !s.key_file.empty();
  if (tls_files && !UsesTls(p)) {
    // Silently ignoring a CA would leave the operator believing the link is encrypted.
    return absl::InvalidArgumentError(
        absl::StrCat("--kafka-ca-file / --kafka-cert-file / --kafka-key-file need "
                     "--kafka-security-protocol SSL or SASL_SSL (it is ",
                     p, ")"));
  }
  if (s.cert_file.empty() != s.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a Kafka client certificate needs both --kafka-cert-file and --kafka-key-file");
  }
  if (UsesTls(p)) {
    // librdkafka checks the broker's name against its certificate by default (https); say so
    // explicitly so no property file can turn it off by accident.
    props["ssl.endpoint.identification.algorithm"] = "https";
    if (!s.ca_file.empty()) props["ssl.ca.location"] = s.ca_file;
    if (!s.cert_file.empty()) {
      props["ssl.certificate.location"] = s.cert_file;
      props["ssl.key.location"] = s.key_file;
    }
  }
  if (UsesSasl(p)) {
    const bool scram = s.sasl_mechanism == "SCRAM-SHA-256" || s.sasl_mechanism == "SCRAM-SHA-512";
    if (!scram && s.sasl_mechanism != "PLAIN") {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-sasl-mechanism '", s.sasl_mechanism,
                       "' is not SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN"));
    }
    if (!scram && p != "SASL_SSL") {
      // PLAIN sends the password itself: only inside TLS.
      return absl::InvalidArgumentError(
          "--kafka-sasl-mechanism PLAIN sends the password as is: it needs "
          "--kafka-security-protocol SASL_SSL");
    }
    if (s.sasl_username.empty() || s.sasl_password.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-security-protocol ", p,
                       " needs --kafka-sasl-username and --kafka-sasl-password-file (or "
                       "BLEND_KAFKA_SASL_PASSWORD)"));
    }
    props["sasl.mechanism"] = s.sasl_mechanism;
    props["sasl.username"] = s.sasl_username;
    props["sasl.password"] = s.sasl_password.Reveal();
  } else if (!s.sasl_username.empty() || !s.sasl_password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a Kafka SASL username or password needs --kafka-security-protocol SASL_SSL or "
        "SASL_PLAINTEXT (it is ",
        p, ")"));
  }
  return props;
}

bool IsSecretProperty(std::string_view name) {
  for (std::string_view marker : {"password", "secret", "sasl.jaas"}) {
    if (name.find(marker) != std::string_view::npos) return true;
  }
  return name == "ssl.key.pem";
}

bool LibrdkafkaScramWorksWithKafka4() { return rd_kafka_version() >= 0x020601ff; }

std::string DescribeSecurity(const KafkaSecurity& s) {
  std::string out = s.protocol;
  if (UsesTls(s.protocol)) {
    absl::StrAppend(&out, " (CA ", s.ca_file.empty() ? "system trust store" : s.ca_file);
    if (!s.cert_file.empty()) absl::StrAppend(&out, ", client certificate ", s.cert_file);
    absl::StrAppend(&out, ")");
  }
  if (UsesSasl(s.protocol)) {
    absl::StrAppend(&out, " ", s.sasl_mechanism, " user ", s.sasl_username);
    if (s.sasl_mechanism != "PLAIN" && !LibrdkafkaScramWorksWithKafka4()) {
      absl::StrAppend(&out, "; note: this librdkafka (", rd_kafka_version_str(),
                      ") is older than 2.6.1, whose SCRAM Kafka 4.x brokers refuse: use PLAIN "
                      "over SASL_SSL or a newer librdkafka");
    }
  }
  return out;
}

}  // namespace blend::bus
