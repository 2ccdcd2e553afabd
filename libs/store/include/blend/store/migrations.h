#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "blend/store/connection_pool.h"

namespace blend::store {

// A file compiled into the binary by the CMake function blend_embed_migrations().
struct EmbeddedFile {
  absl::string_view name;      // base name, e.g. "0001_init.sql"
  absl::string_view contents;  // exact bytes of the file
};

struct MigrationFileName {
  int64_t version = 0;
  std::string name;
};

// Parses "NNNN_name.sql": at least four digits (version > 0), '_', then [a-z0-9_]+.
// kInvalidArgument otherwise.
absl::StatusOr<MigrationFileName> ParseMigrationFileName(absl::string_view file_name);

// Lower-case hex SHA-256 of the exact bytes of a migration.
std::string MigrationChecksum(absl::string_view sql);

struct Migration {
  int64_t version = 0;
  std::string name;  // without version and extension: "init"
  std::string sql;
  std::string checksum;
};

// Validates and sorts embedded files into migrations: every name well-formed, versions
// unique, no empty file. kInvalidArgument names the offending file.
absl::StatusOr<std::vector<Migration>> ParseMigrations(absl::Span<const EmbeddedFile> files);

// Blend's own schema (libs/store/migrations), shared by the orchestrator and the workers.
absl::Span<const EmbeddedFile> BlendMigrationFiles();
absl::StatusOr<std::vector<Migration>> BlendMigrations();

struct MigrateReport {
  std::vector<int64_t> applied;          // by this call
  std::vector<int64_t> already_applied;  // found applied (by earlier runs or other replicas)
  // Applied in the database but unknown to this binary: an older binary running against a
  // newer schema (rolling deploy). Allowed; worth a log line.
  std::vector<int64_t> unknown_applied;
};

struct MigrateOptions {
  // Apply a pending migration even when a higher-numbered one is already applied (e.g. one
  // team's 0003 merged after another's 0010 reached the database). Off by default: a fresh
  // database would then run the files in another order than this one did.
  bool allow_out_of_order = false;
};

// Brings the database schema up to `migrations` (sorted, as from ParseMigrations).
// Idempotent. Each migration runs in its own transaction together with its row in
// schema_migrations (version, name, checksum, applied_at), under a transaction-scoped
// advisory lock (pg_advisory_xact_lock(kMigrationLockKey)), so replicas starting at once
// apply each migration exactly once and the others wait, then skip it.
// Status codes: kFailedPrecondition when an applied migration's checksum differs from the
// file (files must never change once applied: add a new numbered file instead) or when a
// pending migration is older than the newest applied one (unless allow_out_of_order);
// errors of the migration SQL as from WithTransaction (kInternal with SQLSTATE,
// kUnavailable, ...), with the failing file named in the message.
absl::StatusOr<MigrateReport> Migrate(ConnectionPool& pool, absl::Span<const Migration> migrations,
                                      const MigrateOptions& options = {});

// For readiness of a service that does not migrate itself: OK when every migration is
// applied with a matching checksum; kFailedPrecondition otherwise.
absl::Status CheckMigrated(ConnectionPool& pool, absl::Span<const Migration> migrations);

// The advisory lock key Migrate() holds ("blend_mg" in ASCII).
inline constexpr int64_t kMigrationLockKey = 0x626c656e645f6d67;

}  // namespace blend::store
