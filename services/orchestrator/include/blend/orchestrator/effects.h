#pragma once

// The side effects of one or many interpreter steps, collected in memory and written by a
// JourneyStore (journey_store.h) at once: PostgreSQL writes them with one statement per table
// (pg::WriteEffects), the in-memory store applies them to its maps. Plain values, no I/O.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "blend/orchestrator/store_rows.h"

namespace blend::orchestrator {

class Effects {
 public:
  struct History {
    std::string journey_id;
    HistoryRow row;  // row.seq: 1, 2, ... after the journey's last stored row
  };
  struct Outbox {
    std::string topic;
    std::string key;
    std::string payload;  // raw bytes
    absl::Time available_at;
  };
  struct Finished {
    std::string journey_id;
    std::string reason;
  };
  using TimerKey = std::pair<std::string, std::string>;  // journey, timer

  void AddHistory(const std::string& journey_id, const HistoryRow& row) {
    history_.push_back({journey_id, row});
  }
  // A new touch: written as pending, attempt 1, created now (only its identity, command,
  // not_before and contact id are taken from `row`). A touch id already stored is left alone.
  void AddTouch(const TouchRow& row) { touches_.push_back(row); }
  void AddOutbox(const std::string& topic, const std::string& key, const std::string& payload,
                 absl::Time available_at) {
    outbox_.push_back({topic, key, payload, available_at});
  }
  // Timer operations on the same (journey, timer) keep only the last one.
  void SetTimer(const std::string& journey_id, const std::string& key, absl::Time due) {
    timers_[{journey_id, key}] = due;
  }
  void CancelTimer(const std::string& journey_id, const std::string& key) {
    timers_[{journey_id, key}] = std::nullopt;
  }
  // The journey ended: all its timers go and its pending or deferred touches are cancelled
  // with `reason`. (Voice touches already claimed are withdrawn by the caller, which knows the
  // topics.) Applied after the timer operations.
  void Finish(const std::string& journey_id, const std::string& reason) {
    finished_.push_back({journey_id, reason});
  }
  bool empty() const {
    return history_.empty() && touches_.empty() && outbox_.empty() && timers_.empty() &&
           finished_.empty();
  }

  const std::vector<History>& history() const { return history_; }
  const std::vector<TouchRow>& touches() const { return touches_; }
  const std::vector<Outbox>& outbox() const { return outbox_; }
  // nullopt: cancel.
  const std::map<TimerKey, std::optional<absl::Time>>& timers() const { return timers_; }
  const std::vector<Finished>& finished() const { return finished_; }

 private:
  std::vector<History> history_;
  std::vector<TouchRow> touches_;
  std::vector<Outbox> outbox_;
  std::map<TimerKey, std::optional<absl::Time>> timers_;
  std::vector<Finished> finished_;
};

}  // namespace blend::orchestrator
