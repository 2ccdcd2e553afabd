#include "blend/worker/touch_ledger.h"

namespace blend::worker {

absl::StatusOr<std::optional<LedgerEntry>> InMemoryTouchLedger::Find(const std::string& touch_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(touch_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<bool> InMemoryTouchLedger::BeginCall(const std::string& touch_id,
                                                    const std::string&, const std::string&,
                                                    absl::Time) {
  absl::MutexLock lock(&mu_);
  return entries_.try_emplace(touch_id, LedgerEntry{}).second;
}

absl::Status InMemoryTouchLedger::AbortCall(const std::string& touch_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(touch_id);
  if (it != entries_.end() && it->second.state == LedgerEntry::State::kCalling) entries_.erase(it);
  return absl::OkStatus();
}

absl::Status InMemoryTouchLedger::Complete(const v1::Disposition& disposition, const std::string&,
                                           absl::Time) {
  absl::MutexLock lock(&mu_);
  entries_[disposition.touch_id()] = LedgerEntry{LedgerEntry::State::kDone, disposition};
  return absl::OkStatus();
}

}  // namespace blend::worker
