#include <pqxx/pqxx>

#include "blend/email_worker/unsubscribe_store.h"
#include "blend/store/transaction.h"

namespace blend::email_worker {
namespace {

constexpr char kRecord[] =
    "INSERT INTO email_unsubscribes (event_id, customer_id, event, recorded_at, available_at) "
    "VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($4)) ON CONFLICT (event_id) DO NOTHING";
// Takes the due rows and moves them out of reach for the lease in one statement; SKIP LOCKED
// keeps two replicas from waiting on (or taking) the same rows.
constexpr char kLease[] =
    "UPDATE email_unsubscribes SET available_at = to_timestamp($2) WHERE event_id IN ("
    "  SELECT event_id FROM email_unsubscribes WHERE delivered_at IS NULL "
    "    AND available_at <= to_timestamp($1) ORDER BY available_at, recorded_at LIMIT $3 "
    "  FOR UPDATE SKIP LOCKED) "
    "RETURNING event_id, event, attempts";
constexpr char kDelivered[] =
    "UPDATE email_unsubscribes SET delivered_at = to_timestamp($2), last_error = NULL "
    "WHERE event_id = $1 AND delivered_at IS NULL";
constexpr char kFailed[] =
    "UPDATE email_unsubscribes SET attempts = attempts + 1, last_error = $2, "
    "  available_at = to_timestamp($3) WHERE event_id = $1 AND delivered_at IS NULL";
constexpr char kCountPending[] =
    "SELECT count(*) FROM email_unsubscribes WHERE delivered_at IS NULL";

double Unix(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

}  // namespace

absl::StatusOr<bool> PgUnsubscribeStore::Record(const v1::CustomerEvent& event, absl::Time now) {
  std::string bytes = event.SerializeAsString();
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        return tx.exec_params(kRecord, event.event_id(), event.customer_id(),
                              pqxx::binarystring(bytes), Unix(now))
                   .affected_rows() == 1;
      },
      store::TxOptions{.name = "unsubscribe_record"});
}

absl::StatusOr<std::vector<PendingUnsubscribe>> PgUnsubscribeStore::LeaseDue(absl::Time now,
                                                                             absl::Duration lease,
                                                                             int limit) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<PendingUnsubscribe>> {
        std::vector<PendingUnsubscribe> out;
        for (const auto& row : tx.exec_params(kLease, Unix(now), Unix(now + lease), limit)) {
          PendingUnsubscribe p;
          pqxx::binarystring bytes(row[1]);
          if (!p.event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
            return absl::DataLossError("email_unsubscribes row " + row[0].as<std::string>() +
                                       " has an unreadable event");
          }
          p.attempts = row[2].as<int>();
          out.push_back(std::move(p));
        }
        return out;
      },
      store::TxOptions{.name = "unsubscribe_lease"});
}

absl::Status PgUnsubscribeStore::MarkDelivered(const std::string& event_id, absl::Time now) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) {
        tx.exec_params(kDelivered, event_id, Unix(now));
        return absl::OkStatus();
      },
      store::TxOptions{.name = "unsubscribe_delivered"});
}

absl::Status PgUnsubscribeStore::MarkFailed(const std::string& event_id, const std::string& error,
                                            absl::Time retry_at) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) {
        tx.exec_params(kFailed, event_id, error, Unix(retry_at));
        return absl::OkStatus();
      },
      store::TxOptions{.name = "unsubscribe_failed"});
}

absl::StatusOr<int64_t> PgUnsubscribeStore::CountPending() {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        return tx.exec(kCountPending)[0][0].as<int64_t>();
      },
      store::TxOptions{.read_only = true, .name = "unsubscribe_pending"});
}

}  // namespace blend::email_worker
