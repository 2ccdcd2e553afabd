#include <pqxx/pqxx>

#include "blend/quota/quota_store.h"
#include "blend/store/transaction.h"

namespace blend::quota {
namespace {

// Times travel as Unix seconds (double precision) to avoid text parsing; -infinity (never
// paused) reads back as 0 via GREATEST.
constexpr char kEnsureBucket[] =
    "INSERT INTO quotas (name, capacity, refill_per_sec, tokens, updated_at) "
    "VALUES ($1, $2, $3, $2, to_timestamp($4)) ON CONFLICT (name) DO NOTHING";
constexpr char kLockBucket[] =
    "SELECT tokens, extract(epoch FROM updated_at)::float8, "
    "       extract(epoch FROM GREATEST(paused_until, 'epoch'::timestamptz))::float8 "
    "FROM quotas WHERE name = $1 FOR UPDATE";
constexpr char kSaveBucket[] =
    "UPDATE quotas SET tokens = $2, updated_at = to_timestamp($3), "
    "  paused_until = GREATEST(paused_until, to_timestamp($4)), capacity = $5, "
    "  refill_per_sec = $6, leased_total = leased_total + $7 WHERE name = $1";

double ToUnix(absl::Time t) {
  return t == absl::InfinitePast() ? 0.0 : absl::ToDoubleSeconds(t - absl::UnixEpoch());
}
absl::Time FromUnix(double s) {
  return s <= 0 ? absl::InfinitePast() : absl::UnixEpoch() + absl::Seconds(s);
}

// Locks the bucket row (creating it full if new), applies `change`, saves it.
template <typename Change>
absl::StatusOr<TakeResult> UpdateBucket(store::ConnectionPool& pool, const std::string& name,
                                        const QuotaConfig& config, absl::Time now, Change change) {
  return store::WithTransaction(
      pool,
      [&](pqxx::work& tx) -> absl::StatusOr<TakeResult> {
        tx.exec_params(kEnsureBucket, name, config.capacity(), config.refill_per_second(),
                       ToUnix(now));
        pqxx::row row = tx.exec_params1(kLockBucket, name);
        BucketState state{row[0].as<double>(), FromUnix(row[1].as<double>()),
                          FromUnix(row[2].as<double>())};
        TakeResult result = change(state);
        tx.exec_params(kSaveBucket, name, result.state.tokens, ToUnix(result.state.updated_at),
                       ToUnix(result.state.paused_until), config.capacity(),
                       config.refill_per_second(), result.granted);
        return result;
      },
      store::TxOptions{.name = "quota_lease"});
}

}  // namespace

absl::StatusOr<TakeResult> PgQuotaStore::Lease(const std::string& name, const QuotaConfig& config,
                                               int wanted, absl::Time now) {
  return UpdateBucket(pool_, name, config, now,
                      [&](const BucketState& state) { return Take(config, state, wanted, now); });
}

absl::Status PgQuotaStore::PauseUntil(const std::string& name, const QuotaConfig& config,
                                      absl::Time until, absl::Time now) {
  return UpdateBucket(pool_, name, config, now,
                      [&](const BucketState& state) {
                        return TakeResult{Pause(state, until, now), 0, until};
                      })
      .status();
}

absl::Status PgQuotaStore::GiveBack(const std::string& name, const QuotaConfig& config, int count,
                                    absl::Time now) {
  return UpdateBucket(pool_, name, config, now,
                      [&](const BucketState& state) {
                        return TakeResult{quota::GiveBack(config, state, count, now), 0, now};
                      })
      .status();
}

}  // namespace blend::quota
