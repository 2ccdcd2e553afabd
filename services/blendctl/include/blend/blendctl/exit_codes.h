#pragma once

// The exit codes of blendctl, a contract with the scripts that call it (README.md). Every
// online command maps its gRPC status through ExitCodeFor, so the same failure always gives
// the same code.

#include <grpcpp/support/status_code_enum.h>

namespace blend::blendctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;      // invalid input, rejected rows, validation problems
inline constexpr int kExitUsage = 2;        // bad flags / arguments, unreadable local file
inline constexpr int kExitNotFound = 3;     // campaign or journey does not exist
inline constexpr int kExitUnavailable = 4;  // cannot reach the server, or deadline exceeded
inline constexpr int kExitServer = 5;       // any other server-side error (auth, internal...)

// 0 for OK; see README.md for the full table.
int ExitCodeFor(grpc::StatusCode code);

// "NOT_FOUND", "UNAVAILABLE", ... (the canonical gRPC names, for messages and --json).
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace blend::blendctl
