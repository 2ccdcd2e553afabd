#include <pqxx/pqxx>

#include "blend/store/transaction.h"
#include "blend/worker/touch_ledger.h"

namespace blend::worker {
namespace {

constexpr char kFind[] = "SELECT state, disposition FROM touch_outcomes WHERE touch_id = $1";
constexpr char kBegin[] =
    "INSERT INTO touch_outcomes (touch_id, channel, state, worker_id, started_at) "
    "VALUES ($1, $2, 'calling', $3, to_timestamp($4)) ON CONFLICT (touch_id) DO NOTHING";
constexpr char kAbort[] = "DELETE FROM touch_outcomes WHERE touch_id = $1 AND state = 'calling'";
constexpr char kComplete[] =
    "INSERT INTO touch_outcomes (touch_id, channel, state, worker_id, disposition, started_at, "
    "  finished_at) VALUES ($1, $2, 'done', $3, $4, to_timestamp($5), to_timestamp($5)) "
    "ON CONFLICT (touch_id) DO UPDATE SET state = 'done', disposition = EXCLUDED.disposition, "
    "  finished_at = EXCLUDED.finished_at";

double Unix(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

}  // namespace

absl::StatusOr<std::optional<LedgerEntry>> PgTouchLedger::Find(const std::string& touch_id) {
  return store::WithTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<LedgerEntry>> {
    pqxx::result rows = tx.exec_params(kFind, touch_id);
    if (rows.empty()) return std::optional<LedgerEntry>();
    LedgerEntry entry;
    if (rows[0][0].as<std::string>() == "done") {
      entry.state = LedgerEntry::State::kDone;
      pqxx::binarystring bytes(rows[0][1]);
      v1::Disposition d;
      if (!d.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return absl::DataLossError("touch_outcomes row for " + touch_id + " has an unreadable disposition");
      }
      entry.disposition = std::move(d);
    }
    return std::optional<LedgerEntry>(std::move(entry));
  }, store::TxOptions{.read_only = true, .name = "ledger_find"});
}

absl::StatusOr<bool> PgTouchLedger::BeginCall(const std::string& touch_id,
                                              const std::string& channel,
                                              const std::string& worker_id, absl::Time now) {
  return store::WithTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    return tx.exec_params(kBegin, touch_id, channel, worker_id, Unix(now)).affected_rows() == 1;
  }, store::TxOptions{.name = "ledger_begin"});
}

absl::Status PgTouchLedger::AbortCall(const std::string& touch_id) {
  return store::WithTransaction(pool_, [&](pqxx::work& tx) {
    tx.exec_params(kAbort, touch_id);
    return absl::OkStatus();
  }, store::TxOptions{.name = "ledger_abort"});
}

absl::Status PgTouchLedger::Complete(const v1::Disposition& disposition,
                                     const std::string& worker_id, absl::Time now) {
  std::string bytes = disposition.SerializeAsString();
  return store::WithTransaction(pool_, [&](pqxx::work& tx) {
    tx.exec_params(kComplete, disposition.touch_id(), v1::Channel_Name(disposition.channel()),
                   worker_id, pqxx::binarystring(bytes), Unix(now));
    return absl::OkStatus();
  }, store::TxOptions{.name = "ledger_complete"});
}

}  // namespace blend::worker
