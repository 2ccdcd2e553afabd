#pragma once

// An in-memory UnsubscribeStore with the PostgreSQL one's semantics (one row per event id,
// leases, backoff times), for the publisher's and the endpoint's unit tests.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "blend/email_worker/unsubscribe_store.h"

namespace blend::email_worker::testing {

class FakeUnsubscribeStore final : public UnsubscribeStore {
 public:
  struct Row {
    v1::CustomerEvent event;
    absl::Time recorded_at;
    absl::Time available_at;
    int attempts = 0;
    std::string last_error;
    std::optional<absl::Time> delivered_at;
  };

  absl::StatusOr<bool> Record(const v1::CustomerEvent& event, absl::Time now) override {
    absl::MutexLock lock(&mu_);
    if (!fail_record.ok()) return fail_record;
    if (rows_.count(event.event_id()) > 0) return false;
    Row row;
    row.event = event;
    row.recorded_at = now;
    row.available_at = now;
    rows_[event.event_id()] = std::move(row);
    return true;
  }
  absl::StatusOr<std::vector<PendingUnsubscribe>> LeaseDue(absl::Time now, absl::Duration lease,
                                                           int limit) override {
    absl::MutexLock lock(&mu_);
    ++lease_calls_;
    if (!fail_lease.ok()) return fail_lease;
    std::vector<Row*> due;
    for (auto& [id, row] : rows_) {
      if (!row.delivered_at && row.available_at <= now) due.push_back(&row);
    }
    std::sort(due.begin(), due.end(), [](const Row* a, const Row* b) {
      return std::tie(a->available_at, a->recorded_at) < std::tie(b->available_at, b->recorded_at);
    });
    std::vector<PendingUnsubscribe> out;
    for (Row* row : due) {
      if (static_cast<int>(out.size()) >= limit) break;
      row->available_at = now + lease;
      out.push_back({row->event, row->attempts});
    }
    return out;
  }
  absl::Status MarkDelivered(const std::string& event_id, absl::Time now) override {
    absl::MutexLock lock(&mu_);
    if (!fail_mark_delivered.ok()) return fail_mark_delivered;
    Row& row = rows_.at(event_id);
    if (!row.delivered_at) row.delivered_at = now;
    return absl::OkStatus();
  }
  absl::Status MarkFailed(const std::string& event_id, const std::string& error,
                          absl::Time retry_at) override {
    absl::MutexLock lock(&mu_);
    Row& row = rows_.at(event_id);
    if (row.delivered_at) return absl::OkStatus();
    ++row.attempts;
    row.last_error = error;
    row.available_at = retry_at;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> CountPending() override {
    absl::MutexLock lock(&mu_);
    int64_t n = 0;
    for (const auto& [id, row] : rows_) n += row.delivered_at ? 0 : 1;
    return n;
  }

  int lease_calls() {
    absl::MutexLock lock(&mu_);
    return lease_calls_;
  }
  Row row(const std::string& event_id) {
    absl::MutexLock lock(&mu_);
    return rows_.at(event_id);
  }

  // Set to make the method fail (kUnavailable: PostgreSQL down).
  absl::Status fail_record;
  absl::Status fail_lease;
  absl::Status fail_mark_delivered;

 private:
  absl::Mutex mu_;
  std::map<std::string, Row> rows_;
  int lease_calls_ = 0;
};

}  // namespace blend::email_worker::testing
