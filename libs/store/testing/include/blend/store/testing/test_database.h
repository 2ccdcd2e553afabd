#pragma once

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace blend::store::testing {

// A fresh, uniquely named database for one integration test, dropped on destruction.
// For *_pgtest.cc only: unlike the rest of the library it reads the environment.
//
//   auto db = TestDatabase::CreateFromEnv();
//   ASSERT_TRUE(db.ok()) << db.status();   // never skip: a missing server is a failure
//   auto pool = ConnectionPool::Create((*db)->url(), 4);
class TestDatabase {
 public:
  // Uses the server named by BLEND_PG_URL. kFailedPrecondition, with instructions, when the
  // variable is unset; kUnavailable when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> CreateFromEnv();
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(std::string server_url);
  ~TestDatabase();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // libpq URL of the fresh database.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // URL of the database BLEND_PG_URL names (for admin work such as pg_terminate_backend).
  const std::string& server_url() const { return server_url_; }

 private:
  TestDatabase(std::string server_url, std::string name, std::string url)
      : server_url_(std::move(server_url)), name_(std::move(name)), url_(std::move(url)) {}

  std::string server_url_;
  std::string name_;
  std::string url_;
};

// Points a libpq URL ("postgresql://u@h:p/db?x=y") or keyword/value connection string
// ("host=h dbname=db") at database `dbname`, keeping every other setting.
std::string ReplaceDatabaseInUrl(absl::string_view url, absl::string_view dbname);

}  // namespace blend::store::testing
