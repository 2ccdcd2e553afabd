#pragma once

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "blend/quota/token_bucket.h"

namespace blend::store {
class ConnectionPool;
}

namespace blend::quota {

// Where the buckets live. Shared by every replica that uses the same quota name (one
// per Genesys OAuth client). Implementations are thread-safe.
// Status codes: kUnavailable when the backing database cannot be reached; others as the
// database reports them.
class QuotaStore {
 public:
  virtual ~QuotaStore() = default;
  // Leases up to `wanted` tokens of bucket `name` (created full on first use; its
  // capacity and rate follow `config`).
  virtual absl::StatusOr<TakeResult> Lease(const std::string& name, const QuotaConfig& config,
                                           int wanted, absl::Time now) = 0;
  // Pauses bucket `name` for every replica until `until` (see Pause()).
  virtual absl::Status PauseUntil(const std::string& name, const QuotaConfig& config,
                                  absl::Time until, absl::Time now) = 0;
  // Returns `count` leased tokens that were not used (see GiveBack()).
  virtual absl::Status GiveBack(const std::string& name, const QuotaConfig& config, int count,
                                absl::Time now) = 0;
};

// One process's buckets in memory: for a single replica and for unit tests.
class InMemoryQuotaStore final : public QuotaStore {
 public:
  absl::StatusOr<TakeResult> Lease(const std::string& name, const QuotaConfig& config, int wanted,
                                   absl::Time now) override;
  absl::Status PauseUntil(const std::string& name, const QuotaConfig& config, absl::Time until,
                          absl::Time now) override;
  absl::Status GiveBack(const std::string& name, const QuotaConfig& config, int count,
                        absl::Time now) override;

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, BucketState> buckets_ ABSL_GUARDED_BY(mu_);
};

// Buckets in PostgreSQL (table `quotas`, migration 0010): every lease is one short
// transaction that locks the bucket's row, so replicas on any number of hosts share it.
// Leasing a few tokens at a time keeps that to about one transaction per `burst` requests.
class PgQuotaStore final : public QuotaStore {
 public:
  explicit PgQuotaStore(store::ConnectionPool& pool) : pool_(pool) {}
  absl::StatusOr<TakeResult> Lease(const std::string& name, const QuotaConfig& config, int wanted,
                                   absl::Time now) override;
  absl::Status PauseUntil(const std::string& name, const QuotaConfig& config, absl::Time until,
                          absl::Time now) override;
  absl::Status GiveBack(const std::string& name, const QuotaConfig& config, int count,
                        absl::Time now) override;

 private:
  store::ConnectionPool& pool_;
};

}  // namespace blend::quota
