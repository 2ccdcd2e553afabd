#pragma once

// The orchestrator's SQL, one function per statement, each run inside a caller's pqxx::work
// (the transaction boundaries belong to the callers: a trigger's whole effect commits at once).
// Statements are prepared once per connection. Times cross the boundary as absl::Time
// (int64 microseconds in SQL). libpqxx exceptions
// propagate to blend::store::WithTransaction, which maps them to Status.
// Schema: libs/store/migrations/0002_orchestrator.sql (outbox leases: 0015_outbox_relay.sql,
// voice withdrawals: 0016_touch_withdrawals.sql).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/time/time.h"
#include "blend/orchestrator/effects.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/store_rows.h"

namespace blend::orchestrator::pg {

// The row types (store_rows.h), by their old names.
using orchestrator::CampaignRow;
using orchestrator::DueTimer;
using orchestrator::FactsAndProfile;
using orchestrator::FactsQuery;
using orchestrator::HistoryRow;
using orchestrator::JourneyKeyMatch;
using orchestrator::JourneyRow;
using orchestrator::TouchRow;
using orchestrator::TouchStatusChange;
using orchestrator::WithdrawnTouch;

int64_t ToMicros(absl::Time t);
absl::Time FromMicros(int64_t us);

// campaigns

// Stores the next version of `campaign_id` (serialised per campaign by an advisory lock).
int32_t InsertCampaignVersion(pqxx::work& tx, const CampaignRow& row);
// version 0: the latest.
std::optional<CampaignRow> FindCampaign(pqxx::work& tx, const std::string& campaign_id,
                                        int32_t version);

// journeys

std::optional<JourneyKeyMatch> FindJourneyByKey(pqxx::work& tx, const std::string& campaign_id,
                                                const std::string& client_key);
enum class Lock { kNone, kForUpdate, kForUpdateSkipLocked };
std::optional<JourneyRow> FindJourney(pqxx::work& tx, const std::string& journey_id, Lock lock);
// Writes the mutable columns, derives pending_timer from the timers table (read back into
// `row`), checks and increments `version`. False when the stored version differs from
// row.version (someone else changed it: abort and re-run).
bool UpdateJourney(pqxx::work& tx, JourneyRow& row);
// Running journeys of a customer, locked FOR UPDATE in id order (no deadlock between two
// events of the same customer).
std::vector<std::string> LockRunningJourneysOfCustomer(pqxx::work& tx,
                                                       const std::string& customer_id);
// ListJourneys filters, combined with AND; empty / 0 / nullopt: any.
struct JourneyFilter {
  std::string customer_id;
  std::string campaign_id;
  int32_t campaign_version = 0;
  std::string state_name;  // a state the journey is in now ("Outer/Inner" for nested ones)
  std::optional<journey::JourneyStatus> status;
};
// Keyset pagination by (started_at, journey_id); `after_*` empty for the first page.
std::vector<JourneyRow> ListJourneys(pqxx::work& tx, const JourneyFilter& filter, int limit,
                                     std::optional<absl::Time> after_started,
                                     const std::string& after_id);

// history

std::vector<HistoryRow> ReadHistory(pqxx::work& tx, const std::string& journey_id);

// timers

void UpsertTimer(pqxx::work& tx, const std::string& journey_id, const std::string& key,
                 absl::Time due, absl::Time now);
// Due timers (due <= now), oldest first, locked FOR UPDATE SKIP LOCKED.
std::vector<DueTimer> ClaimDueTimers(pqxx::work& tx, absl::Time now, int limit);

// touches

std::optional<TouchRow> FindTouch(pqxx::work& tx, const std::string& touch_id, Lock lock);
// installation_secrets.secret of `name` as lower-case hex (migration 0018); throws
// std::runtime_error when the row is missing.
std::string LoadInstallationSecret(pqxx::work& tx, const std::string& name);
void SetTouchStatus(pqxx::work& tx, const std::string& touch_id, TouchStatus status,
                    const std::string& reason, absl::Time now);
// Also records the Genesys contact id of a voice touch that has none yet (emitted before
// migration 0016).
void MarkTouchClaimed(pqxx::work& tx, const std::string& touch_id, const std::string& worker,
                      absl::Time now);
// JourneyStore::DeferTouch: not_before only moves when `retry_at` is given.
void MarkTouchDeferred(pqxx::work& tx, const std::string& touch_id, const std::string& reason,
                       std::optional<absl::Time> retry_at, int32_t attempt,
                       const std::string& command);
// Marks every voice touch of the journey that may be queued in Genesys
// and has no withdrawal requested yet: withdraw_requested_at = now, withdraw_reason = reason.
// Returns those rows, each at most once over any number of calls. "May be queued": `claimed`
// (the dialer got the grant and may be inserting), `sent` (inserted, no call outcome yet), or
// `done` with TOUCH_OUTCOME_UNKNOWN (a crash left the insertion in doubt). Not `pending` or
// `deferred`: those are cancelled, and the claim fence refuses a cancelled touch before the
// dialer inserts anything. Not `done` with any other outcome: a final call outcome, or an
// insertion that failed / was refused / was already withdrawn.
std::vector<WithdrawnTouch> RequestJourneyVoiceWithdrawals(pqxx::work& tx,
                                                           const std::string& journey_id,
                                                           const std::string& reason,
                                                           absl::Time now);
// The same for several journeys in one statement (each touch at most once).
std::vector<WithdrawnTouch> RequestJourneysVoiceWithdrawals(
    pqxx::work& tx, const std::vector<std::string>& journey_ids, const std::string& reason,
    absl::Time now);
// Appends one history row after the journey's last one.
void AppendHistory(pqxx::work& tx, const std::string& journey_id, const HistoryRow& row);

// outbox

struct OutboxRow {
  int64_t id = 0;
  std::string topic;
  std::string key;
  std::string payload;  // raw bytes
  absl::Time created_at;
  int32_t attempts = 0;
};
void InsertOutbox(pqxx::work& tx, const std::string& topic, const std::string& key,
                  const std::string& payload, absl::Time available_at, absl::Time now);
// Leases up to `limit` rows to `owner` until `lease_until` and counts one attempt each
// (FOR UPDATE SKIP LOCKED, so concurrent claims never take the same row). A row qualifies when
// it is due, its lease (if any) has expired, and no earlier row of its key is due, leased or
// retrying (a journey's rows go out in id order). Returned by id.
std::vector<OutboxRow> LeaseOutbox(pqxx::work& tx, absl::Time now, int limit,
                                   const std::string& owner, absl::Time lease_until);
// The plan LeaseOutbox runs (EXPLAIN, nothing is leased), for tests and diagnosis.
std::string ExplainLeaseOutbox(pqxx::work& tx, absl::Time now, int limit);
void DeleteOutbox(pqxx::work& tx, const std::vector<int64_t>& ids);
// A leased row handed back: due again at retry_at with `attempts`, the lease cleared.
struct OutboxRelease {
  int64_t id = 0;
  int32_t claimed_attempts = 0;  // the counter as leased: a row leased since by another
                                 // replica (expired lease) is left alone
  int32_t attempts = 0;
  absl::Time retry_at;
  std::string error;
};
void ReleaseOutbox(pqxx::work& tx, const std::string& owner,
                   const std::vector<OutboxRelease>& rows);
// A leased row moved to outbox_dead_letters with `reason`.
struct OutboxDeadLetter {
  int64_t id = 0;
  int32_t attempts = 0;  // as leased (same guard as above)
  std::string reason;
};
void DeadLetterOutbox(pqxx::work& tx, const std::string& owner,
                      const std::vector<OutboxDeadLetter>& rows, absl::Time now);
int64_t OutboxBacklog(pqxx::work& tx);

// messages, facts, suppressions

// True the first time `message_id` is seen (recorded now), false for a redelivery.
bool MarkProcessed(pqxx::work& tx, const std::string& message_id, const std::string& source,
                   absl::Time now);
// Upserts each key of a JSON object as one fact.
void UpsertFacts(pqxx::work& tx, const std::string& customer_id, const std::string& object_json,
                 absl::Time at);

// Suppressions (the consent record) are read and written by libs/consent consent_store.h.

// A journey of the customer (by customer id, or whose customer has this phone or email) with a
// voice touch that may be queued in Genesys and has no withdrawal requested yet (the
// predicate of RequestJourneyVoiceWithdrawals). The journeys are locked FOR UPDATE in id order
// (the lock order of every trigger; the withdrawal appends to their history).
std::vector<JourneyRow> LockJourneysWithWithdrawableVoice(pqxx::work& tx,
                                                          const std::string& customer_id,
                                                          const std::string& address);

// engagement profiles (libs/store/migrations/0013_engagement.sql)

// The customer's profile JSON, locked FOR UPDATE until the transaction ends; nullopt when the
// customer has none (then InsertEngagementProfile).
std::optional<std::string> LockEngagementProfile(pqxx::work& tx, const std::string& customer_id);
void UpdateEngagementProfile(pqxx::work& tx, const std::string& customer_id,
                             const std::string& profile_json, absl::Time now);
// False when a concurrent transaction inserted the customer's profile first (lock it, redo).
bool InsertEngagementProfile(pqxx::work& tx, const std::string& customer_id,
                             const std::string& profile_json, absl::Time now);
// Profiles of these customers, unlocked; customers without one are absent from the map.
std::map<std::string, std::string> LoadEngagementProfiles(
    pqxx::work& tx, const std::vector<std::string>& customer_ids);

// batch triggers (pg_batch.cc): one statement for a whole batch of journeys

// The journeys among `journey_ids` that exist and that no other transaction holds, locked
// FOR UPDATE SKIP LOCKED, in id order. Never waits.
std::vector<JourneyRow> LockJourneysSkipLocked(pqxx::work& tx,
                                               const std::vector<std::string>& journey_ids);
// UpdateJourney for many rows in one statement (each row at most once). False when any
// stored version differs: nothing can be trusted then, abort and re-run the transaction.
bool UpdateJourneys(pqxx::work& tx, const std::vector<JourneyRow*>& rows);
// Per (customer, since) pair, in one statement: the facts received since then merged into one
// JSON object ("{}" when none) and the customer's engagement profile (nullopt: none); one
// answer per query, in order.
std::vector<FactsAndProfile> LoadFactsAndProfiles(pqxx::work& tx,
                                                  const std::vector<FactsQuery>& queries);
// Claim times of each customer's touches on `channel` since `since` (frequency-cap history),
// in one statement; customers without claims are absent.
std::map<std::string, std::vector<absl::Time>> ClaimedTouchTimesOf(
    pqxx::work& tx, const std::vector<std::string>& customer_ids, int16_t channel,
    absl::Time since);

// The running journeys of these customers, locked FOR UPDATE in id order.
std::vector<JourneyRow> LockRunningJourneysOfCustomers(
    pqxx::work& tx, const std::vector<std::string>& customer_ids);
// The touches among `touch_ids` that exist, in id order; Lock::kForUpdate locks them in that
// order (waiting for holders).
std::vector<TouchRow> FindTouches(pqxx::work& tx, const std::vector<std::string>& touch_ids,
                                  Lock lock);
// The journeys among `journey_ids` that exist, locked FOR UPDATE in id order (waiting for
// holders: callers lock journeys before touches and profiles, as everywhere).
std::vector<JourneyRow> LockJourneys(pqxx::work& tx, const std::vector<std::string>& journey_ids);
// MarkProcessed for many ids (distinct) in one statement: the ids that were new.
std::set<std::string> MarkProcessedMany(pqxx::work& tx, const std::vector<std::string>& message_ids,
                                        const std::string& source, absl::Time now);
// SetTouchStatus for many touches (each at most once) in one statement.
void SetTouchStatuses(pqxx::work& tx, const std::vector<TouchStatusChange>& changes,
                      absl::Time now);
// Engagement profiles of many customers: the stored ones, locked FOR UPDATE in id order.
std::map<std::string, std::string> LockEngagementProfiles(
    pqxx::work& tx, const std::vector<std::string>& customer_ids);
// UpdateEngagementProfile for many (stored) profiles in one statement.
void UpdateEngagementProfiles(pqxx::work& tx, const std::map<std::string, std::string>& profiles,
                              absl::Time now);
// InsertEngagementProfile for many in one statement: the customers whose row was inserted (a
// customer missing from the answer had a row inserted concurrently).
std::set<std::string> InsertEngagementProfiles(pqxx::work& tx,
                                               const std::map<std::string, std::string>& profiles,
                                               absl::Time now);

// bulk writes (one statement per table, arrays unnested server-side)

// PostgreSQL array literal of text elements ({"a","b\"c"}), for unnest($n::text[]).
std::string TextArray(const std::vector<std::string>& values);

// Inserts the journeys whose (campaign_id, client_key) is new; returns the ids inserted.
std::vector<std::string> InsertJourneys(pqxx::work& tx, const std::vector<JourneyRow>& rows);

// Writes the effects (effects.h) with one statement per table: history (numbered after each
// journey's last row), touches, outbox rows, timers set and cancelled, then the finished
// journeys' timers deleted and open touches cancelled.
void WriteEffects(pqxx::work& tx, const Effects& effects, absl::Time now);

}  // namespace blend::orchestrator::pg
