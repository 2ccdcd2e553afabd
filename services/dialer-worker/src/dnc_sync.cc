#include "blend/dialer_worker/dnc_sync.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/status_macros.h"
#include "blend/consent/consent_store.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace blend::dialer_worker {
namespace {

constexpr char kRecordPush[] =
    "INSERT INTO dialer_dnc_pushes (dnc_list_id, address, pushed_at) "
    "SELECT $1, unnest($2::text[]), now() ON CONFLICT DO NOTHING";

// A PostgreSQL array literal of E.164 numbers (digits and '+' only: nothing to escape).
std::string ArrayLiteral(const std::vector<std::string>& numbers) {
  return absl::StrCat("{", absl::StrJoin(numbers, ","), "}");
}

}  // namespace

struct DncSync::Metrics {
  prometheus::Gauge* mirrored;
  prometheus::Counter* pushed;
  prometheus::Family<prometheus::Counter>* rounds;
};

DncSync::DncSync(store::ConnectionPool& pool, genesys::GenesysClient& genesys,
                 quota::QuotaGovernor& quota, const Clock& clock, DncSyncOptions options,
                 prometheus::Registry* registry, DeadlineTransport* requests)
    : pool_(pool),
      genesys_(genesys),
      quota_(quota),
      clock_(clock),
      options_(std::move(options)),
      requests_(requests) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(
      Metrics{&prometheus::BuildGauge()
                   .Name("blend_dialer_dnc_mirrored_numbers")
                   .Help("Numbers on the mirrored Genesys DNC lists at the last export")
                   .Register(*registry)
                   .Add({}),
              &prometheus::BuildCounter()
                   .Name("blend_dialer_dnc_pushed_total")
                   .Help("Numbers written to the internal Genesys DNC list")
                   .Register(*registry)
                   .Add({}),
              &prometheus::BuildCounter()
                   .Name("blend_dialer_dnc_sync_total")
                   .Help("DNC sync steps by step and result")
                   .Register(*registry)});
}

DncSync::~DncSync() { Stop(); }

void DncSync::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DncSync::Loop() {
  absl::Time next_mirror = absl::InfinitePast();
  for (;;) {
    // After BeginStop this push is the final flush (bounded by the shutdown deadline).
    absl::Status st = PushPending();
    const bool stopping = stop_;
    // A mirror is a refresh, not a promise: none starts once stopping.
    if (!stopping && st.ok() && clock_.Now() >= next_mirror) {
      st = Mirror();
      next_mirror = clock_.Now() + options_.interval;
    }
    if (metrics_) {
      metrics_->rounds->Add({{"step", "round"}, {"result", st.ok() ? "ok" : "error"}}).Increment();
    }
    if (stopping) {
      if (!st.ok()) {
        BLEND_LOG(kWarn,
                  "DNC write-back unfinished at shutdown; the pending numbers stay in "
                  "PostgreSQL for the next start",
                  {{"error", std::string(st.message())}});
      }
      return;
    }
    if (!st.ok()) {
      BLEND_LOG(kWarn, "DNC sync failed; next round later", {{"error", std::string(st.message())}});
    }
    // Returns at once after BeginStop: the next iteration is the final flush.
    wake_.WaitForNotificationWithTimeout(std::min(options_.push_interval, options_.interval));
  }
}

void DncSync::BeginStop() {
  absl::Time deadline = clock_.Now() + options_.shutdown_timeout;
  {
    absl::MutexLock lock(&stop_mu_);
    if (stop_) return;
    stop_ = true;
    deadline_ = deadline;
  }
  if (requests_ != nullptr) requests_->SetDeadline(deadline);
  wake_.Notify();
}

void DncSync::Stop() {
  BeginStop();
  if (thread_.joinable()) thread_.join();
}

bool DncSync::Expired() const {
  absl::MutexLock lock(&stop_mu_);
  return clock_.Now() >= deadline_;
}

// worker::AcquireQuotaBlocking gives up on a flag; this one on the shutdown deadline, so a
// final flush may still take tokens after BeginStop.
bool DncSync::TakeQuota(int tokens) {
  for (int i = 0; i < tokens; ++i) {
    for (;;) {
      if (Expired()) return false;
      absl::StatusOr<quota::QuotaGovernor::Decision> d = quota_.TryAcquire();
      if (d.ok() && d->granted) break;
      absl::Time until = d.ok() ? d->retry_at : clock_.Now() + absl::Seconds(1);
      absl::SleepFor(
          std::clamp(until - clock_.Now(), absl::Milliseconds(1), absl::Milliseconds(200)));
    }
  }
  return true;
}

void DncSync::SleepUnlessExpired(absl::Duration d) const {
  absl::Time until = clock_.Now() + d;
  while (!Expired() && clock_.Now() < until) {
    absl::SleepFor(std::min(until - clock_.Now(), absl::Milliseconds(200)));
  }
}

absl::Status DncSync::SyncOnce() {
  absl::Status push = PushPending();
  absl::Status mirror = Mirror();
  if (metrics_) {
    metrics_->rounds->Add({{"step", "push"}, {"result", push.ok() ? "ok" : "error"}}).Increment();
    metrics_->rounds->Add({{"step", "mirror"}, {"result", mirror.ok() ? "ok" : "error"}})
        .Increment();
  }
  return push.ok() ? mirror : push;
}

absl::Status DncSync::PushPending() {
  while (!Expired()) {
    BLEND_ASSIGN_OR_RETURN(
        std::vector<std::string> pending,
        store::WithTransaction(pool_,
                               [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
                                 // Phone opt-outs and DNC entries from any source but the
                                 // mirror, not yet pushed to the list (the consent record).
                                 return consent::pg::PhonesToPushToDnc(
                                     tx, options_.push_list_id, kMirrorSource, options_.push_batch);
                               },
                               {.read_only = true, .name = "dnc_pending"}));
    if (pending.empty()) return absl::OkStatus();
    BLEND_RETURN_IF_ERROR(PushNumbers(pending));
  }
  return absl::OkStatus();
}

absl::Status DncSync::PushNumbers(const std::vector<std::string>& numbers) {
  if (numbers.empty()) return absl::OkStatus();
  if (!TakeQuota(1)) return absl::CancelledError("shutdown bound passed");
  absl::Status st = genesys_.AddNumbersToDncList(options_.push_list_id, numbers).status();
  if (st.code() == absl::StatusCode::kInvalidArgument && numbers.size() > 1) {
    // One bad number rejects the batch: push one by one so the good ones go through.
    for (const std::string& n : numbers) {
      if (!TakeQuota(1)) return absl::CancelledError("shutdown bound passed");
      absl::Status one = genesys_.AddNumbersToDncList(options_.push_list_id, {n}).status();
      if (!one.ok() && one.code() != absl::StatusCode::kInvalidArgument) return one;
    }
    st = absl::OkStatus();
  } else if (st.code() == absl::StatusCode::kInvalidArgument) {
    BLEND_LOG(kWarn, "number not accepted by the Genesys DNC list",
              {{"phone", log::RedactPhone(numbers[0])}, {"error", std::string(st.message())}});
    st = absl::OkStatus();  // recorded below so it is not retried forever
  }
  BLEND_RETURN_IF_ERROR(st);
  if (metrics_) metrics_->pushed->Increment(static_cast<double>(numbers.size()));
  return Record(numbers);
}

absl::Status DncSync::Record(const std::vector<std::string>& numbers) {
  std::string array = ArrayLiteral(numbers);
  return store::WithTransaction(pool_,
                                [&](pqxx::work& tx) {
                                  tx.exec_params(kRecordPush, options_.push_list_id, array);
                                  consent::pg::PutDncNumbers(tx, numbers, kMirrorSource,
                                                             clock_.Now());
                                  return absl::OkStatus();
                                },
                                {.name = "dnc_record_push"});
}

absl::Status DncSync::Mirror() {
  absl::MutexLock lock(&mirror_mu_);
  absl::Time started = clock_.Now() - absl::Seconds(1);
  std::vector<std::string> all;
  for (const std::string& list : options_.mirror_list_ids) {
    // Start, poll, download.
    if (!TakeQuota(3)) return absl::CancelledError("shutdown bound passed");
    genesys::DncExportPolicy policy;
    policy.poll_interval = options_.export_poll_interval;
    policy.sleep = [this](absl::Duration d) { SleepUnlessExpired(d); };
    BLEND_ASSIGN_OR_RETURN(genesys::DncExportFile file, genesys_.ExportDncList(list, policy));
    all.insert(all.end(), file.numbers.begin(), file.numbers.end());
  }
  BLEND_RETURN_IF_ERROR(store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) {
        consent::pg::PutDncNumbers(tx, all, kMirrorSource, clock_.Now());
        // Rows recorded before this export started whose number is on no list any more: the
        // removal is recorded on the consent record (who: the mirror).
        consent::pg::RemoveStaleDncNumbers(tx, all, kMirrorSource, started, clock_.Now());
        return absl::OkStatus();
      },
      {.name = "dnc_mirror"}));
  if (metrics_) metrics_->mirrored->Set(static_cast<double>(all.size()));
  return absl::OkStatus();
}

}  // namespace blend::dialer_worker
