// Scenarios 1-6 of docs/architecture.md against the whole local cluster: the five real
// binaries, PostgreSQL and Kafka, on the real clock. The campaign's 24-hour wait is written as a
// few seconds; every test asserts on what genesys-sim really received (its audit, calls,
// messages) and on the journeys' final states and histories.

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cluster_harness.h"

namespace blend::e2e {
namespace {

constexpr int kWaitSeconds = 5;

// The seed's definition (its state names and Lambda ARNs, mapped by aliases) with the rest of
// the canonical journey: the call's "no answer" leads to an email, a blocked call (DNC or
// opt-out) to an email instead. The 24 h wait is kWaitSeconds.
constexpr char kCollections[] = R"json({
  "StartAt": "SendInitialSMS",
  "States": {
    "SendInitialSMS": {"Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:GenesysAgentlessSMS",
      "Parameters": {"text": "Invoice {{invoice}} is 30 days overdue. Reply STOP to opt out.", "invoice.$": "$.invoice"},
      "ResultPath": "$.sms", "Next": "WaitForPaymentOrTimeout"},
    "WaitForPaymentOrTimeout": {"Type": "Wait", "Seconds": 5, "Next": "CheckPaymentStatus"},
    "CheckPaymentStatus": {"Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:CheckCRMForPayment",
      "ResultPath": "$.payment", "Next": "PaymentChoice"},
    "PaymentChoice": {"Type": "Choice",
      "Choices": [{"Variable": "$.payment.paymentStatus", "StringEquals": "PAID", "Next": "CampaignSuccess"}],
      "Default": "InjectToVoiceDialer"},
    "InjectToVoiceDialer": {"Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:GenesysOutboundContactListInsert",
      "Parameters": {"invoice.$": "$.invoice"}, "ResultPath": "$.call", "Next": "CallOutcome",
      "Catch": [{"ErrorEquals": ["Blend.DncActive", "Blend.OptedOut"], "ResultPath": "$.blocked", "Next": "DncFallbackEmail"}]},
    "CallOutcome": {"Type": "Choice",
      "Choices": [{"Variable": "$.call.wrapupCode", "StringEquals": "ININ-OUTBOUND-NO-ANSWER", "Next": "NoAnswerEmail"}],
      "Default": "EndCampaign"},
    "NoAnswerEmail": {"Type": "Task", "Resource": "blend:email",
      "Parameters": {"subject": "Invoice {{invoice}}", "text": "We could not reach you about invoice {{invoice}}.", "invoice.$": "$.invoice"},
      "ResultPath": "$.email", "Next": "EndCampaign"},
    "DncFallbackEmail": {"Type": "Task", "Resource": "blend:email",
      "Parameters": {"subject": "Invoice {{invoice}}", "text": "Please pay invoice {{invoice}}.", "invoice.$": "$.invoice"},
      "ResultPath": "$.email", "Next": "EndCampaign"},
    "CampaignSuccess": {"Type": "Succeed"},
    "EndCampaign": {"Type": "Pass", "End": true}
  }
})json";

const std::map<std::string, std::string> kSeedAliases = {
    {"arn:aws:lambda:REGION:ACCOUNT:function:GenesysAgentlessSMS", "blend:sms"},
    {"arn:aws:lambda:REGION:ACCOUNT:function:CheckCRMForPayment", "blend:facts"},
    {"arn:aws:lambda:REGION:ACCOUNT:function:GenesysOutboundContactListInsert", "blend:voice"}};

// Two SMS a wait apart, then a call. A customer who opted out of SMS gets the call instead of
// the second SMS; a number on a DNC list gets an email instead of the call.
constexpr char kReminders[] = R"json({
  "StartAt": "FirstSms",
  "States": {
    "FirstSms": {"Type": "Task", "Resource": "blend:sms",
      "Parameters": {"text": "Invoice {{invoice}} is overdue.", "invoice.$": "$.invoice"},
      "ResultPath": "$.sms1", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 8, "Next": "SecondSms"},
    "SecondSms": {"Type": "Task", "Resource": "blend:sms",
      "Parameters": {"text": "Reminder: invoice {{invoice}}.", "invoice.$": "$.invoice"},
      "ResultPath": "$.sms2", "Next": "CallCustomer",
      "Catch": [{"ErrorEquals": ["Blend.OptedOut"], "ResultPath": "$.smsBlocked", "Next": "CallCustomer"}]},
    "CallCustomer": {"Type": "Task", "Resource": "blend:voice", "Parameters": {"invoice.$": "$.invoice"},
      "ResultPath": "$.call", "Next": "Done",
      "Catch": [{"ErrorEquals": ["Blend.DncActive", "Blend.OptedOut"], "ResultPath": "$.callBlocked", "Next": "EmailFallback"}]},
    "EmailFallback": {"Type": "Task", "Resource": "blend:email",
      "Parameters": {"subject": "Invoice {{invoice}}", "text": "Please pay invoice {{invoice}}.", "invoice.$": "$.invoice"},
      "ResultPath": "$.email", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

bool HistoryMentions(const v1::Journey& j, const std::string& kind, const std::string& text) {
  for (const auto& h : j.history()) {
    if (h.kind() == kind && absl::StrContains(h.detail().DebugString(), text)) return true;
  }
  return false;
}

class JourneyScenariosTest : public ClusterTest {
 protected:
  void StartCollections() {
    StartCluster();
    ASSERT_FALSE(HasFatalFailure());
    PutCampaign("collections", kCollections, kPolicies, kSeedAliases);
  }

  // Starts a collections journey; its id (fails the test if the start fails).
  std::string Start(const std::string& customer, const std::string& phone,
                    const std::string& campaign = "collections") {
    v1::StartJourneyResponse resp;
    grpc::Status s = StartJourney(JourneyRequest(campaign, customer, phone), &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(resp.created());
    return resp.journey_id();
  }

  v1::Journey WaitUntilWaiting(const std::string& id, const std::string& wait_state) {
    return WaitForJourney(id, [&](const v1::Journey& j) {
      return j.current_state() == wait_state && CountKind(j, "WaitStarted") == 1;
    });
  }

  // The timestamp of the STOP reply from `phone` that the simulator delivered to the dialer's
  // inbound-SMS webhook; "" (and a failure) when there is none.
  std::string DeliveredStopReply(const std::string& phone) {
    HttpResult events = SimGet("/sim/events");
    EXPECT_EQ(events.status, 200);
    for (const auto& e : events.body) {
      if (e.value("kind", "") != "inboundSms" || e["body"].value("fromAddress", "") != phone) {
        continue;
      }
      EXPECT_EQ(e.value("state", ""), "delivered") << e.dump();
      EXPECT_EQ(e["body"].value("textBody", ""), "STOP");
      return e["body"].value("timestamp", "");
    }
    ADD_FAILURE() << "no STOP reply from " << phone << ": " << events.body.dump();
    return "";
  }

  // The voice touch of `j` was inserted exactly once, at priority, into demo-contacts.
  void ExpectInsertedOnceAtPriority(const v1::Journey& j, const std::string& phone) {
    std::string voice_touch = OnlyTouch(j, "InjectToVoiceDialer");
    std::vector<AuditEntry> inserted = Audit({{"operation", "contacts.add"}, {"toAddress", phone}});
    ASSERT_EQ(inserted.size(), 1u) << "inserted exactly once";
    EXPECT_EQ(inserted[0].status, 200);
    EXPECT_EQ(inserted[0].touch_id, voice_touch);
    EXPECT_EQ(inserted[0].path, "/api/v2/outbound/contactlists/demo-contacts/contacts");
    HttpResult list = SimGet("/sim/contactlists/demo-contacts");
    ASSERT_EQ(list.status, 200);
    int matching = 0;
    for (const auto& c : list.body["contacts"]) {
      if (c["data"].value("touchId", "") != voice_touch) continue;
      ++matching;
      EXPECT_EQ(c["data"].value("phone", ""), phone);
      EXPECT_TRUE(c["configurationOverrides"].value("priority", false)) << c.dump();
    }
    EXPECT_EQ(matching, 1) << list.body.dump();
  }

  // The single touch the journey scheduled in `state`; "" (and a failure) otherwise.
  std::string OnlyTouch(const v1::Journey& j, const std::string& state) {
    std::vector<std::string> ids = TouchIds(j, state);
    EXPECT_EQ(ids.size(), 1u) << state << " in\n" << j.DebugString();
    return ids.empty() ? "" : ids[0];
  }
};

// 1. A CRM starts a journey for one customer; a retry with the same key is idempotent.
TEST_F(JourneyScenariosTest, StartJourneyRunsAndARetryWithTheSameKeyReturnsTheSameJourney) {
  StartCollections();
  ASSERT_FALSE(HasFatalFailure());
  const std::string phone = "+12125550140";
  v1::StartJourneyRequest request = JourneyRequest("collections", "cust-start", phone);
  v1::StartJourneyResponse first;
  ASSERT_TRUE(StartJourney(request, &first).ok());
  ASSERT_TRUE(first.created());
  v1::Journey j = GetJourney(first.journey_id());
  EXPECT_EQ(j.status(), v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(j.campaign_id(), "collections");
  EXPECT_EQ(j.customer_id(), "cust-start");
  EXPECT_EQ(j.client_key(), "key-cust-start");
  EXPECT_EQ(CountKind(j, "JourneyStarted"), 1);

  v1::StartJourneyResponse again;
  ASSERT_TRUE(StartJourney(request, &again).ok());
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.journey_id(), first.journey_id());

  // Same key, different input: refused, naming the existing journey.
  v1::StartJourneyRequest changed = request;
  (*changed.mutable_input()->mutable_fields())["invoice"].set_string_value("INV-other");
  v1::StartJourneyResponse refused;
  grpc::Status s = StartJourney(changed, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), first.journey_id())) << s.error_message();

  j = WaitUntilWaiting(first.journey_id(), "WaitForPaymentOrTimeout");
  EXPECT_EQ(j.status(), v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(CountKind(j, "JourneyStarted"), 1) << "the retry must not start a second run";
  std::string touch = OnlyTouch(j, "SendInitialSMS");
  std::vector<AuditEntry> sent = SentTouches("sms.send", touch);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to_address, phone);
  std::vector<AuditEntry> all = TouchRequestsOf(first.journey_id());
  EXPECT_EQ(all.size(), 1u) << "one journey, one SMS, whatever the retries";

  grpc::ClientContext ctx;
  v1::ListJourneysRequest list;
  list.set_customer_id("cust-start");
  v1::ListJourneysResponse listed;
  ASSERT_TRUE(journeys().ListJourneys(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.journeys_size(), 1);
  EXPECT_EQ(listed.journeys(0).journey_id(), first.journey_id());
}

// 2. The SMS touch goes out exactly once, then the journey waits its full wait.
TEST_F(JourneyScenariosTest, SmsTouchIsSentExactlyOnceThenTheJourneyWaits) {
  StartCollections();
  ASSERT_FALSE(HasFatalFailure());
  const std::string phone = "+12125550120";  // ends in 0: the later call is answered
  std::string id = Start("cust-sms", phone);
  v1::Journey j = WaitUntilWaiting(id, "WaitForPaymentOrTimeout");
  std::string touch = OnlyTouch(j, "SendInitialSMS");
  std::vector<AuditEntry> sent = SentTouches("sms.send", touch);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status, 200);
  EXPECT_EQ(sent[0].to_address, phone);
  EXPECT_EQ(sent[0].client_id, "demo-client");
  HttpResult messages = SimGet("/sim/messages/sms?toAddress=%2B12125550120");
  ASSERT_EQ(messages.status, 200);
  ASSERT_TRUE(messages.body.is_array()) << messages.body.dump();
  ASSERT_EQ(messages.body.size(), 1u) << messages.body.dump();
  EXPECT_TRUE(absl::StrContains(messages.body[0].dump(), "Invoice INV-cust-sms is 30 days overdue"))
      << messages.body.dump();
  EXPECT_TRUE(HistoryMentions(j, "TaskSucceeded", "SENT")) << j.DebugString();

  // The timer is set a full wait after the wait began, and it fires no earlier.
  absl::Time wait_began = HistoryTime(j, "WaitStarted", "WaitForPaymentOrTimeout");
  absl::Time due = absl::FromUnixSeconds(j.pending_timer().seconds()) +
                   absl::Nanoseconds(j.pending_timer().nanos());
  EXPECT_LE(absl::AbsDuration(due - wait_began - absl::Seconds(kWaitSeconds)), absl::Seconds(1))
      << j.DebugString();
  j = WaitForStatus(id, v1::JOURNEY_STATUS_SUCCEEDED);
  absl::Time woke = HistoryTime(j, "StateEntered", "CheckPaymentStatus");
  EXPECT_GE(woke - wait_began, absl::Seconds(kWaitSeconds) - absl::Milliseconds(5))
      << j.DebugString();
  EXPECT_EQ(Audit({{"operation", "sms.send"}, {"toAddress", phone}}).size(), 1u)
      << "the SMS was sent more than once";
  EXPECT_TRUE(Entered(j, "InjectToVoiceDialer"));
  EXPECT_FALSE(Entered(j, "NoAnswerEmail")) << "an answered call sends no email";
}

// 3. A payment during the wait ends the journey at once; nothing is sent afterwards, even
// once the wait would have elapsed.
TEST_F(JourneyScenariosTest, PaymentDuringTheWaitSucceedsAtOnceAndNoLaterTouchIsSent) {
  StartCollections();
  ASSERT_FALSE(HasFatalFailure());
  const std::string phone = "+12125550134";  // ends in 4: unpaid, it would be called and emailed
  std::string id = Start("cust-pays", phone);
  v1::Journey j = WaitUntilWaiting(id, "WaitForPaymentOrTimeout");
  absl::Time wait_began = HistoryTime(j, "WaitStarted", "WaitForPaymentOrTimeout");

  v1::SendCustomerEventResponse paid = SendPayment("cust-pays", "payment-1");
  EXPECT_EQ(paid.journeys_matched(), 1);
  EXPECT_FALSE(paid.duplicate());
  j = GetJourney(id);  // no polling: the event's transaction already ended it
  EXPECT_EQ(j.status(), v1::JOURNEY_STATUS_SUCCEEDED) << j.DebugString();
  EXPECT_EQ(CountKind(j, "ExitEventReceived"), 1);
  EXPECT_TRUE(HistoryMentions(j, "JourneyFinished", "SUCCEEDED")) << j.DebugString();
  EXPECT_TRUE(SendPayment("cust-pays", "payment-1").duplicate());

  // Past the wait, plus time for a call and an email had the journey gone on.
  absl::SleepFor(wait_began + absl::Seconds(kWaitSeconds + 4) - absl::Now());
  std::vector<AuditEntry> touches = TouchRequestsOf(id);
  ASSERT_EQ(touches.size(), 1u);
  EXPECT_EQ(touches[0].operation, "sms.send");
  EXPECT_TRUE(Audit({{"operation", "contacts.add"}}).empty());
  EXPECT_TRUE(Audit({{"operation", "email.send"}}).empty());
  EXPECT_TRUE(CallsTo(phone).empty());
  j = GetJourney(id);
  EXPECT_EQ(j.status(), v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_FALSE(Entered(j, "CheckPaymentStatus")) << j.DebugString();
  EXPECT_FALSE(Entered(j, "InjectToVoiceDialer"));
  EXPECT_EQ(Metric("orchestrator", "blend_journeys_finished_total",
                   {{"campaign", "collections"}, {"status", "SUCCEEDED"}}),
            1);
  EXPECT_EQ(Metric("dialer-worker", "blend_worker_touches_total"), 0);
  EXPECT_EQ(Metric("email-worker", "blend_worker_touches_total"), 0);
}

// 4. No payment: the customer is inserted once, at priority, into the voice campaign's contact
// list. A number on the Genesys DNC list is never called and its journey takes the DNC branch,
// both when Blend's mirror of the list has it (no insertion at all) and when the number was
// listed after the last mirror (inserted, but Genesys's dial-time scrub refuses it with
// ININ-OUTBOUND-ON-DO-NOT-CALL-LIST, which the dialer maps to DNC).
TEST_F(JourneyScenariosTest, UnpaidCustomerIsInsertedOnceAtPriorityAndDncNumbersAreNeverCalled) {
  const std::string phone = "+12125550141";        // answered
  const std::string dnc_phone = "+12125550145";    // listed before start: mirrored into Blend
  const std::string scrub_phone = "+12125550144";  // listed during the wait: only Genesys knows
  options_.dnc_refresh_interval = "10m";           // one mirror, when the dialer starts
  auto put_dnc_list = [&](const std::vector<std::string>& numbers) {
    HttpResult put = SimSend("PUT", "/sim/dnclists/demo-dnc",
                             {{"name", "Demo internal DNC"},
                              {"dncSourceType", "rds"},
                              {"contactMethod", "Phone"},
                              {"phoneNumbers", numbers}});
    EXPECT_EQ(put.status, 200) << put.body.dump();
  };
  StartSim();
  ASSERT_FALSE(HasFatalFailure());
  put_dnc_list({dnc_phone});
  StartServices();
  ASSERT_FALSE(HasFatalFailure());
  PutCampaign("collections", kCollections, kPolicies, kSeedAliases);
  std::string id = Start("cust-call", phone);
  std::string dnc_id = Start("cust-dnc", dnc_phone);
  std::string scrub_id = Start("cust-scrub", scrub_phone);
  WaitUntilWaiting(scrub_id, "WaitForPaymentOrTimeout");
  put_dnc_list({dnc_phone, scrub_phone});

  v1::Journey j = WaitForStatus(id, v1::JOURNEY_STATUS_SUCCEEDED);
  ExpectInsertedOnceAtPriority(j, phone);
  std::vector<nlohmann::json> calls = CallsTo(phone);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].value("wrapupCode", ""), "demo-wrapup-promise-to-pay");
  EXPECT_TRUE(Entered(j, "CallOutcome"));
  EXPECT_FALSE(Entered(j, "DncFallbackEmail"));

  // Mirrored: Blend refuses the voice touch itself; Genesys never hears of the number.
  v1::Journey d = WaitForStatus(dnc_id, v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_TRUE(Audit({{"operation", "contacts.add"}, {"toAddress", dnc_phone}}).empty())
      << "a mirrored DNC number must not be inserted";
  EXPECT_TRUE(CallsTo(dnc_phone).empty()) << "a DNC number must never be called";
  EXPECT_TRUE(HistoryMentions(d, "ErrorCaught", "Blend.DncActive")) << d.DebugString();
  EXPECT_TRUE(Entered(d, "DncFallbackEmail"));
  EXPECT_FALSE(Entered(d, "CallOutcome"));
  std::vector<AuditEntry> emails = SentTouches("email.send", OnlyTouch(d, "DncFallbackEmail"));
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].to_address, "cust-dnc@customer.example");

  // Not mirrored yet: inserted once, then scrubbed at dial time, no call placed.
  v1::Journey s = WaitForStatus(scrub_id, v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(Audit({{"operation", "contacts.add"}, {"toAddress", scrub_phone}}).size(), 1u);
  std::vector<nlohmann::json> scrubbed = CallsTo(scrub_phone);
  ASSERT_EQ(scrubbed.size(), 1u);
  EXPECT_EQ(scrubbed[0].value("wrapupCode", ""), "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST");
  EXPECT_EQ(scrubbed[0].value("conversationId", ""), "") << "no call may be placed";
  EXPECT_TRUE(HistoryMentions(s, "TaskFailed", "Blend.DncActive")) << s.DebugString();
  EXPECT_TRUE(Entered(s, "DncFallbackEmail"));
  EXPECT_FALSE(Entered(s, "NoAnswerEmail"));
  EXPECT_EQ(SentTouches("email.send", OnlyTouch(s, "DncFallbackEmail")).size(), 1u);
}

// 5. A call that ends "no answer" is followed by exactly one email; an answered call by none.
TEST_F(JourneyScenariosTest, NoAnswerLeadsToOneEmailAndAnAnsweredCallToNone) {
  StartCollections();
  ASSERT_FALSE(HasFatalFailure());
  const std::string no_answer_phone = "+12125550154";  // ends in 4: ININ-OUTBOUND-NO-ANSWER
  const std::string answered_phone = "+12125550152";   // ends in 2: answered by demo-agent
  std::string missed = Start("cust-missed", no_answer_phone);
  std::string reached = Start("cust-reached", answered_phone);

  v1::Journey m = WaitForStatus(missed, v1::JOURNEY_STATUS_SUCCEEDED);
  std::vector<nlohmann::json> calls = CallsTo(no_answer_phone);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].value("wrapupCode", ""), "ININ-OUTBOUND-NO-ANSWER");
  EXPECT_TRUE(HistoryMentions(m, "TaskSucceeded", "ININ-OUTBOUND-NO-ANSWER")) << m.DebugString();
  EXPECT_TRUE(Entered(m, "NoAnswerEmail"));
  std::string email_touch = OnlyTouch(m, "NoAnswerEmail");
  std::vector<AuditEntry> emails =
      Audit({{"operation", "email.send"}, {"toAddress", "cust-missed@customer.example"}});
  ASSERT_EQ(emails.size(), 1u) << "exactly one email";
  EXPECT_EQ(emails[0].status, 200);
  EXPECT_EQ(emails[0].touch_id, email_touch);
  HttpResult inbox = SimGet("/sim/messages/email?toAddress=cust-missed%40customer.example");
  ASSERT_EQ(inbox.status, 200);
  EXPECT_EQ(inbox.body.size(), 1u) << inbox.body.dump();
  EXPECT_GT(emails[0].time, HistoryTime(m, "StateEntered", "NoAnswerEmail") - absl::Seconds(1));

  v1::Journey r = WaitForStatus(reached, v1::JOURNEY_STATUS_SUCCEEDED);
  calls = CallsTo(answered_phone);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].value("wrapupCode", ""), "demo-wrapup-promise-to-pay");
  EXPECT_FALSE(calls[0].value("conversationId", "").empty());
  EXPECT_FALSE(Entered(r, "NoAnswerEmail")) << r.DebugString();
  EXPECT_TRUE(
      Audit({{"operation", "email.send"}, {"toAddress", "cust-reached@customer.example"}}).empty());
  EXPECT_TRUE(TouchIds(r, "NoAnswerEmail").empty());

  // The services' counters tell the same story: two dials, two call outcomes taken in by the
  // dialer's webhook, one email.
  EXPECT_EQ(Metric("genesys-sim", "blend_genesys_sim_dials_total",
                   {{"wrapup_code", "ININ-OUTBOUND-NO-ANSWER"}}),
            1);
  EXPECT_EQ(Metric("genesys-sim", "blend_genesys_sim_dials_total",
                   {{"wrapup_code", "demo-wrapup-promise-to-pay"}}),
            1);
  EXPECT_EQ(Metric("dialer-worker", "blend_dialer_webhook_requests_total",
                   {{"kind", "post_contact"}, {"status", "200"}}),
            2);
  EXPECT_EQ(Metric("email-worker", "blend_worker_touches_total",
                   {{"channel", "CHANNEL_EMAIL"}, {"outcome", "TOUCH_OUTCOME_SENT"}}),
            1);
}

// 6. An SMS STOP reply (the simulator's reply rule for numbers ending in 13) opts the customer
// out of SMS and puts the number on the Genesys DNC list: the second SMS is refused, the call
// is blocked, and the journey falls back to email. A customer who did not reply gets both.
TEST_F(JourneyScenariosTest, SmsStopBlocksLaterSmsAndTheDncEntryBlocksTheCallSoOnlyEmailRemains) {
  options_.sim_config = {
      {"smsReplies", {{{"toRegex", "13$"}, {"text", "STOP"}, {"delay", "500ms"}}}}};
  StartCluster();
  ASSERT_FALSE(HasFatalFailure());
  // optOutScope "channel": the STOP blocks SMS only, so the journey can fall back to email
  // (with the default "all" it would block the email too: consent_e2etest).
  nlohmann::json policies = nlohmann::json::parse(kPolicies);
  policies["optOutScope"] = "channel";
  PutCampaign("reminders", kReminders, policies.dump());
  const std::string stop_phone = "+12125550113";
  const std::string quiet_phone = "+12125550110";  // no reply; its call is answered
  std::string stopped = Start("cust-stop", stop_phone, "reminders");
  std::string control = Start("cust-quiet", quiet_phone, "reminders");

  v1::Journey s = WaitForStatus(stopped, v1::JOURNEY_STATUS_SUCCEEDED);
  std::vector<AuditEntry> sms = Audit({{"operation", "sms.send"}, {"toAddress", stop_phone}});
  ASSERT_EQ(sms.size(), 1u) << "only the first SMS may reach Genesys";
  EXPECT_EQ(sms[0].touch_id, OnlyTouch(s, "FirstSms"));
  EXPECT_EQ(sms[0].status, 200);
  // The STOP reply (delivered to the dialer's webhook) is the opt-out time: from then on no
  // request of either blocked channel reaches Genesys for this number.
  std::string stop_time = DeliveredStopReply(stop_phone);
  ASSERT_FALSE(stop_time.empty());
  absl::Time stopped_at;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, stop_time, &stopped_at, &err)) << err;
  EXPECT_LT(sms[0].time, stopped_at) << "the reply answers the first SMS";
  EXPECT_TRUE(
      Audit({{"operation", "sms.send"}, {"toAddress", stop_phone}, {"since", stop_time}}).empty());
  EXPECT_TRUE(Audit({{"operation", "contacts.add"}, {"toAddress", stop_phone}}).empty());
  EXPECT_TRUE(CallsTo(stop_phone).empty());
  EXPECT_TRUE(HistoryMentions(s, "ErrorCaught", "Blend.OptedOut")) << s.DebugString();
  EXPECT_TRUE(HistoryMentions(s, "ErrorCaught", "Blend.DncActive")) << s.DebugString();
  EXPECT_TRUE(Entered(s, "EmailFallback"));
  std::vector<AuditEntry> emails = SentTouches("email.send", OnlyTouch(s, "EmailFallback"));
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].to_address, "cust-stop@customer.example");
  // Blend wrote the opt-out back to the Genesys DNC list, so Genesys's own scrub agrees.
  HttpResult dnc = SimGet("/sim/dnclists/demo-dnc");
  ASSERT_EQ(dnc.status, 200);
  EXPECT_TRUE(absl::StrContains(dnc.body.dump(), "12125550113")) << dnc.body.dump();
  EXPECT_EQ(Metric("dialer-worker", "blend_dialer_webhook_requests_total",
                   {{"kind", "inbound_sms"}, {"status", "200"}}),
            1);

  v1::Journey c = WaitForStatus(control, v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(
      Audit({{"operation", "sms.send"}, {"toAddress", quiet_phone}, {"status", "200"}}).size(), 2u);
  EXPECT_EQ(Audit({{"operation", "contacts.add"}, {"toAddress", quiet_phone}}).size(), 1u);
  EXPECT_EQ(CallsTo(quiet_phone).size(), 1u);
  EXPECT_FALSE(Entered(c, "EmailFallback")) << c.DebugString();
  EXPECT_TRUE(
      Audit({{"operation", "email.send"}, {"toAddress", "cust-quiet@customer.example"}}).empty());
}

}  // namespace
}  // namespace blend::e2e
