#include "blend/orchestrator/pg_store.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/genesys/contact_id.h"
#include "pg_exec.h"

namespace blend::orchestrator::pg {

using detail::Exec;
using detail::ExecPlannedNow;
using detail::kJourneyColumns;
using detail::kTouchColumns;
using detail::LockClause;
using detail::OptMicros;
using detail::OptTime;
using detail::ReadJourney;
using detail::ReadTouch;

namespace {

// SQL

constexpr char kInsertCampaign[] = R"sql(
WITH lock AS (SELECT pg_advisory_xact_lock(hashtextextended($1, 7400)))
INSERT INTO campaigns (campaign_id, version, definition_json, policies_json, resource_aliases,
                       created_at)
SELECT $1, COALESCE((SELECT max(version) FROM campaigns WHERE campaign_id = $1), 0) + 1,
       $2, $3, $4::jsonb, blend_us_to_ts($5)
FROM lock
RETURNING version)sql";

constexpr char kCampaignColumns[] =
    "campaign_id, version, definition_json, policies_json, resource_aliases::text, "
    "blend_ts_to_us(created_at)";

// pending_timer is the earliest of the journey's own timers, read through timers_pkey (journey
// first). OFFSET 0 keeps the planner from turning min() into a walk of timers_due in due order
// filtered by journey: on statistics older than the table (a bulk start fills it faster than
// autovacuum analyses it) that walk read every timer of every journey for each update.
// pg_batch.cc's UpdateJourneys says the same; timers_kafkatest checks both.
constexpr char kUpdateJourney[] = R"sql(
UPDATE journeys SET status = $3, current_state = $4, state = $5::jsonb, version = version + 1,
       pending_timer = (SELECT min(d.due_at) FROM (SELECT due_at FROM timers
                                                   WHERE journey_id = $1 OFFSET 0) d),
       updated_at = blend_us_to_ts($6), finished_at = blend_us_to_ts(NULLIF($7::bigint, -1)),
       error = $8, cause = $9
WHERE journey_id = $1 AND version = $2
RETURNING blend_ts_to_us(pending_timer))sql";

// A voice touch whose contact may be queued in Genesys and that no withdrawal was requested
// for (see RequestJourneyVoiceWithdrawals in pg_store.h; the same predicate as the partial
// index touches_withdrawable_by_customer, so the planner can use it).
constexpr char kWithdrawable[] =
    "channel = 2 AND withdraw_requested_at IS NULL AND "
    "(status IN ('claimed', 'sent') OR (status = 'done' AND reason = 'TOUCH_OUTCOME_UNKNOWN'))";

// An earlier row of the same key blocks a row while it is due (not sent yet), leased (in
// flight: its attempts were counted) or retrying (attempts > 0); a row deliberately scheduled
// later that was never tried (a deferred touch) does not.
constexpr char kLeaseOutbox[] = R"sql(
WITH picked AS (
  SELECT o.id FROM outbox o
  WHERE o.available_at <= blend_us_to_ts($1)
    AND (o.lease_until IS NULL OR o.lease_until <= blend_us_to_ts($1))
    AND NOT EXISTS (SELECT 1 FROM outbox e
                    WHERE e.msg_key = o.msg_key AND e.id < o.id
                      AND (e.attempts > 0 OR e.available_at <= blend_us_to_ts($1)))
  ORDER BY o.id LIMIT $2
  FOR UPDATE OF o SKIP LOCKED)
UPDATE outbox SET attempts = outbox.attempts + 1, leased_by = $3,
                  lease_until = blend_us_to_ts($4)
FROM picked WHERE outbox.id = picked.id
RETURNING outbox.id, outbox.topic, outbox.msg_key, encode(outbox.payload, 'base64'),
          blend_ts_to_us(outbox.created_at), outbox.attempts)sql";

constexpr char kReleaseOutbox[] = R"sql(
UPDATE outbox o SET attempts = u.attempts::integer,
                    available_at = blend_us_to_ts(u.retry_at::bigint), last_error = u.error,
                    leased_by = '', lease_until = NULL
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
     AS u(id, claimed, attempts, retry_at, error)
WHERE o.id = u.id::bigint AND o.leased_by = $1 AND o.attempts = u.claimed::integer)sql";

constexpr char kDeadLetterOutbox[] = R"sql(
WITH gone AS (
  DELETE FROM outbox o USING unnest($2::text[], $3::text[], $4::text[]) AS u(id, claimed, reason)
  WHERE o.id = u.id::bigint AND o.leased_by = $1 AND o.attempts = u.claimed::integer
  RETURNING o.id, o.topic, o.msg_key, o.payload, o.created_at, o.attempts, u.reason)
INSERT INTO outbox_dead_letters (id, topic, msg_key, payload, created_at, attempts, reason,
                                 dead_at)
SELECT id, topic, msg_key, payload, created_at, attempts, reason, blend_us_to_ts($5) FROM gone)sql";

constexpr char kClaimTimers[] = R"sql(
SELECT journey_id, timer_key, blend_ts_to_us(due_at) FROM timers
WHERE due_at <= blend_us_to_ts($1)
ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)sql";

constexpr char kUpsertFacts[] = R"sql(
INSERT INTO customer_facts (customer_id, fact_key, value, received_at)
SELECT $1, key, value, blend_us_to_ts($3) FROM jsonb_each($2::jsonb)
ON CONFLICT (customer_id, fact_key)
DO UPDATE SET value = excluded.value, received_at = excluded.received_at)sql";

std::string B64(const std::string& raw) { return absl::Base64Escape(raw); }
std::string UnB64(const pqxx::field& f) {
  std::string out;
  std::string in = f.as<std::string>();
  // PostgreSQL's encode(..., 'base64') wraps lines every 76 characters.
  in.erase(std::remove(in.begin(), in.end(), '\n'), in.end());
  absl::Base64Unescape(in, &out);
  return out;
}
}  // namespace

namespace detail {

const char kTouchColumns[] =
    "touch_id, journey_id, customer_id, channel, status, attempt, encode(command, 'base64'), "
    "blend_ts_to_us(created_at), blend_ts_to_us(not_before), blend_ts_to_us(claimed_at), "
    "claimed_by, reason, COALESCE(genesys_contact_id, ''), "
    "CASE WHEN withdraw_requested_at IS NULL THEN NULL ELSE withdraw_reason END";

const char* LockClause(Lock lock) {
  switch (lock) {
    case Lock::kNone:
      return "";
    case Lock::kForUpdate:
      return " FOR UPDATE";
    case Lock::kForUpdateSkipLocked:
      return " FOR UPDATE SKIP LOCKED";
  }
  return "";
}

TouchRow ReadTouch(const pqxx::row& r) {
  TouchRow t;
  t.touch_id = r[0].as<std::string>();
  t.journey_id = r[1].as<std::string>();
  t.customer_id = r[2].as<std::string>();
  t.channel = r[3].as<int16_t>();
  const std::string status = r[4].as<std::string>();
  std::optional<TouchStatus> parsed = TouchStatusFromText(status);
  // A status this build does not know (a newer schema's): fail the transaction loudly rather
  // than treat the touch as something it is not.
  if (!parsed) throw std::runtime_error("touch " + t.touch_id + " has unknown status " + status);
  t.status = *parsed;
  t.attempt = r[5].as<int32_t>();
  t.command = UnB64(r[6]);
  t.created_at = FromMicros(r[7].as<int64_t>());
  t.not_before = OptTime(r[8]);
  t.claimed_at = OptTime(r[9]);
  t.claimed_by = r[10].as<std::string>();
  t.reason = r[11].as<std::string>();
  t.genesys_contact_id = r[12].as<std::string>();
  if (!r[13].is_null()) t.withdraw_reason = r[13].as<std::string>();
  return t;
}

const char kJourneyColumns[] =
    "journey_id, campaign_id, campaign_version, client_key, input_hash, customer_id, "
    "customer::text, status, current_state, state::text, version, "
    "blend_ts_to_us(pending_timer), blend_ts_to_us(started_at), blend_ts_to_us(updated_at), "
    "blend_ts_to_us(finished_at), error, cause";

JourneyRow ReadJourney(const pqxx::row& r) {
  JourneyRow j;
  j.journey_id = r[0].as<std::string>();
  j.campaign_id = r[1].as<std::string>();
  j.campaign_version = r[2].as<int32_t>();
  j.client_key = r[3].as<std::string>();
  j.input_hash = r[4].as<std::string>();
  j.customer_id = r[5].as<std::string>();
  j.customer_json = r[6].as<std::string>();
  const auto status_code = r[7].as<int16_t>();
  std::optional<journey::JourneyStatus> status = JourneyStatusFromCode(status_code);
  // A status this build does not know (a newer schema's): fail the transaction loudly.
  if (!status) {
    throw std::runtime_error("journey " + j.journey_id + " has unknown status " +
                             std::to_string(status_code));
  }
  j.status = *status;
  j.current_state = r[8].as<std::string>();
  j.state_json = r[9].as<std::string>();
  j.version = r[10].as<int64_t>();
  j.pending_timer = OptTime(r[11]);
  j.started_at = FromMicros(r[12].as<int64_t>());
  j.updated_at = FromMicros(r[13].as<int64_t>());
  j.finished_at = OptTime(r[14]);
  j.error = r[15].as<std::string>();
  j.cause = r[16].as<std::string>();
  return j;
}

}  // namespace detail

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

int32_t InsertCampaignVersion(pqxx::work& tx, const CampaignRow& row) {
  pqxx::result r = Exec(tx, kInsertCampaign, row.campaign_id, row.definition_json,
                        row.policies_json, row.resource_aliases_json, ToMicros(row.created_at));
  return r[0][0].as<int32_t>();
}

std::optional<CampaignRow> FindCampaign(pqxx::work& tx, const std::string& campaign_id,
                                        int32_t version) {
  std::string sql = std::string("SELECT ") + kCampaignColumns +
                    " FROM campaigns WHERE campaign_id = $1 AND ($2::int = 0 OR version = $2::int) "
                    "ORDER BY version DESC LIMIT 1";
  pqxx::result r = Exec(tx, sql, campaign_id, version);
  if (r.empty()) return std::nullopt;
  CampaignRow c;
  c.campaign_id = r[0][0].as<std::string>();
  c.version = r[0][1].as<int32_t>();
  c.definition_json = r[0][2].as<std::string>();
  c.policies_json = r[0][3].as<std::string>();
  c.resource_aliases_json = r[0][4].as<std::string>();
  c.created_at = FromMicros(r[0][5].as<int64_t>());
  return c;
}

std::optional<JourneyKeyMatch> FindJourneyByKey(pqxx::work& tx, const std::string& campaign_id,
                                                const std::string& client_key) {
  pqxx::result r = Exec(
      tx, "SELECT journey_id, input_hash FROM journeys WHERE campaign_id = $1 AND client_key = $2",
      campaign_id, client_key);
  if (r.empty()) return std::nullopt;
  return JourneyKeyMatch{r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

std::optional<JourneyRow> FindJourney(pqxx::work& tx, const std::string& journey_id, Lock lock) {
  std::string sql = std::string("SELECT ") + kJourneyColumns +
                    " FROM journeys WHERE journey_id = $1" + LockClause(lock);
  pqxx::result r = Exec(tx, sql, journey_id);
  if (r.empty()) return std::nullopt;
  return ReadJourney(r[0]);
}

bool UpdateJourney(pqxx::work& tx, JourneyRow& j) {
  pqxx::result r = Exec(tx, kUpdateJourney, j.journey_id, j.version, JourneyStatusCode(j.status),
                        j.current_state, j.state_json, ToMicros(j.updated_at),
                        OptMicros(j.finished_at), j.error, j.cause);
  if (r.size() != 1) return false;
  j.pending_timer = OptTime(r[0][0]);
  ++j.version;
  return true;
}

std::vector<std::string> LockRunningJourneysOfCustomer(pqxx::work& tx,
                                                       const std::string& customer_id) {
  pqxx::result r = Exec(tx,
                        "SELECT journey_id FROM journeys WHERE customer_id = $1 AND status = 1 "
                        "ORDER BY journey_id FOR UPDATE",
                        customer_id);
  std::vector<std::string> out;
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

std::vector<JourneyRow> ListJourneys(pqxx::work& tx, const JourneyFilter& f, int limit,
                                     std::optional<absl::Time> after_started,
                                     const std::string& after_id) {
  // A state is matched by its own name ("Outer/Inner" -> "Inner"): the column holds the
  // top-level state, the runs every state a journey is in (Parallel branches, Map items).
  const size_t slash = f.state_name.rfind('/');
  const std::string own =
      slash == std::string::npos ? f.state_name : f.state_name.substr(slash + 1);
  const std::string sql =
      std::string("SELECT ") + kJourneyColumns +
      " FROM journeys WHERE ($1 = '' OR customer_id = $1) AND ($2 = '' OR campaign_id = $2) "
      "AND ($3::integer = 0 OR campaign_version = $3) "
      "AND ($4 = '' OR current_state = $4 OR EXISTS (SELECT 1 FROM "
      "jsonb_each(state->'runs') r WHERE r.value->>'state' = $4)) "
      "AND ($5::smallint = 0 OR status = $5) "
      "AND ($6::bigint = -1 OR (started_at, journey_id) > (blend_us_to_ts($6), $7)) "
      "ORDER BY started_at, journey_id LIMIT $8";
  // Planned with the values (the empty filters fold away), so each combination uses its index.
  pqxx::result r = ExecPlannedNow(tx, sql, f.customer_id, f.campaign_id, f.campaign_version, own,
                                  f.status ? JourneyStatusCode(*f.status) : int16_t{0},
                                  OptMicros(after_started), after_id, limit);
  std::vector<JourneyRow> out;
  for (const auto& row : r) out.push_back(ReadJourney(row));
  return out;
}

std::vector<HistoryRow> ReadHistory(pqxx::work& tx, const std::string& journey_id) {
  pqxx::result r =
      Exec(tx,
           "SELECT seq, blend_ts_to_us(at), kind, state_name, detail::text FROM journey_history "
           "WHERE journey_id = $1 ORDER BY seq",
           journey_id);
  std::vector<HistoryRow> out;
  for (const auto& row : r) {
    out.push_back(HistoryRow{row[0].as<int64_t>(), FromMicros(row[1].as<int64_t>()),
                             row[2].as<std::string>(), row[3].as<std::string>(),
                             row[4].as<std::string>()});
  }
  return out;
}

void UpsertTimer(pqxx::work& tx, const std::string& journey_id, const std::string& key,
                 absl::Time due, absl::Time now) {
  Exec(tx,
       "INSERT INTO timers (journey_id, timer_key, due_at, created_at) "
       "VALUES ($1, $2, blend_us_to_ts($3), blend_us_to_ts($4)) "
       "ON CONFLICT (journey_id, timer_key) DO UPDATE SET due_at = excluded.due_at",
       journey_id, key, ToMicros(due), ToMicros(now));
}

std::vector<DueTimer> ClaimDueTimers(pqxx::work& tx, absl::Time now, int limit) {
  pqxx::result r = ExecPlannedNow(tx, kClaimTimers, ToMicros(now), limit);
  std::vector<DueTimer> out;
  for (const auto& row : r) {
    out.push_back(DueTimer{row[0].as<std::string>(), row[1].as<std::string>(),
                           FromMicros(row[2].as<int64_t>())});
  }
  return out;
}

std::optional<TouchRow> FindTouch(pqxx::work& tx, const std::string& touch_id, Lock lock) {
  std::string sql = std::string("SELECT ") + kTouchColumns + " FROM touches WHERE touch_id = $1" +
                    LockClause(lock);
  pqxx::result r = Exec(tx, sql, touch_id);
  if (r.empty()) return std::nullopt;
  return ReadTouch(r[0]);
}

std::string LoadInstallationSecret(pqxx::work& tx, const std::string& name) {
  pqxx::result r =
      Exec(tx, "SELECT encode(secret, 'hex') FROM installation_secrets WHERE name = $1", name);
  if (r.empty() || r[0][0].is_null() || r[0][0].as<std::string>().empty()) {
    throw std::runtime_error("installation secret '" + name + "' is missing (migration 0018)");
  }
  return r[0][0].as<std::string>();
}

void SetTouchStatus(pqxx::work& tx, const std::string& touch_id, TouchStatus status,
                    const std::string& reason, absl::Time now) {
  Exec(tx,
       "UPDATE touches SET status = $2, reason = $3, completed_at = CASE WHEN $2 IN "
       "('done', 'refused', 'cancelled') THEN blend_us_to_ts($4) ELSE completed_at END "
       "WHERE touch_id = $1",
       touch_id, std::string(TouchStatusText(status)), reason, ToMicros(now));
}

void MarkTouchClaimed(pqxx::work& tx, const std::string& touch_id, const std::string& worker,
                      absl::Time now) {
  Exec(tx,
       "UPDATE touches SET status = 'claimed', claimed_at = blend_us_to_ts($3), claimed_by = $2, "
       "reason = '', genesys_contact_id = CASE WHEN channel = 2 "
       "THEN COALESCE(genesys_contact_id, $4) END WHERE touch_id = $1",
       touch_id, worker, ToMicros(now), genesys::ContactIdForTouch(touch_id));
}

void MarkTouchDeferred(pqxx::work& tx, const std::string& touch_id, const std::string& reason,
                       std::optional<absl::Time> retry_at, int32_t attempt,
                       const std::string& command) {
  if (!retry_at) {
    Exec(tx,
         "UPDATE touches SET status = 'deferred', reason = $2, attempt = $3, "
         "command = decode($4, 'base64') WHERE touch_id = $1",
         touch_id, reason, attempt, B64(command));
    return;
  }
  Exec(tx,
       "UPDATE touches SET status = 'deferred', reason = $2, not_before = blend_us_to_ts($3), "
       "attempt = $4, command = decode($5, 'base64') WHERE touch_id = $1",
       touch_id, reason, ToMicros(*retry_at), attempt, B64(command));
}

namespace {

// `scope_predicate` selects touches by $1 (a journey id, or an array of them).
std::vector<WithdrawnTouch> RequestWithdrawals(pqxx::work& tx, const char* scope_predicate,
                                               const std::string& scope, const std::string& reason,
                                               absl::Time now) {
  // ORDER BY in the locking subquery: two transactions lock the same rows in the same order.
  const std::string sql = absl::StrCat(
      "UPDATE touches t SET withdraw_requested_at = blend_us_to_ts($3), withdraw_reason = $2 "
      "FROM (SELECT touch_id FROM touches WHERE ",
      scope_predicate, " AND ", kWithdrawable,
      " ORDER BY touch_id FOR UPDATE) w WHERE t.touch_id = w.touch_id AND t.", kWithdrawable,
      " RETURNING t.touch_id, t.journey_id, encode(t.command, 'base64'), "
      "COALESCE(t.genesys_contact_id, '')");
  pqxx::result r = Exec(tx, sql, scope, reason, ToMicros(now));
  std::vector<WithdrawnTouch> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back(WithdrawnTouch{row[0].as<std::string>(), row[1].as<std::string>(), UnB64(row[2]),
                                 row[3].as<std::string>()});
  }
  std::sort(out.begin(), out.end(), [](const WithdrawnTouch& a, const WithdrawnTouch& b) {
    return a.touch_id < b.touch_id;
  });
  return out;
}

}  // namespace

std::vector<WithdrawnTouch> RequestJourneyVoiceWithdrawals(pqxx::work& tx,
                                                           const std::string& journey_id,
                                                           const std::string& reason,
                                                           absl::Time now) {
  return RequestWithdrawals(tx, "journey_id = $1", journey_id, reason, now);
}

std::vector<WithdrawnTouch> RequestJourneysVoiceWithdrawals(
    pqxx::work& tx, const std::vector<std::string>& journey_ids, const std::string& reason,
    absl::Time now) {
  if (journey_ids.empty()) return {};
  return RequestWithdrawals(tx, "journey_id = ANY($1::text[])", TextArray(journey_ids), reason,
                            now);
}

void AppendHistory(pqxx::work& tx, const std::string& journey_id, const HistoryRow& row) {
  Exec(tx,
       "INSERT INTO journey_history (journey_id, seq, at, kind, state_name, detail) "
       "SELECT $1, COALESCE(max(seq), 0) + 1, blend_us_to_ts($2), $3, $4, $5::jsonb "
       "FROM journey_history WHERE journey_id = $1",
       journey_id, ToMicros(row.at), row.kind, row.state_name, row.detail_json);
}

void InsertOutbox(pqxx::work& tx, const std::string& topic, const std::string& key,
                  const std::string& payload, absl::Time available_at, absl::Time now) {
  Exec(tx,
       "INSERT INTO outbox (topic, msg_key, payload, created_at, available_at) "
       "VALUES ($1, $2, decode($3, 'base64'), blend_us_to_ts($4), blend_us_to_ts($5))",
       topic, key, B64(payload), ToMicros(now), ToMicros(available_at));
}

// The lease must walk outbox_pkey in id order, probe outbox_by_key per row and stop at its
// limit. The planner picks that only if it believes many rows qualify; on statistics taken
// while every row was leased (a bulk start grows the outbox faster than autovacuum analyses
// it) it read and sorted the whole table for each lease, and the relay stalled for minutes.
// These settings leave it no other plan, whatever the statistics; SET LOCAL, so they end with
// the lease's own short transaction.
namespace {
void PinLeasePlan(pqxx::work& tx) {
  tx.exec(
      "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
      "SET LOCAL enable_sort = off; SET LOCAL enable_hashjoin = off; "
      "SET LOCAL enable_mergejoin = off");
}
}  // namespace

std::vector<OutboxRow> LeaseOutbox(pqxx::work& tx, absl::Time now, int limit,
                                   const std::string& owner, absl::Time lease_until) {
  PinLeasePlan(tx);
  pqxx::result r =
      ExecPlannedNow(tx, kLeaseOutbox, ToMicros(now), limit, owner, ToMicros(lease_until));
  std::vector<OutboxRow> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back(OutboxRow{row[0].as<int64_t>(), row[1].as<std::string>(),
                            row[2].as<std::string>(), UnB64(row[3]),
                            FromMicros(row[4].as<int64_t>()), row[5].as<int32_t>()});
  }
  // UPDATE ... RETURNING has no order; the relay publishes in id order.
  std::sort(out.begin(), out.end(),
            [](const OutboxRow& a, const OutboxRow& b) { return a.id < b.id; });
  return out;
}

std::string ExplainLeaseOutbox(pqxx::work& tx, absl::Time now, int limit) {
  PinLeasePlan(tx);
  pqxx::result r = tx.exec_params(absl::StrCat("EXPLAIN ", kLeaseOutbox), ToMicros(now), limit,
                                  "explain", ToMicros(now));
  std::string plan;
  for (const auto& row : r) absl::StrAppend(&plan, row[0].c_str(), "\n");
  return plan;
}

void DeleteOutbox(pqxx::work& tx, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  Exec(tx, "DELETE FROM outbox WHERE id = ANY($1::bigint[])", "{" + absl::StrJoin(ids, ",") + "}");
}

void ReleaseOutbox(pqxx::work& tx, const std::string& owner,
                   const std::vector<OutboxRelease>& rows) {
  if (rows.empty()) return;
  std::vector<std::string> id, claimed, attempts, retry_at, error;
  for (const OutboxRelease& r : rows) {
    id.push_back(std::to_string(r.id));
    claimed.push_back(std::to_string(r.claimed_attempts));
    attempts.push_back(std::to_string(r.attempts));
    retry_at.push_back(std::to_string(ToMicros(r.retry_at)));
    error.push_back(r.error);
  }
  Exec(tx, kReleaseOutbox, owner, TextArray(id), TextArray(claimed), TextArray(attempts),
       TextArray(retry_at), TextArray(error));
}

void DeadLetterOutbox(pqxx::work& tx, const std::string& owner,
                      const std::vector<OutboxDeadLetter>& rows, absl::Time now) {
  if (rows.empty()) return;
  std::vector<std::string> id, claimed, reason;
  for (const OutboxDeadLetter& r : rows) {
    id.push_back(std::to_string(r.id));
    claimed.push_back(std::to_string(r.attempts));
    reason.push_back(r.reason);
  }
  Exec(tx, kDeadLetterOutbox, owner, TextArray(id), TextArray(claimed), TextArray(reason),
       ToMicros(now));
}

int64_t OutboxBacklog(pqxx::work& tx) {
  return tx.exec("SELECT count(*) FROM outbox")[0][0].as<int64_t>();
}

bool MarkProcessed(pqxx::work& tx, const std::string& message_id, const std::string& source,
                   absl::Time now) {
  pqxx::result r = Exec(tx,
                        "INSERT INTO processed_messages (message_id, source, processed_at) "
                        "VALUES ($1, $2, blend_us_to_ts($3)) ON CONFLICT (message_id) DO NOTHING",
                        message_id, source, ToMicros(now));
  return r.affected_rows() == 1;
}

void UpsertFacts(pqxx::work& tx, const std::string& customer_id, const std::string& object_json,
                 absl::Time at) {
  Exec(tx, kUpsertFacts, customer_id, object_json, ToMicros(at));
}

std::optional<std::string> LockEngagementProfile(pqxx::work& tx, const std::string& customer_id) {
  pqxx::result r =
      Exec(tx, "SELECT profile::text FROM engagement_profiles WHERE customer_id = $1 FOR UPDATE",
           customer_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

bool InsertEngagementProfile(pqxx::work& tx, const std::string& customer_id,
                             const std::string& profile_json, absl::Time now) {
  pqxx::result r =
      Exec(tx,
           "INSERT INTO engagement_profiles (customer_id, profile, updated_at) "
           "VALUES ($1, $2::jsonb, blend_us_to_ts($3)) ON CONFLICT (customer_id) DO NOTHING",
           customer_id, profile_json, ToMicros(now));
  return r.affected_rows() == 1;
}

void UpdateEngagementProfile(pqxx::work& tx, const std::string& customer_id,
                             const std::string& profile_json, absl::Time now) {
  Exec(tx,
       "UPDATE engagement_profiles SET profile = $2::jsonb, updated_at = blend_us_to_ts($3) "
       "WHERE customer_id = $1",
       customer_id, profile_json, ToMicros(now));
}

std::map<std::string, std::string> LoadEngagementProfiles(
    pqxx::work& tx, const std::vector<std::string>& customer_ids) {
  std::map<std::string, std::string> out;
  if (customer_ids.empty()) return out;
  pqxx::result r = Exec(tx,
                        "SELECT customer_id, profile::text FROM engagement_profiles "
                        "WHERE customer_id = ANY($1::text[]) AND profile <> '{}'::jsonb",
                        TextArray(customer_ids));
  for (const auto& row : r) out[row[0].as<std::string>()] = row[1].as<std::string>();
  return out;
}

std::vector<JourneyRow> LockJourneysWithWithdrawableVoice(pqxx::work& tx,
                                                          const std::string& customer_id,
                                                          const std::string& address) {
  pqxx::result r = Exec(
      tx,
      absl::StrCat("SELECT ", kJourneyColumns,
                   " FROM journeys j WHERE j.journey_id IN (SELECT journey_id FROM touches WHERE ",
                   kWithdrawable,
                   ") AND ((j.customer_id <> '' AND j.customer_id = $1) OR "
                   "($2 <> '' AND (j.customer->>'phone_e164' = $2 OR j.customer->>'email' = $2))) "
                   "ORDER BY j.journey_id FOR UPDATE OF j"),
      customer_id, address);
  std::vector<JourneyRow> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(ReadJourney(row));
  return out;
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

namespace {

constexpr char kInsertJourneys[] = R"sql(
INSERT INTO journeys (journey_id, campaign_id, campaign_version, client_key, input_hash,
                      customer_id, customer, status, current_state, state, version,
                      pending_timer, started_at, updated_at, finished_at, error, cause)
SELECT id, camp, ver::int, ckey, hash, cust, custj::jsonb, st::smallint, cur, state::jsonb, 1,
       blend_us_to_ts(NULLIF(pt::bigint, -1)), blend_us_to_ts(sa::bigint),
       blend_us_to_ts(sa::bigint), blend_us_to_ts(NULLIF(fa::bigint, -1)), err, cause
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
            $13::text[], $14::text[], $15::text[])
     AS u(id, camp, ver, ckey, hash, cust, custj, st, cur, state, pt, sa, fa, err, cause)
ON CONFLICT (campaign_id, client_key) DO NOTHING
RETURNING journey_id)sql";

std::string Us(absl::Time t) { return std::to_string(ToMicros(t)); }
std::string OptUs(const std::optional<absl::Time>& t) { return std::to_string(OptMicros(t)); }

}  // namespace

std::vector<std::string> InsertJourneys(pqxx::work& tx, const std::vector<JourneyRow>& rows) {
  if (rows.empty()) return {};
  std::vector<std::string> c[15];
  for (const JourneyRow& j : rows) {
    const std::string v[15] = {j.journey_id,
                               j.campaign_id,
                               std::to_string(j.campaign_version),
                               j.client_key,
                               j.input_hash,
                               j.customer_id,
                               j.customer_json,
                               std::to_string(JourneyStatusCode(j.status)),
                               j.current_state,
                               j.state_json,
                               OptUs(j.pending_timer),
                               Us(j.started_at),
                               OptUs(j.finished_at),
                               j.error,
                               j.cause};
    for (int i = 0; i < 15; ++i) c[i].push_back(v[i]);
  }
  pqxx::result r = Exec(tx, kInsertJourneys, TextArray(c[0]), TextArray(c[1]), TextArray(c[2]),
                        TextArray(c[3]), TextArray(c[4]), TextArray(c[5]), TextArray(c[6]),
                        TextArray(c[7]), TextArray(c[8]), TextArray(c[9]), TextArray(c[10]),
                        TextArray(c[11]), TextArray(c[12]), TextArray(c[13]), TextArray(c[14]));
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

void WriteEffects(pqxx::work& tx, const Effects& effects, absl::Time now) {
  std::vector<std::string> h_journey, h_seq, h_at, h_kind, h_state, h_detail;
  for (const Effects::History& h : effects.history()) {
    h_journey.push_back(h.journey_id);
    h_seq.push_back(std::to_string(h.row.seq));
    h_at.push_back(Us(h.row.at));
    h_kind.push_back(h.row.kind);
    h_state.push_back(h.row.state_name);
    h_detail.push_back(h.row.detail_json);
  }
  std::vector<std::string> t_id, t_journey, t_customer, t_channel, t_command, t_not_before,
      t_contact;
  for (const TouchRow& t : effects.touches()) {
    t_id.push_back(t.touch_id);
    t_journey.push_back(t.journey_id);
    t_customer.push_back(t.customer_id);
    t_channel.push_back(std::to_string(t.channel));
    t_command.push_back(B64(t.command));
    t_not_before.push_back(OptUs(t.not_before));
    t_contact.push_back(t.genesys_contact_id);
  }
  std::vector<std::string> o_topic, o_key, o_payload, o_available;
  for (const Effects::Outbox& o : effects.outbox()) {
    o_topic.push_back(o.topic);
    o_key.push_back(o.key);
    o_payload.push_back(B64(o.payload));
    o_available.push_back(Us(o.available_at));
  }
  if (!h_journey.empty()) {
    Exec(tx,
         "INSERT INTO journey_history (journey_id, seq, at, kind, state_name, detail) "
         "SELECT j, COALESCE((SELECT max(h.seq) FROM journey_history h WHERE h.journey_id = u.j), "
         "0) + s::bigint, blend_us_to_ts(a::bigint), k, n, d::jsonb FROM unnest($1::text[], "
         "$2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(j, s, a, k, n, d)",
         TextArray(h_journey), TextArray(h_seq), TextArray(h_at), TextArray(h_kind),
         TextArray(h_state), TextArray(h_detail));
  }
  if (!t_id.empty()) {
    Exec(tx,
         "INSERT INTO touches (touch_id, journey_id, customer_id, channel, status, attempt, "
         "command, created_at, not_before, genesys_contact_id) SELECT i, j, c, ch::smallint, "
         "'pending', 1, decode(cmd, 'base64'), blend_us_to_ts($7), "
         "blend_us_to_ts(NULLIF(nb::bigint, -1)), NULLIF(gc, '') "
         "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
         "$8::text[]) AS u(i, j, c, ch, cmd, nb, gc) ON CONFLICT (touch_id) DO NOTHING",
         TextArray(t_id), TextArray(t_journey), TextArray(t_customer), TextArray(t_channel),
         TextArray(t_command), TextArray(t_not_before), ToMicros(now), TextArray(t_contact));
  }
  if (!o_topic.empty()) {
    Exec(tx,
         "INSERT INTO outbox (topic, msg_key, payload, created_at, available_at) "
         "SELECT t, k, decode(p, 'base64'), blend_us_to_ts($5), blend_us_to_ts(a::bigint) "
         "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(t, k, p, a)",
         TextArray(o_topic), TextArray(o_key), TextArray(o_payload), TextArray(o_available),
         ToMicros(now));
  }
  std::vector<std::string> set_j, set_k, set_at, del_j, del_k;
  for (const auto& [key, due] : effects.timers()) {
    (due ? set_j : del_j).push_back(key.first);
    (due ? set_k : del_k).push_back(key.second);
    if (due) set_at.push_back(Us(*due));
  }
  if (!set_j.empty()) {
    Exec(tx,
         "INSERT INTO timers (journey_id, timer_key, due_at, created_at) "
         "SELECT j, k, blend_us_to_ts(a::bigint), blend_us_to_ts($4) "
         "FROM unnest($1::text[], $2::text[], $3::text[]) AS u(j, k, a) "
         "ON CONFLICT (journey_id, timer_key) DO UPDATE SET due_at = excluded.due_at",
         TextArray(set_j), TextArray(set_k), TextArray(set_at), ToMicros(now));
  }
  if (!del_j.empty()) {
    Exec(tx,
         "DELETE FROM timers t USING unnest($1::text[], $2::text[]) AS u(j, k) "
         "WHERE t.journey_id = u.j AND t.timer_key = u.k",
         TextArray(del_j), TextArray(del_k));
  }
  if (!effects.finished().empty()) {
    std::vector<std::string> fin_j, fin_reason;
    for (const Effects::Finished& f : effects.finished()) {
      fin_j.push_back(f.journey_id);
      fin_reason.push_back(f.reason);
    }
    Exec(tx, "DELETE FROM timers WHERE journey_id = ANY($1::text[])", TextArray(fin_j));
    Exec(tx,
         "UPDATE touches t SET status = 'cancelled', reason = u.r, "
         "completed_at = blend_us_to_ts($3) FROM unnest($1::text[], $2::text[]) AS u(j, r) "
         "WHERE t.journey_id = u.j AND t.status IN ('pending', 'deferred')",
         TextArray(fin_j), TextArray(fin_reason), ToMicros(now));
  }
}

}  // namespace blend::orchestrator::pg
