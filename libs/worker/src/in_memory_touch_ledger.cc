#include "blend/worker/touch_ledger.h"

namespace blend::worker {

absl::StatusOr<std::optional<LedgerEntry>> InMemoryTouchLedger::Find(const std::string& touch_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(touch_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<bool> InMemoryTouchLedger::BeginCall(const std::string& touch_id, const std::string&,
                                                    const std::string& worker_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  return entries_
      .try_emplace(touch_id,
                   LedgerEntry{LedgerEntry::State::kCalling, std::nullopt, worker_id, now})
      .second;
}

absl::Status InMemoryTouchLedger::AbortCall(const std::string& touch_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(touch_id);
  if (it != entries_.end() && it->second.state == LedgerEntry::State::kCalling) entries_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<v1::Disposition> InMemoryTouchLedger::Complete(const v1::Disposition& disposition,
                                                              const std::string& worker_id,
                                                              absl::Time now) {
  absl::MutexLock lock(&mu_);
  LedgerEntry& entry = entries_[disposition.touch_id()];
  if (entry.state == LedgerEntry::State::kDone && entry.disposition) return *entry.disposition;
  if (entry.worker_id.empty()) {
    entry.worker_id = worker_id;
    entry.started_at = now;
  }
  entry.state = LedgerEntry::State::kDone;
  entry.disposition = disposition;
  return disposition;
}

}  // namespace blend::worker
