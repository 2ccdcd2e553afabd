#include "blend/genesys_sim/audit_log.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace blend::genesys_sim {
namespace {

// True if `wanted` is one of the comma-separated items of `list`.
bool HasItem(const std::string& list, const std::string& wanted) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    if (list.compare(start, end - start, wanted) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  if (data.empty()) return "";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

int64_t AuditLog::Record(AuditEntry entry) {
  absl::MutexLock lock(&mu_);
  entry.seq = next_seq_++;
  ++counters_.total;
  ++counters_.by_operation[entry.operation];
  ++counters_.by_status[entry.status];
  if (!entry.client_id.empty()) ++counters_.by_client[entry.client_id];
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_front();
  return next_seq_ - 1;
}

std::vector<AuditEntry> AuditLog::Query(const AuditFilter& f) const {
  absl::MutexLock lock(&mu_);
  std::vector<AuditEntry> out;
  for (const AuditEntry& e : entries_) {
    if (out.size() >= f.limit) break;
    if (f.method && e.method != *f.method) continue;
    if (f.path_prefix && !absl::StartsWith(e.path, *f.path_prefix)) continue;
    if (f.operation && e.operation != *f.operation) continue;
    if (f.client_id && e.client_id != *f.client_id) continue;
    if (f.touch_id && !HasItem(e.touch_id, *f.touch_id)) continue;
    if (f.to_address && !HasItem(e.to_address, *f.to_address)) continue;
    if (f.contact_id && !HasItem(e.contact_id, *f.contact_id)) continue;
    if (f.status && e.status != *f.status) continue;
    if (f.since && e.time < *f.since) continue;
    if (f.until && e.time >= *f.until) continue;
    out.push_back(e);
  }
  return out;
}

AuditCounters AuditLog::Counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

int64_t AuditLog::MaxInWindow(const std::string& client_id, absl::Duration window) const {
  absl::MutexLock lock(&mu_);
  std::deque<absl::Time> in_window;
  int64_t best = 0;
  for (const AuditEntry& e : entries_) {
    if (e.client_id != client_id || e.status == 429 || e.status == 0 ||
        e.operation == "oauth.token") {
      continue;  // refused, dropped and token requests do not count against the limit
    }
    in_window.push_back(e.time);
    while (in_window.front() <= e.time - window) in_window.pop_front();
    best = std::max<int64_t>(best, static_cast<int64_t>(in_window.size()));
  }
  return best;
}

void AuditLog::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
  counters_ = AuditCounters{};
}

}  // namespace blend::genesys_sim
