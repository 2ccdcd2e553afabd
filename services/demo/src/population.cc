#include "blend/demo/population.h"

#include <array>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "blend/phone/phone.h"

namespace blend::demo {
namespace {

// A place: its IANA zone and how to make a valid local number there from random digits.
struct Place {
  const char* zone;
  const char* prefix;  // country code + area code
  int free_digits;     // digits after the prefix
  const char* lead;    // fixed first digits of those (keeps the number in a valid range)
};

// Spread over the world so that, at any hour, some customers are inside their calling
// window and some are held by quiet hours.
constexpr std::array<Place, 10> kPlaces{{
    {"America/New_York", "+1212", 7, "2"},
    {"America/Chicago", "+1312", 7, "2"},
    {"America/Denver", "+1303", 7, "2"},
    {"America/Los_Angeles", "+1213", 7, "2"},
    {"America/Sao_Paulo", "+5511", 9, "9"},
    {"Europe/London", "+4420", 8, "7"},
    {"Europe/Berlin", "+4930", 8, "2"},
    {"Asia/Kolkata", "+91", 10, "98"},
    {"Asia/Tokyo", "+813", 8, "5"},
    {"Australia/Sydney", "+612", 8, "9"},
}};

// splitmix64: tiny, portable, good enough to shuffle a demo population.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }

 private:
  uint64_t state_;
};

// Random digits after `lead`, ending in `last_two` when given (STOP repliers end in 13),
// otherwise with last digit `last` and never ending in 13.
std::string MakeNumber(Rng& rng, const Place& place, int last, bool stop) {
  std::string digits = place.lead;
  while (static_cast<int>(digits.size()) < place.free_digits) {
    digits += static_cast<char>('0' + rng.Below(10));
  }
  if (stop) {
    digits[digits.size() - 2] = '1';
    digits.back() = '3';
  } else {
    digits.back() = static_cast<char>('0' + last);
    if (last == 3 && digits[digits.size() - 2] == '1') digits[digits.size() - 2] = '2';
  }
  return absl::StrCat(place.prefix, digits);
}

}  // namespace

std::string_view PastResponderName(PastResponder past) {
  switch (past) {
    case PastResponder::kNone:
      return "none";
    case PastResponder::kSms:
      return "sms";
    case PastResponder::kVoice:
      return "voice";
  }
  return "none";
}

std::vector<PastInteraction> PastInteractions(const std::vector<DemoCustomer>& customers) {
  std::vector<PastInteraction> out;
  for (const DemoCustomer& c : customers) {
    if (c.past == PastResponder::kNone) continue;
    bool voice = c.past == PastResponder::kVoice;
    auto add = [&](const char* channel, int days, const char* outcome, bool converted) {
      out.push_back({absl::StrCat("hist-", c.customer_id, "-", out.size()), c.customer_id, channel,
                     absl::Hours(24 * days), outcome, converted});
    };
    add("voice", 90, voice ? "answered" : "no_answer", false);
    add("voice", 60, "no_answer", false);
    add("voice", 30, voice ? "answered" : "busy", voice);
    add("sms", 75, voice ? "sent" : "replied", false);
    add("sms", 45, voice ? "sent" : "replied", !voice);
  }
  return out;
}

std::string_view CallOutcomeName(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::kAnswered:
      return "answered";
    case CallOutcome::kNoAnswer:
      return "no-answer";
    case CallOutcome::kBusy:
      return "busy";
    case CallOutcome::kMachine:
      return "machine";
    case CallOutcome::kUncallable:
      return "uncallable";
    case CallOutcome::kInvalid:
      return "invalid";
  }
  return "unknown";
}

CallOutcome OutcomeForNumber(std::string_view e164) {
  int last = e164.empty() ? 4 : e164.back() - '0';
  if (last <= 3) return CallOutcome::kAnswered;
  if (last <= 5) return CallOutcome::kNoAnswer;
  if (last == 6) return CallOutcome::kBusy;
  if (last == 7) return CallOutcome::kMachine;
  if (last == 8) return CallOutcome::kUncallable;
  return CallOutcome::kInvalid;
}

std::vector<DemoCustomer> GeneratePopulation(const PopulationOptions& options) {
  Rng rng(options.seed);
  std::vector<DemoCustomer> out;
  out.reserve(options.customers);
  for (int i = 0; i < options.customers; ++i) {
    DemoCustomer c;
    c.customer_id = absl::StrFormat("cust-%d-%05d", options.seed, i);
    c.email = absl::StrCat(c.customer_id, "@customers.demo.example");
    const Place& place = kPlaces[rng.Below(kPlaces.size())];
    c.time_zone = place.zone;
    c.replies_stop = rng.Unit() < options.stop_share;
    c.on_dnc = !c.replies_stop && rng.Unit() < options.dnc_share;
    int last = static_cast<int>(rng.Below(10));
    // Regenerate the rare number libphonenumber rejects; the sequence stays deterministic.
    for (int attempt = 0; attempt < 100; ++attempt) {
      c.phone_e164 = MakeNumber(rng, place, last, c.replies_stop);
      if (phone::NormalizeE164(c.phone_e164).ok()) break;
    }
    c.call_outcome = OutcomeForNumber(c.phone_e164);
    c.pays = rng.Unit() < options.pay_share;
    double history = rng.Unit();
    c.past = history < options.voice_responder_share ? PastResponder::kVoice
             : history < options.voice_responder_share + options.sms_responder_share
                 ? PastResponder::kSms
                 : PastResponder::kNone;
    int64_t window_ms = absl::ToInt64Milliseconds(options.pay_window) - 1000;
    c.pays_after = absl::Milliseconds(1000 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(
                                                 std::max<int64_t>(window_ms, 1)))));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace blend::demo
