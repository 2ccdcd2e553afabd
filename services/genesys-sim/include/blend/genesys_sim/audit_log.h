#pragma once

// Every request the simulator served (admin /sim/ calls excepted), with counters, so tests
// can prove "no duplicate SMS", "no call after payment", "never over the rate limit".
// Keeps the newest `capacity` entries; counters count everything. Thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace blend::genesys_sim {

struct AuditEntry {
  int64_t seq = 0;
  absl::Time time;
  std::string method;
  std::string path;
  std::string operation;  // e.g. "sms.send", "contacts.add", "contacts.delete", "precall.evaluate"
  std::string client_id;  // empty when the request was not authenticated
  int status = 0;         // 0: connection dropped by fault injection before handling
  std::string body_sha256;  // hex digest of the request body ("" for an empty body)
  std::string touch_id;     // see README "Touch ids"
  std::string to_address;   // SMS/email recipient or inserted phone number(s), comma-separated
  std::string contact_id;   // outbound contact(s) the request or evaluation concerned
  std::string outcome;      // pre-call evaluations: "dial", "skip", "error-skip", "error-dial"
  std::string fault;        // injected faults, e.g. "latency,accepted_drop" (FaultDecision::Kinds)
};

// touch_id, to_address and contact_id match one item of the entry's comma-separated list.
struct AuditFilter {
  std::optional<std::string> method, path_prefix, operation, client_id, touch_id, to_address,
      contact_id;
  std::optional<int> status;
  std::optional<absl::Time> since, until;  // since inclusive, until exclusive
  size_t limit = 1000;
};

struct AuditCounters {
  int64_t total = 0;
  std::map<std::string, int64_t> by_operation;
  std::map<int, int64_t> by_status;
  std::map<std::string, int64_t> by_client;
};

class AuditLog {
 public:
  explicit AuditLog(size_t capacity) : capacity_(capacity) {}

  // Assigns seq and stores the entry.
  int64_t Record(AuditEntry entry);
  std::vector<AuditEntry> Query(const AuditFilter& filter) const;
  AuditCounters Counters() const;
  // The largest number of requests `client_id` made within any span of `window` among the
  // retained entries, counting what the rate limiter counts (no 429s, drops or token requests).
  int64_t MaxInWindow(const std::string& client_id, absl::Duration window) const;
  void Clear();

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<AuditEntry> entries_ ABSL_GUARDED_BY(mu_);
  AuditCounters counters_ ABSL_GUARDED_BY(mu_);
};

// Lower-case hex SHA-256 of `data` ("" for empty input).
std::string Sha256Hex(const std::string& data);

}  // namespace blend::genesys_sim
