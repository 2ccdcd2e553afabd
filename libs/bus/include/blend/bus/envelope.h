#pragma once

// The decoder of what every Blend Kafka record carries: a blend.v1.Envelope (proto/README.md).
// Bytes from the bus are outside input (anyone who can produce to a topic writes them), so
// every consumer decodes them here and dead-letters a record this refuses, with the message
// as the reason. Pure; library blend::bus_envelope (apart from blend::bus, which knows no
// protos).

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "blend/v1/bus.pb.h"

namespace blend::bus {

// The Envelope schema this build writes and reads (Envelope.schema_version).
inline constexpr uint32_t kEnvelopeSchemaVersion = 1;

// The envelope in `payload`, or kInvalidArgument (the dead-letter reason) when the bytes are
// not a blend.v1.Envelope ("unparseable: ..."), carry a newer schema_version than this build
// understands, or carry no payload (touch, disposition, customer event or withdrawal).
// schema_version 0 (unset) reads as 1: the first producers did not set it.
absl::StatusOr<v1::Envelope> DecodeEnvelope(std::string_view payload);

}  // namespace blend::bus
