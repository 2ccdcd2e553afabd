#pragma once

// Output helpers shared by the online commands: protobuf messages as JSON (the proto3 JSON
// mapping, lowerCamelCase, defaults included), readable timestamps and statuses, and one
// place that turns a failed RPC into a message and an exit code.

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/support/status.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "blend/blendctl/online_commands.h"
#include "blend/v1/common.pb.h"

namespace blend::blendctl {

nlohmann::json ProtoToJson(const google::protobuf::Message& message);

// A JSON object text as a Struct; kInvalidArgument (saying why) for anything else.
absl::StatusOr<google::protobuf::Struct> ParseJsonObject(const std::string& text);

// Compact JSON of a Struct ("{}" when empty).
std::string StructText(const google::protobuf::Struct& s);

// RFC 3339 UTC, or "-" for an unset timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& t);

// "RUNNING", "SUCCEEDED", ... (the enum name without its JOURNEY_STATUS_ prefix).
std::string JourneyStatusName(blend::v1::JourneyStatus status);

// Writes the document (pretty, 2 spaces) to context.out.
void PrintJson(const OnlineContext& context, const nlohmann::json& document);

// Prints "blendctl: CODE: message" on stderr (and {"error": {...}} on stdout with --json);
// returns the exit code for the status.
int ReportRpcError(const OnlineContext& context, const grpc::Status& status);

// Prints "blendctl: message" (and the JSON error with --json); returns `exit_code`.
int ReportError(const OnlineContext& context, int exit_code, const std::string& message);

}  // namespace blend::blendctl
