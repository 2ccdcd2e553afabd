#pragma once

// Fakes of the worker's I/O seams, shared by the processor and loop tests.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "blend/genesys/error.h"
#include "blend/worker/executor.h"
#include "blend/worker/ports.h"
#include "blend/worker/touch_ledger.h"
#include "blend/worker/touch_queue.h"
#include "blend/worker/withdraw_handler.h"

namespace blend::worker {

// Grants with the touch in `stored` (by id), or, when none is stored there, with the bus copy
// itself as the stored touch.
class FakeClaimer : public TouchClaimer {
 public:
  absl::StatusOr<v1::ClaimTouchResponse> Claim(const v1::TouchCommand& bus_copy) override {
    const std::string& touch_id = bus_copy.touch_id();
    claims.push_back(touch_id);
    v1::ClaimTouchResponse r;
    r.set_decision(claimed.insert(touch_id).second
                       ? decision
                       : v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED);
    r.set_reason(reason);
    if (decision != v1::ClaimTouchResponse::DECISION_GRANTED) claimed.erase(touch_id);
    if (r.decision() == v1::ClaimTouchResponse::DECISION_GRANTED ||
        r.decision() == v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED) {
      auto it = stored.find(touch_id);
      if (with_touch) *r.mutable_touch() = it != stored.end() ? it->second : bus_copy;
    }
    return r;
  }
  v1::ClaimTouchResponse::Decision decision = v1::ClaimTouchResponse::DECISION_GRANTED;
  std::string reason;
  bool with_touch = true;  // false: an orchestrator that grants without the stored touch
  std::map<std::string, v1::TouchCommand> stored;
  std::set<std::string> claimed;
  std::vector<std::string> claims;
};

class FakeSender : public ChannelSender {
 public:
  absl::StatusOr<SendReceipt> Send(const v1::TouchCommand& touch) override {
    sent.push_back(touch.touch_id());
    sent_touches.push_back(touch);
    if (!errors.empty()) {
      absl::Status e = errors.front();
      errors.pop_front();
      return e;
    }
    return SendReceipt{{{"conversationId", "conv-" + touch.touch_id()}}};
  }
  std::deque<absl::Status> errors;
  std::vector<std::string> sent;
  std::vector<v1::TouchCommand> sent_touches;  // what Send() was given
};

inline absl::Status GenesysFailure(absl::StatusCode code, int http,
                                   std::optional<absl::Duration> retry_after,
                                   bool unknown = false) {
  genesys::GenesysError e;
  e.http_status = http;
  e.retry_after = retry_after;
  e.outcome_unknown = unknown;
  e.message = "boom";
  e.code = "some.code";
  return genesys::AttachGenesysError(absl::Status(code, "genesys said no"), e);
}

// The in-memory ledger, whose Complete can be made to fail (a lost commit).
class FlakyLedger final : public TouchLedger {
 public:
  absl::StatusOr<std::optional<LedgerEntry>> Find(const std::string& touch_id) override {
    return inner.Find(touch_id);
  }
  absl::StatusOr<bool> BeginCall(const std::string& touch_id, const std::string& channel,
                                 const std::string& worker_id, absl::Time now) override {
    return inner.BeginCall(touch_id, channel, worker_id, now);
  }
  absl::Status AbortCall(const std::string& touch_id) override { return inner.AbortCall(touch_id); }
  absl::StatusOr<v1::Disposition> Complete(const v1::Disposition& d, const std::string& worker_id,
                                           absl::Time now) override {
    if (fail_completes > 0) {
      --fail_completes;
      return absl::UnavailableError("connection lost during COMMIT");
    }
    return inner.Complete(d, worker_id, now);
  }
  int fail_completes = 0;
  InMemoryTouchLedger inner;
};

// Messages to deliver, what was committed and published, which partitions were revoked.
// Records the withdrawals it is given and answers with the queued results (kPublish of a
// WITHDRAWN disposition when none is queued).
class FakeWithdrawHandler final : public WithdrawHandler {
 public:
  absl::StatusOr<ProcessResult> Withdraw(const v1::WithdrawTouch& w) override {
    withdrawn.push_back(w.touch_id());
    if (!results.empty()) {
      absl::StatusOr<ProcessResult> r = std::move(results.front());
      results.pop_front();
      return r;
    }
    ProcessResult r{ProcessResult::Kind::kPublish, {}, absl::InfinitePast(), "withdrawn"};
    r.disposition.set_touch_id(w.touch_id());
    r.disposition.set_journey_id(w.journey_id());
    r.disposition.set_outcome(v1::TOUCH_OUTCOME_WITHDRAWN);
    return r;
  }
  std::vector<std::string> withdrawn;
  std::deque<absl::StatusOr<ProcessResult>> results;
};

class FakeTouchQueue final : public TouchQueue {
 public:
  std::optional<bus::Message> Poll(absl::Duration) override {
    ++polls;
    if (paused || incoming.empty()) return std::nullopt;
    bus::Message m = std::move(incoming.front());
    incoming.pop_front();
    return m;
  }
  absl::Status Commit(const bus::Message& m) override {
    committed.push_back(m.offset);
    return absl::OkStatus();
  }
  absl::Status PauseAll() override {
    paused = true;
    return absl::OkStatus();
  }
  absl::Status ResumeAll() override {
    paused = false;
    return absl::OkStatus();
  }
  bool StillAssigned(const bus::Message& m) const override {
    return !revoked.contains(m.partition);
  }
  int AssignedPartitions() const override { return assigned_partitions; }
  absl::StatusOr<int64_t> Lag() override { return lag; }
  absl::Status Publish(std::string_view topic, std::string_view key,
                       std::string_view payload) override {
    published.push_back({std::string(topic), std::string(key), std::string(payload)});
    return absl::OkStatus();
  }
  absl::Status PublishAsync(std::string_view topic, std::string_view key, std::string_view payload,
                            std::function<void(absl::Status)> done) override {
    published.push_back({std::string(topic), std::string(key), std::string(payload)});
    if (hold_deliveries) {
      deliveries.push_back(std::move(done));
    } else {
      done(absl::OkStatus());
    }
    return absl::OkStatus();
  }
  absl::Status DeadLetter(const bus::Message& m, std::string_view reason) override {
    dead_letters.push_back({m.offset, std::string(reason)});
    return absl::OkStatus();
  }
  // Answers the oldest held delivery.
  void Deliver(absl::Status status = absl::OkStatus()) {
    auto done = std::move(deliveries.front());
    deliveries.pop_front();
    done(std::move(status));
  }

  std::deque<bus::Message> incoming;
  bool paused = false;
  int polls = 0;
  std::set<int32_t> revoked;
  int assigned_partitions = 1;
  int64_t lag = 0;
  std::vector<int64_t> committed;
  std::vector<bus::OutgoingMessage> published;
  std::vector<std::pair<int64_t, std::string>> dead_letters;
  bool hold_deliveries = false;  // true: PublishAsync's answers wait for Deliver()
  std::deque<std::function<void(absl::Status)>> deliveries;
};

// Thrown by a fake port to end a job the way a process dies: mid-call, nothing after it runs.
struct SimulatedCrash {};

// Runs the loop's jobs only when the test says so, in any order.
class ManualExecutor final : public Executor {
 public:
  void Submit(std::function<void()> job) override { jobs.push_back(std::move(job)); }
  // Runs the i-th queued job (0 = oldest). A job that throws SimulatedCrash just ends.
  void Run(size_t i = 0) {
    std::function<void()> job = std::move(jobs[i]);
    jobs.erase(jobs.begin() + static_cast<std::ptrdiff_t>(i));
    try {
      job();
    } catch (const SimulatedCrash&) {
      ++crashed;
    }
  }
  void RunAll() {
    while (!jobs.empty()) Run();
  }
  std::vector<std::function<void()>> jobs;
  int crashed = 0;
};

// Sends like FakeSender, but dies in the middle of the Genesys request for touches named in
// `crash_on` (the request may have reached Genesys: the in-doubt case).
class CrashingSender final : public ChannelSender {
 public:
  absl::StatusOr<SendReceipt> Send(const v1::TouchCommand& touch) override {
    sent.push_back(touch.touch_id());
    if (crash_on.contains(touch.touch_id())) throw SimulatedCrash{};
    return SendReceipt{{{"conversationId", "conv-" + touch.touch_id()}}};
  }
  std::set<std::string> crash_on;
  std::vector<std::string> sent;
};

}  // namespace blend::worker
