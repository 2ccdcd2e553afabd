#pragma once

// Turning HTTP responses into ResponseMeta and classified Status (private to the library).

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/genesys/client.h"
#include "blend/genesys/error.h"
#include "blend/genesys/http_transport.h"

namespace blend::genesys::internal {

ResponseMeta MetaFromResponse(const HttpResponse& response);
RateLimitInfo RateLimitFromResponse(const HttpResponse& response);
// `Retry-After` as delta-seconds or an HTTP date (relative to `now`).
std::optional<absl::Duration> RetryAfterFromResponse(const HttpResponse& response, absl::Time now);

// The Status for a non-2xx response: code from StatusCodeForHttp, Genesys's ErrorBody (or
// OAuth error body) parsed into the attached GenesysError, a message for an operator.
absl::Status StatusFromResponse(std::string_view endpoint, const HttpResponse& response,
                                absl::Time now);
// The same for the token endpoint, where 400 and 401 both mean bad client credentials.
absl::Status StatusFromTokenResponse(const HttpResponse& response, absl::Time now);

// Sets `endpoint` in the GenesysError a transport attached (adding one if it did not).
absl::Status WithEndpoint(const absl::Status& status, std::string_view endpoint);

// ISO-8601 UTC ("2026-11-26T19:00:00.123Z"); nullopt when absent or malformed.
std::optional<absl::Time> ParseGenesysTime(std::string_view text);

}  // namespace blend::genesys::internal
