#pragma once

// How a Blend client authenticates to Kafka and protects the connection: TLS (with a private
// CA and, for mTLS, a client certificate) and SASL/SCRAM. Plain data shared by the producer,
// the consumer and the admin helper; SecurityProperties() turns it into librdkafka properties.

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "blend/common/secret.h"

namespace blend::bus {

struct KafkaSecurity {
  // security.protocol: PLAINTEXT (the default: loopback and tests), SSL (TLS, optionally with a
  // client certificate), SASL_SSL (TLS + SCRAM) or SASL_PLAINTEXT (SCRAM without TLS).
  std::string protocol = "PLAINTEXT";
  // PEM CA bundle that signed the brokers' certificates (ssl.ca.location); empty: the system's
  // trust store.
  std::string ca_file{};
  // PEM client certificate and its private key (mTLS: ssl.certificate.location and
  // ssl.key.location). Both or neither.
  std::string cert_file{};
  std::string key_file{};
  // SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN (sasl.mechanism; PLAIN only inside SASL_SSL).
  // librdkafka before 2.6.1 computes a SCRAM proof that Kafka 4.x brokers refuse ("invalid
  // credentials"; Debian 12 ships 2.0.2): there, use PLAIN over SASL_SSL, or upgrade it.
  std::string sasl_mechanism = "SCRAM-SHA-512";
  std::string sasl_username{};
  Secret sasl_password{};
};

// The librdkafka properties for `security` (security.protocol, ssl.*, sasl.*), or
// kInvalidArgument naming the flag that is wrong or missing (an unknown protocol or mechanism,
// a certificate without its key, SASL without a username or password, TLS files with
// PLAINTEXT). Pure: files are read by librdkafka when the client is created.
absl::StatusOr<std::map<std::string, std::string>> SecurityProperties(
    const KafkaSecurity& security);

// Whether a librdkafka property holds a secret (its value never appears in logs or errors).
bool IsSecretProperty(std::string_view name);

// Whether the linked librdkafka computes SCRAM proofs that Kafka 4.x accepts (>= 2.6.1).
bool LibrdkafkaScramWorksWithKafka4();

// "SASL_SSL (CA /x/ca.pem, SCRAM-SHA-512 user blend)": a one-line description for the start-up
// log, without the password.
std::string DescribeSecurity(const KafkaSecurity& security);

}  // namespace blend::bus
