// The campaigns the cost-curve benchmarks register (ASL definition + policies). Quiet hours are
// off so that no touch waits for a calling window; a payment ends every journey at once.
#pragma once

namespace blend::cost_curve {

// Policies shared by every benchmark campaign.
inline constexpr char kPolicies[] = R"json({
  "exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}],
  "quietHours": {"sms": null, "voice": null, "email": null},
  "choiceOnMissingVariable": "default",
  "genesys": {"smsFromNumber": "+18005550199", "oauthClient": "demo-client"}
})json";

// Parked for 30 days on a Wait: one durable timer far in the future.
inline constexpr char kWaitingDefinition[] = R"json({
  "StartAt": "AwaitPayment",
  "States": {
    "AwaitPayment": {"Type": "Wait", "Seconds": 2592000, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

// Waits until the timestamp $.dueAt, then enters "Due" (the step whose history entry is timed).
inline constexpr char kTimerDefinition[] = R"json({
  "StartAt": "Hold",
  "States": {
    "Hold": {"Type": "Wait", "TimestampPath": "$.dueAt", "Next": "Due"},
    "Due": {"Type": "Succeed"}
  }
})json";

// One SMS (a touch on blend.touch.sms), then parked for 30 days.
inline constexpr char kSmsDefinition[] = R"json({
  "StartAt": "Sms",
  "States": {
    "Sms": {"Type": "Task", "Resource": "blend:sms",
            "Parameters": {"text": "Your invoice is overdue. Pay at https://pay.demo.example/"},
            "ResultPath": "$.sms", "Next": "AwaitPayment"},
    "AwaitPayment": {"Type": "Wait", "Seconds": 2592000, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

}  // namespace blend::cost_curve
