#pragma once

// The consent record in PostgreSQL (table `suppressions`, libs/store/migrations/0017_consent.sql).
// The one place that writes and reads it: the orchestrator (opt-out events, dispositions,
// ConsentService) and the dialer's Genesys DNC mirror both call these functions, each inside
// the caller's pqxx::work. Records are never deleted: a removal is recorded on the row.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/time/time.h"
#include "blend/consent/consent.h"

namespace blend::consent::pg {

struct PutResult {
  Record record;         // as stored
  bool created = false;  // false: the record in force with the same key was updated
};
// Records `record` (already Normalize()d). Idempotent by (customer_id, address, channel,
// reason) among the records not removed: an existing one keeps its id and first recorded_at
// and takes the new source, note and expiry. recorded_at of a new record: `now`.
PutResult Put(pqxx::work& tx, const Record& record, absl::Time now);

// Marks the record removed (by whom, why); nullopt for an unknown or already removed id.
std::optional<Record> Remove(pqxx::work& tx, const std::string& suppression_id,
                             const std::string& removed_by, const std::string& why, absl::Time now);

// Records not removed and not expired at `now` about any of these customer ids or addresses
// (empty strings are ignored), in one query.
std::vector<Record> FindInForce(pqxx::work& tx, const std::vector<std::string>& customer_ids,
                                const std::vector<std::string>& addresses, absl::Time now);

struct ListFilter {
  std::string customer_id;  // "" = any
  std::string address;      // normalised; "" = any
  std::optional<Scope> channel;
  std::optional<Reason> reason;
  bool include_expired = false;
  int limit = 100;
  // Keyset cursor: records strictly older than (after_recorded_at, after_id).
  std::optional<absl::Time> after_recorded_at;
  std::string after_id;
};
// Records not removed, newest first.
std::vector<Record> List(pqxx::work& tx, const ListFilter& filter, absl::Time now);

// the Genesys DNC mirror (services/dialer-worker dnc_sync)

// Records each number as (voice, dnc, source) unless such a record is in force already.
void PutDncNumbers(pqxx::work& tx, const std::vector<std::string>& numbers,
                   const std::string& source, absl::Time now);
// Removes the (voice, dnc, source) records recorded before `before` whose number is not in
// `keep` (the mirror's latest export): the number left every mirrored list.
int RemoveStaleDncNumbers(pqxx::work& tx, const std::vector<std::string>& keep,
                          const std::string& source, absl::Time before, absl::Time now);
// Phone numbers opted out (any channel but email) or on a DNC list, from any source but
// `exclude_source`, for which `pending` holds; see dnc_sync.cc.
std::vector<std::string> PhonesToPushToDnc(pqxx::work& tx, const std::string& dnc_list_id,
                                           const std::string& exclude_source, int limit);

}  // namespace blend::consent::pg
