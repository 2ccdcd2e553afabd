// The statements of batch triggers (pg_store.h, "batch triggers"): each reads or writes a whole
// batch of journeys at once, arrays unnested server-side, so a batch of N triggers costs a
// fixed number of round trips instead of N times a handful.

#include <map>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/pg_store.h"
#include "pg_exec.h"

namespace blend::orchestrator::pg {

using detail::Exec;
using detail::kJourneyColumns;
using detail::OptMicros;
using detail::OptTime;
using detail::ReadJourney;

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
    st.push_back(std::to_string(j->status));
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

}  // namespace blend::orchestrator::pg
