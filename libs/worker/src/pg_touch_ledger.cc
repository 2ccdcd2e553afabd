#include <pqxx/pqxx>

#include "blend/store/transaction.h"
#include "blend/worker/touch_ledger.h"

namespace blend::worker {
namespace {

constexpr char kFind[] =
    "SELECT state, disposition, worker_id, extract(epoch FROM started_at)::float8 "
    "FROM touch_outcomes WHERE touch_id = $1";
constexpr char kBegin[] =
    "INSERT INTO touch_outcomes (touch_id, channel, state, worker_id, started_at) "
    "VALUES ($1, $2, 'calling', $3, to_timestamp($4)) ON CONFLICT (touch_id) DO NOTHING";
constexpr char kAbort[] = "DELETE FROM touch_outcomes WHERE touch_id = $1 AND state = 'calling'";
constexpr char kComplete[] =
    "INSERT INTO touch_outcomes (touch_id, channel, state, worker_id, disposition, started_at, "
    "  finished_at) VALUES ($1, $2, 'done', $3, $4, to_timestamp($5), to_timestamp($5)) "
    "ON CONFLICT (touch_id) DO UPDATE SET state = 'done', disposition = EXCLUDED.disposition, "
    "  finished_at = EXCLUDED.finished_at WHERE touch_outcomes.state = 'calling' "
    "RETURNING disposition";
// First writer wins: when the row was already done, RETURNING gives nothing; read it.
constexpr char kRecorded[] =
    "SELECT disposition FROM touch_outcomes WHERE touch_id = $1 AND state = 'done'";

double Unix(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

absl::StatusOr<v1::Disposition> ParseDisposition(const pqxx::field& field,
                                                 const std::string& touch_id) {
  pqxx::binarystring bytes(field);
  v1::Disposition d;
  if (!d.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("touch_outcomes row for " + touch_id +
                               " has an unreadable disposition");
  }
  return d;
}

}  // namespace

absl::StatusOr<std::optional<LedgerEntry>> PgTouchLedger::Find(const std::string& touch_id) {
  return store::WithTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<LedgerEntry>> {
    pqxx::result rows = tx.exec_params(kFind, touch_id);
    if (rows.empty()) return std::optional<LedgerEntry>();
    LedgerEntry entry;
    entry.worker_id = rows[0][2].as<std::string>();
    entry.started_at = absl::FromUnixMicros(
        static_cast<int64_t>(rows[0][3].as<double>() * 1e6));
    if (rows[0][0].as<std::string>() == "done") {
      entry.state = LedgerEntry::State::kDone;
      absl::StatusOr<v1::Disposition> d = ParseDisposition(rows[0][1], touch_id);
      if (!d.ok()) return d.status();
      entry.disposition = *std::move(d);
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

absl::StatusOr<v1::Disposition> PgTouchLedger::Complete(const v1::Disposition& disposition,
                                                        const std::string& worker_id,
                                                        absl::Time now) {
  std::string bytes = disposition.SerializeAsString();
  return store::WithTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Disposition> {
    pqxx::result written =
        tx.exec_params(kComplete, disposition.touch_id(), v1::Channel_Name(disposition.channel()),
                       worker_id, pqxx::binarystring(bytes), Unix(now));
    if (!written.empty()) return disposition;
    pqxx::result recorded = tx.exec_params(kRecorded, disposition.touch_id());
    if (recorded.empty()) {
      return absl::AbortedError("touch_outcomes row for " + disposition.touch_id() +
                                " changed during Complete");
    }
    return ParseDisposition(recorded[0][0], disposition.touch_id());
  }, store::TxOptions{.name = "ledger_complete"});
}

}  // namespace blend::worker
