#include "blend/demo/call_race.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "blend/demo/event_times.h"

namespace blend::demo {
namespace {

struct ContactSeen {
  std::string touch_id;
  std::optional<absl::Time> inserted;  // first accepted insertion
  std::optional<absl::Time> removed;   // first accepted delete / update
};

bool Accepted(const AuditEntry& e) { return e.status / 100 == 2; }

// Contact id -> its touch, insertion and removal, from the simulator's audit. The dialer
// inserts one contact per request; a batch pairs ids and touch ids by position.
std::map<std::string, ContactSeen> Contacts(const std::vector<AuditEntry>& audit) {
  std::map<std::string, ContactSeen> out;
  for (const AuditEntry& e : audit) {
    bool insert = e.operation == "contacts.add";
    bool removal = e.operation == "contacts.delete" || e.operation == "contacts.update";
    if ((!insert && !removal) || !Accepted(e)) continue;
    for (size_t i = 0; i < e.contact_ids.size(); ++i) {
      ContactSeen& c = out[e.contact_ids[i]];
      if (c.touch_id.empty() && e.touch_ids.size() == e.contact_ids.size())
        c.touch_id = e.touch_ids[i];
      std::optional<absl::Time>& when = insert ? c.inserted : c.removed;
      if (!when || e.time < *when) when = e.time;
    }
  }
  return out;
}

std::string Lookup(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

std::optional<absl::Time> Find(const std::map<std::string, absl::Time>& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// True when Blend had the touch's outcome at `t` (the call had ended as far as it knew).
bool DoneBy(const std::map<std::string, std::optional<absl::Time>>& done, const std::string& touch,
            absl::Time t) {
  auto it = done.find(touch);
  return it != done.end() && it->second.has_value() && *it->second <= t;
}

}  // namespace

LatencyPercentiles Percentiles(std::vector<int64_t> sample) {
  LatencyPercentiles out;
  out.count = sample.size();
  if (sample.empty()) return out;
  std::sort(sample.begin(), sample.end());
  auto rank = [&](double q) {
    auto k = static_cast<size_t>(std::ceil(q * static_cast<double>(sample.size())));
    return sample[std::clamp<size_t>(k, 1, sample.size()) - 1];
  };
  out.p50 = rank(0.50);
  out.p99 = rank(0.99);
  return out;
}

CallRace ComputeCallRace(const CallRaceInputs& in) {
  CallRace r;
  std::map<std::string, ContactSeen> contacts = Contacts(in.audit);
  auto customer_of_touch = [&](const std::string& touch) {
    return Lookup(in.customer_of_journey, touch.substr(0, touch.find('/')));
  };
  // Contact id -> when each of its pre-call evaluations began (the simulator audits the start).
  std::map<std::string, std::vector<absl::Time>> checks;
  for (const AuditEntry& e : in.audit) {
    if (e.operation != "precall.evaluate") continue;
    for (const std::string& id : e.contact_ids) checks[id].push_back(e.time);
    ++r.precall_evaluations;
    r.precall_skipped += e.outcome == "skip";
    r.precall_error_skipped += e.outcome == "error-skip";
  }
  for (const auto& [id, c] : contacts) r.withdrawn += c.removed.has_value();

  // Earliest dial (placed or not) of each contact: when it left Genesys's queue.
  std::map<std::string, absl::Time> first_dial;
  for (const Call& call : in.calls) {
    if (call.contact_id.empty()) continue;
    auto [it, fresh] = first_dial.emplace(call.contact_id, call.time);
    if (!fresh) it->second = std::min(it->second, call.time);
  }

  for (const Call& call : in.calls) {
    if (!call.Placed()) continue;
    auto seen = contacts.find(call.contact_id);
    std::string touch = seen == contacts.end() ? "" : seen->second.touch_id;
    std::string customer = touch.empty() ? "" : customer_of_touch(touch);
    if (customer.empty()) customer = Lookup(in.customer_of_phone, call.phone_e164);
    if (customer.empty()) continue;
    std::string what = call.contact_id.empty()
                           ? absl::StrCat(customer, " dialled at ", ClockText(call.time))
                           : absl::StrCat(customer, " (contact ", call.contact_id, ", touch ",
                                          touch, ") dialled at ", ClockText(call.time));
    // The dial-time check that let this call through: the contact's last evaluation that began
    // before the dial. One that began before the event read Blend before it too (each of its
    // reads comes after its start), so it could not have seen the event: the call was decided
    // before it, like a call dialled before it. One that began after it had to see it.
    std::optional<absl::Time> checked;
    if (auto c = checks.find(call.contact_id); c != checks.end()) {
      for (absl::Time t : c->second) {
        if (t <= call.time && (!checked || t > *checked)) checked = t;
      }
    }
    const absl::Time decided = checked.value_or(call.time);
    bool after = false, ringing = false;
    auto judge = [&](std::optional<absl::Time> event, const char* name, int& counter) {
      if (!event) return;
      if (decided > *event) {
        ++counter;
        after = true;
        if (r.violations.size() < 200) {
          r.violations.push_back(absl::StrCat("call after ", name, ": ", what, ", ", name,
                                              " committed at ", ClockText(*event)));
        }
      } else if (call.time > *event || !DoneBy(in.touch_done_at, touch, *event)) {
        ringing = true;  // decided before the event, dialled after it or still ringing then
      }
    };
    judge(Find(in.paid_at, customer), "payment", r.calls_after_payment);
    judge(Find(in.opted_out_at, customer), "opt-out", r.calls_after_opt_out);
    if (ringing && !after) ++r.calls_in_progress_at_payment;
  }

  // The race itself: contacts queued (inserted, not yet dialled, not removed) when the
  // customer's payment committed, and how long their removal took.
  std::vector<int64_t> latency;
  for (const auto& [id, c] : contacts) {
    if (!c.inserted) continue;
    auto paid = Find(in.paid_at, customer_of_touch(c.touch_id));
    if (!paid || *c.inserted > *paid) continue;
    auto dial = first_dial.find(id);
    if (dial != first_dial.end() && dial->second <= *paid) continue;
    if (c.removed && *c.removed < *paid) continue;
    ++r.payments_with_contact_queued;
    if (c.removed) latency.push_back(absl::ToInt64Milliseconds(*c.removed - *paid));
  }
  r.withdraw_latency_ms = Percentiles(std::move(latency));
  return r;
}

}  // namespace blend::demo
