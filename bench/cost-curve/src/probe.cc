#include "blend/cost_curve/probe.h"

#include <fstream>
#include <sstream>

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "blend/cost_curve/measure.h"

namespace blend::cost_curve {

std::optional<ProcessMemory> ReadProcessMemory(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const auto rss = StatusFieldKb(s, "VmRSS");
  if (!rss) return std::nullopt;  // a zombie has no VmRSS
  ProcessMemory m;
  m.rss_mb = *rss / 1024.0;
  m.hwm_mb = StatusFieldKb(s, "VmHWM").value_or(0) / 1024.0;
  m.anon_mb = StatusFieldKb(s, "RssAnon").value_or(0) / 1024.0;
  m.file_mb = StatusFieldKb(s, "RssFile").value_or(0) / 1024.0;
  const size_t at = s.find("Threads:");
  if (at != std::string::npos) m.threads = std::atoll(s.c_str() + at + 8);
  return m;
}

std::optional<std::string> HttpGet(const std::string& host_port, const std::string& path) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  httplib::Client client(host_port.substr(0, colon), std::atoi(host_port.c_str() + colon + 1));
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto res = client.Get(path);
  if (!res || res->status != 200) return std::nullopt;
  return res->body;
}

int64_t PgScalar(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction tx(c);
  const auto r = tx.exec(sql);
  return r[0][0].is_null() ? 0 : r[0][0].as<int64_t>();
}

}  // namespace blend::cost_curve
