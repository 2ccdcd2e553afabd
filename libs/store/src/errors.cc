#include "blend/store/errors.h"

#include <pqxx/except>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace blend::store {
namespace {

constexpr char kSqlStatePayload[] = "type.blend.dev/blend.store.SqlState";

// First line of a libpq message: the primary text without DETAIL/HINT/QUERY lines.
absl::string_view FirstLine(absl::string_view text) {
  size_t end = text.find('\n');
  return end == absl::string_view::npos ? text : text.substr(0, end);
}

absl::Status Make(absl::StatusCode code, absl::string_view what, absl::string_view sqlstate = {}) {
  std::string message(FirstLine(what));
  if (message.empty()) message = "PostgreSQL error";
  if (!sqlstate.empty()) absl::StrAppend(&message, " (SQLSTATE ", sqlstate, ")");
  absl::Status status(code, message);
  if (!sqlstate.empty()) status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  return status;
}

}  // namespace

absl::StatusCode StatusCodeForSqlState(absl::string_view s) {
  if (s == "40001" || s == "40P01" || s == "55P03") return absl::StatusCode::kAborted;
  if (s == "40003") return absl::StatusCode::kUnknown;
  if (s == "23505") return absl::StatusCode::kAlreadyExists;
  if (absl::StartsWith(s, "08") || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300") {
    return absl::StatusCode::kUnavailable;
  }
  if (s == "57014") return absl::StatusCode::kDeadlineExceeded;
  return absl::StatusCode::kInternal;
}

absl::Status StatusFromException(std::exception_ptr error) {
  using absl::StatusCode;
  if (!error) return absl::InternalError("no exception to convert");
  // Most specific types first: libpqxx 6 raises 40001/40P01/08xxx as types that carry no
  // SQLSTATE, so the SQLSTATEs are restored here for SqlStateOf().
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::in_doubt_error& e) {
    return Make(StatusCode::kUnknown,
                absl::StrCat("connection lost during COMMIT, outcome unknown: ", e.what()));
  } catch (const pqxx::statement_completion_unknown& e) {
    return Make(StatusCode::kUnknown, e.what(), "40003");
  } catch (const pqxx::serialization_failure& e) {
    return Make(StatusCode::kAborted, e.what(), "40001");
  } catch (const pqxx::deadlock_detected& e) {
    return Make(StatusCode::kAborted, e.what(), "40P01");
  } catch (const pqxx::transaction_rollback& e) {
    return Make(StatusCode::kAborted, e.what());
  } catch (const pqxx::broken_connection& e) {
    return Make(StatusCode::kUnavailable,
                absl::StrCat("PostgreSQL connection lost or refused: ", e.what()));
  } catch (const pqxx::sql_error& e) {
    return Make(StatusCodeForSqlState(e.sqlstate()), e.what(), e.sqlstate());
  } catch (const pqxx::usage_error& e) {
    return Make(StatusCode::kInternal, absl::StrCat("libpqxx usage error: ", e.what()));
  } catch (const pqxx::conversion_error& e) {
    return Make(StatusCode::kInternal, absl::StrCat("value conversion failed: ", e.what()));
  } catch (const std::exception& e) {
    return Make(StatusCode::kInternal, absl::StrCat("exception in transaction: ", e.what()));
  } catch (...) {
    return absl::InternalError("unknown exception in transaction");
  }
}

std::optional<std::string> SqlStateOf(const absl::Status& status) {
  auto payload = status.GetPayload(kSqlStatePayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

bool IsConnectionLost(std::exception_ptr error) {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::broken_connection&) {
    return true;
  } catch (const pqxx::in_doubt_error&) {
    return true;
  } catch (const pqxx::sql_error& e) {
    return StatusCodeForSqlState(e.sqlstate()) == absl::StatusCode::kUnavailable;
  } catch (...) {
    return false;
  }
}

}  // namespace blend::store
