// TouchLedger's batch defaults (one by one) and BatchingTouchLedger (group commit).

#include "blend/worker/combiner.h"
#include "blend/worker/touch_ledger.h"

namespace blend::worker {

std::vector<absl::StatusOr<std::optional<LedgerEntry>>> TouchLedger::Finds(
    const std::vector<std::string>& touch_ids) {
  std::vector<absl::StatusOr<std::optional<LedgerEntry>>> out;
  out.reserve(touch_ids.size());
  for (const std::string& id : touch_ids) out.push_back(Find(id));
  return out;
}

std::vector<absl::StatusOr<bool>> TouchLedger::BeginCalls(
    const std::vector<BeginRequest>& requests) {
  std::vector<absl::StatusOr<bool>> out;
  out.reserve(requests.size());
  for (const BeginRequest& r : requests) {
    out.push_back(BeginCall(r.touch_id, r.channel, r.worker_id, r.now));
  }
  return out;
}

std::vector<absl::StatusOr<v1::Disposition>> TouchLedger::Completes(
    const std::vector<CompleteRequest>& requests) {
  std::vector<absl::StatusOr<v1::Disposition>> out;
  out.reserve(requests.size());
  for (const CompleteRequest& r : requests)
    out.push_back(Complete(r.disposition, r.worker_id, r.now));
  return out;
}

struct BatchingTouchLedger::Combiners {
  Combiners(TouchLedger& inner, size_t max_batch)
      : finds([&inner](const std::vector<std::string>& r) { return inner.Finds(r); }, max_batch),
        begins([&inner](const std::vector<BeginRequest>& r) { return inner.BeginCalls(r); },
               max_batch),
        completes([&inner](const std::vector<CompleteRequest>& r) { return inner.Completes(r); },
                  max_batch) {}
  Combiner<std::string, absl::StatusOr<std::optional<LedgerEntry>>> finds;
  Combiner<BeginRequest, absl::StatusOr<bool>> begins;
  Combiner<CompleteRequest, absl::StatusOr<v1::Disposition>> completes;
};

BatchingTouchLedger::BatchingTouchLedger(TouchLedger& inner, size_t max_batch)
    : inner_(inner), combiners_(std::make_unique<Combiners>(inner, max_batch)) {}

BatchingTouchLedger::~BatchingTouchLedger() = default;

absl::StatusOr<std::optional<LedgerEntry>> BatchingTouchLedger::Find(const std::string& touch_id) {
  return combiners_->finds.Submit(touch_id);
}

absl::StatusOr<bool> BatchingTouchLedger::BeginCall(const std::string& touch_id,
                                                    const std::string& channel,
                                                    const std::string& worker_id, absl::Time now) {
  return combiners_->begins.Submit(BeginRequest{touch_id, channel, worker_id, now});
}

absl::Status BatchingTouchLedger::AbortCall(const std::string& touch_id) {
  return inner_.AbortCall(touch_id);
}

absl::StatusOr<v1::Disposition> BatchingTouchLedger::Complete(const v1::Disposition& disposition,
                                                              const std::string& worker_id,
                                                              absl::Time now) {
  return combiners_->completes.Submit(CompleteRequest{disposition, worker_id, now});
}

}  // namespace blend::worker
