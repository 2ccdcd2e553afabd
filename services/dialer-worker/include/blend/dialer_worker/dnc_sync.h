#pragma once

// Keeps Blend's suppression store and the Genesys DNC lists in agreement (Genesys has no
// per-number DNC lookup, so Blend decides before each insertion from its own store):
//  - Mirror: exports each of the campaign's Genesys DNC lists (CSV) and writes the numbers
//    into Blend's consent record (libs/consent consent_store.h, the same code every other
//    suppression path writes through) as (channel VOICE, reason DNC, source
//    'genesys_dnc_mirror'); a mirror record whose number left every list is marked removed
//    (by the mirror). ClaimTouch and the dial-time check read them.
//  - Push: every phone opt-out or DNC entry Blend knows of (any other source) is written to
//    the internal Genesys DNC list once (table dialer_dnc_pushes), so Genesys's own dial-time
//    scrub agrees with Blend; a pushed number also gets its mirror row at once.
// Every Genesys request takes a token of the OAuth client's shared quota first.
//
// Lifecycle: Start() runs Push every `push_interval` and Mirror every `interval` on a thread
// until Stop(). A failed round is retried at the next interval.
// Shutdown (BeginStop at SIGTERM, then Stop): no new round or mirror starts and the wait is
// interrupted; the step in progress, or one last push of pending write-backs (the final
// flush), may run until `shutdown_timeout` after BeginStop. Then every quota wait and export
// poll gives up and the Genesys requests still in flight are given up on (DeadlineTransport),
// so Stop() returns by then whatever Genesys does. Nothing pending is lost: the pending set is
// read from PostgreSQL each round (phone opt-outs in `suppressions` with no dialer_dnc_pushes
// row), so the next start, or another replica, writes back what this one did not.
// SyncOnce/PushNumbers may also be called directly (tests, the webhook). Thread-safe.
// Status codes: kUnavailable (database or Genesys unreachable, or a request given up on at
// shutdown), kCancelled (shutdown bound passed before a request), Genesys errors as returned.

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
#include "blend/dialer_worker/deadline_transport.h"
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
  std::string push_list_id = "demo-dnc";                    // the internal (rds) list
  absl::Duration interval = absl::Minutes(5);               // export + mirror
  absl::Duration push_interval = absl::Seconds(30);  // write-back of new opt-outs (cheap query)
  absl::Duration export_poll_interval = absl::Milliseconds(500);
  int push_batch = 500;
  // How long the final flush may take after BeginStop (well under Kubernetes' 30 s grace).
  absl::Duration shutdown_timeout = absl::Seconds(5);
};

class DncSync {
 public:
  // `requests`, when set, is the transport under `genesys`: its deadline is set at BeginStop,
  // which ends the requests in flight at the bound (without it they run to their timeout).
  DncSync(store::ConnectionPool& pool, genesys::GenesysClient& genesys, quota::QuotaGovernor& quota,
          const Clock& clock, DncSyncOptions options, prometheus::Registry* registry = nullptr,
          DeadlineTransport* requests = nullptr);
  ~DncSync();

  void Start();
  // Starts the shutdown countdown and returns at once (first call wins).
  void BeginStop();
  // BeginStop, then waits for the thread: returns by `shutdown_timeout` after BeginStop.
  void Stop();

  // One round: push what is not yet on Genesys, then mirror the lists.
  absl::Status SyncOnce();
  absl::Status PushPending();
  absl::Status Mirror();
  // Writes `numbers` (E.164) to the internal DNC list now and records them (push + mirror row).
  absl::Status PushNumbers(const std::vector<std::string>& numbers);

 private:
  struct Metrics;
  void Loop();
  // True once the shutdown bound has passed.
  bool Expired() const;
  // Quota tokens, waiting as long as needed before the shutdown bound; false after it.
  bool TakeQuota(int tokens);
  // Sleeps `d` (an export poll interval), less when the shutdown bound comes first.
  void SleepUnlessExpired(absl::Duration d) const;
  absl::Status Record(const std::vector<std::string>& numbers);

  store::ConnectionPool& pool_;
  genesys::GenesysClient& genesys_;
  quota::QuotaGovernor& quota_;
  const Clock& clock_;
  const DncSyncOptions options_;
  DeadlineTransport* const requests_;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex stop_mu_;
  absl::Time deadline_ ABSL_GUARDED_BY(stop_mu_) = absl::InfiniteFuture();
  absl::Notification wake_;  // notified by BeginStop: ends the wait between rounds
  std::thread thread_;
  absl::Mutex mirror_mu_;  // one mirror at a time
};

}  // namespace blend::dialer_worker
