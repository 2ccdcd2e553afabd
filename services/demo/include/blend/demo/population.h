#pragma once

// The demo's customers, generated deterministically from a seed: time zones around the world
// with phone numbers of the same place, a share on the Genesys DNC list, a share that replies
// STOP to the first SMS, call outcomes chosen by the simulator's rule on the last digit, and a
// share that pays at a random moment.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace blend::demo {

// What the simulator will do with this number (its default outcome rules, by last digit).
enum class CallOutcome { kAnswered, kNoAnswer, kBusy, kMachine, kUncallable, kInvalid };
std::string_view CallOutcomeName(CallOutcome outcome);
CallOutcome OutcomeForNumber(std::string_view e164);

// How the customer responded before Blend (imported as engagement history): who answers calls,
// who replies to texts, who is new.
enum class PastResponder { kNone, kSms, kVoice };
std::string_view PastResponderName(PastResponder past);

struct DemoCustomer {
  std::string customer_id;
  std::string phone_e164;
  std::string email;
  std::string time_zone;      // IANA, consistent with the phone number's country / area code
  bool on_dnc = false;        // put on the simulator's demo-dnc list before the start
  bool replies_stop = false;  // number ends in 13: the simulator replies STOP to an SMS
  CallOutcome call_outcome = CallOutcome::kNoAnswer;
  bool pays = false;
  absl::Duration pays_after;  // from the start of the run; meaningful when `pays`
  PastResponder past = PastResponder::kNone;
};

// One past interaction to import (blend.v1.ImportInteractionRequest without the proto).
struct PastInteraction {
  std::string row_key;
  std::string customer_id;
  std::string channel;  // sms, voice, email
  absl::Duration ago;   // before the run
  std::string outcome;  // sent, replied, answered, no_answer, ...
  bool converted = false;
};

// The history behind each customer's `past`: voice responders answered two of three calls
// (one led to a payment) and never replied to texts; SMS responders the other way round.
std::vector<PastInteraction> PastInteractions(const std::vector<DemoCustomer>& customers);

struct PopulationOptions {
  int customers = 1000;
  uint64_t seed = 42;
  double dnc_share = 0.05;
  double stop_share = 0.05;
  double pay_share = 0.30;
  double sms_responder_share = 0.30;              // history: replies to texts
  double voice_responder_share = 0.30;            // history: answers calls
  absl::Duration pay_window = absl::Seconds(60);  // payments fall in [1 s, pay_window)
};

// Same options, same customers, on every machine (no std:: distributions, whose results are
// implementation-defined). Every phone number is valid for libphonenumber.
std::vector<DemoCustomer> GeneratePopulation(const PopulationOptions& options);

}  // namespace blend::demo
