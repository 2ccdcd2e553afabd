#include "blend/store/errors.h"

#include <exception>
#include <stdexcept>
#include <string>

#include <pqxx/except>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

struct SqlStateCase {
  std::string sqlstate;
  absl::StatusCode code;
};

class SqlStateMappingTest : public ::testing::TestWithParam<SqlStateCase> {};

TEST_P(SqlStateMappingTest, MapsToRetryPolicyCode) {
  EXPECT_EQ(StatusCodeForSqlState(GetParam().sqlstate), GetParam().code)
      << "SQLSTATE " << GetParam().sqlstate;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SqlStateMappingTest,
    ::testing::Values(SqlStateCase{"40001", absl::StatusCode::kAborted},  // serialization
                      SqlStateCase{"40P01", absl::StatusCode::kAborted},  // deadlock
                      SqlStateCase{"55P03", absl::StatusCode::kAborted},  // lock not available
                      SqlStateCase{"40003", absl::StatusCode::kUnknown},
                      SqlStateCase{"23505", absl::StatusCode::kAlreadyExists},
                      SqlStateCase{"08006", absl::StatusCode::kUnavailable},
                      SqlStateCase{"08001", absl::StatusCode::kUnavailable},
                      SqlStateCase{"57P01", absl::StatusCode::kUnavailable},  // admin shutdown
                      SqlStateCase{"57P03", absl::StatusCode::kUnavailable},
                      SqlStateCase{"53300", absl::StatusCode::kUnavailable},
                      SqlStateCase{"57014", absl::StatusCode::kDeadlineExceeded},
                      SqlStateCase{"23503", absl::StatusCode::kInternal},  // foreign key
                      SqlStateCase{"42601", absl::StatusCode::kInternal},  // syntax
                      SqlStateCase{"42P01", absl::StatusCode::kInternal},  // undefined table
                      SqlStateCase{"", absl::StatusCode::kInternal}));

absl::Status Convert(const auto& exception) {
  return StatusFromException(std::make_exception_ptr(exception));
}

TEST(StatusFromExceptionTest, SerializationFailureIsAbortedWithSqlState) {
  absl::Status s = Convert(pqxx::serialization_failure("ERROR:  could not serialize access"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(SqlStateOf(s), Optional(std::string("40001")));
}

TEST(StatusFromExceptionTest, DeadlockIsAborted) {
  absl::Status s = Convert(pqxx::deadlock_detected("ERROR:  deadlock detected"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(SqlStateOf(s), Optional(std::string("40P01")));
}

TEST(StatusFromExceptionTest, UniqueViolationIsAlreadyExistsWithoutRowValues) {
  absl::Status s = Convert(
      pqxx::unique_violation("ERROR:  duplicate key value violates unique constraint \"t_pkey\"\n"
                             "DETAIL:  Key (phone)=(+15555550123) already exists.\n",
                             "INSERT INTO t VALUES ($1)", "23505"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(s.message(), HasSubstr("duplicate key value"));
  EXPECT_THAT(s.message(), HasSubstr("23505"));
  EXPECT_THAT(s.message(), Not(HasSubstr("+15555550123")));
  EXPECT_THAT(SqlStateOf(s), Optional(std::string("23505")));
}

TEST(StatusFromExceptionTest, BrokenConnectionIsUnavailable) {
  EXPECT_EQ(Convert(pqxx::broken_connection("server closed the connection")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsConnectionLost(std::make_exception_ptr(pqxx::broken_connection())));
}

TEST(StatusFromExceptionTest, AdminShutdownSqlErrorIsUnavailableAndConnectionLost) {
  auto error = std::make_exception_ptr(
      pqxx::sql_error("FATAL:  terminating connection due to administrator command", "", "57P01"));
  EXPECT_EQ(StatusFromException(error).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsConnectionLost(error));
}

TEST(StatusFromExceptionTest, InDoubtCommitIsUnknown) {
  absl::Status s = Convert(pqxx::in_doubt_error("connection lost while committing"));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(s.message(), HasSubstr("outcome unknown"));
}

TEST(StatusFromExceptionTest, OtherSqlErrorIsInternalWithSqlState) {
  absl::Status s =
      Convert(pqxx::syntax_error("ERROR:  syntax error at or near \"SELEC\"", "SELEC 1", "42601"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("SQLSTATE 42601"));
  EXPECT_FALSE(IsConnectionLost(std::make_exception_ptr(pqxx::syntax_error("x", "", "42601"))));
}

TEST(StatusFromExceptionTest, NonDatabaseExceptionsAreInternal) {
  EXPECT_EQ(Convert(std::runtime_error("boom")).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Convert(pqxx::conversion_error("not an integer")).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(StatusFromException(std::make_exception_ptr(42)).code(), absl::StatusCode::kInternal);
  EXPECT_FALSE(SqlStateOf(Convert(std::runtime_error("boom"))).has_value());
}

}  // namespace
}  // namespace blend::store
