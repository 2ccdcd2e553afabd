#pragma once

#include <exception>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace blend::store {

// The Status code Blend's retry policy (docs/architecture.md, Conventions) expects for a
// PostgreSQL SQLSTATE:
//   40001 serialization failure, 40P01 deadlock, 55P03 lock not available → kAborted
//     (re-run the whole transaction);
//   40003 statement completion unknown                                     → kUnknown;
//   23505 unique violation                                                 → kAlreadyExists;
//   class 08 (connection), 57P01/57P02/57P03 (server shutting down or
//     starting), 53300 (too many connections)                              → kUnavailable;
//   57014 query canceled (statement_timeout)                               → kDeadlineExceeded;
//   anything else                                                          → kInternal.
absl::StatusCode StatusCodeForSqlState(absl::string_view sqlstate);

// Converts an exception thrown by libpqxx (or by code run inside a transaction) to a Status.
// The message keeps only the first line of the server's message: DETAIL lines may quote
// row values (phone numbers, emails) and Status messages end up in logs. The SQLSTATE,
// when known, is in the message and in a payload readable with SqlStateOf().
// Never throws.
absl::Status StatusFromException(std::exception_ptr error);

// The SQLSTATE recorded by StatusFromException, if any.
std::optional<std::string> SqlStateOf(const absl::Status& status);

// True for errors that mean the connection itself can no longer be trusted.
bool IsConnectionLost(std::exception_ptr error);

}  // namespace blend::store
