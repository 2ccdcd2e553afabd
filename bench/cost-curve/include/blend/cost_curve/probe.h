// What the cost-curve benchmarks read from outside: a process's memory in /proc, a service's
// /metrics page, one number from PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace blend::cost_curve {

// From /proc/<pid>/status, in MiB; empty when the process is gone.
struct ProcessMemory {
  double rss_mb = 0;   // VmRSS: resident now
  double hwm_mb = 0;   // VmHWM: the peak resident size so far
  double anon_mb = 0;  // RssAnon: heap, stacks, arenas (what the process allocated)
  double file_mb = 0;  // RssFile: mapped binary and libraries
  int64_t threads = 0;
};
std::optional<ProcessMemory> ReadProcessMemory(int pid);

// GET http://<host_port><path>; nullopt on any failure (the caller decides whether it matters).
std::optional<std::string> HttpGet(const std::string& host_port, const std::string& path);

// The first column of the first row of `sql` as int64 (count(*), sizes, ...).
int64_t PgScalar(pqxx::connection& c, const std::string& sql);

}  // namespace blend::cost_curve
