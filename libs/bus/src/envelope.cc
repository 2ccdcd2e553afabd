#include "blend/bus/envelope.h"

#include <string>

namespace blend::bus {

absl::StatusOr<v1::Envelope> DecodeEnvelope(std::string_view payload) {
  v1::Envelope envelope;
  if (payload.size() > static_cast<size_t>(INT32_MAX) ||
      !envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError("unparseable: not a blend.v1.Envelope");
  }
  if (envelope.schema_version() > kEnvelopeSchemaVersion) {
    return absl::InvalidArgumentError(
        "envelope schema_version " + std::to_string(envelope.schema_version()) +
        " is newer than this build's " + std::to_string(kEnvelopeSchemaVersion));
  }
  if (envelope.payload_case() == v1::Envelope::PAYLOAD_NOT_SET) {
    return absl::InvalidArgumentError("envelope carries no payload");
  }
  return envelope;
}

}  // namespace blend::bus
