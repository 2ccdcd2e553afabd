#pragma once

// librdkafka error codes translated into the project's retry vocabulary (docs/architecture.md,
// Conventions):
//   kUnavailable        transient (broker down, timeout, leader moving): retry with backoff
//   kResourceExhausted  the local producer queue is full: wait, then retry
//   kAborted            a group rebalance took the partition away: the message will be
//                       redelivered to the new owner, do not commit it here
//   kInvalidArgument    the record itself is bad (too large, bad topic name): dead-letter it
//   kNotFound           the topic or partition does not exist
//   kPermissionDenied   ACLs / authentication
//   kFailedPrecondition the client is unusable (fatal idempotence error): restart the process
//   kCancelled          purged at shutdown before it was delivered
//   kInternal           anything else

#include <string_view>

#include <librdkafka/rdkafkacpp.h>

#include "absl/status/status.h"

namespace blend::bus {

// OK for ERR_NO_ERROR; otherwise a Status whose message is "<context>: <librdkafka text>".
absl::Status KafkaErrorToStatus(RdKafka::ErrorCode code, std::string_view context);

}  // namespace blend::bus
