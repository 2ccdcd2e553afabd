// The JourneyStore contract (journey_store_contract.h) against PgJourneyStore on a fresh,
// migrated database of the real PostgreSQL (BLEND_PG_URL). Each test runs in transactions it
// commits when the case needs another connection to see its rows (HoldJourney).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/store/testing/test_database.h"
#include "journey_store_contract.h"

namespace blend::orchestrator::testing {
namespace {

class PgBackend {
 public:
  absl::Status Open() {
    auto db = store::testing::TestDatabase::CreateFromEnv();
    if (!db.ok()) return db.status();
    db_ = *std::move(db);
    auto pool = store::ConnectionPool::Create(db_->url(), 1);
    if (!pool.ok()) return pool.status();
    auto migrations = store::BlendMigrations();
    if (!migrations.ok()) return migrations.status();
    if (auto migrated = store::Migrate(**pool, *migrations); !migrated.ok()) {
      return migrated.status();
    }
    conn_ = std::make_unique<pqxx::connection>(db_->url());
    Begin();
    return absl::OkStatus();
  }
  ~PgBackend() {
    store_.reset();
    tx_.reset();  // rolled back
    hold_tx_.reset();
  }

  JourneyStore& store() { return *store_; }
  void Commit() {
    store_.reset();
    tx_->commit();
    Begin();
  }
  void HoldJourney(const std::string& journey_id) {
    if (!hold_conn_) hold_conn_ = std::make_unique<pqxx::connection>(db_->url());
    if (!hold_tx_) hold_tx_.emplace(*hold_conn_);
    hold_tx_->exec_params("SELECT 1 FROM journeys WHERE journey_id = $1 FOR UPDATE", journey_id);
  }
  std::vector<OutboxSeen> Outbox() {
    std::vector<OutboxSeen> seen;
    for (const auto& row :
         tx_->exec("SELECT topic, msg_key, encode(payload, 'base64'), blend_ts_to_us(available_at) "
                   "FROM outbox ORDER BY id")) {
      std::string b64 = row[2].as<std::string>();
      std::erase(b64, '\n');
      std::string payload;
      absl::Base64Unescape(b64, &payload);
      seen.push_back({row[0].as<std::string>(), row[1].as<std::string>(), payload,
                      absl::FromUnixMicros(row[3].as<int64_t>())});
    }
    return seen;
  }

 private:
  void Begin() {
    tx_.emplace(*conn_);
    store_.emplace(*tx_);
  }

  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<pqxx::connection> conn_;
  std::optional<pqxx::work> tx_;
  std::optional<PgJourneyStore> store_;
  std::unique_ptr<pqxx::connection> hold_conn_;
  std::optional<pqxx::work> hold_tx_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(PostgreSql, JourneyStoreContract, PgBackend);

}  // namespace
}  // namespace blend::orchestrator::testing
