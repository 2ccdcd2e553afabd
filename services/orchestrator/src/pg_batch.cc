// The statements of batch triggers (pg_store.h, "batch triggers"): each reads or writes a whole
// batch of journeys at once, arrays unnested server-side, so a batch of N triggers costs a
// fixed number of round trips instead of N times a handful.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/pg_store.h"
#include "pg_exec.h"

namespace blend::orchestrator::pg {

using detail::Exec;
using detail::kJourneyColumns;
using detail::kTouchColumns;
using detail::LockClause;
using detail::OptMicros;
using detail::OptTime;
using detail::ReadJourney;
using detail::ReadTouch;

namespace {

// pending_timer as in pg_store.cc's kUpdateJourney (OFFSET 0: the journey's own timers through
// timers_pkey, never a walk of timers_due).
constexpr char kUpdateJourneys[] = R"sql(
UPDATE journeys j SET status = u.st::smallint, current_state = u.cs, state = u.sj::jsonb,
       version = j.version + 1,
       pending_timer = (SELECT min(d.due_at) FROM (SELECT t.due_at FROM timers t
                                                   WHERE t.journey_id = j.journey_id OFFSET 0) d),
       updated_at = blend_us_to_ts(u.up::bigint),
       finished_at = blend_us_to_ts(NULLIF(u.fin::bigint, -1)), error = u.er, cause = u.ca
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[]) AS u(id, ver, st, cs, sj, up, fin, er, ca)
WHERE j.journey_id = u.id AND j.version = u.ver::bigint
RETURNING j.journey_id, blend_ts_to_us(j.pending_timer))sql";

// The facts since each query's instant and the profile, in the queries' order (one customer
// may appear twice with different instants: two journeys started at different times).
constexpr char kFactsAndProfiles[] = R"sql(
SELECT (SELECT COALESCE(jsonb_object_agg(f.fact_key, f.value), '{}'::jsonb)::text
        FROM customer_facts f
        WHERE f.customer_id = u.c AND f.received_at >= blend_us_to_ts(u.s::bigint)),
       (SELECT p.profile::text FROM engagement_profiles p
        WHERE p.customer_id = u.c AND p.profile <> '{}'::jsonb)
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(c, s, i)
ORDER BY u.i)sql";

}  // namespace

std::vector<JourneyRow> LockJourneysSkipLocked(pqxx::work& tx,
                                               const std::vector<std::string>& journey_ids) {
  std::vector<JourneyRow> out;
  if (journey_ids.empty()) return out;
  const std::string sql = absl::StrCat("SELECT ", kJourneyColumns,
                                       " FROM journeys WHERE journey_id = ANY($1::text[]) "
                                       "ORDER BY journey_id FOR UPDATE SKIP LOCKED");
  for (const auto& row : Exec(tx, sql, TextArray(journey_ids))) out.push_back(ReadJourney(row));
  return out;
}

bool UpdateJourneys(pqxx::work& tx, const std::vector<JourneyRow*>& rows) {
  if (rows.empty()) return true;
  std::vector<std::string> id, ver, st, cs, sj, up, fin, er, ca;
  std::map<std::string, JourneyRow*> by_id;
  for (JourneyRow* j : rows) {
    id.push_back(j->journey_id);
    ver.push_back(std::to_string(j->version));
    st.push_back(std::to_string(JourneyStatusCode(j->status)));
    cs.push_back(j->current_state);
    sj.push_back(j->state_json);
    up.push_back(std::to_string(ToMicros(j->updated_at)));
    fin.push_back(std::to_string(OptMicros(j->finished_at)));
    er.push_back(j->error);
    ca.push_back(j->cause);
    by_id[j->journey_id] = j;
  }
  pqxx::result r =
      Exec(tx, kUpdateJourneys, TextArray(id), TextArray(ver), TextArray(st), TextArray(cs),
           TextArray(sj), TextArray(up), TextArray(fin), TextArray(er), TextArray(ca));
  if (r.size() != rows.size()) return false;
  for (const auto& row : r) {
    JourneyRow* j = by_id.at(row[0].as<std::string>());
    j->pending_timer = OptTime(row[1]);
    ++j->version;
  }
  return true;
}

std::vector<FactsAndProfile> LoadFactsAndProfiles(pqxx::work& tx,
                                                  const std::vector<FactsQuery>& queries) {
  std::vector<FactsAndProfile> out;
  if (queries.empty()) return out;
  std::vector<std::string> customers, since;
  for (const FactsQuery& q : queries) {
    customers.push_back(q.customer_id);
    since.push_back(std::to_string(ToMicros(q.since)));
  }
  for (const auto& row : Exec(tx, kFactsAndProfiles, TextArray(customers), TextArray(since))) {
    FactsAndProfile f{row[0].as<std::string>(), std::nullopt};
    if (!row[1].is_null()) f.profile_json = row[1].as<std::string>();
    out.push_back(std::move(f));
  }
  return out;
}

std::map<std::string, std::vector<absl::Time>> ClaimedTouchTimesOf(
    pqxx::work& tx, const std::vector<std::string>& customer_ids, int16_t channel,
    absl::Time since) {
  std::map<std::string, std::vector<absl::Time>> out;
  if (customer_ids.empty()) return out;
  pqxx::result r = Exec(tx,
                        "SELECT customer_id, blend_ts_to_us(claimed_at) FROM touches "
                        "WHERE customer_id = ANY($1::text[]) AND channel = $2 "
                        "AND claimed_at IS NOT NULL AND claimed_at >= blend_us_to_ts($3)",
                        TextArray(customer_ids), channel, ToMicros(since));
  for (const auto& row : r) {
    out[row[0].as<std::string>()].push_back(FromMicros(row[1].as<int64_t>()));
  }
  return out;
}

std::vector<TouchRow> FindTouches(pqxx::work& tx, const std::vector<std::string>& touch_ids,
                                  Lock lock) {
  std::vector<TouchRow> out;
  if (touch_ids.empty()) return out;
  const std::string sql = absl::StrCat(
      "SELECT ", kTouchColumns, " FROM touches WHERE touch_id = ANY($1::text[]) ORDER BY touch_id",
      LockClause(lock));
  for (const auto& row : Exec(tx, sql, TextArray(touch_ids))) out.push_back(ReadTouch(row));
  return out;
}

std::vector<JourneyRow> LockJourneys(pqxx::work& tx, const std::vector<std::string>& journey_ids) {
  std::vector<JourneyRow> out;
  if (journey_ids.empty()) return out;
  const std::string sql = absl::StrCat("SELECT ", kJourneyColumns,
                                       " FROM journeys WHERE journey_id = ANY($1::text[]) "
                                       "ORDER BY journey_id FOR UPDATE");
  for (const auto& row : Exec(tx, sql, TextArray(journey_ids))) out.push_back(ReadJourney(row));
  return out;
}

std::vector<JourneyRow> LockRunningJourneysOfCustomers(
    pqxx::work& tx, const std::vector<std::string>& customer_ids) {
  std::vector<JourneyRow> out;
  if (customer_ids.empty()) return out;
  const std::string sql = absl::StrCat("SELECT ", kJourneyColumns,
                                       " FROM journeys WHERE customer_id = ANY($1::text[]) "
                                       "AND status = 1 ORDER BY journey_id FOR UPDATE");
  for (const auto& row : Exec(tx, sql, TextArray(customer_ids))) out.push_back(ReadJourney(row));
  return out;
}

std::set<std::string> MarkProcessedMany(pqxx::work& tx, const std::vector<std::string>& message_ids,
                                        const std::string& source, absl::Time now) {
  std::set<std::string> fresh;
  if (message_ids.empty()) return fresh;
  pqxx::result r = Exec(tx,
                        "INSERT INTO processed_messages (message_id, source, processed_at) "
                        "SELECT m, $2, blend_us_to_ts($3) FROM unnest($1::text[]) AS m "
                        "ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
                        TextArray(message_ids), source, ToMicros(now));
  for (const auto& row : r) fresh.insert(row[0].as<std::string>());
  return fresh;
}

void SetTouchStatuses(pqxx::work& tx, const std::vector<TouchStatusChange>& changes,
                      absl::Time now) {
  if (changes.empty()) return;
  std::vector<std::string> ids, statuses, reasons;
  for (const TouchStatusChange& c : changes) {
    ids.push_back(c.touch_id);
    statuses.emplace_back(TouchStatusText(c.status));
    reasons.push_back(c.reason);
  }
  // completed_at as in SetTouchStatus (pg_store.cc).
  Exec(tx,
       "UPDATE touches t SET status = u.st, reason = u.r, completed_at = CASE WHEN u.st IN "
       "('done', 'refused', 'cancelled') THEN blend_us_to_ts($4) ELSE t.completed_at END "
       "FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, st, r) WHERE t.touch_id = u.id",
       TextArray(ids), TextArray(statuses), TextArray(reasons), ToMicros(now));
}

std::map<std::string, std::string> LockEngagementProfiles(
    pqxx::work& tx, const std::vector<std::string>& customer_ids) {
  std::map<std::string, std::string> out;
  if (customer_ids.empty()) return out;
  pqxx::result r = Exec(tx,
                        "SELECT customer_id, profile::text FROM engagement_profiles "
                        "WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE",
                        TextArray(customer_ids));
  for (const auto& row : r) out[row[0].as<std::string>()] = row[1].as<std::string>();
  return out;
}

namespace {

std::pair<std::string, std::string> KeysAndValues(const std::map<std::string, std::string>& m) {
  std::vector<std::string> keys, values;
  for (const auto& [k, v] : m) {
    keys.push_back(k);
    values.push_back(v);
  }
  return {TextArray(keys), TextArray(values)};
}

}  // namespace

void UpdateEngagementProfiles(pqxx::work& tx, const std::map<std::string, std::string>& profiles,
                              absl::Time now) {
  if (profiles.empty()) return;
  const auto [ids, texts] = KeysAndValues(profiles);
  Exec(tx,
       "UPDATE engagement_profiles p SET profile = u.pr::jsonb, updated_at = blend_us_to_ts($3) "
       "FROM unnest($1::text[], $2::text[]) AS u(id, pr) WHERE p.customer_id = u.id",
       ids, texts, ToMicros(now));
}

std::set<std::string> InsertEngagementProfiles(pqxx::work& tx,
                                               const std::map<std::string, std::string>& profiles,
                                               absl::Time now) {
  std::set<std::string> inserted;
  if (profiles.empty()) return inserted;
  const auto [ids, texts] = KeysAndValues(profiles);
  pqxx::result r = Exec(tx,
                        "INSERT INTO engagement_profiles (customer_id, profile, updated_at) "
                        "SELECT u.id, u.pr::jsonb, blend_us_to_ts($3) "
                        "FROM unnest($1::text[], $2::text[]) AS u(id, pr) "
                        "ON CONFLICT (customer_id) DO NOTHING RETURNING customer_id",
                        ids, texts, ToMicros(now));
  for (const auto& row : r) inserted.insert(row[0].as<std::string>());
  return inserted;
}

}  // namespace blend::orchestrator::pg
