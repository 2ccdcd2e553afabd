#include "blend/genesys/error.h"

#include <string>

#include "absl/strings/cord.h"
#include "nlohmann/json.hpp"

namespace blend::genesys {
namespace {

// Status payloads are keyed by a type URL; this one is private to this library.
constexpr char kPayloadUrl[] = "type.blend.dev/blend.genesys.GenesysError";

template <typename T>
void PutOptional(nlohmann::json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

nlohmann::json ToJson(const GenesysError& e) {
  nlohmann::json j = {{"endpoint", e.endpoint},
                      {"http_status", e.http_status},
                      {"correlation_id", e.correlation_id},
                      {"message", e.message},
                      {"code", e.code},
                      {"status", e.status},
                      {"context_id", e.context_id},
                      {"transport_error", e.transport_error},
                      {"outcome_unknown", e.outcome_unknown}};
  if (e.retry_after) j["retry_after_ms"] = absl::ToInt64Milliseconds(*e.retry_after);
  PutOptional(j, "ratelimit_count", e.rate_limit.count);
  PutOptional(j, "ratelimit_allowed", e.rate_limit.allowed);
  if (e.rate_limit.reset) j["ratelimit_reset_ms"] = absl::ToInt64Milliseconds(*e.rate_limit.reset);
  return j;
}

std::optional<int64_t> OptionalInt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

GenesysError FromJson(const nlohmann::json& j) {
  GenesysError e;
  e.endpoint = j.value("endpoint", "");
  e.http_status = j.value("http_status", 0);
  e.correlation_id = j.value("correlation_id", "");
  e.message = j.value("message", "");
  e.code = j.value("code", "");
  e.status = j.value("status", 0);
  e.context_id = j.value("context_id", "");
  e.transport_error = j.value("transport_error", "");
  e.outcome_unknown = j.value("outcome_unknown", false);
  if (auto ms = OptionalInt(j, "retry_after_ms")) e.retry_after = absl::Milliseconds(*ms);
  e.rate_limit.count = OptionalInt(j, "ratelimit_count");
  e.rate_limit.allowed = OptionalInt(j, "ratelimit_allowed");
  if (auto ms = OptionalInt(j, "ratelimit_reset_ms")) e.rate_limit.reset = absl::Milliseconds(*ms);
  return e;
}

}  // namespace

std::optional<GenesysError> GetGenesysError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  // Only this library writes the payload, so it always parses; stay defensive anyway.
  nlohmann::json j = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return FromJson(j);
}

absl::Status AttachGenesysError(absl::Status status, const GenesysError& error) {
  if (status.ok()) return status;
  status.SetPayload(kPayloadUrl, absl::Cord(ToJson(error).dump()));
  return status;
}

absl::StatusCode StatusCodeForHttp(int http_status) {
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  if (http_status == 429) return absl::StatusCode::kResourceExhausted;
  if (http_status >= 500 || http_status == 408) return absl::StatusCode::kUnavailable;
  switch (http_status) {
    case 400:
    case 413:
    case 415:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAborted;
    default:
      break;
  }
  if (http_status >= 400) return absl::StatusCode::kFailedPrecondition;
  // 1xx/3xx that reached us unexpectedly: Genesys never answers an API call that way.
  return absl::StatusCode::kUnknown;
}

}  // namespace blend::genesys
