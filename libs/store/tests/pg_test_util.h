#pragma once

// Shared by the *_pgtest.cc files: a fresh database per test on the real server named by
// BLEND_PG_URL, and small helpers to inspect it outside the code under test.

#include <memory>
#include <string>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "blend/store/connection_pool.h"
#include "blend/store/testing/test_database.h"
#include "gtest/gtest.h"

namespace blend::store {

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::TestDatabase::CreateFromEnv();
    ASSERT_TRUE(db.ok()) << db.status();  // fails, never skips, without a server
    db_ = *std::move(db);
  }

  std::unique_ptr<ConnectionPool> MakePool(PoolOptions options = {}) {
    auto pool = ConnectionPool::Create(db_->url(), std::move(options));
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  // Runs SQL on a separate connection to the test database and returns the first field
  // of the first row as text ("" when there is none).
  std::string Query(const std::string& sql) { return QueryOn(db_->url(), sql); }
  // The same on the server's admin database (for pg_terminate_backend and the like).
  std::string AdminQuery(const std::string& sql) { return QueryOn(db_->server_url(), sql); }

  static std::string QueryOn(const std::string& url, const std::string& sql) {
    pqxx::connection conn(url);
    pqxx::nontransaction tx(conn);
    pqxx::result r = tx.exec(sql);
    if (r.empty() || r[0].empty() || r[0][0].is_null()) return "";
    return r[0][0].as<std::string>();
  }

  // Declared first, destroyed last: pools close their connections before the DROP.
  std::unique_ptr<testing::TestDatabase> db_;
};

}  // namespace blend::store
