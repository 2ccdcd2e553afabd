#include "blend/consent/consent_store.h"

#include <functional>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "blend/common/ids.h"

namespace blend::consent::pg {
namespace {

constexpr char kColumns[] =
    "suppression_id, customer_id, address, channel, kind, source, "
    "(extract(epoch FROM recorded_at) * 1000000)::bigint, "
    "(extract(epoch FROM expires_at) * 1000000)::bigint, note";

// Prepared once per connection (the in-force lookup runs for every emit and claim).
template <typename... Args>
pqxx::result Exec(pqxx::work& tx, const std::string& sql, Args&&... args) {
  const std::string name = "consent_" + std::to_string(std::hash<std::string>{}(sql));
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

std::string Literal(const std::vector<std::string>& values) {
  std::string out = "{";
  bool first = true;
  for (const std::string& v : values) {
    if (v.empty()) continue;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    for (char c : v) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

Record FromRow(const pqxx::row& row) {
  Record r;
  r.suppression_id = row[0].as<std::string>();
  r.customer_id = row[1].as<std::string>();
  r.address = row[2].as<std::string>();
  r.channel = ScopeFromInt(row[3].as<int>()).value_or(Scope::kAll);
  r.reason = ParseReason(row[4].as<std::string>()).value_or(Reason::kCrm);
  r.source = row[5].as<std::string>();
  r.recorded_at = absl::FromUnixMicros(row[6].as<int64_t>());
  if (!row[7].is_null()) r.expires_at = absl::FromUnixMicros(row[7].as<int64_t>());
  r.note = row[8].as<std::string>();
  return r;
}

int64_t OptMicros(const std::optional<absl::Time>& t) { return t ? Micros(*t) : -1; }

}  // namespace

PutResult Put(pqxx::work& tx, const Record& record, absl::Time now) {
  // xmax = 0 only for a row this statement inserted (an update sets it): "created".
  static const std::string kSql = absl::StrCat(
      "INSERT INTO suppressions (suppression_id, customer_id, address, channel, kind, source, "
      "  recorded_at, expires_at, note) "
      "VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::bigint / 1000000.0), "
      "  to_timestamp(NULLIF($8::bigint, -1) / 1000000.0), $9) "
      "ON CONFLICT (customer_id, address, channel, kind) WHERE removed_at IS NULL "
      "DO UPDATE SET source = excluded.source, note = excluded.note, "
      "  expires_at = excluded.expires_at "
      "RETURNING ",
      kColumns, ", (xmax = 0)");
  pqxx::result r = Exec(tx, kSql, NewUuid(), record.customer_id, record.address,
                        static_cast<int>(record.channel), std::string(ReasonName(record.reason)),
                        record.source, Micros(now), OptMicros(record.expires_at), record.note);
  return PutResult{FromRow(r[0]), r[0][9].as<bool>()};
}

std::optional<Record> Remove(pqxx::work& tx, const std::string& suppression_id,
                             const std::string& removed_by, const std::string& why,
                             absl::Time now) {
  static const std::string kSql = absl::StrCat(
      "UPDATE suppressions SET removed_at = to_timestamp($2::bigint / 1000000.0), "
      "  removed_by = $3, removed_reason = $4 "
      "WHERE suppression_id = $1 AND removed_at IS NULL RETURNING ",
      kColumns);
  pqxx::result r = Exec(tx, kSql, suppression_id, Micros(now), removed_by, why);
  if (r.empty()) return std::nullopt;
  return FromRow(r[0]);
}

std::vector<Record> FindInForce(pqxx::work& tx, const std::vector<std::string>& customer_ids,
                                const std::vector<std::string>& addresses, absl::Time now) {
  // Two index scans (by customer, by address) rather than one OR over both columns.
  static const std::string kSql = absl::StrCat(
      "SELECT ", kColumns,
      " FROM suppressions WHERE removed_at IS NULL "
      "  AND customer_id <> '' AND customer_id = ANY($1::text[]) "
      "  AND (expires_at IS NULL OR expires_at > to_timestamp($3::bigint / 1000000.0)) "
      "UNION "
      "SELECT ",
      kColumns,
      " FROM suppressions WHERE removed_at IS NULL "
      "  AND address <> '' AND address = ANY($2::text[]) "
      "  AND (expires_at IS NULL OR expires_at > to_timestamp($3::bigint / 1000000.0))");
  std::vector<Record> out;
  for (const auto& row : Exec(tx, kSql, Literal(customer_ids), Literal(addresses), Micros(now))) {
    out.push_back(FromRow(row));
  }
  return out;
}

std::vector<Record> List(pqxx::work& tx, const ListFilter& f, absl::Time now) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kColumns,
      " FROM suppressions WHERE removed_at IS NULL "
      "  AND ($1 = '' OR customer_id = $1) AND ($2 = '' OR address = $2) "
      "  AND ($3 = 0 OR channel = $3) AND ($4 = '' OR kind = $4) "
      "  AND ($5 OR expires_at IS NULL OR expires_at > to_timestamp($6::bigint / 1000000.0)) "
      "  AND ($7::bigint = -1 OR (recorded_at, suppression_id) < "
      "       (to_timestamp($7::bigint / 1000000.0), $8)) "
      "ORDER BY recorded_at DESC, suppression_id DESC LIMIT $9");
  std::vector<Record> out;
  pqxx::result r =
      Exec(tx, kSql, f.customer_id, f.address, f.channel ? static_cast<int>(*f.channel) : 0,
           f.reason ? std::string(ReasonName(*f.reason)) : std::string(), f.include_expired,
           Micros(now), OptMicros(f.after_recorded_at), f.after_id, f.limit);
  for (const auto& row : r) out.push_back(FromRow(row));
  return out;
}

void PutDncNumbers(pqxx::work& tx, const std::vector<std::string>& numbers,
                   const std::string& source, absl::Time now) {
  // gen_random_uuid() per row: one statement for a whole export page.
  Exec(tx,
       "INSERT INTO suppressions (suppression_id, customer_id, address, channel, kind, source, "
       "  recorded_at) "
       "SELECT gen_random_uuid()::text, '', n, 2, 'dnc', $2, to_timestamp($3::bigint / 1000000.0) "
       "FROM unnest($1::text[]) AS n "
       "ON CONFLICT (customer_id, address, channel, kind) WHERE removed_at IS NULL DO NOTHING",
       Literal(numbers), source, Micros(now));
}

int RemoveStaleDncNumbers(pqxx::work& tx, const std::vector<std::string>& keep,
                          const std::string& source, absl::Time before, absl::Time now) {
  pqxx::result r =
      Exec(tx,
           "UPDATE suppressions SET removed_at = to_timestamp($4::bigint / 1000000.0), "
           "  removed_by = $2, removed_reason = 'no longer on a mirrored Genesys DNC list' "
           "WHERE removed_at IS NULL AND channel = 2 AND kind = 'dnc' AND source = $2 "
           "  AND recorded_at < to_timestamp($3::bigint / 1000000.0) "
           "  AND NOT (address = ANY($1::text[]))",
           Literal(keep), source, Micros(before), Micros(now));
  return static_cast<int>(r.affected_rows());
}

std::vector<std::string> PhonesToPushToDnc(pqxx::work& tx, const std::string& dnc_list_id,
                                           const std::string& exclude_source, int limit) {
  std::vector<std::string> out;
  for (const auto& row : Exec(
           tx,
           "SELECT DISTINCT s.address FROM suppressions s "
           "WHERE s.removed_at IS NULL AND s.channel IN (1, 2, 4) AND s.kind IN ('opt_out', 'dnc') "
           "  AND s.source <> $2 AND s.address LIKE '+%' "
           "  AND (s.expires_at IS NULL OR s.expires_at > now()) "
           "  AND NOT EXISTS (SELECT 1 FROM dialer_dnc_pushes p "
           "    WHERE p.dnc_list_id = $1 AND p.address = s.address) LIMIT $3",
           dnc_list_id, exclude_source, limit)) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

}  // namespace blend::consent::pg
