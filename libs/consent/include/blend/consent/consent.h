#pragma once

// One consent record per customer: the model and the decision, pure (no I/O).
//
// A Record suppresses a customer id, an address (E.164 phone or lower-case email), or both, on
// one channel or on all of them, for a reason, optionally until it expires. Every path that
// suppresses (SMS STOP, email unsubscribe, Genesys wrap-up codes, the Genesys DNC mirror, a CRM
// through ConsentService) writes Records (consent_store.h); every decision (emit, claim, the
// dial-time check) turns the customer's Records into policy::SuppressionFacts with Evaluate.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/channel.h"
#include "blend/policy/policy.h"

namespace blend::consent {

// The channels a record blocks. Numbers match blend.v1.SuppressionChannel (1-3 also match
// blend.v1.Channel) and the `channel` column.
enum class Scope : int16_t { kSms = 1, kVoice = 2, kEmail = 3, kAll = 4 };
// Numbers match blend.v1.SuppressionReason; names are the `kind` column.
enum class Reason : int16_t {
  kOptOut = 1,
  kDnc = 2,
  kLegalHold = 3,
  kBankruptcy = 4,
  kDeceased = 5,
  kCrm = 6,
};

std::string_view ScopeName(Scope scope);                 // "sms", "voice", "email", "all"
std::optional<Scope> ParseScope(std::string_view name);  // case-insensitive
std::string_view ReasonName(Reason reason);              // "opt_out", "dnc", "legal_hold", ...
// Accepts the names above case-insensitively, with '-' or ' ' for '_' ("legal-hold", "DNC").
std::optional<Reason> ParseReason(std::string_view name);
std::optional<Scope> ScopeFromInt(int value);
std::optional<Reason> ReasonFromInt(int value);
Scope ScopeOf(Channel channel);

struct Record {
  std::string suppression_id;
  std::string customer_id;  // "" for an address-only record
  std::string address;      // normalised; "" for a customer-id-only record
  Scope channel = Scope::kAll;
  Reason reason = Reason::kOptOut;
  std::string source;
  absl::Time recorded_at = absl::UnixEpoch();
  std::optional<absl::Time> expires_at;
  std::string note;
};

// An address as stored: a phone number in E.164 (anything libs/phone accepts, "US" default
// region), an email address lower-cased. InvalidArgument when it is neither.
absl::StatusOr<std::string> NormalizeAddress(std::string_view address);

// Validates and normalises a record before it is stored: a subject (customer id or address),
// a normalised address, a source. InvalidArgument with the reason otherwise.
absl::Status Normalize(Record& record);

// The campaign policy `optOutScope`: does an opt-out on one channel block the others?
enum class OptOutScope { kAll, kChannel };

// Whom a decision is about.
struct Subject {
  std::string customer_id;
  std::string phone_e164;
  std::string email;
};

// True when the record is in force at `now` (not expired) and is about `subject` (its customer
// id, or its phone or email).
bool Applies(const Record& record, const Subject& subject, absl::Time now);
// True when the record blocks `channel` under `scope`: an opt-out blocks every channel with
// OptOutScope::kAll and the channel it names (all: every channel) with kChannel; every other
// reason blocks the channel it names (all: every channel).
bool Blocks(const Record& record, Channel channel, OptOutScope scope);

// The decision's view of the records about `subject` (records about others are ignored).
// A DNC record blocking voice sets dnc_active; every other block sets <channel>_opted_out (the
// journey fails the touch with Blend.OptedOut, Blend.DncActive for DNC on voice).
policy::SuppressionFacts Evaluate(const std::vector<Record>& records, const Subject& subject,
                                  OptOutScope scope, absl::Time now);

}  // namespace blend::consent
