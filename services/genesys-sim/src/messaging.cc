#include "blend/genesys_sim/messaging.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "blend/common/ids.h"

namespace blend::genesys_sim {

std::optional<bool> OptOutKeyword(const std::string& text) {
  std::string word = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  static const std::set<std::string> kStop = {"STOP",   "STOPALL", "UNSUBSCRIBE",
                                              "CANCEL", "END",     "QUIT"};
  static const std::set<std::string> kStart = {"START", "YES", "UNSTOP"};
  if (kStop.contains(word)) return true;
  if (kStart.contains(word)) return false;
  return std::nullopt;
}

MessagingState::MessagingState(const Clock& clock, const SimConfig& config)
    : clock_(clock), sms_senders_(config.sms_senders.begin(), config.sms_senders.end()) {
  for (const auto& e : config.email_senders) email_senders_.insert(absl::AsciiStrToLower(e));
  for (const auto& r : config.sms_replies) replies_.push_back({std::regex(r.to_regex), r});
}

bool MessagingState::IsSmsSender(const std::string& number) const {
  return sms_senders_.contains(number);
}

bool MessagingState::IsEmailSender(const std::string& email) const {
  return email_senders_.contains(absl::AsciiStrToLower(email));
}

bool MessagingState::IsOptedOut(const std::string& from, const std::string& to) const {
  absl::MutexLock lock(&mu_);
  return opt_outs_.contains({from, to});
}

SentSms MessagingState::RecordSms(const std::string& from, const std::string& to,
                                  const std::string& text, const std::string& touch_id) {
  absl::Time now = clock_.Now();
  SentSms sms{NewUuid(), NewUuid(), from, to, text, "queued", touch_id, now};
  absl::MutexLock lock(&mu_);
  if (opt_outs_.contains({from, to})) {
    sms.status = "failed";
  } else {
    for (const CompiledReply& r : replies_) {
      if (!std::regex_search(to, r.re)) continue;
      InboundSms reply{NewUuid(),   sms.conversation_id, to,    from,
                       r.rule.text, now + r.rule.delay,  sms.id};
      Pending p{reply.time, std::move(reply)};
      auto pos = std::upper_bound(pending_.begin(), pending_.end(), p.due,
                                  [](absl::Time t, const Pending& q) { return t < q.due; });
      pending_.insert(pos, std::move(p));
      break;
    }
  }
  sms_.push_back(sms);
  if (sms_.size() > kKept) sms_.pop_front();
  return sms;
}

SentEmail MessagingState::RecordEmail(const std::string& from, const std::string& to,
                                      const std::string& subject, const std::string& touch_id) {
  SentEmail email{NewUuid(), NewUuid(), from, to, subject, touch_id, clock_.Now()};
  absl::MutexLock lock(&mu_);
  emails_.push_back(email);
  if (emails_.size() > kKept) emails_.pop_front();
  return email;
}

void MessagingState::ApplyKeyword(const InboundSms& sms) {
  std::optional<bool> stop = OptOutKeyword(sms.text);
  if (!stop) return;
  // Opt-outs are per pair: the customer stops hearing from that one number of ours.
  if (*stop) {
    opt_outs_.insert({sms.to_address, sms.from_address});
  } else {
    opt_outs_.erase({sms.to_address, sms.from_address});
  }
}

std::vector<InboundSms> MessagingState::DueReplies() {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  std::vector<InboundSms> out;
  auto end =
      std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.due > now; });
  for (auto it = pending_.begin(); it != end; ++it) {
    ApplyKeyword(it->sms);
    out.push_back(std::move(it->sms));
  }
  pending_.erase(pending_.begin(), end);
  return out;
}

InboundSms MessagingState::Inject(const std::string& from, const std::string& to,
                                  const std::string& text) {
  InboundSms sms{NewUuid(), NewUuid(), from, to, text, clock_.Now(), ""};
  absl::MutexLock lock(&mu_);
  ApplyKeyword(sms);
  return sms;
}

std::vector<SentSms> MessagingState::Sms() const {
  absl::MutexLock lock(&mu_);
  return {sms_.begin(), sms_.end()};
}

std::vector<SentEmail> MessagingState::Emails() const {
  absl::MutexLock lock(&mu_);
  return {emails_.begin(), emails_.end()};
}

std::vector<std::pair<std::string, std::string>> MessagingState::OptOuts() const {
  absl::MutexLock lock(&mu_);
  return {opt_outs_.begin(), opt_outs_.end()};
}

}  // namespace blend::genesys_sim
