#pragma once

// What went wrong in a Genesys call, attached to the returned absl::Status as a payload so
// callers (the workers' retry and quota logic) read typed values instead of parsing text.
//
//   absl::Status st = client.SendAgentlessSms(...).status();
//   if (auto err = blend::genesys::GetGenesysError(st); err && err->retry_after) {
//     quota.PauseFor(*err->retry_after);
//   }
//
// Status codes used by this library (the code is the retry policy: docs/architecture.md,
// Conventions):
//   kResourceExhausted  429 (wait for `retry_after`, then retry)
//   kUnavailable        5xx, 408, timeouts, refused/reset connections (retry with backoff)
//   kInvalidArgument    400, 413, 415, 422, and inputs rejected before any request
//   kUnauthenticated    401 after the one refresh-and-retry; bad OAuth client credentials
//   kPermissionDenied   403 (the OAuth client lacks a role/permission)
//   kNotFound           404 (unknown contact list, DNC list, contact)
//   kAborted            409 (version conflict)
//   kFailedPrecondition any other 4xx
//   kInternal           a 2xx response whose body is not the JSON Genesys documents

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace blend::genesys {

// Genesys's rate-limit response headers (`inin-ratelimit-*`); unset when absent.
struct RateLimitInfo {
  std::optional<int64_t> count = {};         // requests used in the current window
  std::optional<int64_t> allowed = {};       // the window's budget
  std::optional<absl::Duration> reset = {};  // time until the window resets
};

struct GenesysError {
  // Which client call failed (the metric's endpoint label, e.g. "agentless_sms").
  std::string endpoint = {};
  // HTTP status of the response; 0 when no response arrived (see transport_error).
  int http_status = 0;
  // From `Retry-After` (seconds or HTTP date) on 429/503; else unset.
  std::optional<absl::Duration> retry_after = {};
  RateLimitInfo rate_limit = {};
  // `ININ-Correlation-Id` response header: quote it to Genesys support.
  std::string correlation_id = {};
  // Genesys's ErrorBody (for the token endpoint: OAuth `error` / `error_description`).
  // `message` is redacted: phone numbers and emails inside it are masked.
  std::string message = {};
  std::string code = {};
  int status = 0;
  std::string context_id = {};
  // Set when no HTTP response arrived: "timeout", "connect", "network".
  std::string transport_error = {};
  // True when a transport failure happened after the request may have reached Genesys (a
  // read timeout, a reset after sending): the call's effect is in doubt, so a worker must
  // not blindly resend a message. False for refused connections and failed DNS lookups.
  bool outcome_unknown = false;
};

// The error attached by this library, or nullopt for an OK status or a foreign one.
std::optional<GenesysError> GetGenesysError(const absl::Status& status);

// Returns `status` with `error` attached (replacing any earlier one). Used by the client and
// the transports; public so fakes in other libraries' tests can build realistic errors.
absl::Status AttachGenesysError(absl::Status status, const GenesysError& error);

// The Status code for an HTTP status (see the table above); kOk for 2xx.
absl::StatusCode StatusCodeForHttp(int http_status);

}  // namespace blend::genesys
