#include "blend/bus/security_flags.h"

#include <fstream>

#include "blend/common/flags_env.h"

namespace blend::bus {

void AddKafkaSecurityFlags(CLI::App& app, KafkaSecurityFlags& f) {
  KafkaSecurity& s = f.security;
  AddFlag(app, "kafka-security-protocol", s.protocol,
          "PLAINTEXT, SSL (TLS, with --kafka-cert-file for mTLS), SASL_SSL (TLS + SCRAM) or "
          "SASL_PLAINTEXT");
  AddFlag(app, "kafka-ca-file", s.ca_file,
          "PEM CA that signed the Kafka brokers' certificates (default: the system's trust store)");
  AddFlag(app, "kafka-cert-file", s.cert_file, "PEM client certificate for Kafka mTLS");
  AddFlag(app, "kafka-key-file", s.key_file, "PEM private key of --kafka-cert-file");
  AddFlag(app, "kafka-sasl-mechanism", s.sasl_mechanism,
          "SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN (PLAIN only with SASL_SSL; SCRAM against Kafka "
          "4.x needs librdkafka 2.6.1 or newer)");
  AddFlag(app, "kafka-sasl-username", s.sasl_username, "SASL user name");
  AddSecretFlag(app, "kafka-sasl-password", s.sasl_password,
                "SASL password (prefer the variable or --kafka-sasl-password-file: a flag "
                "shows in the process list)");
  AddFlag(app, "kafka-sasl-password-file", f.sasl_password_file,
          "file whose first line is the SASL password (wins over --kafka-sasl-password)");
}

absl::StatusOr<KafkaSecurity> FinishKafkaSecurityFlags(const KafkaSecurityFlags& f) {
  KafkaSecurity s = f.security;
  if (!f.sasl_password_file.empty()) {
    std::ifstream in(f.sasl_password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      return absl::InvalidArgumentError("cannot read --kafka-sasl-password-file " +
                                        f.sasl_password_file);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    s.sasl_password = Secret(std::move(line));
  }
  auto props = SecurityProperties(s);
  if (!props.ok()) return props.status();
  return s;
}

}  // namespace blend::bus
