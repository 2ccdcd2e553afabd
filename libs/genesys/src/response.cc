#include "response.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "blend/telemetry/log.h"
#include "nlohmann/json.hpp"
#include "string_bridge.h"

namespace blend::genesys::internal {
namespace {

std::optional<int64_t> IntHeader(const HttpResponse& response, std::string_view name) {
  const std::string* value = response.Header(name);
  int64_t out = 0;
  if (value == nullptr || !absl::SimpleAtoi(*value, &out)) return std::nullopt;
  return out;
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Fills message/code/status/contextId from Genesys's ErrorBody, or error/description from
// the OAuth error body. A body that is not JSON (a proxy's HTML page) becomes the message.
void ParseErrorBody(const std::string& body, GenesysError& err) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    err.message = log::Redact(body.substr(0, 200));
    return;
  }
  err.message = StringField(j, "message");
  err.code = StringField(j, "code");
  err.context_id = StringField(j, "contextId");
  if (auto it = j.find("status"); it != j.end() && it->is_number_integer()) {
    err.status = it->get<int>();
  }
  if (err.code.empty()) err.code = StringField(j, "error");  // OAuth error body
  if (err.message.empty()) err.message = StringField(j, "error_description");
  if (err.message.empty()) err.message = StringField(j, "description");
  err.message = log::Redact(err.message);
}

absl::Status BuildStatus(absl::StatusCode code, GenesysError err) {
  std::string text = absl::StrCat("Genesys ", err.endpoint, ": HTTP ", err.http_status);
  if (!err.code.empty()) absl::StrAppend(&text, " ", err.code);
  if (!err.message.empty()) absl::StrAppend(&text, ": ", err.message);
  if (err.retry_after) {
    absl::StrAppend(&text, " (retry after ", absl::FormatDuration(*err.retry_after), ")");
  }
  if (!err.correlation_id.empty()) {
    absl::StrAppend(&text, " [correlation id ", err.correlation_id, "]");
  }
  return AttachGenesysError(absl::Status(code, text), err);
}

GenesysError ErrorFromResponse(std::string_view endpoint, const HttpResponse& response,
                               absl::Time now) {
  GenesysError err;
  err.endpoint = std::string(endpoint);
  err.http_status = response.status;
  err.rate_limit = RateLimitFromResponse(response);
  err.retry_after = RetryAfterFromResponse(response, now);
  // Genesys always sends Retry-After on 429; if a layer in between drops it, the window
  // reset is the next best hint.
  if (!err.retry_after && response.status == 429) err.retry_after = err.rate_limit.reset;
  if (const std::string* id = response.Header("inin-correlation-id")) err.correlation_id = *id;
  ParseErrorBody(response.body, err);
  return err;
}

}  // namespace

RateLimitInfo RateLimitFromResponse(const HttpResponse& response) {
  RateLimitInfo info;
  info.count = IntHeader(response, "inin-ratelimit-count");
  info.allowed = IntHeader(response, "inin-ratelimit-allowed");
  if (auto reset = IntHeader(response, "inin-ratelimit-reset")) info.reset = absl::Seconds(*reset);
  return info;
}

std::optional<absl::Duration> RetryAfterFromResponse(const HttpResponse& response, absl::Time now) {
  const std::string* value = response.Header("retry-after");
  if (value == nullptr) return std::nullopt;
  absl::string_view text = absl::StripAsciiWhitespace(*value);
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) return absl::Seconds(std::max<int64_t>(seconds, 0));
  absl::Time when;
  std::string error;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(text), absl::UTCTimeZone(), &when,
                      &error)) {
    return std::max(when - now, absl::ZeroDuration());
  }
  return std::nullopt;
}

ResponseMeta MetaFromResponse(const HttpResponse& response) {
  ResponseMeta meta;
  meta.http_status = response.status;
  meta.rate_limit = RateLimitFromResponse(response);
  if (const std::string* id = response.Header("inin-correlation-id")) meta.correlation_id = *id;
  return meta;
}

absl::Status StatusFromResponse(std::string_view endpoint, const HttpResponse& response,
                                absl::Time now) {
  return BuildStatus(StatusCodeForHttp(response.status),
                     ErrorFromResponse(endpoint, response, now));
}

absl::Status StatusFromTokenResponse(const HttpResponse& response, absl::Time now) {
  GenesysError err = ErrorFromResponse("oauth_token", response, now);
  absl::StatusCode code = StatusCodeForHttp(response.status);
  if (response.status == 400 || response.status == 401) {
    code = absl::StatusCode::kUnauthenticated;
    if (err.message.empty()) err.message = "check the OAuth client id and secret";
  }
  return BuildStatus(code, std::move(err));
}

absl::Status WithEndpoint(const absl::Status& status, std::string_view endpoint) {
  GenesysError err = GetGenesysError(status).value_or(GenesysError{});
  err.endpoint = std::string(endpoint);
  return AttachGenesysError(
      absl::Status(status.code(), absl::StrCat("Genesys ", Sv(endpoint), ": ", status.message())),
      err);
}

std::optional<absl::Time> ParseGenesysTime(std::string_view text) {
  absl::Time t;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
    return std::nullopt;
  }
  return t;
}

}  // namespace blend::genesys::internal
