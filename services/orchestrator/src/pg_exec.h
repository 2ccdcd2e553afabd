#pragma once

// Statement helpers shared by the orchestrator's PostgreSQL files (pg_store.cc, pg_batch.cc).
// Private to src/: callers use pg_store.h.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "absl/time/time.h"
#include "blend/orchestrator/pg_store.h"

namespace blend::orchestrator::pg::detail {

// Runs `sql` as a prepared statement of this connection (parsed and planned once per
// connection instead of once per call). Named after a hash of its text, so every distinct
// statement gets its own name; libpqxx ignores a repeated prepare() of the same definition.
template <typename... Args>
pqxx::result Exec(pqxx::work& tx, const std::string& sql, Args&&... args) {
  const std::string name = "orch_" + std::to_string(std::hash<std::string>{}(sql));
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

// Runs `sql` planned for its table as it is now (an unnamed statement, a custom plan each
// time). For the queue queries (outbox lease, due timers): their tables swing from empty to
// hundreds of thousands of rows, and the generic plan a prepared statement settles on while
// the table is empty (nested loops over sequential scans) took minutes per lease once a bulk
// start had filled it. Planning costs well under a millisecond per batch of rows.
template <typename... Args>
pqxx::result ExecPlannedNow(pqxx::work& tx, const std::string& sql, Args&&... args) {
  return tx.exec_params(sql, std::forward<Args>(args)...);
}

inline int64_t OptMicros(const std::optional<absl::Time>& t) { return t ? ToMicros(*t) : -1; }
inline std::optional<absl::Time> OptTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<int64_t>());
}

// The journeys columns ReadJourney reads, in its order.
extern const char kJourneyColumns[];
JourneyRow ReadJourney(const pqxx::row& r);
// The touches columns ReadTouch reads, in its order. ReadTouch throws on a status this build
// does not know.
extern const char kTouchColumns[];
TouchRow ReadTouch(const pqxx::row& r);
// " FOR UPDATE" and the like, or "".
const char* LockClause(Lock lock);

}  // namespace blend::orchestrator::pg::detail
