#include "blend/orchestrator/outbox_store.h"

#include "blend/store/transaction.h"

namespace blend::orchestrator {

absl::StatusOr<std::vector<pg::OutboxRow>> PgOutboxStore::Claim(absl::Time now, int limit,
                                                                const std::string& owner,
                                                                absl::Time lease_until) {
  store::TxOptions opts;
  opts.name = "outbox_claim";
  opts.max_attempts = 3;  // the claim is idempotent: a deadlock or serialization retry is safe
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<pg::OutboxRow>> {
        return pg::LeaseOutbox(tx, now, limit, owner, lease_until);
      },
      opts);
}

absl::Status PgOutboxStore::Finish(const std::string& owner, const OutboxOutcome& outcome,
                                   absl::Time now) {
  store::TxOptions opts;
  opts.name = "outbox_finish";
  opts.max_attempts = 3;
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::Status {
        pg::DeleteOutbox(tx, outcome.sent);
        pg::ReleaseOutbox(tx, owner, outcome.released);
        pg::DeadLetterOutbox(tx, owner, outcome.dead, now);
        for (const OutboxFollowUp& f : outcome.follow_ups) {
          pg::InsertOutbox(tx, f.topic, f.key, f.payload, now, now);
        }
        return absl::OkStatus();
      },
      opts);
}

}  // namespace blend::orchestrator
