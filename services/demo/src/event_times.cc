#include "blend/demo/event_times.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

namespace blend::demo {

absl::StatusOr<DbEventTimes> ReadEventTimes(const std::string& pg_url) {
  DbEventTimes out;
  try {
    pqxx::connection conn(pg_url);
    pqxx::work tx(conn);
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // Times cross as microseconds since the epoch (blend_ts_to_us, libs/store/migrations).
    const std::string prefix = "customer-event:payment-";
    for (const pqxx::row& row : tx.exec(
             "SELECT message_id, blend_ts_to_us(processed_at) FROM processed_messages "
             "WHERE message_id LIKE 'customer-event:payment-%'")) {
      out.payment_commits[row[0].as<std::string>().substr(prefix.size())] =
          absl::FromUnixMicros(row[1].as<int64_t>());
    }
    // An SMS STOP suppresses several channels of the same number: the first row is the commit.
    for (const pqxx::row& row : tx.exec(
             "SELECT address, min(blend_ts_to_us(received_at)) FROM suppressions "
             "WHERE kind = 'opt_out' GROUP BY address")) {
      out.opt_out_commits[row[0].as<std::string>()] = absl::FromUnixMicros(row[1].as<int64_t>());
    }
    for (const pqxx::row& row : tx.exec("SELECT touch_id, blend_ts_to_us(completed_at) FROM touches")) {
      std::optional<absl::Time> done;
      if (!row[1].is_null()) done = absl::FromUnixMicros(row[1].as<int64_t>());
      out.touch_done_at[row[0].as<std::string>()] = done;
    }
    tx.commit();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("reading PostgreSQL: ", e.what()));
  }
  return out;
}

}  // namespace blend::demo
