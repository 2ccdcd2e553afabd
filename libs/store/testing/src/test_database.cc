#include "blend/store/testing/test_database.h"

#include <cstdlib>
#include <exception>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "blend/common/ids.h"
#include "blend/store/errors.h"

namespace blend::store::testing {
namespace {

absl::Status RunAdmin(const std::string& url, const std::string& sql) {
  try {
    pqxx::connection conn(url);
    pqxx::nontransaction tx(conn);  // CREATE/DROP DATABASE cannot run in a transaction
    tx.exec(sql);
    return absl::OkStatus();
  } catch (...) {
    return StatusFromException(std::current_exception());
  }
}

}  // namespace

std::string ReplaceDatabaseInUrl(absl::string_view url, absl::string_view dbname) {
  const bool is_uri =
      absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
  if (!is_uri) return absl::StrCat(url, " dbname=", dbname);  // the last keyword wins
  const size_t authority = url.find("://") + 3;
  const size_t query = url.find('?', authority);
  const absl::string_view before_query = url.substr(0, query);
  const absl::string_view rest = query == absl::string_view::npos ? "" : url.substr(query);
  const size_t slash = before_query.find('/', authority);
  const absl::string_view base =
      slash == absl::string_view::npos ? before_query : before_query.substr(0, slash);
  return absl::StrCat(base, "/", dbname, rest);
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::CreateFromEnv() {
  const char* url = std::getenv("BLEND_PG_URL");
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(
        "BLEND_PG_URL is not set: integration tests need the real PostgreSQL server. Run "
        "`scripts/cluster up && source .local/cluster.env` (or scripts/test) first");
  }
  return Create(url);
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(std::string server_url) {
  std::string name = absl::StrCat("test_", absl::StrReplaceAll(NewUuid(), {{"-", ""}}));
  absl::Status created = RunAdmin(server_url, absl::StrCat("CREATE DATABASE ", name));
  if (!created.ok()) {
    return absl::Status(created.code(),
                        absl::StrCat("cannot create test database: ", created.message()));
  }
  std::string url = ReplaceDatabaseInUrl(server_url, name);
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(std::move(server_url), std::move(name), std::move(url)));
}

TestDatabase::~TestDatabase() {
  // FORCE (PostgreSQL 13+) ends sessions a failed test may have left open.
  (void)RunAdmin(server_url_, absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
}

}  // namespace blend::store::testing
