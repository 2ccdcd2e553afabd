#include "blend/genesys_sim/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "blend/http/client.h"
#include "blend/telemetry/log.h"

namespace blend::genesys_sim {

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(out), len));
}

absl::Status HttplibWebhookSender::Post(const std::string& url, const std::string& body,
                                        const HeaderList& headers) {
  absl::StatusOr<http::Reply> res = http::PostJson(url, body, headers, timeout_);
  if (!res.ok()) return res.status();
  if (res->status < 200 || res->status > 299) {
    return absl::UnavailableError(absl::StrCat("POST ", url, ": HTTP ", res->status));
  }
  return absl::OkStatus();
}

EventDispatcher::EventDispatcher(const Clock& clock, WebhookSender& sender, RetryPolicy policy,
                                 Secret secret)
    : clock_(clock), sender_(sender), policy_(policy), secret_(std::move(secret)) {}

void EventDispatcher::Enqueue(const std::string& kind, const std::string& event_id,
                              const std::string& url, std::string body) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  Delivery d;
  d.seq = next_seq_++;
  d.event_id = event_id;
  d.kind = kind;
  d.url = url;
  d.body = std::move(body);
  d.next_attempt = now;
  deliveries_.emplace(d.seq, std::move(d));
}

absl::Duration EventDispatcher::BackoffAfter(int attempts) const {
  absl::Duration d = policy_.initial_backoff;
  for (int i = 1; i < attempts && d < policy_.max_backoff; ++i) d *= 2;
  return std::min(d, policy_.max_backoff);
}

int EventDispatcher::DeliverDue() {
  std::vector<Delivery> due;
  {
    absl::Time now = clock_.Now();
    absl::MutexLock lock(&mu_);
    for (auto& [seq, d] : deliveries_) {
      if (d.state == DeliveryState::kPending && !d.in_flight && d.next_attempt <= now) {
        d.in_flight = true;
        due.push_back(d);
      }
    }
  }
  for (Delivery& d : due) {
    std::string result;
    HeaderList headers = {
        {kSignatureHeader, absl::StrCat("sha256=", HmacSha256Hex(secret_.Reveal(), d.body))},
        {kEventIdHeader, d.event_id},
        {kEventTypeHeader, d.kind},
        {kAttemptHeader, absl::StrCat(d.attempts + 1)}};
    absl::Status st = sender_.Post(d.url, d.body, headers);
    absl::Time now = clock_.Now();
    absl::MutexLock lock(&mu_);
    Delivery& stored = deliveries_.at(d.seq);
    stored.in_flight = false;
    ++stored.attempts;
    if (st.ok()) {
      stored.state = DeliveryState::kDelivered;
      stored.last_error.clear();
      result = "delivered";
    } else if (stored.attempts >= policy_.max_attempts) {
      stored.state = DeliveryState::kFailed;
      stored.last_error = std::string(st.message());
      result = "failed";
      BLEND_LOG(kWarn, "webhook delivery failed for good",
                {{"kind", d.kind},
                 {"url", d.url},
                 {"event_id", d.event_id},
                 {"attempts", absl::StrCat(stored.attempts)},
                 {"error", stored.last_error}});
    } else {
      stored.last_error = std::string(st.message());
      stored.next_attempt = now + BackoffAfter(stored.attempts);
      result = "retried";
    }
    ++counts_[absl::StrCat(d.kind, ".", result)];
    if (observer_) observer_(d.kind, result);
    if (stored.state != DeliveryState::kPending) {
      finished_.push_back(std::move(stored));
      deliveries_.erase(d.seq);
      while (finished_.size() > kFinishedKept) finished_.pop_front();
    }
  }
  return static_cast<int>(due.size());
}

std::vector<Delivery> EventDispatcher::Deliveries() const {
  absl::MutexLock lock(&mu_);
  std::vector<Delivery> out(finished_.begin(), finished_.end());
  for (const auto& [_, d] : deliveries_) out.push_back(d);
  std::sort(out.begin(), out.end(),
            [](const Delivery& a, const Delivery& b) { return a.seq < b.seq; });
  return out;
}

std::map<std::string, int64_t> EventDispatcher::Counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

absl::Time EventDispatcher::NextDue() const {
  absl::MutexLock lock(&mu_);
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [_, d] : deliveries_) {
    if (d.state == DeliveryState::kPending && !d.in_flight) next = std::min(next, d.next_attempt);
  }
  return next;
}

}  // namespace blend::genesys_sim
