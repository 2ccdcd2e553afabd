#pragma once

// Errors the simulator answers with, in Genesys's shape. Internally an error is an
// absl::Status whose code picks the HTTP status and whose payload carries the Genesys
// dotted error code ("invalid.value", "not.found", ...); ErrorBodyJson() renders the
// ErrorBody model {message, code, status, contextId, details, errors}.

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace blend::genesys_sim {

// A Status carrying a Genesys error code as payload.
absl::Status GenesysError(absl::StatusCode code, absl::string_view genesys_code,
                          absl::string_view message);

// The Genesys code of `status`: its payload, else a default for its absl code
// (kInvalidArgument -> "bad.request", kNotFound -> "not.found", ...).
std::string GenesysCodeOf(const absl::Status& status);

// The HTTP status for an absl code (kInvalidArgument/kFailedPrecondition -> 400,
// kUnauthenticated -> 401, kPermissionDenied -> 403, kNotFound -> 404, kAlreadyExists -> 409,
// kResourceExhausted -> 429, kUnavailable -> 503, everything else -> 500).
int HttpStatusOf(absl::StatusCode code);

// {"message":..,"code":..,"status":..,"contextId":..,"details":[],"errors":[]}
std::string ErrorBodyJson(int http_status, absl::string_view genesys_code,
                          absl::string_view message, absl::string_view context_id);

}  // namespace blend::genesys_sim
