#include "blend/demo/event_times.h"

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace blend::demo {

namespace {
constexpr absl::string_view kPaymentMessagePrefix = "customer-event:payment-";
}  // namespace

std::string ClockText(absl::Time t) {
  return absl::FormatTime("%H:%M:%E3S", t, absl::UTCTimeZone());
}

std::string PaymentEventId(const std::string& customer_id, const std::string& run_id) {
  return absl::StrCat("payment-", customer_id, "@", run_id);
}

std::string PaymentCustomer(const std::string& message_id, const std::string& run_id) {
  if (!absl::StartsWith(message_id, kPaymentMessagePrefix)) return "";
  absl::string_view rest = absl::string_view(message_id).substr(kPaymentMessagePrefix.size());
  const size_t at = rest.rfind('@');
  const absl::string_view run = at == absl::string_view::npos ? "" : rest.substr(at + 1);
  if (!run_id.empty() && run != run_id) return "";
  return std::string(rest.substr(0, at));
}

absl::StatusOr<DbEventTimes> ReadEventTimes(const std::string& pg_url, const std::string& run_id,
                                            absl::Time since) {
  DbEventTimes out;
  try {
    pqxx::connection conn(pg_url);
    pqxx::work tx(conn);
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // When a row's transaction committed. The orchestrator stamps every row of an intake batch
    // with the instant the batch began, and a batch can commit long after (locks, a restarted
    // server): a dial checked in between rightly did not see it. With track_commit_timestamp
    // on (scripts/cluster sets it) the server knows the commit; without it, the stamp is the
    // best there is. A suppression updated since (a second STOP of the same number) carries the
    // later commit, and a call is then judged against that one.
    const bool commit_times =
        tx.exec1("SELECT current_setting('track_commit_timestamp')")[0].as<std::string>() == "on";
    auto committed = [&](const std::string& stamp_column) {
      return commit_times
                 ? absl::StrCat("coalesce(pg_xact_commit_timestamp(xmin), ", stamp_column, ")")
                 : stamp_column;
    };
    // Times cross as microseconds since the epoch (blend_ts_to_us, libs/store/migrations).
    for (const pqxx::row& row :
         tx.exec(absl::StrCat("SELECT message_id, blend_ts_to_us(", committed("processed_at"),
                              ") FROM processed_messages "
                              "WHERE message_id LIKE 'customer-event:payment-%'"))) {
      const std::string customer = PaymentCustomer(row[0].as<std::string>(), run_id);
      if (!customer.empty())
        out.payment_commits[customer] = absl::FromUnixMicros(row[1].as<int64_t>());
    }
    // An SMS STOP suppresses several channels of the same number: the first row is the commit.
    const int64_t since_us = since == absl::InfinitePast() ? 0 : absl::ToUnixMicros(since);
    for (const pqxx::row& row : tx.exec_params(
             absl::StrCat("SELECT address, min(blend_ts_to_us(", committed("recorded_at"),
                          ")) FROM suppressions "
                          "WHERE kind = 'opt_out' AND address <> '' AND recorded_at >= "
                          "blend_us_to_ts($1) GROUP BY address"),
             since_us)) {
      out.opt_out_commits[row[0].as<std::string>()] = absl::FromUnixMicros(row[1].as<int64_t>());
    }
    for (const pqxx::row& row :
         tx.exec("SELECT touch_id, blend_ts_to_us(completed_at) FROM touches")) {
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
