#pragma once

// The size check every blendctl CSV command makes before it sends a row: one request larger
// than the server's gRPC receive limit would end the whole stream (RESOURCE_EXHAUSTED), and a
// re-run would stop at the same row again. Such a row is a reject with its line instead.

#include <cstdint>

#include "absl/status/status.h"
#include "google/protobuf/message_lite.h"

namespace blend::blendctl {

// gRPC's default maximum received message size, which the orchestrator keeps (4 MiB).
inline constexpr int64_t kDefaultMaxMessageBytes = 4 * 1024 * 1024;

// kInvalidArgument (the message is the reject reason, naming both sizes) when `request`
// serialises to more than `max_bytes`.
absl::Status CheckRequestSize(const google::protobuf::MessageLite& request, int64_t max_bytes);

}  // namespace blend::blendctl
