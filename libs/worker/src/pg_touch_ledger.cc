#include <algorithm>
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"

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

// The multi-row forms: one statement for a whole batch, rows in touch id order (so two
// replicas' batches take the unique-index locks in the same order).
constexpr char kBeginMany[] =
    "INSERT INTO touch_outcomes (touch_id, channel, state, worker_id, started_at) "
    "SELECT t, c, 'calling', w, to_timestamp(n) "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS u(t, c, w, n) ORDER BY t "
    "ON CONFLICT (touch_id) DO NOTHING RETURNING touch_id";
constexpr char kCompleteMany[] =
    "INSERT INTO touch_outcomes (touch_id, channel, state, worker_id, disposition, started_at, "
    "  finished_at) "
    "SELECT t, c, 'done', w, decode(d, 'hex'), to_timestamp(n), to_timestamp(n) "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[]) "
    "  AS u(t, c, w, d, n) ORDER BY t "
    "ON CONFLICT (touch_id) DO UPDATE SET state = 'done', disposition = EXCLUDED.disposition, "
    "  finished_at = EXCLUDED.finished_at WHERE touch_outcomes.state = 'calling' "
    "RETURNING touch_id";
constexpr char kFindMany[] =
    "SELECT touch_id, state, disposition, worker_id, extract(epoch FROM started_at)::float8 "
    "FROM touch_outcomes WHERE touch_id = ANY($1::text[])";
constexpr char kRecordedMany[] =
    "SELECT touch_id, disposition FROM touch_outcomes "
    "WHERE touch_id = ANY($1::text[]) AND state = 'done'";

double Unix(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

// A PostgreSQL array literal of `values` (each element quoted, so any text is safe).
std::string ArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string FloatArray(const std::vector<double>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    char buf[32];
    snprintf(buf, sizeof buf, "%.6f", values[i]);
    out += buf;
  }
  return out + "}";
}

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

// A row of kFindMany (touch_id, state, disposition, worker_id, started_at).
absl::StatusOr<LedgerEntry> EntryOf(const pqxx::row& row, const std::string& touch_id) {
  LedgerEntry entry;
  entry.worker_id = row[3].as<std::string>();
  entry.started_at = absl::FromUnixMicros(static_cast<int64_t>(row[4].as<double>() * 1e6));
  if (row[1].as<std::string>() == "done") {
    entry.state = LedgerEntry::State::kDone;
    absl::StatusOr<v1::Disposition> d = ParseDisposition(row[2], touch_id);
    if (!d.ok()) return d.status();
    entry.disposition = *std::move(d);
  }
  return entry;
}

}  // namespace

absl::StatusOr<std::optional<LedgerEntry>> PgTouchLedger::Find(const std::string& touch_id) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::optional<LedgerEntry>> {
        pqxx::result rows = tx.exec_params(kFind, touch_id);
        if (rows.empty()) return std::optional<LedgerEntry>();
        LedgerEntry entry;
        entry.worker_id = rows[0][2].as<std::string>();
        entry.started_at =
            absl::FromUnixMicros(static_cast<int64_t>(rows[0][3].as<double>() * 1e6));
        if (rows[0][0].as<std::string>() == "done") {
          entry.state = LedgerEntry::State::kDone;
          absl::StatusOr<v1::Disposition> d = ParseDisposition(rows[0][1], touch_id);
          if (!d.ok()) return d.status();
          entry.disposition = *std::move(d);
        }
        return std::optional<LedgerEntry>(std::move(entry));
      },
      store::TxOptions{.read_only = true, .name = "ledger_find"});
}

absl::StatusOr<bool> PgTouchLedger::BeginCall(const std::string& touch_id,
                                              const std::string& channel,
                                              const std::string& worker_id, absl::Time now) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        return tx.exec_params(kBegin, touch_id, channel, worker_id, Unix(now)).affected_rows() == 1;
      },
      store::TxOptions{.name = "ledger_begin"});
}

absl::Status PgTouchLedger::AbortCall(const std::string& touch_id) {
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) {
        tx.exec_params(kAbort, touch_id);
        return absl::OkStatus();
      },
      store::TxOptions{.name = "ledger_abort"});
}

absl::StatusOr<v1::Disposition> PgTouchLedger::Complete(const v1::Disposition& disposition,
                                                        const std::string& worker_id,
                                                        absl::Time now) {
  std::string bytes = disposition.SerializeAsString();
  return store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<v1::Disposition> {
        pqxx::result written = tx.exec_params(kComplete, disposition.touch_id(),
                                              v1::Channel_Name(disposition.channel()), worker_id,
                                              pqxx::binarystring(bytes), Unix(now));
        if (!written.empty()) return disposition;
        pqxx::result recorded = tx.exec_params(kRecorded, disposition.touch_id());
        if (recorded.empty()) {
          return absl::AbortedError("touch_outcomes row for " + disposition.touch_id() +
                                    " changed during Complete");
        }
        return ParseDisposition(recorded[0][0], disposition.touch_id());
      },
      store::TxOptions{.name = "ledger_complete"});
}

std::vector<absl::StatusOr<std::optional<LedgerEntry>>> PgTouchLedger::Finds(
    const std::vector<std::string>& touch_ids) {
  using Found = std::map<std::string, absl::StatusOr<LedgerEntry>>;
  absl::StatusOr<Found> found = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<Found> {
        Found out;
        for (const auto& row : tx.exec_params(kFindMany, ArrayLiteral(touch_ids))) {
          const std::string id = row[0].as<std::string>();
          out.emplace(id, EntryOf(row, id));
        }
        return out;
      },
      store::TxOptions{.read_only = true, .name = "ledger_find_many"});
  std::vector<absl::StatusOr<std::optional<LedgerEntry>>> out;
  out.reserve(touch_ids.size());
  for (const std::string& id : touch_ids) {
    if (!found.ok()) {
      out.push_back(found.status());
      continue;
    }
    auto it = found->find(id);
    if (it == found->end()) {
      out.push_back(std::optional<LedgerEntry>());
    } else if (!it->second.ok()) {
      out.push_back(it->second.status());
    } else {
      out.push_back(std::optional<LedgerEntry>(*it->second));
    }
  }
  return out;
}

std::vector<absl::StatusOr<bool>> PgTouchLedger::BeginCalls(
    const std::vector<BeginRequest>& requests) {
  std::vector<std::string> ids, channels, workers;
  std::vector<double> nows;
  for (const BeginRequest& r : requests) {
    ids.push_back(r.touch_id);
    channels.push_back(r.channel);
    workers.push_back(r.worker_id);
    nows.push_back(Unix(r.now));
  }
  absl::StatusOr<std::set<std::string>> inserted = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::set<std::string>> {
        std::set<std::string> out;
        for (const auto& row : tx.exec_params(kBeginMany, ArrayLiteral(ids), ArrayLiteral(channels),
                                              ArrayLiteral(workers), FloatArray(nows))) {
          out.insert(row[0].as<std::string>());
        }
        return out;
      },
      store::TxOptions{.name = "ledger_begin_many"});
  std::vector<absl::StatusOr<bool>> out;
  std::set<std::string> owned;  // a touch asked twice in one batch is owned once
  for (const BeginRequest& r : requests) {
    if (!inserted.ok()) {
      out.push_back(inserted.status());
    } else {
      out.push_back(inserted->contains(r.touch_id) && owned.insert(r.touch_id).second);
    }
  }
  return out;
}

std::vector<absl::StatusOr<v1::Disposition>> PgTouchLedger::Completes(
    const std::vector<CompleteRequest>& requests) {
  // ON CONFLICT DO UPDATE cannot touch a row twice in one statement: a touch completed twice
  // in the same batch takes the single-row path for its second request.
  std::vector<size_t> first, again;
  std::set<std::string> seen;
  for (size_t i = 0; i < requests.size(); ++i) {
    (seen.insert(requests[i].disposition.touch_id()).second ? first : again).push_back(i);
  }
  std::vector<std::string> ids, channels, workers, bytes;
  std::vector<double> nows;
  for (size_t i : first) {
    const CompleteRequest& r = requests[i];
    ids.push_back(r.disposition.touch_id());
    channels.push_back(v1::Channel_Name(r.disposition.channel()));
    workers.push_back(r.worker_id);
    bytes.push_back(absl::BytesToHexString(r.disposition.SerializeAsString()));
    nows.push_back(Unix(r.now));
  }
  using Recorded = std::map<std::string, absl::StatusOr<v1::Disposition>>;
  absl::StatusOr<Recorded> recorded = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<Recorded> {
        Recorded out;
        std::set<std::string> written;
        for (const auto& row :
             tx.exec_params(kCompleteMany, ArrayLiteral(ids), ArrayLiteral(channels),
                            ArrayLiteral(workers), ArrayLiteral(bytes), FloatArray(nows))) {
          written.insert(row[0].as<std::string>());
        }
        std::vector<std::string> lost;  // first writer wins: read the one on record
        for (const std::string& id : ids) {
          if (!written.contains(id)) lost.push_back(id);
        }
        if (!lost.empty()) {
          for (const auto& row : tx.exec_params(kRecordedMany, ArrayLiteral(lost))) {
            const std::string id = row[0].as<std::string>();
            out.emplace(id, ParseDisposition(row[1], id));
          }
        }
        for (const std::string& id : lost) {
          out.emplace(
              id, absl::AbortedError("touch_outcomes row for " + id + " changed during Complete"));
        }
        return out;
      },
      store::TxOptions{.name = "ledger_complete_many"});
  std::vector<absl::StatusOr<v1::Disposition>> out(requests.size(), absl::UnknownError(""));
  for (size_t i : first) {
    if (!recorded.ok()) {
      out[i] = recorded.status();
      continue;
    }
    auto it = recorded->find(requests[i].disposition.touch_id());
    out[i] = it == recorded->end() ? absl::StatusOr<v1::Disposition>(requests[i].disposition)
                                   : it->second;
  }
  for (size_t i : again) {
    out[i] = Complete(requests[i].disposition, requests[i].worker_id, requests[i].now);
  }
  return out;
}

}  // namespace blend::worker
