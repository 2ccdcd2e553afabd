#pragma once

// The Kafka security flags every service that talks to Kafka declares (once, here):
// --kafka-security-protocol, --kafka-ca-file, --kafka-cert-file, --kafka-key-file,
// --kafka-sasl-mechanism, --kafka-sasl-username, --kafka-sasl-password-file and the secret
// --kafka-sasl-password, each with its BLEND_<FLAG> environment fallback. For main() only.

#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "blend/bus/security.h"

namespace blend::bus {

struct KafkaSecurityFlags {
  KafkaSecurity security{};
  std::string sasl_password_file{};
};

void AddKafkaSecurityFlags(CLI::App& app, KafkaSecurityFlags& flags);

// After parsing: the settings with the password read from --kafka-sasl-password-file (its
// first line; the file wins over BLEND_KAFKA_SASL_PASSWORD), checked by SecurityProperties.
// kInvalidArgument naming the flag otherwise.
absl::StatusOr<KafkaSecurity> FinishKafkaSecurityFlags(const KafkaSecurityFlags& flags);

}  // namespace blend::bus
