#include "blend/consent/consent.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "blend/phone/phone.h"

namespace blend::consent {
namespace {
// absl's string functions take absl::string_view (not std::string_view in every build).
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kSms:
      return "sms";
    case Scope::kVoice:
      return "voice";
    case Scope::kEmail:
      return "email";
    case Scope::kAll:
      return "all";
  }
  return "all";
}

std::optional<Scope> ParseScope(std::string_view name) {
  const std::string n = absl::AsciiStrToLower(Sv(name));
  for (Scope s : {Scope::kSms, Scope::kVoice, Scope::kEmail, Scope::kAll}) {
    if (n == ScopeName(s)) return s;
  }
  return std::nullopt;
}

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kOptOut:
      return "opt_out";
    case Reason::kDnc:
      return "dnc";
    case Reason::kLegalHold:
      return "legal_hold";
    case Reason::kBankruptcy:
      return "bankruptcy";
    case Reason::kDeceased:
      return "deceased";
    case Reason::kCrm:
      return "crm";
  }
  return "crm";
}

std::optional<Reason> ParseReason(std::string_view name) {
  std::string n = absl::AsciiStrToLower(absl::StripAsciiWhitespace(Sv(name)));
  std::replace(n.begin(), n.end(), '-', '_');
  std::replace(n.begin(), n.end(), ' ', '_');
  if (n == "optout") n = "opt_out";
  for (Reason r : {Reason::kOptOut, Reason::kDnc, Reason::kLegalHold, Reason::kBankruptcy,
                   Reason::kDeceased, Reason::kCrm}) {
    if (n == ReasonName(r)) return r;
  }
  return std::nullopt;
}

std::optional<Scope> ScopeFromInt(int value) {
  if (value < 1 || value > 4) return std::nullopt;
  return static_cast<Scope>(value);
}

std::optional<Reason> ReasonFromInt(int value) {
  if (value < 1 || value > 6) return std::nullopt;
  return static_cast<Reason>(value);
}

Scope ScopeOf(Channel channel) {
  switch (channel) {
    case Channel::kSms:
      return Scope::kSms;
    case Channel::kVoice:
      return Scope::kVoice;
    case Channel::kEmail:
      return Scope::kEmail;
  }
  return Scope::kAll;
}

absl::StatusOr<std::string> NormalizeAddress(std::string_view address) {
  std::string a(absl::StripAsciiWhitespace(Sv(address)));
  if (a.find('@') != std::string::npos) {
    const size_t at = a.find('@');
    if (at == 0 || at + 1 == a.size() || a.find('@', at + 1) != std::string::npos ||
        a.find(' ') != std::string::npos) {
      return absl::InvalidArgumentError("bad email address");
    }
    return absl::AsciiStrToLower(a);
  }
  auto e164 = phone::NormalizeE164(a);
  if (!e164.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an email address or phone number: ", e164.status().message()));
  }
  return *e164;
}

absl::Status Normalize(Record& record) {
  record.customer_id = std::string(absl::StripAsciiWhitespace(record.customer_id));
  if (!record.address.empty()) {
    auto a = NormalizeAddress(record.address);
    if (!a.ok()) return a.status();
    record.address = *a;
  }
  if (record.customer_id.empty() && record.address.empty()) {
    return absl::InvalidArgumentError("a suppression needs a customer_id or an address");
  }
  if (record.source.empty()) return absl::InvalidArgumentError("a suppression needs a source");
  if (record.expires_at && *record.expires_at <= record.recorded_at) {
    return absl::InvalidArgumentError("expires_at is not after recorded_at");
  }
  return absl::OkStatus();
}

bool Applies(const Record& r, const Subject& s, absl::Time now) {
  if (r.expires_at && *r.expires_at <= now) return false;
  if (!r.customer_id.empty() && r.customer_id == s.customer_id) return true;
  if (r.address.empty()) return false;
  return r.address == s.phone_e164 || r.address == s.email;
}

bool Blocks(const Record& r, Channel channel, OptOutScope scope) {
  if (r.reason == Reason::kOptOut && scope == OptOutScope::kAll) return true;
  return r.channel == Scope::kAll || r.channel == ScopeOf(channel);
}

policy::SuppressionFacts Evaluate(const std::vector<Record>& records, const Subject& subject,
                                  OptOutScope scope, absl::Time now) {
  policy::SuppressionFacts f;
  for (const Record& r : records) {
    if (!Applies(r, subject, now)) continue;
    if (Blocks(r, Channel::kSms, scope)) f.sms_opted_out = true;
    if (Blocks(r, Channel::kEmail, scope)) f.email_opted_out = true;
    if (Blocks(r, Channel::kVoice, scope)) {
      (r.reason == Reason::kDnc ? f.dnc_active : f.voice_opted_out) = true;
    }
  }
  return f;
}

}  // namespace blend::consent
