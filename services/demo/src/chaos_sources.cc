#include "blend/demo/chaos_sources.h"

#include "blend/demo/event_times.h"

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/demo/event_times.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/common.pb.h"

namespace blend::demo {
namespace {

// Times cross as microseconds since the epoch (blend_ts_to_us, libs/store/migrations).
absl::Time Us(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }
std::optional<absl::Time> OptUs(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return Us(f);
}

std::string ChannelName(int channel) {
  std::string name = v1::Channel_Name(static_cast<v1::Channel>(channel));  // CHANNEL_SMS
  return absl::AsciiStrToLower(name.substr(name.find('_') + 1));
}

std::string StatusName(int status) {
  std::string name = v1::JourneyStatus_Name(static_cast<v1::JourneyStatus>(status));
  return name.substr(std::string("JOURNEY_STATUS_").size());
}

void ReadJourneys(pqxx::work& tx, DbSnapshot& out) {
  std::map<std::string, size_t> index;
  for (const pqxx::row& row : tx.exec("SELECT journey_id, customer_id, status, current_state, "
                                      "error, cause FROM journeys ORDER BY journey_id")) {
    index[row[0].as<std::string>()] = out.journeys.size();
    out.journeys.push_back({row[0].as<std::string>(),
                            row[1].as<std::string>(),
                            StatusName(row[2].as<int>()),
                            row[3].as<std::string>(),
                            row[4].as<std::string>(),
                            row[5].as<std::string>(),
                            {}});
  }
  for (const pqxx::row& row : tx.exec("SELECT journey_id, state_name FROM journey_history WHERE "
                                      "kind = 'StateEntered' ORDER BY journey_id, seq")) {
    auto it = index.find(row[0].as<std::string>());
    if (it != index.end())
      out.journeys[it->second].states_entered.push_back(row[1].as<std::string>());
  }
}

void ReadTouches(pqxx::work& tx, DbSnapshot& out) {
  for (const pqxx::row& row :
       tx.exec("SELECT touch_id, journey_id, channel, status, reason, blend_ts_to_us(created_at), "
               "blend_ts_to_us(not_before), blend_ts_to_us(claimed_at), claimed_by, "
               "blend_ts_to_us(completed_at) "
               "FROM touches")) {
    DbTouch t;
    t.touch_id = row[0].as<std::string>();
    t.journey_id = row[1].as<std::string>();
    t.channel = ChannelName(row[2].as<int>());
    t.status = row[3].as<std::string>();
    t.reason = row[4].as<std::string>();
    t.created_at = Us(row[5]);
    t.not_before = OptUs(row[6]);
    t.claimed_at = OptUs(row[7]);
    t.claimed_by = row[8].as<std::string>();
    t.completed_at = OptUs(row[9]);
    out.touches.push_back(std::move(t));
  }
  for (const pqxx::row& row : tx.exec("SELECT journey_id, blend_ts_to_us(due_at) FROM timers")) {
    out.timers.push_back({row[0].as<std::string>(), Us(row[1])});
  }
}

absl::Status ReadLedger(pqxx::work& tx, DbSnapshot& out) {
  for (const pqxx::row& row :
       tx.exec("SELECT touch_id, channel, state, worker_id, encode(disposition, 'hex'), "
               "blend_ts_to_us(started_at), blend_ts_to_us(finished_at) FROM touch_outcomes")) {
    LedgerRow l;
    l.touch_id = row[0].as<std::string>();
    l.channel = row[1].as<std::string>();  // CHANNEL_SMS, as the workers write it
    if (absl::StartsWith(l.channel, "CHANNEL_"))
      l.channel = absl::AsciiStrToLower(l.channel.substr(8));
    l.state = row[2].as<std::string>();
    l.worker_id = row[3].as<std::string>();
    if (!row[4].is_null()) {
      v1::Disposition d;
      if (!d.ParseFromString(absl::HexStringToBytes(row[4].as<std::string>()))) {
        return absl::DataLossError("touch_outcomes: unreadable disposition of " + l.touch_id);
      }
      l.outcome = v1::TouchOutcome_Name(d.outcome());
      l.reason = d.reason();
    }
    l.started_at = Us(row[5]);
    l.finished_at = OptUs(row[6]);
    out.ledger.push_back(std::move(l));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DbSnapshot> ReadDatabase(const std::string& pg_url) {
  DbSnapshot out;
  try {
    pqxx::connection conn(pg_url);
    // One snapshot: every table as of the same instant.
    pqxx::work tx(conn);
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    ReadJourneys(tx, out);
    ReadTouches(tx, out);
    if (absl::Status s = ReadLedger(tx, out); !s.ok()) return s;
    // A chaos run has its cluster to itself: every payment in it is this run's.
    for (const pqxx::row& row :
         tx.exec("SELECT message_id, blend_ts_to_us(processed_at) FROM processed_messages "
                 "WHERE message_id LIKE 'customer-event:payment-%'")) {
      const std::string customer = PaymentCustomer(row[0].as<std::string>(), "");
      if (!customer.empty()) out.payment_commits[customer] = Us(row[1]);
    }
    tx.commit();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("reading PostgreSQL: ", e.what()));
  }
  return out;
}

}  // namespace blend::demo
