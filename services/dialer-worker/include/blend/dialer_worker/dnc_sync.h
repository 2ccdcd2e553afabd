#pragma once

// Keeps Blend's suppression store and the Genesys DNC lists in agreement (Genesys has no
// per-number DNC lookup, so Blend decides before each insertion from its own store):
//  - Mirror: exports each of the campaign's Genesys DNC lists (CSV) and writes the numbers
//    into table `suppressions` as (channel VOICE, kind 'dnc', source 'genesys_dnc_mirror');
//    mirror rows whose number left every list are deleted. The orchestrator exposes no API for
//    suppressions, so the rows are written directly (the table is shared through
//    libs/store/migrations/0002_orchestrator.sql); ClaimTouch reads them.
//  - Push: every phone opt-out or DNC entry Blend knows of (any other source) is written to
//    the internal Genesys DNC list once (table dialer_dnc_pushes), so Genesys's own dial-time
//    scrub agrees with Blend; a pushed number also gets its mirror row at once.
// Every Genesys request takes a token of the OAuth client's shared quota first.
//
// Lifecycle: Start() runs Push every `push_interval` and Mirror every `interval` on a thread
// until Stop().
// SyncOnce/PushNumbers may also be called directly (tests, the webhook). Thread-safe.
// Status codes: kUnavailable (database or Genesys unreachable), Genesys errors as returned.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys/client.h"
#include "blend/quota/quota_governor.h"

namespace prometheus {
class Registry;
}
namespace blend::store {
class ConnectionPool;
}

namespace blend::dialer_worker {

inline constexpr char kMirrorSource[] = "genesys_dnc_mirror";

struct DncSyncOptions {
  std::vector<std::string> mirror_list_ids = {"demo-dnc"};  // the campaign's DNC lists
  std::string push_list_id = "demo-dnc";                     // the internal (rds) list
  absl::Duration interval = absl::Minutes(5);       // export + mirror
  absl::Duration push_interval = absl::Seconds(30);  // write-back of new opt-outs (cheap query)
  absl::Duration export_poll_interval = absl::Milliseconds(500);
  int push_batch = 500;
};

class DncSync {
 public:
  DncSync(store::ConnectionPool& pool, genesys::GenesysClient& genesys,
          quota::QuotaGovernor& quota, const Clock& clock, DncSyncOptions options,
          prometheus::Registry* registry = nullptr);
  ~DncSync();

  void Start();
  void Stop();

  // One round: push what is not yet on Genesys, then mirror the lists.
  absl::Status SyncOnce();
  absl::Status PushPending();
  absl::Status Mirror();
  // Writes `numbers` (E.164) to the internal DNC list now and records them (push + mirror row).
  absl::Status PushNumbers(const std::vector<std::string>& numbers);

 private:
  struct Metrics;
  bool TakeQuota(int tokens);
  absl::Status Record(const std::vector<std::string>& numbers);

  store::ConnectionPool& pool_;
  genesys::GenesysClient& genesys_;
  quota::QuotaGovernor& quota_;
  const Clock& clock_;
  const DncSyncOptions options_;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<bool> stop_{false};
  absl::Notification stopped_;
  std::thread thread_;
  absl::Mutex mirror_mu_;  // one mirror at a time
};

}  // namespace blend::dialer_worker
