#include "output.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "blend/blendctl/exit_codes.h"

namespace blend::blendctl {

using nlohmann::json;

json ProtoToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  // Printing a valid message cannot fail; an empty object is the safe fallback regardless.
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    return json::object();
  }
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

absl::StatusOr<google::protobuf::Struct> ParseJsonObject(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("not valid JSON: " + text);
  if (!parsed.is_object()) return absl::InvalidArgumentError("not a JSON object: " + text);
  google::protobuf::Struct out;
  auto status = google::protobuf::util::JsonStringToMessage(parsed.dump(), &out);
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return out;
}

std::string StructText(const google::protobuf::Struct& s) { return ProtoToJson(s).dump(); }

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return google::protobuf::util::TimeUtil::ToString(t);
}

std::string JourneyStatusName(blend::v1::JourneyStatus status) {
  std::string name = blend::v1::JourneyStatus_Name(status);
  constexpr std::string_view kPrefix = "JOURNEY_STATUS_";
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  return name;
}

void PrintJson(const OnlineContext& context, const json& document) {
  *context.out << document.dump(2) << "\n";
}

int ReportError(const OnlineContext& context, int exit_code, const std::string& message) {
  *context.err << "blendctl: " << message << "\n";
  if (context.json) PrintJson(context, {{"error", {{"message", message}}}});
  return exit_code;
}

int ReportRpcError(const OnlineContext& context, const grpc::Status& status) {
  const char* code = StatusCodeName(status.error_code());
  std::string message = status.error_message();
  *context.err << "blendctl: " << code << ": " << message << "\n";
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    *context.err << "blendctl: is the orchestrator running at " << context.connection.addr
                 << "? (--addr / BLEND_ORCHESTRATOR_ADDR)\n";
  }
  if (context.json) PrintJson(context, {{"error", {{"code", code}, {"message", message}}}});
  return ExitCodeFor(status.error_code());
}

}  // namespace blend::blendctl
