#include <map>

#include "absl/strings/str_cat.h"
#include "blend/store/migrations.h"
#include "blend/store/transaction.h"

namespace blend::store {
namespace {

constexpr char kLockSql[] = "SELECT pg_advisory_xact_lock($1)";
constexpr char kCreateTableSql[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    bigint      PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";
constexpr char kTableExistsSql[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr char kSelectAppliedSql[] =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
constexpr char kSelectOneSql[] = "SELECT name, checksum FROM schema_migrations WHERE version = $1";
constexpr char kInsertSql[] =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

struct AppliedRow {
  std::string name;
  std::string checksum;
};
using AppliedMap = std::map<int64_t, AppliedRow>;

std::string Label(int64_t version, absl::string_view name) {
  return absl::StrCat(absl::Dec(version, absl::kZeroPad4), "_", name);
}

absl::Status ChecksumMismatch(const Migration& m, const AppliedRow& row) {
  return absl::FailedPreconditionError(absl::StrCat(
      "migration ", Label(m.version, m.name), " was changed after it was applied (database ",
      row.checksum.substr(0, 12), "…, this binary ", m.checksum.substr(0, 12),
      "…); never edit an applied migration: restore the file and add a new numbered one"));
}

AppliedMap ReadApplied(pqxx::work& tx) {
  AppliedMap applied;
  for (const pqxx::row& row : tx.exec(kSelectAppliedSql)) {
    applied[row[0].as<int64_t>()] = AppliedRow{row[1].as<std::string>(), row[2].as<std::string>()};
  }
  return applied;
}

// Compares the database with the binary's list and returns what is left to apply.
absl::StatusOr<std::vector<const Migration*>> Plan(const AppliedMap& applied,
                                                   absl::Span<const Migration> migrations,
                                                   const MigrateOptions& options,
                                                   MigrateReport& report) {
  std::vector<const Migration*> pending;
  const int64_t newest_applied = applied.empty() ? 0 : applied.rbegin()->first;
  for (const Migration& m : migrations) {
    auto it = applied.find(m.version);
    if (it == applied.end()) {
      if (m.version < newest_applied && !options.allow_out_of_order) {
        return absl::FailedPreconditionError(absl::StrCat(
            "migration ", Label(m.version, m.name), " is older than the newest applied one (",
            newest_applied, "): renumber it after ", newest_applied));
      }
      pending.push_back(&m);
      continue;
    }
    if (it->second.checksum != m.checksum) return ChecksumMismatch(m, it->second);
    report.already_applied.push_back(m.version);
  }
  for (const auto& [version, row] : applied) {
    const bool known = std::any_of(migrations.begin(), migrations.end(),
                                   [&](const Migration& m) { return m.version == version; });
    if (!known) report.unknown_applied.push_back(version);
  }
  return pending;
}

// Applies one migration unless another replica did while this one waited for the lock.
absl::Status ApplyOne(ConnectionPool& pool, const Migration& m, MigrateReport& report) {
  bool applied_here = false;
  TxOptions options;
  options.name = "migrate";
  absl::Status status = WithTransaction(
      pool,
      [&](pqxx::work& tx) -> absl::Status {
        applied_here = false;
        tx.exec_params(kLockSql, kMigrationLockKey);
        pqxx::result existing = tx.exec_params(kSelectOneSql, m.version);
        if (!existing.empty()) {
          AppliedRow row{existing[0][0].as<std::string>(), existing[0][1].as<std::string>()};
          return row.checksum == m.checksum ? absl::OkStatus() : ChecksumMismatch(m, row);
        }
        tx.exec(m.sql);
        tx.exec_params(kInsertSql, m.version, m.name, m.checksum);
        applied_here = true;
        return absl::OkStatus();
      },
      options);
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("migration ", Label(m.version, m.name),
                                                    " failed: ", status.message()));
  }
  (applied_here ? report.applied : report.already_applied).push_back(m.version);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MigrateReport> Migrate(ConnectionPool& pool, absl::Span<const Migration> migrations,
                                      const MigrateOptions& migrate_options) {
  MigrateReport report;
  std::vector<const Migration*> pending;
  TxOptions options;
  options.name = "migrate";
  absl::Status status = WithTransaction(
      pool,
      [&](pqxx::work& tx) -> absl::Status {
        report = MigrateReport{};
        // The lock comes first so that concurrent first runs do not race on CREATE TABLE.
        tx.exec_params(kLockSql, kMigrationLockKey);
        tx.exec(kCreateTableSql);
        absl::StatusOr<std::vector<const Migration*>> plan =
            Plan(ReadApplied(tx), migrations, migrate_options, report);
        if (!plan.ok()) return plan.status();
        pending = *std::move(plan);
        return absl::OkStatus();
      },
      options);
  if (!status.ok()) return status;
  for (const Migration* m : pending) {
    absl::Status applied = ApplyOne(pool, *m, report);
    if (!applied.ok()) return applied;
  }
  return report;
}

absl::Status CheckMigrated(ConnectionPool& pool, absl::Span<const Migration> migrations) {
  TxOptions options;
  options.name = "check_migrated";
  options.read_only = true;
  return WithTransaction(
      pool,
      [&](pqxx::work& tx) -> absl::Status {
        if (!tx.exec(kTableExistsSql)[0][0].as<bool>()) {
          return absl::FailedPreconditionError("database schema not migrated yet");
        }
        const AppliedMap applied = ReadApplied(tx);
        for (const Migration& m : migrations) {
          auto it = applied.find(m.version);
          if (it == applied.end()) {
            return absl::FailedPreconditionError(absl::StrCat(
                "database schema not migrated yet: ", Label(m.version, m.name), " missing"));
          }
          if (it->second.checksum != m.checksum) return ChecksumMismatch(m, it->second);
        }
        return absl::OkStatus();
      },
      options);
}

}  // namespace blend::store
