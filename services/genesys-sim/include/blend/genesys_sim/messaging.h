#pragma once

// Agentless SMS and email as the simulator delivers them: the messages sent, SMS opt-outs
// per (sender number, recipient) pair as Genesys keeps them, and the simulated inbound
// replies ("STOP" from numbers matching a rule, some seconds after an SMS reached them).
// Thread-safe; never sleeps: DueReplies() hands out what is due at the clock's now.

#include <deque>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys_sim/config.h"

namespace blend::genesys_sim {

struct SentSms {
  std::string id;
  std::string conversation_id;
  std::string from_address;
  std::string to_address;
  std::string text;
  std::string status;  // "queued" (accepted) or "failed" (recipient opted out)
  std::string touch_id;
  absl::Time time;
};

struct SentEmail {
  std::string id;
  std::string conversation_id;
  std::string from_address;
  std::string to_address;
  std::string subject;
  std::string touch_id;
  absl::Time time;
};

// A message from a customer's phone to one of our SMS numbers.
struct InboundSms {
  std::string id;
  std::string conversation_id;
  std::string from_address;  // the customer
  std::string to_address;    // our sender number
  std::string text;
  absl::Time time;
  std::string in_reply_to;  // id of the SMS that triggered a simulated reply
};

// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (one word, any case) -> opt-out;
// START, YES, UNSTOP -> opt back in; anything else -> nullopt.
std::optional<bool> OptOutKeyword(const std::string& text);

class MessagingState {
 public:
  MessagingState(const Clock& clock, const SimConfig& config);

  bool IsSmsSender(const std::string& number) const;
  bool IsEmailSender(const std::string& email) const;
  bool IsOptedOut(const std::string& from, const std::string& to) const;

  // Records an accepted SMS and schedules a reply if a rule matches `to`. An SMS to an
  // opted-out pair is recorded as "failed" and triggers nothing.
  SentSms RecordSms(const std::string& from, const std::string& to, const std::string& text,
                    const std::string& touch_id);
  SentEmail RecordEmail(const std::string& from, const std::string& to, const std::string& subject,
                        const std::string& touch_id);
  // Replies due now, oldest first; each has already updated the opt-out state.
  std::vector<InboundSms> DueReplies();
  // An inbound SMS injected through the admin API (applies keywords at once).
  InboundSms Inject(const std::string& from, const std::string& to, const std::string& text);

  std::vector<SentSms> Sms() const;
  std::vector<SentEmail> Emails() const;
  // Opted-out pairs as (sender number, recipient).
  std::vector<std::pair<std::string, std::string>> OptOuts() const;

 private:
  struct Pending {
    absl::Time due;
    InboundSms sms;
  };
  struct CompiledReply {
    std::regex re;
    SmsReplyRule rule;
  };
  void ApplyKeyword(const InboundSms& sms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const std::set<std::string> sms_senders_;
  std::set<std::string> email_senders_;  // lower-case
  std::vector<CompiledReply> replies_;
  mutable absl::Mutex mu_;
  std::set<std::pair<std::string, std::string>> opt_outs_ ABSL_GUARDED_BY(mu_);
  std::deque<SentSms> sms_ ABSL_GUARDED_BY(mu_);
  std::deque<SentEmail> emails_ ABSL_GUARDED_BY(mu_);
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mu_);  // sorted by due
  static constexpr size_t kKept = 100000;              // newest messages kept for /sim/
};

}  // namespace blend::genesys_sim
