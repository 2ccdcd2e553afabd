#include "blend/bus/errors.h"

#include <string>

#include <librdkafka/rdkafka.h>

#include "absl/strings/str_cat.h"

namespace blend::bus {
namespace {

using RdKafka::ErrorCode;

absl::StatusCode CodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::ERR_NO_ERROR:
      return absl::StatusCode::kOk;
    // Transient: the broker, the leader or the coordinator is away for now.
    case ErrorCode::ERR__MSG_TIMED_OUT:
    case ErrorCode::ERR__TIMED_OUT:
    case ErrorCode::ERR__TIMED_OUT_QUEUE:
    case ErrorCode::ERR_REQUEST_TIMED_OUT:
    case ErrorCode::ERR__TRANSPORT:
    case ErrorCode::ERR__ALL_BROKERS_DOWN:
    case ErrorCode::ERR__RESOLVE:
    case ErrorCode::ERR__WAIT_COORD:
    case ErrorCode::ERR_NETWORK_EXCEPTION:
    case ErrorCode::ERR_BROKER_NOT_AVAILABLE:
    case ErrorCode::ERR_LEADER_NOT_AVAILABLE:
    case ErrorCode::ERR_NOT_LEADER_FOR_PARTITION:
    case ErrorCode::ERR_NOT_ENOUGH_REPLICAS:
    case ErrorCode::ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode::ERR_COORDINATOR_NOT_AVAILABLE:
    case ErrorCode::ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode::ERR_NOT_COORDINATOR:
    case ErrorCode::ERR_NOT_CONTROLLER:
    case ErrorCode::ERR_KAFKA_STORAGE_ERROR:
      return absl::StatusCode::kUnavailable;
    case ErrorCode::ERR__QUEUE_FULL:
    case ErrorCode::ERR_THROTTLING_QUOTA_EXCEEDED:
      return absl::StatusCode::kResourceExhausted;
    // The group moved on without us: whatever we were committing belongs to someone else now.
    case ErrorCode::ERR_REBALANCE_IN_PROGRESS:
    case ErrorCode::ERR_ILLEGAL_GENERATION:
    case ErrorCode::ERR_UNKNOWN_MEMBER_ID:
    case ErrorCode::ERR__ASSIGNMENT_LOST:
    case ErrorCode::ERR_FENCED_INSTANCE_ID:
      return absl::StatusCode::kAborted;
    case ErrorCode::ERR_MSG_SIZE_TOO_LARGE:
    case ErrorCode::ERR_INVALID_MSG:
    case ErrorCode::ERR_INVALID_RECORD:
    case ErrorCode::ERR_RECORD_LIST_TOO_LARGE:
    case ErrorCode::ERR_TOPIC_EXCEPTION:
    case ErrorCode::ERR__INVALID_ARG:
    case ErrorCode::ERR__BAD_MSG:
      return absl::StatusCode::kInvalidArgument;
    case ErrorCode::ERR__UNKNOWN_TOPIC:
    case ErrorCode::ERR_UNKNOWN_TOPIC_OR_PART:
    case ErrorCode::ERR__UNKNOWN_PARTITION:
      return absl::StatusCode::kNotFound;
    case ErrorCode::ERR_TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode::ERR_GROUP_AUTHORIZATION_FAILED:
    case ErrorCode::ERR_CLUSTER_AUTHORIZATION_FAILED:
    case ErrorCode::ERR__AUTHENTICATION:
    case ErrorCode::ERR_SASL_AUTHENTICATION_FAILED:
      return absl::StatusCode::kPermissionDenied;
    // The idempotent producer lost its guarantees; only a new producer (process) recovers.
    case ErrorCode::ERR__FATAL:
    case ErrorCode::ERR__STATE:
    case ErrorCode::ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case ErrorCode::ERR_INVALID_PRODUCER_EPOCH:
    case ErrorCode::ERR_PRODUCER_FENCED:
      return absl::StatusCode::kFailedPrecondition;
    case ErrorCode::ERR__PURGE_QUEUE:
    case ErrorCode::ERR__PURGE_INFLIGHT:
    case ErrorCode::ERR__DESTROY:
      return absl::StatusCode::kCancelled;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status KafkaErrorToStatus(RdKafka::ErrorCode code, std::string_view context) {
  absl::StatusCode status_code = CodeFor(code);
  if (status_code == absl::StatusCode::kOk) return absl::OkStatus();
  const char* name = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
  return absl::Status(status_code, absl::StrCat(std::string(context), ": ", RdKafka::err2str(code),
                                                " (", name, ")"));
}

}  // namespace blend::bus
