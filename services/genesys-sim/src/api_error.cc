#include "blend/genesys_sim/api_error.h"

#include <nlohmann/json.hpp>

#include "absl/strings/cord.h"

namespace blend::genesys_sim {
namespace {
constexpr char kPayloadUrl[] = "type.blend.dev/genesys-code";
}  // namespace

absl::Status GenesysError(absl::StatusCode code, absl::string_view genesys_code,
                          absl::string_view message) {
  absl::Status status(code, message);
  status.SetPayload(kPayloadUrl, absl::Cord(genesys_code));
  return status;
}

std::string GenesysCodeOf(const absl::Status& status) {
  if (auto payload = status.GetPayload(kPayloadUrl)) return std::string(*payload);
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return "bad.request";
    case absl::StatusCode::kUnauthenticated:
      return "bad.credentials";
    case absl::StatusCode::kPermissionDenied:
      return "not.authorized";
    case absl::StatusCode::kNotFound:
      return "not.found";
    case absl::StatusCode::kAlreadyExists:
      return "conflict";
    case absl::StatusCode::kResourceExhausted:
      return "too.many.requests.retry.after";
    case absl::StatusCode::kUnavailable:
      return "service.unavailable";
    default:
      return "internal.server.error";
  }
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string ErrorBodyJson(int http_status, absl::string_view genesys_code,
                          absl::string_view message, absl::string_view context_id) {
  nlohmann::json body = {{"message", std::string(message)},
                         {"code", std::string(genesys_code)},
                         {"status", http_status},
                         {"contextId", std::string(context_id)},
                         {"details", nlohmann::json::array()},
                         {"errors", nlohmann::json::array()}};
  return body.dump();
}

}  // namespace blend::genesys_sim
